import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPublicAccessBlock } from "@cdktf/provider-aws/lib/s3-bucket-public-access-block";
import { S3BucketOwnershipControls } from "@cdktf/provider-aws/lib/s3-bucket-ownership-controls";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import {
  ACCESS_LOG_RETENTION_DAYS,
  createStateStore,
  STATE_NONCURRENT_VERSION_DAYS,
  type StateStore,
  type StateStoreProps,
} from "../../../../modules/state/state-store";
import { synthResources, type Resources } from "../../support/synth";

const props: StateStoreProps = { envName: "dev", bucketName: "dev-egress6-tfstate", partition: "aws" };
const STATE_BUCKET_ID = "${aws_s3_bucket.state-bucket.id}";
const KEY_ARN = "${aws_kms_key.state-key.arn}";

function synth(p: StateStoreProps = props, use: (store: StateStore) => void = () => undefined): { json: string; r: Resources } {
  return synthResources((scope) => {
    use(createStateStore(scope, p));
  });
}

function policyOf(r: Resources, type: string, id: string): { Statement: Record<string, unknown>[] } {
  return JSON.parse(r[type][id].policy);
}

describe("createStateStore: the key", () => {
  it("rotates, waits 30 days before deletion and is kept from terraform destroy", () => {
    expect(synth().json).toHaveResourceWithProperties(KmsKey, {
      description: "egress6 dev: Terraform state encryption",
      enable_key_rotation: true,
      deletion_window_in_days: 30,
      lifecycle: { prevent_destroy: true },
    });
  });

  it("has the alias the S3 backends name", () => {
    expect(synth().json).toHaveResourceWithProperties(KmsAlias, {
      name: "alias/dev-egress6-tfstate",
      target_key_id: "${aws_kms_key.state-key.key_id}",
    });
  });

  it("its policy is the account statement alone, in the given partition, the account read from the key's ARN", () => {
    const { json, r } = synth({ ...props, partition: "aws-us-gov" });
    expect(json).toHaveResourceWithProperties(KmsKeyPolicy, { key_id: "${aws_kms_key.state-key.key_id}" });
    expect(policyOf(r, "aws_kms_key_policy", "state-key-policy").Statement).toEqual([
      {
        Sid: "AccountAdministersKeyThroughIam",
        Effect: "Allow",
        Principal: { AWS: "arn:aws-us-gov:iam::${local.state-key-account-id}:root" },
        Action: "kms:*",
        Resource: "*",
      },
    ]);
    expect(JSON.parse(json).locals["state-key-account-id"]).toBe('${element(split(":", aws_kms_key.state-key.arn), 4)}');
  });
});

describe("createStateStore: the bucket", () => {
  it("is named exactly and kept from terraform destroy", () => {
    expect(synth().json).toHaveResourceWithProperties(S3Bucket, { bucket: "dev-egress6-tfstate", lifecycle: { prevent_destroy: true } });
  });

  it("is versioned; old state versions expire after STATE_NONCURRENT_VERSION_DAYS", () => {
    const { json } = synth();
    expect(json).toHaveResourceWithProperties(S3BucketVersioningA, {
      bucket: STATE_BUCKET_ID,
      versioning_configuration: { status: "Enabled" },
    });
    expect(STATE_NONCURRENT_VERSION_DAYS).toBe(90);
    expect(json).toHaveResourceWithProperties(S3BucketLifecycleConfiguration, {
      bucket: STATE_BUCKET_ID,
      rule: [expect.objectContaining({ noncurrent_version_expiration: [{ noncurrent_days: 90 }] })],
    });
  });

  it("encrypts with SSE-KMS under the state key, bucket key on", () => {
    expect(synth().json).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
      bucket: STATE_BUCKET_ID,
      rule: [
        { apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY_ARN }, bucket_key_enabled: true },
      ],
    });
  });

  it("blocks every public access setting and disables ACLs", () => {
    const { json } = synth();
    expect(json).toHaveResourceWithProperties(S3BucketPublicAccessBlock, {
      bucket: STATE_BUCKET_ID,
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    expect(json).toHaveResourceWithProperties(S3BucketOwnershipControls, {
      bucket: STATE_BUCKET_ID,
      rule: { object_ownership: "BucketOwnerEnforced" },
    });
  });

  it("its policy denies every request without TLS, on the bucket and its objects, and allows nothing", () => {
    const { r } = synth();
    expect(policyOf(r, "aws_s3_bucket_policy", "state-bucket-tls-only").Statement).toEqual([
      {
        Sid: "DenyInsecureTransport",
        Effect: "Deny",
        Principal: "*",
        Action: "s3:*",
        Resource: ["${aws_s3_bucket.state-bucket.arn}", "${aws_s3_bucket.state-bucket.arn}/*"],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ]);
  });

  it("logs every request to an access log bucket of its own, kept ACCESS_LOG_RETENTION_DAYS", () => {
    const { json, r } = synth();
    expect(json).toHaveResourceWithProperties(S3Bucket, { bucket_prefix: "dev-state-logs-" });
    expect(json).toHaveResourceWithProperties(S3BucketLoggingA, { bucket: STATE_BUCKET_ID, target_prefix: "state-bucket/" });
    expect(ACCESS_LOG_RETENTION_DAYS).toBe(365);
    const logRules = Object.values(r.aws_s3_bucket_lifecycle_configuration)
      .filter((l) => l.bucket !== STATE_BUCKET_ID)
      .flatMap((l) => l.rule);
    expect(logRules).toContainEqual(expect.objectContaining({ expiration: [{ days: ACCESS_LOG_RETENTION_DAYS }] }));
  });

  it("returns the key, the bucket, the account id and the access log bucket", () => {
    synth(props, (store) => {
      expect(store.key).toBeInstanceOf(KmsKey);
      expect(store.bucket).toBeInstanceOf(S3Bucket);
      expect(store.accountId).toMatch(/^\$\{TfToken\[/);
      expect(store.accessLogs.bucket).toBeInstanceOf(S3Bucket);
    });
  });
});

describe("createStateStore: input errors", () => {
  it.each([
    ["an empty environment name", { envName: "" }, /envName is empty/],
    ["a bucket name with capitals", { bucketName: "Dev-State" }, /not an S3 bucket name/],
    ["a bucket name too short", { bucketName: "ab" }, /not an S3 bucket name/],
    ["a bucket name ending in a hyphen", { bucketName: "dev-state-" }, /not an S3 bucket name/],
  ])("refuses %s", (_what, change, message) => {
    expect(() => synth({ ...props, ...change })).toThrow(message);
  });
});
