import { Testing } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { createAuditKey, type AuditKeyProps } from "../../../../modules/observability/audit-key";
import { CustomerKey } from "../../../../modules/shared/customer-key";

const props: AuditKeyProps = {
  envName: "dev",
  region: "eu-west-1",
  partition: "aws",
  encryptedLogGroups: ["/dev/flow", "/dev/trail"],
};

function synth(p: AuditKeyProps = props): { json: string; statements: Record<string, any>[] } {
  const json = Testing.synthScope((scope) => {
    expect(createAuditKey(scope, "audit-key", p)).toBeInstanceOf(CustomerKey);
  });
  const policies = Object.values(JSON.parse(json).resource.aws_kms_key_policy) as { policy: string }[];
  expect(policies).toHaveLength(1);
  return { json, statements: JSON.parse(policies[0].policy).Statement };
}

describe("createAuditKey", () => {
  it("is a rotating customer key with the observability alias", () => {
    const { json } = synth();
    expect(json).toHaveResourceWithProperties(KmsKey, {
      description: "egress6 dev: flow logs, DNS query logs, CloudTrail, alarms",
      enable_key_rotation: true,
    });
    expect(json).toHaveResourceWithProperties(KmsAlias, { name: "alias/dev-egress6-observability" });
  });

  it("lets CloudWatch Logs of the region encrypt the named log groups only", () => {
    const logs = synth().statements.find((s) => s.Sid === "CloudWatchLogsEncryptsOurGroups")!;
    expect(logs.Principal).toEqual({ Service: "logs.eu-west-1.amazonaws.com" });
    expect(logs.Resource).toBe("*");
    const arns: string[] = logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"];
    expect(arns).toHaveLength(2);
    expect(arns[0]).toMatch(/^arn:aws:logs:eu-west-1:\$\{local\.audit-key_account-id_[0-9A-F]+\}:log-group:\/dev\/flow$/);
    expect(arns[1]).toMatch(/:log-group:\/dev\/trail$/);
  });

  it("lets CloudWatch alarms of this account publish to the encrypted topic", () => {
    const alarms = synth().statements.find((s) => s.Sid === "CloudWatchAlarmsPublishToEncryptedTopic")!;
    expect(alarms.Principal).toEqual({ Service: "cloudwatch.amazonaws.com" });
    expect(alarms.Action).toEqual(["kms:Decrypt", "kms:GenerateDataKey*"]);
    expect(Object.keys(alarms.Condition.StringEquals)).toEqual(["aws:SourceAccount"]);
  });

  it("grants log delivery only with Parquet flow logs, after the other grants", () => {
    expect(synth().statements.map((s) => s.Sid)).toEqual([
      "AccountAdministersKeyThroughIam",
      "CloudWatchLogsEncryptsOurGroups",
      "CloudWatchAlarmsPublishToEncryptedTopic",
    ]);
    const withDelivery = synth({ ...props, flowLogDelivery: true }).statements;
    expect(withDelivery.map((s) => s.Sid)).toEqual([
      "AccountAdministersKeyThroughIam",
      "CloudWatchLogsEncryptsOurGroups",
      "CloudWatchAlarmsPublishToEncryptedTopic",
      "LogDeliveryEncryptsFlowLogs",
    ]);
    expect(withDelivery[3].Principal).toEqual({ Service: "delivery.logs.amazonaws.com" });
  });

  it("uses the partition and the region's DNS suffix", () => {
    const logs = synth({ ...props, region: "cn-north-1", partition: "aws-cn" }).statements.find(
      (s) => s.Sid === "CloudWatchLogsEncryptsOurGroups",
    )!;
    expect(logs.Principal).toEqual({ Service: "logs.cn-north-1.amazonaws.com.cn" });
    expect(logs.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"][0]).toMatch(/^arn:aws-cn:logs:cn-north-1:/);
  });

  it("refuses an empty list of log groups", () => {
    expect(() => synth({ ...props, encryptedLogGroups: [] })).toThrow(/encryptedLogGroups is empty/);
  });
});
