import { Testing } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { protectVersionedBucket, type BucketProtectionProps } from "../../../../modules/shared/bucket-protection";

const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const props: BucketProtectionProps = { kmsKeyArn: KEY_ARN, noncurrentVersionDays: 45 };
const BUCKET_ID = "${aws_s3_bucket.b.id}";

function synth(idPrefix = "b-", p: BucketProtectionProps = props): string {
  return Testing.synthScope((scope) => {
    const bucket = new S3Bucket(scope, "b", { bucketPrefix: "x-" });
    const publicAccess = protectVersionedBucket(scope, idPrefix, bucket.id, p);
    expect(publicAccess).toBeInstanceOf(S3BucketPublicAccessBlock);
  });
}

describe("protectVersionedBucket", () => {
  it("versions the bucket", () => {
    expect(synth()).toHaveResourceWithProperties(S3BucketVersioningA, {
      bucket: BUCKET_ID,
      versioning_configuration: { status: "Enabled" },
    });
  });

  it("expires noncurrent versions after the given days", () => {
    expect(synth()).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      bucket: BUCKET_ID,
      rule: [expect.objectContaining({ status: "Enabled", noncurrent_version_expiration: [{ noncurrent_days: 45 }] })],
    });
  });

  it("encrypts with SSE-KMS under the given key, bucket key on", () => {
    expect(synth()).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      bucket: BUCKET_ID,
      rule: [
        { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY_ARN }, bucket_key_enabled: true },
      ],
    });
  });

  it("blocks every public access setting and disables ACLs", () => {
    const json = synth();
    expect(json).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      bucket: BUCKET_ID,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(json).toHaveResourceWithProperties(S3BucketOwnershipControls, {
      bucket: BUCKET_ID,
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
  });

  it("names each resource <idPrefix><part>, in the scope given, and creates no bucket policy", () => {
    const r = JSON.parse(synth("state-bucket-")).resource;
    expect(Object.keys(r.aws_s3_bucket_versioning)).toEqual(["state-bucket-versioning"]);
    expect(Object.keys(r.aws_s3_bucket_lifecycle_configuration)).toEqual(["state-bucket-lifecycle"]);
    expect(Object.keys(r.aws_s3_bucket_server_side_encryption_configuration)).toEqual(["state-bucket-encryption"]);
    expect(Object.keys(r.aws_s3_bucket_public_access_block)).toEqual(["state-bucket-public-access"]);
    expect(Object.keys(r.aws_s3_bucket_ownership_controls)).toEqual(["state-bucket-ownership"]);
    expect(r.aws_s3_bucket_policy).toBeUndefined();
  });

  it.each([0, -1, 1.5])("refuses %p noncurrent days", (days) => {
    expect(() => synth("b-", { ...props, noncurrentVersionDays: days })).toThrow(/whole number of days >= 1/);
  });
});
