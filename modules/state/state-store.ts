/**
 * The state store: the S3 bucket and the KMS key that hold every other stack's Terraform state, and the bucket that
 * receives the state bucket's access logs.
 *
 * The key: rotated, KMS's default account statement as its explicit policy (modules/shared/customer-key.ts), kept
 * from `terraform destroy`, alias `alias/<env>-egress6-tfstate` (the other stacks' S3 backends name it before it
 * exists). The bucket: named exactly (the backends know its name), kept from `terraform destroy`, versioned with old
 * versions expiring after STATE_NONCURRENT_VERSION_DAYS, SSE-KMS with the key, closed to the public, TLS only
 * (modules/shared/bucket-protection.ts), every request logged to a bucket of its own.
 *
 * The resources are created directly in the scope given (no construct of their own), so their Terraform addresses
 * are `state_key`, `state_bucket`, `state_bucket_versioning`, ... in the bootstrap stack. Why the `CustomerKey` and
 * `HardenedBucket` constructs are not used as such: their resources would sit one construct level down, which changes
 * every resource's construct path (written into the synthesized JSON) and the bucket policy's address, and
 * HardenedBucket's policy waits for the public access block where the state bucket's does not.
 */
import type { Construct } from "constructs";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { stateKeyAlias } from "../../lib/names";
import { accountAdministersKey, DELETION_WINDOW_DAYS, keyAccountId } from "../shared/customer-key";
import { protectVersionedBucket } from "../shared/bucket-protection";
import { denyInsecureTransport, policyDocument } from "../shared/policy";
import { AccessLogBucket } from "../shared/access-log-bucket";

/** Days an overwritten state version is kept. */
export const STATE_NONCURRENT_VERSION_DAYS = 90;
/** Days the state bucket's access logs are kept. */
export const ACCESS_LOG_RETENTION_DAYS = 365;

/** S3 general purpose bucket names: 3 to 63 lowercase letters, digits, dots and hyphens, a letter or digit at each end. */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** What the state store needs. */
export interface StateStoreProps {
  /** The environment's name: the key's description and alias, the access log bucket's name prefix. */
  readonly envName: string;
  /** The state bucket's exact name (the S3 backends of the other stacks name it). */
  readonly bucketName: string;
  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`) of the region the store is built in. */
  readonly partition: string;
}

/** The state store's resources. */
export interface StateStore {
  /** The key the state is encrypted with. */
  readonly key: KmsKey;
  /** The state bucket. */
  readonly bucket: S3Bucket;
  /** The deploying account's id (a Terraform expression read from the key's ARN). */
  readonly accountId: string;
  /** The bucket that receives the state bucket's access logs. */
  readonly accessLogs: AccessLogBucket;
}

/** Creates the state store in `scope`. */
export function createStateStore(scope: Construct, props: StateStoreProps): StateStore {
  if (props.envName === "") throw new Error("state store: envName is empty");
  if (!BUCKET_NAME.test(props.bucketName)) throw new Error(`state store: ${JSON.stringify(props.bucketName)} is not an S3 bucket name`);

  const key = new KmsKey(scope, "state-key", {
    description: `egress6 ${props.envName}: Terraform state encryption`,
    enableKeyRotation: true,
    deletionWindowInDays: DELETION_WINDOW_DAYS,
    lifecycle: { preventDestroy: true },
  });
  new KmsAlias(scope, "state-key-alias", { name: stateKeyAlias(props.envName), targetKeyId: key.keyId });
  // An explicit key policy, like the other keys (modules/shared/customer-key.ts): the account's IAM policies decide.
  const accountId = keyAccountId(scope, "state-key-account-id", key.arn);
  new KmsKeyPolicy(scope, "state-key-policy", {
    keyId: key.keyId,
    policy: policyDocument([accountAdministersKey(props.partition, accountId)]),
  });

  const bucket = new S3Bucket(scope, "state-bucket", { bucket: props.bucketName, lifecycle: { preventDestroy: true } });
  // Old state versions stay long enough to roll back a bad apply, then expire.
  protectVersionedBucket(scope, "state-bucket-", bucket.id, {
    kmsKeyArn: key.arn,
    noncurrentVersionDays: STATE_NONCURRENT_VERSION_DAYS,
  });
  new S3BucketPolicy(scope, "state-bucket-tls-only", {
    bucket: bucket.id,
    policy: policyDocument([denyInsecureTransport("s3:*", [bucket.arn, `${bucket.arn}/*`])]),
  });
  // Every request on the state bucket is logged to a bucket of its own (SSE-S3, as log delivery requires).
  const accessLogs = new AccessLogBucket(scope, "state-access-logs", {
    namePrefix: `${props.envName}-state-logs-`,
    retentionDays: ACCESS_LOG_RETENTION_DAYS,
    accountId,
  });
  accessLogs.logsFor(scope, "state-bucket-logging", bucket, "state-bucket/");
  return { key, bucket, accountId, accessLogs };
}
