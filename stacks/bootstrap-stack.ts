/**
 * The bootstrap stack (local state): the S3 bucket and KMS key that hold every other stack's state.
 * Deploy it once per account, before anything else: `cdktf deploy bootstrap`. With an S3 backend it is built in
 * backend.region, where the other stacks' backends look for the bucket (and where the key must be, for SSE-KMS).
 */
import { Construct } from "constructs";
import { Fn, TerraformLocal, TerraformOutput } from "cdktf";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { Egress6Stack } from "./base";
import { denyInsecureTransport, policyDocument } from "../modules/shared/policy";
import type { Egress6Config } from "../config/schema";
import { stateKeyAlias } from "../lib/names";
import { partitionOf } from "../lib/partition";
import { versionedBucketLifecycle } from "../modules/shared/bucket-lifecycle";
import { AccessLogBucket } from "../modules/shared/access-log-bucket";
import { closeBucketToThePublic } from "../modules/shared/bucket-access";

/** The state bucket's name: the configured S3 backend's bucket, or `<env>-egress6-tfstate` for a local-state config. */
export function stateBucketName(config: Egress6Config): string {
  return config.backend.type === "s3" ? config.backend.bucket : `${config.name}-egress6-tfstate`;
}

/** Days an overwritten state version is kept. */
export const STATE_NONCURRENT_VERSION_DAYS = 90;
/** Days the state bucket's access logs are kept. */
export const ACCESS_LOG_RETENTION_DAYS = 365;
/** Position of the account id in an ARN (`arn:partition:service:region:account:resource`). */
const ARN_ACCOUNT_FIELD = 4;

export class BootstrapStack extends Egress6Stack {
  readonly bucket: S3Bucket;
  readonly key: KmsKey;

  constructor(scope: Construct, config: Egress6Config) {
    const providerRegion = config.backend.type === "s3" ? config.backend.region : config.region;
    super(scope, "bootstrap", { config, forceLocalState: true, providerRegion });

    this.key = new KmsKey(this, "state-key", {
      description: `egress6 ${config.name}: Terraform state encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      lifecycle: { preventDestroy: true },
    });
    new KmsAlias(this, "state-key-alias", { name: stateKeyAlias(config.name), targetKeyId: this.key.keyId });
    // An explicit key policy, like the other keys (modules/shared/customer-key.ts): the account's IAM policies decide.
    const accountId = new TerraformLocal(this, "state-key-account-id", Fn.element(Fn.split(":", this.key.arn), ARN_ACCOUNT_FIELD)).asString;
    new KmsKeyPolicy(this, "state-key-policy", {
      keyId: this.key.keyId,
      policy: policyDocument([
        {
          Sid: "AccountAdministersKeyThroughIam",
          Effect: "Allow",
          Principal: { AWS: `arn:${partitionOf(providerRegion)}:iam::${accountId}:root` },
          Action: "kms:*",
          Resource: "*",
        },
      ]),
    });

    this.bucket = new S3Bucket(this, "state-bucket", {
      bucket: stateBucketName(config),
      lifecycle: { preventDestroy: true },
    });
    new S3BucketVersioningA(this, "state-bucket-versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketServerSideEncryptionConfigurationA(this, "state-bucket-encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true }],
    });
    closeBucketToThePublic(this, this.bucket.id, { publicAccess: "state-bucket-public-access", ownership: "state-bucket-ownership" });
    new S3BucketPolicy(this, "state-bucket-tls-only", {
      bucket: this.bucket.id,
      policy: policyDocument([denyInsecureTransport("s3:*", [this.bucket.arn, `${this.bucket.arn}/*`])]),
    });
    // Old state versions stay long enough to roll back a bad apply, then expire.
    versionedBucketLifecycle(this, "state-bucket-lifecycle", this.bucket.id, STATE_NONCURRENT_VERSION_DAYS);
    // Every request on the state bucket is logged to a bucket of its own (SSE-S3, as log delivery requires).
    const accessLogs = new AccessLogBucket(this, "state-access-logs", {
      namePrefix: `${config.name}-state-logs-`,
      retentionDays: ACCESS_LOG_RETENTION_DAYS,
      accountId,
    });
    accessLogs.logsFor(this, "state-bucket-logging", this.bucket, "state-bucket/");

    new TerraformOutput(this, "state_bucket", { value: this.bucket.bucket, description: "State bucket name" });
    new TerraformOutput(this, "state_kms_key_arn", { value: this.key.arn, description: "KMS key for the state bucket" });
  }
}
