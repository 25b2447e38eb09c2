import { Testing } from "cdktf";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { ABORT_INCOMPLETE_UPLOAD_DAYS, versionedBucketLifecycle } from "../../../../modules/shared/bucket-lifecycle";

function lifecycles(json: string): { bucket: string; rule: Record<string, unknown>[] }[] {
  return Object.values(JSON.parse(json).resource.aws_s3_bucket_lifecycle_configuration);
}

describe("versionedBucketLifecycle", () => {
  it("aborts incomplete multipart uploads after a week", () => {
    expect(ABORT_INCOMPLETE_UPLOAD_DAYS).toBe(7);
  });

  it("creates one enabled rule over every object: noncurrent versions expire after the given days, uploads abort", () => {
    const json = Testing.synthScope((scope) => {
      versionedBucketLifecycle(scope, "lifecycle", "my-bucket", 90);
    });
    expect(json).toHaveResource(S3BucketLifecycleConfiguration);
    const all = lifecycles(json);
    expect(all).toHaveLength(1);
    expect(all[0].bucket).toBe("my-bucket");
    expect(all[0].rule).toEqual([
      {
        id: "expire-noncurrent-versions",
        status: "Enabled",
        filter: [{}],
        noncurrent_version_expiration: [{ noncurrent_days: 90 }],
        abort_incomplete_multipart_upload: [{ days_after_initiation: ABORT_INCOMPLETE_UPLOAD_DAYS }],
      },
    ]);
  });

  it("never expires current versions (only noncurrent ones)", () => {
    const [lifecycle] = lifecycles(
      Testing.synthScope((scope) => {
        versionedBucketLifecycle(scope, "lifecycle", "b", 30);
      }),
    );
    expect(lifecycle.rule[0]).not.toHaveProperty("expiration");
  });

  it("passes the number of days through", () => {
    const json = Testing.synthScope((scope) => {
      versionedBucketLifecycle(scope, "lifecycle", "b", 400);
    });
    expect(lifecycles(json)[0].rule[0].noncurrent_version_expiration).toEqual([{ noncurrent_days: 400 }]);
  });

  it("returns the lifecycle configuration it created", () => {
    let returned: unknown;
    Testing.synthScope((scope) => {
      returned = versionedBucketLifecycle(scope, "lifecycle", "b", 1);
    });
    expect(returned).toBeInstanceOf(S3BucketLifecycleConfiguration);
  });
});
