import { POLICY_OBJECT_KEY, PolicyStore } from "../../../../modules/proxy/policy-store";
import { only, synthResources } from "../../support/synth";

const KEY = "arn:aws:kms:eu-west-1:123456789012:key/inspection";

describe("PolicyStore", () => {
  let store: PolicyStore | undefined;
  const { r } = synthResources((scope) => {
    store = new PolicyStore(scope, "store", { namePrefix: "dev-policy-", kmsKeyArn: KEY, bundle: "# egress6-policy-version: abc\n" });
  });

  test("a bucket of its own: versioned, noncurrent versions kept 365 days, SSE-KMS with the key, closed, TLS only", () => {
    expect(only(r, "aws_s3_bucket")).toMatchObject({ bucket_prefix: "dev-policy-" });
    expect(only(r, "aws_s3_bucket_versioning")).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    expect(JSON.stringify(only(r, "aws_s3_bucket_lifecycle_configuration"))).toContain('"noncurrent_days":365');
    expect(only(r, "aws_s3_bucket_server_side_encryption_configuration")).toMatchObject({
      rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: KEY } }],
    });
    expect(only(r, "aws_s3_bucket_public_access_block")).toMatchObject({ block_public_policy: true, restrict_public_buckets: true });
    expect(only(r, "aws_s3_bucket_ownership_controls")).toMatchObject({ rule: { object_ownership: "BucketOwnerEnforced" } });
    expect(JSON.parse(only(r, "aws_s3_bucket_policy").policy).Statement).toEqual([
      expect.objectContaining({ Sid: "DenyInsecureTransport", Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    ]);
  });

  test("one object, the bundle, encrypted with the key, written after versioning is on", () => {
    const object = only(r, "aws_s3_object");
    expect(object).toMatchObject({ key: POLICY_OBJECT_KEY, content: "# egress6-policy-version: abc\n", kms_key_id: KEY });
    expect(object.depends_on.some((d: string) => d.startsWith("aws_s3_bucket_versioning."))).toBe(true);
  });

  test("a reader may get that object (any version) and decrypt only through S3 for this bucket", () => {
    const [read, decrypt] = store!.readStatements("eu-west-1");
    expect(read.Action).toEqual(["s3:GetObject", "s3:GetObjectVersion"]);
    expect(read.Resource).toMatch(/\/egress6\/policy-bundle$/);
    expect(decrypt.Action).toBe("kms:Decrypt");
    expect(decrypt.Resource).toBe(KEY);
    expect(decrypt.Condition?.StringEquals["kms:ViaService"]).toBe("s3.eu-west-1.amazonaws.com");
    expect(store!.readStatements("eu-west-1")).toHaveLength(2);
  });

  test("a name prefix longer than S3 allows with Terraform's suffix is refused", () => {
    expect(() =>
      synthResources((scope) => new PolicyStore(scope, "s", { namePrefix: "x".repeat(38), kmsKeyArn: KEY, bundle: "" })),
    ).toThrow(/longer than 37/);
  });
});
