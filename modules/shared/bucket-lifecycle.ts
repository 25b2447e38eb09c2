/**
 * The lifecycle every versioned egress6 bucket gets: a noncurrent (overwritten or deleted) version expires after a
 * set number of days, so versioning protects against a bad write without keeping every old object forever, and an
 * incomplete multipart upload is aborted after a week (its parts are billed until then).
 */
import { Construct } from "constructs";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";

/** Days before S3 removes the parts of a multipart upload that never completed. */
export const ABORT_INCOMPLETE_UPLOAD_DAYS = 7;

/**
 * Adds the lifecycle above to the versioned bucket `bucketId`: noncurrent versions expire after `noncurrentDays`,
 * incomplete multipart uploads are aborted after ABORT_INCOMPLETE_UPLOAD_DAYS; current versions never expire.
 */
export function versionedBucketLifecycle(
  scope: Construct,
  id: string,
  bucketId: string,
  noncurrentDays: number,
): S3BucketLifecycleConfiguration {
  return new S3BucketLifecycleConfiguration(scope, id, {
    bucket: bucketId,
    rule: [
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        // An empty filter: the rule applies to every object (without one, provider 5.x warns and S3 reads it as legacy).
        filter: [{}],
        noncurrentVersionExpiration: [{ noncurrentDays }],
        abortIncompleteMultipartUpload: [{ daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS }],
      },
    ],
  });
}
