/**
 * What every egress6 bucket of durable data gets: versioning, a lifecycle that expires noncurrent versions,
 * SSE-KMS with a customer-managed key (bucket key on), every public access setting blocked and ACLs disabled.
 * The bucket policy (TLS only, plus its writers) is the caller's: its id and its statements differ.
 *
 * The resources are created in the scope given, named `<idPrefix>versioning`, `<idPrefix>lifecycle`,
 * `<idPrefix>encryption`, `<idPrefix>public-access` and `<idPrefix>ownership`.
 */
import type { Construct } from "constructs";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import type { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { versionedBucketLifecycle } from "./bucket-lifecycle";
import { closeBucketToThePublic } from "./bucket-access";

/** What `protectVersionedBucket` needs besides the bucket. */
export interface BucketProtectionProps {
  /** The customer-managed key every object is encrypted with. */
  readonly kmsKeyArn: string;
  /** Days a noncurrent (overwritten or deleted) object version is kept. */
  readonly noncurrentVersionDays: number;
}

/** Versions, expires, encrypts and closes the bucket; returns the public access block (a bucket policy may depend on it). */
export function protectVersionedBucket(
  scope: Construct,
  idPrefix: string,
  bucketId: string,
  props: BucketProtectionProps,
): S3BucketPublicAccessBlock {
  if (!Number.isInteger(props.noncurrentVersionDays) || props.noncurrentVersionDays < 1) {
    throw new Error(
      `protectVersionedBucket: noncurrentVersionDays must be a whole number of days >= 1, not ${props.noncurrentVersionDays}`,
    );
  }
  new S3BucketVersioningA(scope, `${idPrefix}versioning`, { bucket: bucketId, versioningConfiguration: { status: "Enabled" } });
  versionedBucketLifecycle(scope, `${idPrefix}lifecycle`, bucketId, props.noncurrentVersionDays);
  new S3BucketServerSideEncryptionConfigurationA(scope, `${idPrefix}encryption`, {
    bucket: bucketId,
    rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: props.kmsKeyArn }, bucketKeyEnabled: true }],
  });
  return closeBucketToThePublic(scope, bucketId, { publicAccess: `${idPrefix}public-access`, ownership: `${idPrefix}ownership` });
}
