/**
 * What closes every egress6 bucket to the public: all four public access block settings on, and ACLs disabled
 * (object ownership "bucket owner enforced"), so only the bucket policy and IAM decide who gets in.
 */
import type { Construct } from "constructs";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";

/**
 * Closes the bucket `bucketId` to the public (both resources in `scope`). Returns the public access block: a bucket
 * policy should depend on it (S3 refuses some policies before it exists).
 * @param ids construct ids of the two resources, for a scope that closes more than one bucket.
 *   @default `public-access` and `ownership`
 */
export function closeBucketToThePublic(
  scope: Construct,
  bucketId: string,
  ids: { readonly publicAccess: string; readonly ownership: string } = { publicAccess: "public-access", ownership: "ownership" },
): S3BucketPublicAccessBlock {
  const publicAccess = new S3BucketPublicAccessBlock(scope, ids.publicAccess, {
    bucket: bucketId,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  });
  new S3BucketOwnershipControls(scope, ids.ownership, { bucket: bucketId, rule: { objectOwnership: "BucketOwnerEnforced" } });
  return publicAccess;
}
