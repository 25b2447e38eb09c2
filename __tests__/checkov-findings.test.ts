/**
 * Checkov 3.x findings on the synthesized output (issue 9): server access logging for the audit and state buckets
 * (CKV_AWS_18), an explicit key policy on the state key (CKV2_AWS_64), noncurrent-version expiry and aborted
 * multipart uploads on every versioned bucket (CKV2_AWS_61, CKV_AWS_300); versioning on every bucket, the access-log
 * buckets included (CKV_AWS_21, issue 20); and reserved concurrency on the remediation function (CKV_AWS_115) left
 * off on purpose (issue 19: Lambda refuses it in accounts with a small quota).
 */
import { demoConfig, resources, synthStack, type TfJson } from "./helpers";

const demo = demoConfig();
const bootstrap = synthStack(demo, "bootstrap");
const observability = synthStack(demo, "observability");

/** `${aws_s3_bucket.<id>.id}` / `.bucket` -> `<id>`. */
const bucketIdOf = (ref: string) => /^\$\{aws_s3_bucket\.([\w-]+)\.(?:id|bucket)\}$/.exec(ref)?.[1];

function loggedBuckets(tf: TfJson): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of Object.values(resources(tf, "aws_s3_bucket_logging"))) out[bucketIdOf(l.bucket)!] = bucketIdOf(l.target_bucket)!;
  return out;
}

describe("server access logging (CKV_AWS_18)", () => {
  test.each([
    { stack: "bootstrap", tf: bootstrap, source: "state_bucket" },
    { stack: "observability", tf: observability, source: "audit_bucket" },
  ])("$stack: $source logs its requests to an access-log bucket that admits only S3 log delivery for it", ({ tf, source }) => {
    const target = loggedBuckets(tf)[source];
    expect(target).toBeDefined();
    expect(target).not.toBe(source);
    // Server access log delivery writes only to SSE-S3 targets (S3 user guide, "Enabling Amazon S3 server access logging").
    const enc = Object.values(resources(tf, "aws_s3_bucket_server_side_encryption_configuration")).find(
      (e: any) => bucketIdOf(e.bucket) === target,
    );
    expect(enc.rule[0].apply_server_side_encryption_by_default.sse_algorithm).toBe("AES256");
    const policy = Object.values(resources(tf, "aws_s3_bucket_policy")).find((p: any) => bucketIdOf(p.bucket) === target);
    const delivery = JSON.parse(policy.policy).Statement.find((s: any) => s.Principal?.Service === "logging.s3.amazonaws.com");
    expect(delivery).toMatchObject({ Effect: "Allow", Action: "s3:PutObject" });
    expect(delivery.Condition.ArnLike["aws:SourceArn"]).toBe(`\${aws_s3_bucket.${source}.arn}`);
  });
});

describe("lifecycle of versioned buckets (noncurrent versions expire, incomplete uploads are aborted)", () => {
  test.each([
    { stack: "bootstrap", tf: bootstrap },
    { stack: "observability", tf: observability },
    {
      stack: "observability with Parquet flow logs",
      tf: synthStack(demoConfig({ observability: { flowLogs: { s3Parquet: true } } }), "observability"),
    },
  ])(
    "$stack: every versioned bucket has a lifecycle with noncurrent_version_expiration and abort_incomplete_multipart_upload",
    ({ tf }) => {
      const versioned = Object.values(resources(tf, "aws_s3_bucket_versioning")).map((v: any) => bucketIdOf(v.bucket));
      expect(versioned.length).toBeGreaterThan(0);
      const lifecycles = Object.values(resources(tf, "aws_s3_bucket_lifecycle_configuration"));
      for (const b of versioned) {
        const lc = lifecycles.find((l: any) => bucketIdOf(l.bucket) === b);
        expect([b, lc !== undefined]).toEqual([b, true]);
        const rule = lc.rule.find((r: any) => r.status === "Enabled" && r.noncurrent_version_expiration);
        expect([rule.noncurrent_version_expiration].flat()[0].noncurrent_days).toBeGreaterThanOrEqual(30);
        expect(
          lc.rule.some((r: any) => r.status === "Enabled" && [r.abort_incomplete_multipart_upload].flat()[0]?.days_after_initiation > 0),
        ).toBe(true);
      }
    },
  );
});

test("the state key has an explicit key policy like the other keys (CKV2_AWS_64)", () => {
  const policies = Object.values(resources(bootstrap, "aws_kms_key_policy"));
  expect(policies.map((p: any) => p.key_id)).toEqual(["${aws_kms_key.state_key.key_id}"]);
  const st = JSON.parse(policies[0].policy).Statement;
  expect(st).toEqual([
    expect.objectContaining({
      Effect: "Allow",
      Action: "kms:*",
      Resource: "*",
      Principal: { AWS: "arn:aws:iam::${local.state_key_account_id}:root" },
    }),
  ]);
});

test("the remediation function reserves no concurrency (CKV_AWS_115 not met on purpose): Lambda refuses any reservation that leaves the account under 100 unreserved, so it would fail to apply in new accounts (quota 10)", () => {
  const fn = resources(observability, "aws_lambda_function").remediation_function;
  expect(fn).toBeDefined();
  expect(fn).not.toHaveProperty("reserved_concurrent_executions");
});

describe("versioning on every bucket (CKV_AWS_21), the access-log buckets with a bounded noncurrent expiry", () => {
  test.each([
    { stack: "bootstrap", tf: bootstrap, accessLogs: "state_access_logs" },
    { stack: "observability", tf: observability, accessLogs: "audit_access_logs" },
  ])("$stack: every bucket is versioned; the access-log bucket expires logs, then their noncurrent versions", ({ tf, accessLogs }) => {
    const buckets = Object.keys(resources(tf, "aws_s3_bucket"));
    const versioned = Object.values(resources(tf, "aws_s3_bucket_versioning"))
      .filter((v: any) => v.versioning_configuration.status === "Enabled")
      .map((v: any) => bucketIdOf(v.bucket));
    expect(buckets.filter((b) => !versioned.includes(b))).toEqual([]);
    const logBucket = accessLogs;
    expect(buckets).toContain(logBucket);
    const [lcId, lc] = Object.entries(resources(tf, "aws_s3_bucket_lifecycle_configuration")).find(
      ([, l]: [string, any]) => bucketIdOf(l.bucket) === logBucket,
    ) as [string, any];
    expect(lc.rule).toHaveLength(1);
    const rule = lc.rule[0];
    // One rule: current logs expire after the retention, a noncurrent version (an expired or deleted log) 30 days later.
    expect(rule.status).toBe("Enabled");
    expect(rule.expiration[0].days).toBeGreaterThan(0);
    expect(rule.expiration[0].expired_object_delete_marker).toBeUndefined();
    expect(rule.noncurrent_version_expiration[0].noncurrent_days).toBe(30);
    // The lifecycle waits for versioning (provider docs for aws_s3_bucket_lifecycle_configuration).
    const versioning = Object.entries(resources(tf, "aws_s3_bucket_versioning")).find(
      ([, v]: [string, any]) => bucketIdOf(v.bucket) === logBucket,
    )![0];
    expect([lcId, lc.depends_on]).toEqual([lcId, [`aws_s3_bucket_versioning.${versioning}`]]);
  });
});
