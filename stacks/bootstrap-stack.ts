/**
 * The bootstrap stack (local state): the S3 bucket and KMS key that hold every other stack's state.
 * Deploy it once per account, before anything else: `cdktf deploy bootstrap`. With an S3 backend it is built in
 * backend.region, where the other stacks' backends look for the bucket (and where the key must be, for SSE-KMS).
 */
import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { Egress6Stack } from "./base";
import { denyInsecureTransport, policyDocument } from "../modules/shared/policy";
import type { Egress6Config } from "../config/schema";
import { stateKeyAlias } from "../lib/names";

/** The state bucket's name: the configured S3 backend's bucket, or `<env>-egress6-tfstate` for a local-state config. */
export function stateBucketName(config: Egress6Config): string {
  return config.backend.type === "s3" ? config.backend.bucket : `${config.name}-egress6-tfstate`;
}

export class BootstrapStack extends Egress6Stack {
  readonly bucket: S3Bucket;
  readonly key: KmsKey;

  constructor(scope: Construct, config: Egress6Config) {
    super(scope, "bootstrap", {
      config,
      forceLocalState: true,
      providerRegion: config.backend.type === "s3" ? config.backend.region : config.region,
    });

    this.key = new KmsKey(this, "state-key", {
      description: `egress6 ${config.name}: Terraform state encryption`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      lifecycle: { preventDestroy: true },
    });
    new KmsAlias(this, "state-key-alias", { name: stateKeyAlias(config.name), targetKeyId: this.key.keyId });

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
    new S3BucketPublicAccessBlock(this, "state-bucket-public-access", {
      bucket: this.bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    new S3BucketOwnershipControls(this, "state-bucket-ownership", {
      bucket: this.bucket.id,
      rule: { objectOwnership: "BucketOwnerEnforced" },
    });
    new S3BucketPolicy(this, "state-bucket-tls-only", {
      bucket: this.bucket.id,
      policy: policyDocument([denyInsecureTransport("s3:*", [this.bucket.arn, `${this.bucket.arn}/*`])]),
    });

    new TerraformOutput(this, "state_bucket", { value: this.bucket.bucket, description: "State bucket name" });
    new TerraformOutput(this, "state_kms_key_arn", { value: this.key.arn, description: "KMS key for the state bucket" });
  }
}
