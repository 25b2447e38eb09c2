/**
 * The offline check plans every stack as a module of one generated root and cuts the plan back per stack
 * (tooling/terraform/batch.ts). These tests prove, with real Terraform, that what comes back is the plan each stack
 * gets as a root module of its own (what a user's `terraform plan` in the stack folder shows), for the synthesized
 * JSON and for the exported HCL, and that a failing stack is still reported by its own plan.
 *
 * Needs terraform and a local hashicorp/aws mirror. Without them the suite fails when CI=true and is skipped,
 * loudly, elsewhere; it never passes without running.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import type { InspectionMode } from "../config/modes";
import { batchRoot, moduleOutputs, splitPlan, type PlanDocument } from "../tooling/terraform/batch";
import { checkPrerequisites, planPath, runOfflineCheck } from "../tooling/terraform/check";
import { formatReport } from "../tooling/terraform/report";
import { tempDir } from "./helpers";
import { OFFLINE_CHECK_TIMEOUT_MS, sharedOfflineCheck } from "./support/offline-check";
import { synthBrokenConsumer } from "./support/broken-consumer-app";
import { synthesizeAsHcl } from "./support/hcl-check";

const prerequisites = checkPrerequisites();

/**
 * A plan as compared: without its timestamp, with `relevant_attributes` as a set (Terraform lists them in no fixed
 * order: two plans of the same folder can list them differently), and with the check's temporary folder (where the
 * remote-state stubs are) named alike: each check makes its own.
 */
function comparable(file: string): PlanDocument {
  const plan = JSON.parse(
    fs.readFileSync(file, "utf8").replace(/egress6-tf-check-[A-Za-z0-9]{6}/g, "egress6-tf-check-XXXXXX"),
  ) as PlanDocument;
  const { timestamp: _t, relevant_attributes: relevant, ...rest } = plan;
  const sorted = Array.isArray(relevant) ? relevant.map((r) => JSON.stringify(r)).sort() : relevant;
  return { ...rest, relevant_attributes: sorted ?? null };
}

function expectSamePlans(batchedDir: string, ownDir: string, mode: InspectionMode, stacks: readonly string[]): void {
  for (const stack of stacks) {
    const batched = comparable(planPath(batchedDir, mode, stack));
    const own = comparable(planPath(ownDir, mode, stack));
    expect({ stack, plan: batched }).toEqual({ stack, plan: own });
  }
}

if (!prerequisites.ok) {
  const reason = prerequisites.problems.join("; ");
  if (process.env.CI === "true") {
    test("terraform and a hashicorp/aws mirror are installed (CI=true: never skip)", () => {
      throw new Error(`the batched offline plans cannot be proved: ${reason}`);
    });
  } else {
    test.skip(`batched offline plans (skipped: ${reason})`, () => undefined);
  }
} else {
  describe("a stack's plan cut from the one root is its plan as a root module", () => {
    test(
      "the synthesized JSON, every stack of the demo in firewall-proxy (the shared check's batched plans against one root per stack)",
      async () => {
        const shared = await sharedOfflineCheck();
        const mine = shared.report.results.filter((r) => r.mode === "firewall-proxy");
        // The shared check must really have been batched, or this compares one root per stack with itself.
        expect(mine.map((r) => [r.stack, r.status, r.batched])).toEqual(mine.map((r) => [r.stack, "passed", expect.any(Number)]));
        const ownDir = tempDir("own-root-plans");
        const own = await runOfflineCheck({
          config: DEMO_CONFIG,
          configSource: "(embedded demo)",
          modes: ["firewall-proxy"],
          plansDir: ownDir,
          batch: false,
          inDependencyOrder: false,
        });
        expect(own.results.map((r) => [r.stack, r.status, r.batched])).toEqual(mine.map((r) => [r.stack, "passed", undefined]));
        expectSamePlans(
          shared.plansDir,
          ownDir,
          "firewall-proxy",
          mine.map((r) => r.stack),
        );
      },
      OFFLINE_CHECK_TIMEOUT_MS,
    );

    test(
      "the exported HCL (for_each, moved blocks, templatefile), network and inspection in firewall-proxy",
      async () => {
        const stacks = ["network", "inspection"];
        const common = {
          config: DEMO_CONFIG,
          configSource: "(embedded demo, HCL)",
          modes: ["firewall-proxy" as const],
          stacks,
          synth: synthesizeAsHcl,
          inDependencyOrder: false,
        };
        const batchedDir = tempDir("hcl-batched-plans");
        const ownDir = tempDir("hcl-own-plans");
        const [batched, own] = await Promise.all([
          runOfflineCheck({ ...common, plansDir: batchedDir }),
          runOfflineCheck({ ...common, plansDir: ownDir, batch: false }),
        ]);
        expect(batched.results.map((r) => [r.stack, r.status, r.batched])).toEqual([
          ["network", "passed", 2],
          ["inspection", "passed", 2],
        ]);
        expect(own.results.map((r) => [r.stack, r.status])).toEqual([
          ["network", "passed"],
          ["inspection", "passed"],
        ]);
        expectSamePlans(batchedDir, ownDir, "firewall-proxy", stacks);
      },
      OFFLINE_CHECK_TIMEOUT_MS,
    );
  });

  describe("a stack that fails", () => {
    test(
      "fails the one root, and is then reported by its own plan, in terraform's words; the stack that plans is reported as passed",
      async () => {
        const report = await runOfflineCheck({ config: DEMO_CONFIG, configSource: "test", modes: ["proxy"], synth: synthBrokenConsumer });
        expect(report.results.map((r) => [r.stack, r.status, r.batched])).toEqual([
          ["network", "passed", undefined],
          ["workload", "failed", undefined],
        ]);
        expect(report.notes).toContain(
          "planning the stacks as one root failed (terraform plan exited 1); each stack was planned on its own instead",
        );
        const failure = report.results[1].failure!;
        expect(failure.step).toBe("plan");
        // The stack's own words: its data source, not a module address of the generated root.
        expect(failure.message).toMatch(/^Error: Unsupported attribute/);
        expect(failure.message).toContain("data.terraform_remote_state.network.outputs.no_such_output");
        expect(failure.message).not.toMatch(/module\./);
        expect(formatReport(report)).toMatch(/FAILED proxy \/ workload: terraform plan\n {2}Error: Unsupported attribute/);
      },
      OFFLINE_CHECK_TIMEOUT_MS,
    );
  });
}

describe("the root and the split, without terraform", () => {
  test("every output a folder declares is passed up under its module's name, sensitive as the folder declares it", async () => {
    const dir = tempDir("batch-outputs");
    const member = path.join(dir, "stacks", "network");
    fs.mkdirSync(member, { recursive: true });
    fs.writeFileSync(
      path.join(member, "outputs.tf"),
      'output "vpc_id" {\n  value = "x"\n}\n\noutput "secret" {\n  value     = "y"\n  sensitive = true\n}\n',
    );
    fs.writeFileSync(path.join(member, "extra.tf.json"), JSON.stringify({ output: { arn: { value: "z", sensitive: false } } }));
    fs.writeFileSync(path.join(member, "zz_override.tf.json"), JSON.stringify({ output: { vpc_id: { sensitive: true } } }));
    const outputs = await moduleOutputs(member);
    expect(outputs).toEqual([
      { name: "arn", sensitive: false },
      { name: "secret", sensitive: true },
      { name: "vpc_id", sensitive: true },
    ]);
    const root = path.join(dir, "batch");
    expect(batchRoot(root, [{ module: "proxy-network", dir: member, outputs }])).toEqual({
      module: { "proxy-network": { source: "../stacks/network" } },
      output: {
        "proxy-network__arn": { value: "${module.proxy-network.arn}" },
        "proxy-network__secret": { value: "${module.proxy-network.secret}", sensitive: true },
        "proxy-network__vpc_id": { value: "${module.proxy-network.vpc_id}", sensitive: true },
      },
    });
    expect(() => batchRoot(root, [{ module: "a__b", dir: member, outputs }])).toThrow(/cannot name a module/);
  });

  test("a plan with a part the split does not know is refused, never passed on without it", () => {
    expect(() => splitPlan({ format_version: "1.2", something_new: {} }, "m")).toThrow(/keys this split does not know: something_new/);
    expect(() => splitPlan({ format_version: "1.2", configuration: { root_module: { module_calls: {} } } }, "m")).toThrow(
      /no module call m/,
    );
    expect(() =>
      splitPlan({ format_version: "1.2", resource_changes: [{ address: "module.m.aws_vpc.v", module_address: "module.other" }] }, "m"),
    ).toThrow(/module_address/);
  });

  test("addresses, module addresses, outputs and provider keys are made relative to the member", () => {
    const plan: PlanDocument = {
      format_version: "1.2",
      planned_values: {
        outputs: { m__id: { sensitive: false }, n__id: { sensitive: false } },
        root_module: { child_modules: [{ address: "module.m", resources: [{ address: "module.m.aws_vpc.v", type: "aws_vpc" }] }] },
      },
      resource_changes: [
        { address: "module.m.aws_vpc.v", module_address: "module.m", change: { actions: ["create"] } },
        { address: "module.n.aws_vpc.v", module_address: "module.n", change: { actions: ["create"] } },
      ],
      output_changes: { m__id: { actions: ["create"] }, n__id: { actions: ["create"] } },
      configuration: {
        provider_config: {
          "module.m:aws": { name: "aws", module_address: "module.m" },
          "module.n:aws": { name: "aws", module_address: "module.n" },
        },
        root_module: {
          module_calls: { m: { source: "../m", module: { resources: [{ address: "aws_vpc.v", provider_config_key: "module.m:aws" }] } } },
        },
      },
      relevant_attributes: [
        { resource: "module.m.aws_vpc.v", attribute: ["id"] },
        { resource: "module.n.aws_vpc.v", attribute: ["id"] },
      ],
    };
    expect(splitPlan(plan, "m")).toEqual({
      format_version: "1.2",
      planned_values: { outputs: { id: { sensitive: false } }, root_module: { resources: [{ address: "aws_vpc.v", type: "aws_vpc" }] } },
      resource_changes: [{ address: "aws_vpc.v", change: { actions: ["create"] } }],
      output_changes: { id: { actions: ["create"] } },
      configuration: {
        provider_config: { aws: { name: "aws" } },
        root_module: { resources: [{ address: "aws_vpc.v", provider_config_key: "aws" }] },
      },
      relevant_attributes: [{ resource: "aws_vpc.v", attribute: ["id"] }],
    });
  });
});
