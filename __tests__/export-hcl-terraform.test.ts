/**
 * The HCL export against real Terraform, in every inspection mode: `terraform fmt -check` accepts every exported
 * file unchanged; init and plan (which validates) pass offline (the tf:check machinery, with the exported HCL as
 * each stack's configuration); and the plan of each HCL folder has exactly the resource changes of the plan of the
 * matching synthesized JSON stack (addresses, actions, after, after_unknown, after_sensitive).
 *
 * The JSON plans are the one offline check per test run shared with terraform-offline.test.ts; the HCL plans are
 * made here, once for the file, while that check runs. The same comparison with TLS decryption on is in
 * export-hcl-terraform-tls.test.ts (a file of its own, so that jest can run it in the other worker). Needs
 * terraform and a local hashicorp/aws mirror: without them this suite fails when CI=true and is skipped, loudly,
 * elsewhere.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import { INSPECTION_MODES, type InspectionMode } from "../config/modes";
import { checkPrerequisites, planPath, runOfflineCheck, type OfflineCheckReport } from "../tooling/terraform/check";
import { formatReport } from "../tooling/terraform/report";
import { readConfigSource, verifyPlans, type ConfigSource, type Report } from "../verifier";
import { OFFLINE_CHECK_TIMEOUT_MS, sharedOfflineCheck } from "./support/offline-check";
import {
  movedAddresses,
  planTakeover,
  renameAddresses,
  resourceChangeDifferences,
  synthesizeAsHcl,
  type TakeoverChange,
  type TakeoverPlan,
} from "./support/hcl-check";
import { tempDir } from "./helpers";
import { CONFIG_PORTS } from "./verifier-helpers";

const prerequisites = checkPrerequisites();
const STACKS = ["bootstrap", "network", "inspection", "workload", "observability"];
const VERIFIED = ["network", "inspection", "workload", "observability"];

if (!prerequisites.ok) {
  const reason = prerequisites.problems.join("; ");
  if (process.env.CI === "true") {
    test("HCL export against terraform: prerequisites", () => {
      throw new Error(`the HCL export's terraform tests cannot run: ${reason}`);
    });
  } else {
    console.warn(`skipped: HCL export against terraform: ${reason}`);
    test.skip(`HCL export against terraform (skipped: ${reason})`, () => undefined);
  }
} else {
  describe("exported HCL, planned offline, against the synthesized JSON", () => {
    let jsonPlans: string;
    let hclPlans: string;
    let hcl: OfflineCheckReport;
    let started: number;

    beforeAll(async () => {
      started = Date.now();
      hclPlans = tempDir("hcl-plans");
      // The HCL plans run while the shared JSON check runs (here or in another worker), never after it: waiting
      // for it first left this worker idle for minutes.
      const [shared, own] = await Promise.allSettled([
        sharedOfflineCheck(),
        runOfflineCheck({
          config: DEMO_CONFIG,
          configSource: "(embedded demo)",
          plansDir: hclPlans,
          synth: synthesizeAsHcl,
          keepWorkDir: true,
        }),
      ]);
      if (own.status === "fulfilled") hcl = own.value;
      if (shared.status === "rejected") throw shared.reason;
      if (!shared.value.report.passed) throw new Error("the offline plans of the JSON stacks failed: see terraform-offline.test.ts");
      jsonPlans = shared.value.plansDir;
      if (own.status === "rejected") throw own.reason;
      console.log(
        `HCL export, offline check (${((Date.now() - started) / 1000).toFixed(1)} s including the shared JSON check):\n${formatReport(hcl)}`,
      );
    }, 2 * OFFLINE_CHECK_TIMEOUT_MS);

    afterAll(() => {
      if (hcl?.workDir) fs.rmSync(hcl.workDir, { recursive: true, force: true });
    });

    /** `<workDir>/<mode>/cdktf.out/hcl`: the exported stack folders of one mode as the check planned them. */
    const hclDir = (mode: InspectionMode) => path.join(hcl.workDir!, mode, "cdktf.out", "hcl");

    test("init and plan (which validates) pass for every exported stack in every mode", () => {
      const failed = hcl.results
        .filter((r) => r.status === "failed")
        .map((r) => `${r.mode}/${r.stack}: ${r.failure?.step}: ${r.failure?.message}`);
      expect(failed).toEqual([]);
      expect(hcl.results.map((r) => `${r.mode}/${r.stack}`).sort()).toEqual(
        INSPECTION_MODES.flatMap((m) => STACKS.map((s) => `${m}/${s}`)).sort(),
      );
    });

    test.each([...INSPECTION_MODES])("%s: terraform fmt -check accepts every exported file unchanged", (mode) => {
      const dir = hclDir(mode);
      expect(STACKS.map((s) => fs.existsSync(path.join(dir, s, "terraform.tf")))).toEqual(STACKS.map(() => true));
      // The caller's CLI configuration (which may name a missing file) has nothing to do with formatting.
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^TF_CLI_(CONFIG_FILE|ARGS)/.test(k)));
      const r = spawnSync("terraform", ["fmt", "-check", "-recursive", "-list=true", "-no-color", dir], {
        encoding: "utf8",
        env: { ...env, CHECKPOINT_DISABLE: "1" },
      });
      expect({ code: r.status, files: r.stdout.trim(), errors: r.stderr.includes("Error") ? r.stderr : "" }).toEqual({
        code: 0,
        files: "",
        errors: "",
      });
    });

    test.each([...INSPECTION_MODES])("%s: each HCL plan has exactly the resource changes of the JSON plan", (mode) => {
      for (const stack of STACKS) {
        const a = JSON.parse(fs.readFileSync(planPath(jsonPlans, mode, stack), "utf8"));
        const b = JSON.parse(fs.readFileSync(planPath(hclPlans, mode, stack), "utf8"));
        expect((a.resource_changes ?? []).length).toBeGreaterThan(0);
        // The JSON plan's addresses as the export moved them (its moved.tf): aws_subnet.vpc_workload_a is aws_subnet.vpc_workload["a"].
        const moved = movedAddresses(path.join(hclDir(mode), stack));
        expect({ stack, differences: resourceChangeDifferences(a, b, moved) }).toEqual({ stack, differences: [] });
      }
      // The per-AZ resources are for_each instances in this mode's export.
      expect(STACKS.reduce((n, s) => n + movedAddresses(path.join(hclDir(mode), s)).size, 0)).toBeGreaterThan(20);
    });

    /** Each result's verdict and its subjects' verdicts, the subjects' addresses renamed by `moved`. */
    const verdicts = (r: Report, moved: ReadonlyMap<string, string> = new Map()) =>
      r.results.map((x) => [x.id, x.verdict, x.subjects.map((s) => renameAddresses(`${s.verdict} ${s.subject}`, moved)).sort()]);

    // Terraform's plan JSON keeps only the references of an HCL expression, so the verifier reads the HCL beside
    // each plan (its own folder; --config DIR elsewhere) for values unknown until apply: cidrsubnet indexes, the
    // firewall endpoint of each AZ. With it, the verdicts on the HCL plans equal those on the JSON plans.
    test.each([...INSPECTION_MODES])(
      "%s: the verifier gives the same verdicts on the HCL plans (placed in their stack folders) as on the JSON plans",
      async (mode) => {
        const files = VERIFIED.map((stack) => {
          const file = path.join(hclDir(mode), stack, `${stack}.plan.json`);
          fs.copyFileSync(planPath(hclPlans, mode, stack), file);
          return file;
        });
        // As `npm run verify` does: each HCL plan's own folder holds the configuration it was planned from.
        const sources = new Map<string, ConfigSource>();
        for (const file of files) sources.set(file, await readConfigSource(path.dirname(file)));
        const fromJson = verifyPlans(
          VERIFIED.map((s) => planPath(jsonPlans, mode, s)),
          { ports: CONFIG_PORTS },
        );
        const moved = new Map(VERIFIED.flatMap((s) => [...movedAddresses(path.join(hclDir(mode), s))]));
        expect(verdicts(verifyPlans(files, { ports: CONFIG_PORTS }, sources))).toEqual(verdicts(fromJson, moved));
      },
    );

    // The state takeover: the exported HCL planned against the state the JSON stacks leave (at their addresses)
    // moves every per-AZ resource to its for_each address and changes nothing else.
    test(
      "planned against the state the JSON stacks leave, each HCL stack moves every per-AZ resource and creates, destroys or changes nothing",
      () => {
        const mode: InspectionMode = "firewall-proxy";
        const withMoves = STACKS.filter((s) => movedAddresses(path.join(hclDir(mode), s)).size > 0);
        expect(withMoves).toEqual(["network", "inspection", "workload", "observability"]);
        // Observability (the per-proxy failover alarms) is left out: the state made up from its JSON plan gives its
        // SNS topics a FIFO throughput scope, which the provider refuses on a standard topic before any move is
        // planned (docs/known-limits.md). Its moved.tf is checked by the expansion and parity tests.
        const takenOver = withMoves.filter((s) => s !== "observability");
        const plans: TakeoverPlan[] = planTakeover(hcl.workDir!, mode, DEMO_CONFIG.region, takenOver, (stack) =>
          JSON.parse(fs.readFileSync(planPath(jsonPlans, mode, stack), "utf8")),
        );
        for (const plan of plans) {
          const actions = (changes: readonly TakeoverChange[], rename: (a: string) => string) =>
            changes.filter((r) => r.change.actions.join(",") !== "no-op").map((r) => `${rename(r.address)}: ${r.change.actions.join(",")}`);
          const changed = actions(plan.resourceChanges, (a) => a);
          const jsonChanged = actions(plan.jsonResourceChanges, (a) => plan.moved.get(a) ?? a);
          // Nothing created or destroyed that the JSON would not create or destroy against the same state: every
          // per-AZ object is moved, not made again (a move that failed shows as a delete at the old address and a
          // create at the new one). The proxies' user data names the policy bucket, whose made-up state value
          // differs from the name the plan derives, so both replace them (user_data_replace_on_change).
          const createdOrDestroyed = (list: string[]) => list.filter((c) => /create|delete/.test(c)).sort();
          expect({ stack: plan.stack, createdOrDestroyed: createdOrDestroyed(changed) }).toEqual({
            stack: plan.stack,
            createdOrDestroyed: createdOrDestroyed(jsonChanged),
          });
          expect(createdOrDestroyed(changed).every((c) => /: delete,create$|: create,delete$/.test(c))).toBe(true);
          // Any other change is one the synthesized JSON makes against the same state too (the made-up state's values).
          expect({ stack: plan.stack, changed: [...changed].sort() }).toEqual({ stack: plan.stack, changed: [...jsonChanged].sort() });
          const moves = new Map(
            plan.resourceChanges.filter((r) => r.previous_address !== undefined).map((r) => [r.previous_address!, r.address]),
          );
          expect({ stack: plan.stack, moves }).toEqual({ stack: plan.stack, moves: plan.moved });
          expect(plan.moved.size).toBeGreaterThan(0);
        }
      },
      OFFLINE_CHECK_TIMEOUT_MS,
    );
  });
}
