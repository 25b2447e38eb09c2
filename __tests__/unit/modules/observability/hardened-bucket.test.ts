import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { HardenedBucket, type HardenedBucketProps } from "../../../../modules/observability/hardened-bucket";
import { only, synthResources, type Resources } from "../../support/synth";

const KEY_ARN = "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const props: HardenedBucketProps = { namePrefix: "dev-egress6-audit-", kmsKeyArn: KEY_ARN };
const ID = /^\$\{aws_s3_bucket\.test_resource_[0-9A-F]+\.id\}$/;
const ARN = /^\$\{aws_s3_bucket\.test_resource_[0-9A-F]+\.arn\}$/;

function synth(p: HardenedBucketProps = props, use: (bucket: HardenedBucket) => void = () => undefined): { json: string; r: Resources } {
  return synthResources((scope) => {
    use(new HardenedBucket(scope, "test", p));
  });
}

function statements(r: Resources): Record<string, unknown>[] {
  return JSON.parse(only(r, "aws_s3_bucket_policy").policy).Statement;
}

describe("HardenedBucket", () => {
  it("creates a bucket named by prefix", () => {
    expect(synth().json).toHaveResourceWithProperties(S3Bucket, { bucket_prefix: "dev-egress6-audit-" });
  });

  it("is versioned", () => {
    expect(synth().json).toHaveResourceWithProperties(S3BucketVersioningA, {
      bucket: expect.stringMatching(ID),
      versioning_configuration: { status: "Enabled" },
    });
  });

  it("encrypts with SSE-KMS under the given key, bucket key on", () => {
    expect(synth().json).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      bucket: expect.stringMatching(ID),
      rule: [
        { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY_ARN }, bucket_key_enabled: true },
      ],
    });
  });

  it("blocks every public access setting and disables ACLs", () => {
    const { json } = synth();
    expect(json).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      bucket: expect.stringMatching(ID),
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(json).toHaveResourceWithProperties(S3BucketOwnershipControls, {
      bucket: expect.stringMatching(ID),
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
  });

  it("keeps noncurrent versions 365 days by default", () => {
    const lifecycle = only(synth().r, "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.bucket).toMatch(ID);
    expect(lifecycle.rule[0].noncurrent_version_expiration).toEqual([{ noncurrent_days: 365 }]);
  });

  it("keeps noncurrent versions for noncurrentVersionDays when given", () => {
    const lifecycle = only(synth({ ...props, noncurrentVersionDays: 30 }).r, "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.rule[0].noncurrent_version_expiration).toEqual([{ noncurrent_days: 30 }]);
  });

  it("never expires current versions (audit data stays)", () => {
    const lifecycle = only(synth().r, "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.rule).toHaveLength(1);
    expect(lifecycle.rule[0]).not.toHaveProperty("expiration");
  });

  it("without writers, its policy only denies insecure transport on the bucket and its objects", () => {
    expect(statements(synth().r)).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: [expect.stringMatching(ARN), expect.stringMatching(/\.arn\}\/\*$/)],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });

  it("puts its policy in place only after the public access block", () => {
    const { json, r } = synth();
    expect(json).toHaveResourceWithProperties(S3BucketPolicy, { bucket: expect.stringMatching(ID) });
    expect(only(r, "aws_s3_bucket_policy").depends_on).toEqual([
      expect.stringMatching(/^aws_s3_bucket_public_access_block\.test_public-access_/),
    ]);
  });

  it("allow() appends Allow statements after the TLS deny, in call order, including those made after construction", () => {
    const { r } = synth(props, (bucket) => {
      bucket.allow({
        Sid: "WriterAclCheck",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:GetBucketAcl",
        Resource: bucket.arn,
      });
      bucket.allow({
        Sid: "WriterWrite",
        Principal: { Service: "cloudtrail.amazonaws.com" },
        Action: "s3:PutObject",
        Resource: `${bucket.arn}/cloudtrail/*`,
        Condition: { StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } },
      });
    });
    const all = statements(r);
    expect(all.map((s) => [s.Sid, s.Effect])).toEqual([
      ["DenyInsecureTransport", "Deny"],
      ["WriterAclCheck", "Allow"],
      ["WriterWrite", "Allow"],
    ]);
    expect(all[1]).toEqual({
      Sid: "WriterAclCheck",
      Effect: "Allow",
      Principal: { Service: "cloudtrail.amazonaws.com" },
      Action: "s3:GetBucketAcl",
      Resource: expect.stringMatching(ARN),
    });
    expect(all[2].Resource).toMatch(/\.arn\}\/cloudtrail\/\*$/);
    expect(all[2].Condition).toEqual({ StringEquals: { "s3:x-amz-acl": "bucket-owner-full-control" } });
  });

  it("exposes the bucket and its policy", () => {
    let made: HardenedBucket | undefined;
    synth(props, (bucket) => {
      made = bucket;
    });
    expect(made!.bucket).toBeInstanceOf(S3Bucket);
    expect(made!.policy).toBeInstanceOf(S3BucketPolicy);
    // `arn` is the bucket's ARN: the allow() test above shows it rendered as `${aws_s3_bucket.<bucket>.arn}`.
  });
});
