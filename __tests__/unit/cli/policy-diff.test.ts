/** `policy diff`: the resource difference by address, and what it flags as a replacement risk. */
import { diffResources, formatDiff } from "../../../cli/policy/diff";

describe("diffResources", () => {
  const before = {
    inspection: {
      "aws_networkfirewall_rule_group.domains": { name: "d", rule_group: { targets: ["a.com"] } },
      "aws_launch_template.proxy": { name: "p", user_data: "AAA" },
      "aws_cloudwatch_metric_alarm.gone": { alarm_name: "x" },
    },
    workload: { "aws_instance.w_a_1": { subnet_id: "s" }, "aws_launch_template.w": { image_id: "ami-1" } },
  };
  const after = {
    inspection: {
      "aws_networkfirewall_rule_group.domains": { name: "d", rule_group: { targets: ["a.com", "b.com"] } },
      "aws_launch_template.proxy": { name: "p", user_data: "BBB" },
      "aws_s3_object.policy": { key: "policy" },
    },
    workload: { "aws_instance.w_a_1": { subnet_id: "s" }, "aws_launch_template.w": { image_id: "ami-2" } },
  };

  test("added, removed and changed resources by stack and address, with the arguments that differ; risks flagged", () => {
    expect(diffResources(before, after)).toEqual([
      { stack: "inspection", address: "aws_cloudwatch_metric_alarm.gone", kind: "removed", attributes: [] },
      {
        stack: "inspection",
        address: "aws_launch_template.proxy",
        kind: "changed",
        attributes: ["user_data"],
        replacementRisk: "user_data changes: instances launched from it boot differently (replacement risk)",
      },
      { stack: "inspection", address: "aws_networkfirewall_rule_group.domains", kind: "changed", attributes: ["rule_group"] },
      { stack: "inspection", address: "aws_s3_object.policy", kind: "added", attributes: [] },
      {
        stack: "workload",
        address: "aws_launch_template.w",
        kind: "changed",
        attributes: ["image_id"],
        replacementRisk: "aws_launch_template changes (replacement risk)",
      },
    ]);
  });

  test("the report lists every change and ends with the risk count", () => {
    const report = formatDiff(
      { domains: { added: ["b.com"], removed: [] }, ports: { added: [], removed: [] }, resources: diffResources(before, after) },
      "old.json",
      "new.json",
    );
    expect(report).toContain("policy diff: old.json -> new.json\ndomains added: b.com\ndomains removed: none\n");
    expect(report).toContain("  ~ inspection: aws_launch_template.proxy (user_data)  REPLACEMENT RISK: user_data changes");
    expect(report).toContain("  - inspection: aws_cloudwatch_metric_alarm.gone\n");
    expect(report.trimEnd().split("\n").at(-1)).toBe(
      "2 changes may replace machines: review them before applying (workload instances: npm run workloads -- roll, one AZ at a time)",
    );
  });

  test("an argument that reads a changed local is changed, through locals that read it", () => {
    const stack = (bootScript: string) => ({
      inspection: {
        "local.a-user-data": bootScript,
        "local.a-wrapped": "${local.a-user-data}\n",
        "local.a-user-data-2": "unchanged",
        "aws_instance.proxy_a": { user_data_base64: "${base64gzip(local.a-wrapped)}", subnet_id: "s" },
        "aws_instance.proxy_b": { user_data_base64: "${base64gzip(local.a-user-data-2)}", subnet_id: "s" },
      },
    });
    expect(diffResources(stack("acl a"), stack("acl b"))).toEqual([
      {
        stack: "inspection",
        address: "aws_instance.proxy_a",
        kind: "changed",
        attributes: ["user_data_base64"],
        replacementRisk: "user_data_base64 changes: the instance is replaced or restarted (replacement risk)",
      },
    ]);
  });
});
