/**
 * Rolling workload updates, planned for real: the workload stack is planned offline, its plan made into a deployed
 * state (tooling/terraform/plan-state.ts), and the same stack synthesized with another AMI is planned against that
 * state. The launch template changes; no instance is replaced or updated (each keeps its template version,
 * `ignore_changes`). `-refresh=false`: nothing reads AWS. Without the `ignore_changes` on the version, this plan
 * fails offline: the provider's CustomizeDiff sees the version change and asks EC2 (DescribeTags) for the version each
 * instance was launched from, the branch that forces replacement (internal/service/ec2/ec2_instance.go).
 *
 * Needs terraform and a local hashicorp/aws mirror. Without them the suite fails when CI=true and is skipped, loudly,
 * elsewhere.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { TerraformStack, Testing } from "cdktf";
import { buildApp } from "../app/build-app";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";
import { checkPrerequisites, runOfflineCheck } from "../tooling/terraform/check";
import { OVERRIDE_FILE_NAME } from "../tooling/terraform/overrides";
import { StateMaker, writeStateFile, type ProviderSchemas } from "../tooling/terraform/plan-state";
import { readSynthesized } from "../tooling/terraform/synthesized";
import { terraformEnv } from "../tooling/terraform/terraform";
import { OFFLINE_CHECK_TIMEOUT_MS } from "./support/offline-check";
import { merge, tempDir } from "./helpers";

const prerequisites = checkPrerequisites();
const UBUNTU = "resolve:ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id";

interface Change {
  address: string;
  type: string;
  change: { actions: string[]; before?: Record<string, unknown>; after?: Record<string, unknown>; after_unknown?: Record<string, unknown> };
}

/** The top-level attributes a change changes (known or unknown after apply). */
function changedAttributes(c: Change): string[] {
  const { before = {}, after = {}, after_unknown: unknown = {} } = c.change;
  return [...new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)])]
    .filter((k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]) || unknown[k] === true)
    .sort();
}

if (!prerequisites.ok) {
  const reason = prerequisites.problems.join("; ");
  if (process.env.CI === "true") {
    test("rolling workload plan: prerequisites", () => {
      throw new Error(`the offline terraform check cannot run: ${reason}`);
    });
  } else {
    console.warn(`skipped: rolling workload plan: ${reason}`);
    test.skip(`rolling workload plan (skipped: ${reason})`, () => undefined);
  }
} else {
  test(
    "a new AMI, planned against the deployed workload stack: the launch template is updated, no instance is replaced",
    async () => {
      const input = merge(DEMO_CONFIG, { inspection: { mode: "proxy" }, workload: { instancesPerAz: 2 } });
      const work = tempDir("rolling-plan");
      const report = await runOfflineCheck({
        config: input,
        configSource: "(test)",
        modes: ["proxy"],
        stacks: ["workload"],
        keepWorkDir: true,
        workRoot: work,
        inDependencyOrder: false,
      });
      expect(report.results.map((r) => [r.stack, r.status, r.failure])).toEqual([["workload", "passed", undefined]]);
      const outdir = path.join(report.workDir!, "proxy", "cdktf.out");
      const stackDir = path.join(outdir, "stacks", "workload");
      const env = terraformEnv({ cliConfigFile: path.join(report.workDir!, "terraform.rc") });
      const terraform = (args: string[]) => {
        const r = spawnSync("terraform", args, { cwd: stackDir, env, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
        if (r.status !== 0) throw new Error(`terraform ${args[0]}: ${r.stderr}`);
        return r.stdout;
      };

      // The deployed state: the first plan, applied (values known only after apply made up, consistent with the stubs).
      const schemas = JSON.parse(terraform(["providers", "schema", "-json"])) as ProviderSchemas;
      const firstPlan = JSON.parse(terraform(["show", "-json", "tfplan"])) as Record<string, unknown>;
      const state = new StateMaker(readSynthesized(outdir), "us-east-1", schemas).stateOf("workload", firstPlan);
      const backend = (
        JSON.parse(fs.readFileSync(path.join(stackDir, OVERRIDE_FILE_NAME), "utf8")) as {
          terraform: { backend: { local: { path: string } } };
        }
      ).terraform.backend.local.path;
      writeStateFile(path.isAbsolute(backend) ? backend : path.join(stackDir, backend), "workload", state);

      // The same stack with another AMI.
      const changed = parseConfig(merge(input, { workload: { ami: UBUNTU } }), "test");
      const app = buildApp(changed, tempDir("rolling-app"));
      fs.writeFileSync(path.join(stackDir, "cdk.tf.json"), Testing.synth(app.node.findChild("workload") as TerraformStack));

      terraform(["plan", "-input=false", "-no-color", "-lock=false", "-refresh=false", "-out=rolled"]);
      const changes = (JSON.parse(terraform(["show", "-json", "rolled"])) as { resource_changes: Change[] }).resource_changes.filter(
        (c) => !c.change.actions.includes("no-op") && !c.change.actions.includes("read"),
      );
      expect(changes.filter((c) => c.type === "aws_instance").map((c) => `${c.address}: ${changedAttributes(c).join(", ")}`)).toEqual([]);
      expect(changes.map((c) => `${c.change.actions.join("+")} ${c.type}`).sort()).toEqual(
        ["update aws_launch_template", "update aws_launch_template", "update aws_launch_template"].sort(),
      );
      expect(changes.filter((c) => c.type === "aws_instance").map((c) => `${c.address}: ${changedAttributes(c).join(", ")}`)).toEqual([]);
    },
    OFFLINE_CHECK_TIMEOUT_MS,
  );
}
