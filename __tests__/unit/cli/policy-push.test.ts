/** `policy push`: the gate on hand-written `terraform show -json` plans, and the plan -> show -> apply sequence. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { changeKind, gatePlan, planChanges, PlanReadError, type TerraformRun } from "../../../cli/shared/terraform-plan";
import { push, pushRule } from "../../../cli/policy/push";

const change = (address: string, actions: string[]) => ({ address, type: address.split(".")[0], mode: "managed", change: { actions } });
const plan = (...changes: unknown[]) => ({ format_version: "1.2", resource_changes: changes });

const RULE_GROUP = change("aws_networkfirewall_rule_group.inspection_domains_0A1B2C3D", ["update"]);
const ALARM = change("aws_cloudwatch_metric_alarm.proxy_policy_a_1_ABCDEF12", ["create"]);
const POLICY_OBJECT = change("aws_s3_object.proxy_policy_12345678", ["update"]);
const PROXY_REPLACED = change("aws_instance.proxy_a_1_ABCDEF12", ["delete", "create"]);
const TEMPLATE = change("aws_launch_template.proxy_lt_ABCDEF12", ["update"]);

describe("the gate", () => {
  test("changeKind reads terraform's actions", () => {
    expect(changeKind(["no-op"])).toBeUndefined();
    expect(changeKind(["read"])).toBeUndefined();
    expect(changeKind(["create"])).toBe("create");
    expect(changeKind(["update"])).toBe("update");
    expect(changeKind(["delete"])).toBe("delete");
    expect(changeKind(["delete", "create"])).toBe("replace");
    expect(changeKind(["create", "delete"])).toBe("replace");
  });

  test("the policy object, Network Firewall's rule groups and alarms pass; no-ops and data reads are skipped", () => {
    const result = gatePlan(
      planChanges(
        plan(RULE_GROUP, ALARM, POLICY_OBJECT, change("aws_vpc.x", ["no-op"]), {
          ...change("aws_iam_policy_document.d", ["read"]),
          mode: "data",
        }),
        "t",
      ),
      pushRule,
    );
    expect(result.refused).toEqual([]);
    expect(result.allowed.map((c) => `${c.kind} ${c.address}`)).toEqual([
      "update aws_networkfirewall_rule_group.inspection_domains_0A1B2C3D",
      "create aws_cloudwatch_metric_alarm.proxy_policy_a_1_ABCDEF12",
      "update aws_s3_object.proxy_policy_12345678",
    ]);
  });

  test("an instance replacement, a launch template change, a replaced rule group and a deleted policy object are refused, each named", () => {
    const result = gatePlan(
      planChanges(
        plan(
          RULE_GROUP,
          PROXY_REPLACED,
          TEMPLATE,
          change("aws_networkfirewall_rule_group.inspection_domains_0A1B2C3D", ["delete", "create"]),
          change("aws_s3_object.proxy_policy_12345678", ["delete"]),
        ),
        "t",
      ),
      pushRule,
    );
    expect(result.refused.map((c) => `${c.address}: ${c.reason}`)).toEqual([
      "aws_instance.proxy_a_1_ABCDEF12: aws_instance is not policy, alarm or metric",
      "aws_launch_template.proxy_lt_ABCDEF12: aws_launch_template is not policy, alarm or metric",
      "aws_networkfirewall_rule_group.inspection_domains_0A1B2C3D: replace of aws_networkfirewall_rule_group (a push only does update)",
      "aws_s3_object.proxy_policy_12345678: delete of aws_s3_object (a push only does create, update)",
    ]);
  });

  test.each([
    ["not an object", []],
    ["no format_version", { resource_changes: [] }],
    ["resource_changes not a list", { format_version: "1.2", resource_changes: {} }],
    ["an entry without actions", plan({ address: "aws_s3_object.x", type: "aws_s3_object", change: {} })],
    ["actions not strings", plan({ address: "aws_s3_object.x", type: "aws_s3_object", change: { actions: [1] } })],
    ["no address", plan({ type: "aws_s3_object", change: { actions: ["update"] } })],
  ])("a plan it cannot read exactly is an error, never a pass: %s", (_what, json) => {
    expect(() => planChanges(json, "inspection: terraform show -json")).toThrow(PlanReadError);
  });
});

describe("push", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-push-test-"));
    for (const stack of ["inspection", "observability"]) {
      fs.mkdirSync(path.join(dir, stack));
      fs.writeFileSync(path.join(dir, stack, "cdk.tf.json"), "{}");
    }
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  /** A terraform that records its calls and answers `show -json` with the plan given for the stack. */
  function fakeTerraform(plans: Record<string, unknown>, fail: Partial<Record<string, TerraformRun>> = {}) {
    const calls: string[] = [];
    const run = async (args: readonly string[], cwd: string): Promise<TerraformRun> => {
      const stack = path.basename(cwd);
      calls.push(`${stack}: ${args.map((a) => a.replace(/\/\S*egress6-policy-push-[^/]+\//, "PLANDIR/")).join(" ")}`);
      const failed = fail[`${stack} ${args[0]}`];
      if (failed) return failed;
      if (args[0] === "show") return { code: 0, stdout: JSON.stringify(plans[stack]), stderr: "" };
      return { code: 0, stdout: "", stderr: "" };
    };
    return { calls, run };
  }

  test("only policy changes, dry run: plans and shows both stacks, applies nothing, exit 0", async () => {
    const tf = fakeTerraform({
      inspection: plan(RULE_GROUP, ALARM),
      observability: plan(change("aws_route53_resolver_firewall_domain_list.dns_allow_1", ["update"])),
    });
    const lines: string[] = [];
    const code = await push({ stacksDir: dir, terraform: tf.run, apply: false, say: (l) => lines.push(l) });
    expect(code).toBe(0);
    expect(tf.calls).toEqual([
      "inspection: init -input=false",
      "inspection: plan -input=false -out=PLANDIR/inspection.tfplan",
      "inspection: show -json PLANDIR/inspection.tfplan",
      "observability: init -input=false",
      "observability: plan -input=false -out=PLANDIR/observability.tfplan",
      "observability: show -json PLANDIR/observability.tfplan",
    ]);
    expect(lines.at(-1)).toBe("dry run: 3 policy changes would be applied; run again with --yes to apply them");
  });

  test("--yes applies exactly the saved plans, inspection first", async () => {
    const tf = fakeTerraform({
      inspection: plan(RULE_GROUP),
      observability: plan(change("aws_route53_resolver_firewall_domain_list.dns_allow_1", ["update"])),
    });
    const code = await push({ stacksDir: dir, terraform: tf.run, apply: true, say: () => undefined });
    expect(code).toBe(0);
    expect(tf.calls.filter((c) => c.includes("apply"))).toEqual([
      "inspection: apply -input=false PLANDIR/inspection.tfplan",
      "observability: apply -input=false PLANDIR/observability.tfplan",
    ]);
  });

  test("one change outside the allowlist refuses the whole push (exit 1), listing it; nothing is applied, even with --yes", async () => {
    const tf = fakeTerraform({ inspection: plan(RULE_GROUP, PROXY_REPLACED), observability: plan() });
    const lines: string[] = [];
    const code = await push({ stacksDir: dir, terraform: tf.run, apply: true, say: (l) => lines.push(l) });
    expect(code).toBe(1);
    expect(lines).toContain("inspection: REFUSED replace aws_instance.proxy_a_1_ABCDEF12: aws_instance is not policy, alarm or metric");
    expect(tf.calls.some((c) => c.includes("apply"))).toBe(false);
  });

  test("a failed plan or unreadable show output is exit 2, nothing applied", async () => {
    const failed = fakeTerraform(
      {},
      { "inspection plan": { code: 1, stdout: "", stderr: "│ Error: No valid credential sources found\n" } },
    );
    const lines: string[] = [];
    expect(await push({ stacksDir: dir, terraform: failed.run, apply: true, say: (l) => lines.push(l) })).toBe(2);
    expect(lines).toEqual(["error: inspection: terraform plan failed: Error: No valid credential sources found"]);

    const garbled = fakeTerraform({ inspection: { resource_changes: [] } });
    lines.length = 0;
    expect(await push({ stacksDir: dir, terraform: garbled.run, apply: true, say: (l) => lines.push(l) })).toBe(2);
    expect(lines).toEqual([expect.stringMatching(/^error: inspection: terraform show -json: format_version is missing/)]);
  });

  test("no synthesized inspection stack: exit 2 before any terraform", async () => {
    fs.rmSync(path.join(dir, "inspection"), { recursive: true });
    const tf = fakeTerraform({});
    const lines: string[] = [];
    expect(await push({ stacksDir: dir, terraform: tf.run, apply: false, say: (l) => lines.push(l) })).toBe(2);
    expect(tf.calls).toEqual([]);
  });
});
