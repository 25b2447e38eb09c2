import { Testing, TerraformResource } from "cdktf";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { EncryptedLogGroup } from "../../../../modules/shared/encrypted-log-group";

function synth(retentionDays = 365): string {
  return Testing.synthScope((scope) => {
    const key = new KmsKey(scope, "key", {});
    const keyPolicy = new KmsKeyPolicy(scope, "key-policy", { keyId: key.keyId, policy: "{}" });
    new EncryptedLogGroup(scope, "test", { name: "/egress6/dev/flow-logs", retentionDays, kmsKeyArn: key.arn, keyPolicy });
  });
}

describe("EncryptedLogGroup", () => {
  it("creates one log group with the given name and retention, encrypted with the given key", () => {
    const json = synth();
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/egress6/dev/flow-logs",
      retention_in_days: 365,
      kms_key_id: "${aws_kms_key.key.arn}",
    });
    expect(Object.keys(JSON.parse(json).resource.aws_cloudwatch_log_group)).toHaveLength(1);
  });

  it("passes another retention through", () => {
    expect(synth(7)).toHaveResourceWithProperties(CloudwatchLogGroup, { retention_in_days: 7 });
  });

  it("waits for the key policy (CloudWatch Logs must be allowed to use the key before the group exists)", () => {
    const [group] = Object.values(JSON.parse(synth()).resource.aws_cloudwatch_log_group) as { depends_on: string[] }[];
    expect(group.depends_on).toEqual(["aws_kms_key_policy.key-policy"]);
  });

  it("exposes the log group", () => {
    let made: EncryptedLogGroup | undefined;
    Testing.synthScope((scope) => {
      const keyPolicy = new KmsKeyPolicy(scope, "key-policy", { keyId: "k", policy: "{}" });
      made = new EncryptedLogGroup(scope, "test", { name: "g", retentionDays: 1, kmsKeyArn: "arn", keyPolicy });
    });
    expect(made!.logGroup).toBeInstanceOf(CloudwatchLogGroup);
    expect(made!.logGroup).toBeInstanceOf(TerraformResource);
  });
});
