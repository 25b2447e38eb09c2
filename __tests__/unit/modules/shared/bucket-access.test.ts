import { Testing } from "cdktf";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { closeBucketToThePublic } from "../../../../modules/shared/bucket-access";

describe("closeBucketToThePublic", () => {
  it("turns on all four public access block settings for the bucket", () => {
    const json = Testing.synthScope((scope) => {
      closeBucketToThePublic(scope, "my-bucket");
    });
    expect(json).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      bucket: "my-bucket",
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
  });

  it("disables ACLs (object ownership bucket owner enforced)", () => {
    const json = Testing.synthScope((scope) => {
      closeBucketToThePublic(scope, "my-bucket");
    });
    expect(json).toHaveResourceWithProperties(S3BucketOwnershipControls, {
      bucket: "my-bucket",
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
  });

  it("returns the public access block (for a bucket policy to depend on)", () => {
    let returned: unknown;
    Testing.synthScope((scope) => {
      returned = closeBucketToThePublic(scope, "my-bucket");
    });
    expect(returned).toBeInstanceOf(S3BucketPublicAccessBlock);
  });

  it("uses the ids public-access and ownership by default", () => {
    const resource = JSON.parse(
      Testing.synthScope((scope) => {
        closeBucketToThePublic(scope, "b");
      }),
    ).resource;
    expect(Object.keys(resource.aws_s3_bucket_public_access_block)).toEqual([expect.stringMatching(/^public-access/)]);
    expect(Object.keys(resource.aws_s3_bucket_ownership_controls)).toEqual([expect.stringMatching(/^ownership/)]);
  });

  it("takes other ids, so two buckets can be closed in one scope", () => {
    const resource = JSON.parse(
      Testing.synthScope((scope) => {
        closeBucketToThePublic(scope, "a");
        closeBucketToThePublic(scope, "b", { publicAccess: "b-public-access", ownership: "b-ownership" });
      }),
    ).resource;
    const blocks = Object.entries(resource.aws_s3_bucket_public_access_block) as [string, { bucket: string }][];
    expect(blocks.map(([id, b]) => [id.replace(/_[0-9A-F]{8}$/, ""), b.bucket]).sort()).toEqual([
      ["b-public-access", "b"],
      ["public-access", "a"],
    ]);
    expect(Object.keys(resource.aws_s3_bucket_ownership_controls)).toHaveLength(2);
  });
});
