import { Testing } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { ACCESS_LOG_NONCURRENT_DAYS, AccessLogBucket, type AccessLogBucketProps } from "../../../../modules/shared/access-log-bucket";
import { ABORT_INCOMPLETE_UPLOAD_DAYS } from "../../../../modules/shared/bucket-lifecycle";
import { only, synthResources, type Resources } from "../../support/synth";

const props: AccessLogBucketProps = { namePrefix: "dev-egress6-access-logs-", retentionDays: 90, accountId: "111122223333" };
/** The bucket's own ARN and id as Terraform references. */
const ARN = /^\$\{aws_s3_bucket\.test_resource_[0-9A-F]+\.arn\}/;
const ID = /^\$\{aws_s3_bucket\.test_resource_[0-9A-F]+\.id\}$/;

function synth(p: AccessLogBucketProps = props, use: (bucket: AccessLogBucket) => void = () => undefined): { json: string; r: Resources } {
  return synthResources((scope) => {
    use(new AccessLogBucket(scope, "test", p));
  });
}

function policy(r: Resources): { Statement: Record<string, unknown>[] } {
  return JSON.parse(only(r, "aws_s3_bucket_policy").policy);
}

describe("AccessLogBucket", () => {
  it("creates a bucket named by prefix (Terraform adds the unique suffix)", () => {
    const { json } = synth();
    expect(json).toHaveResourceWithProperties(S3Bucket, { bucket_prefix: "dev-egress6-access-logs-" });
  });

  it("encrypts with SSE-S3 (the only default encryption server access log delivery writes to), not KMS", () => {
    const { json, r } = synth();
    expect(json).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      bucket: expect.stringMatching(ID),
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
    });
    expect(JSON.stringify(only(r, "aws_s3_bucket_server_side_encryption_configuration"))).not.toContain("kms");
  });

  it("blocks all public access and disables ACLs", () => {
    const { json } = synth();
    expect(json).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      bucket: expect.stringMatching(ID),
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(json).toHaveResourceWithProperties(S3BucketOwnershipControls, { rule: { object_ownership: "BucketOwnerEnforced" } });
  });

  it("is versioned", () => {
    expect(synth().json).toHaveResourceWithProperties(S3BucketVersioningA, {
      bucket: expect.stringMatching(ID),
      versioning_configuration: { status: "Enabled" },
    });
  });

  it("expires logs after retentionDays and their noncurrent versions after ACCESS_LOG_NONCURRENT_DAYS", () => {
    const lifecycle = only(synth().r, "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.rule).toEqual([
      {
        id: "expire-access-logs",
        status: "Enabled",
        filter: [{}],
        expiration: [{ days: 90 }],
        noncurrent_version_expiration: [{ noncurrent_days: ACCESS_LOG_NONCURRENT_DAYS }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: ABORT_INCOMPLETE_UPLOAD_DAYS }],
      },
    ]);
    expect(ACCESS_LOG_NONCURRENT_DAYS).toBe(30);
  });

  it("passes another retention through", () => {
    const lifecycle = only(synth({ ...props, retentionDays: 400 }).r, "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.rule[0].expiration).toEqual([{ days: 400 }]);
  });

  it("sets the lifecycle after versioning (provider documentation for versioned buckets)", () => {
    const lifecycle = only(synth().r, "aws_s3_bucket_lifecycle_configuration");
    expect(lifecycle.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_versioning\.test_versioning_/)]);
  });

  it("without sources, its policy only denies insecure transport, on the bucket and its objects", () => {
    const { r } = synth();
    expect(policy(r).Statement).toEqual([
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
    const bucketPolicy = only(synth().r, "aws_s3_bucket_policy");
    expect(bucketPolicy.depends_on).toEqual([expect.stringMatching(/^aws_s3_bucket_public_access_block\.test_public-access_/)]);
  });

  it("does not log itself (that would loop)", () => {
    const { r } = synth();
    expect(r.aws_s3_bucket_logging).toBeUndefined();
  });

  describe("logsFor", () => {
    const sources = (bucket: AccessLogBucket) => {
      bucket.logsFor(bucket, "audit-logging", { id: "audit-bucket", arn: "arn:aws:s3:::audit-bucket" }, "audit/");
      bucket.logsFor(bucket, "state-logging", { id: "state-bucket", arn: "arn:aws:s3:::state-bucket" }, "state/");
    };

    it("turns on server access logging of each source into this bucket, under its prefix", () => {
      const { json, r } = synth(props, sources);
      expect(json).toHaveResourceWithProperties(S3BucketLoggingA, {
        bucket: "audit-bucket",
        target_bucket: expect.stringMatching(ID),
        target_prefix: "audit/",
      });
      expect(json).toHaveResourceWithProperties(S3BucketLoggingA, { bucket: "state-bucket", target_prefix: "state/" });
      expect(Object.keys(r.aws_s3_bucket_logging)).toHaveLength(2);
    });

    it("lets the logging service write each source's logs under that source's prefix only, from this account", () => {
      const statements = policy(synth(props, sources).r).Statement;
      expect(statements[0].Sid).toBe("DenyInsecureTransport");
      expect(statements.slice(1)).toEqual([
        {
          Sid: "S3ServerAccessLogs1",
          Effect: "Allow",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: expect.stringMatching(/\.arn\}\/audit\/\*$/),
          Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::audit-bucket" }, StringEquals: { "aws:SourceAccount": "111122223333" } },
        },
        {
          Sid: "S3ServerAccessLogs2",
          Effect: "Allow",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: expect.stringMatching(/\.arn\}\/state\/\*$/),
          Condition: { ArnLike: { "aws:SourceArn": "arn:aws:s3:::state-bucket" }, StringEquals: { "aws:SourceAccount": "111122223333" } },
        },
      ]);
    });

    it("creates the logging resource in the scope it is given", () => {
      let logging: S3BucketLoggingA | undefined;
      Testing.synthScope((scope) => {
        const bucket = new AccessLogBucket(scope, "test", props);
        logging = bucket.logsFor(scope, "elsewhere", { id: "b", arn: "arn:aws:s3:::b" }, "b/");
      });
      expect(logging).toBeInstanceOf(S3BucketLoggingA);
      expect(logging!.node.scope?.node.id).not.toBe("test");
    });
  });
});
