/**
 * The verifier on `terraform show -json` plans of the real app (offline plans of every stack in every mode,
 * written by the tf:check logic), and on plans broken on purpose.
 *
 * Needs terraform and a local hashicorp/aws mirror: without them this suite fails when CI=true and is skipped,
 * loudly, elsewhere. The plans come from the one offline check per test run that terraform-offline.test.ts
 * asserts on (__tests__/support/offline-check.ts).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { INSPECTION_MODES, type InspectionMode } from "../config/modes";
import { checkPrerequisites, planPath } from "../tooling/terraform/check";
import { OFFLINE_CHECK_TIMEOUT_MS, sharedOfflineCheck } from "./support/offline-check";
import { InputError, stackFromPlan, verifyPlans, verifyStacks, type Report } from "../verifier";
import { CONFIG_PORTS, resultOf, synthMode, verify, violatedIds, violations, type Json } from "./verifier-helpers";

const STACKS = ["network", "inspection", "workload", "observability"];
const INVARIANTS = ["R1", "R2", "R3", "L1", "DNS64", "MAIN-RT"];

const prerequisites = checkPrerequisites();

function planFiles(dir: string, mode: InspectionMode): string[] {
  return STACKS.map((s) => planPath(dir, mode, s));
}

function readPlans(dir: string, mode: InspectionMode): { name: string; file: string; json: Json }[] {
  return planFiles(dir, mode).map((file) => ({
    name: path.basename(file, ".plan.json"),
    file,
    json: JSON.parse(fs.readFileSync(file, "utf8")) as Json,
  }));
}

function verifyPlanJson(plansOf: { name: string; file: string; json: Json }[]): Report {
  return verifyStacks(
    plansOf.map((p) => stackFromPlan(p.name, p.file, p.json)),
    plansOf.map((p) => p.file),
  );
}

/** The configuration entry of a resource in a plan. */
function configured(plan: Json, address: (r: Json) => boolean): Json {
  const found = (plan.configuration.root_module.resources as Json[]).filter(address);
  if (found.length !== 1) throw new Error(`expected one configured resource, found ${found.length}`);
  return found[0];
}

if (!prerequisites.ok) {
  const reason = prerequisites.problems.join("; ");
  if (process.env.CI === "true") {
    test("verifier on plan JSON: prerequisites", () => {
      throw new Error(`the verifier's plan tests cannot run: ${reason}`);
    });
  } else {
    console.warn(`skipped: verifier on plan JSON: ${reason}`);
    test.skip(`verifier on plan JSON (skipped: ${reason})`, () => undefined);
  }
} else {
  describe("the verifier on offline plan JSON of the real app", () => {
    let dir: string;
    beforeAll(async () => {
      const { report, plansDir } = await sharedOfflineCheck();
      if (!report.passed) throw new Error("the offline plans failed: see terraform-offline.test.ts");
      dir = plansDir;
    }, OFFLINE_CHECK_TIMEOUT_MS);

    test.each([...INSPECTION_MODES])("%s: every guarantee holds, exactly as on cdktf.out", (mode) => {
      const fromPlans = verifyPlans(planFiles(dir, mode), { ports: CONFIG_PORTS });
      const fromSynth = verify(synthMode(mode), { ports: CONFIG_PORTS });
      for (const id of INVARIANTS) {
        expect({ id, verdict: resultOf(fromPlans, id).verdict }).toEqual({
          id,
          verdict: (id === "R1" || id === "R2") && mode === "firewall-igw" ? "HOLDS BY POLICY" : "HOLDS",
        });
      }
      // Same rows, same verdicts, result by result (checks included); stacks may come in another order.
      const rows = (r: Report) => r.results.map((x) => [x.id, x.verdict, x.subjects.map((s) => `${s.verdict} ${s.subject}`).sort()]);
      expect(rows(fromPlans)).toEqual(rows(fromSynth));
    });

    test("a workload route retargeted to the egress-only gateway in the plan is rejected (R3)", () => {
      const p = readPlans(dir, "firewall-proxy");
      const inspection = p.find((x) => x.name === "inspection")!.json;
      const r = configured(
        inspection,
        (x) =>
          x.type === "aws_route" &&
          /workload_route_table_id_a/.test(JSON.stringify(x.expressions.route_table_id)) &&
          x.expressions.destination_ipv6_cidr_block?.constant_value === "::/0",
      );
      delete r.expressions.vpc_endpoint_id;
      r.expressions.egress_only_gateway_id = {
        constant_value: "${data.terraform_remote_state.network.outputs.egress_only_internet_gateway_id}",
        references: [
          "data.terraform_remote_state.network.outputs.egress_only_internet_gateway_id",
          "data.terraform_remote_state.network.outputs",
          "data.terraform_remote_state.network",
        ],
      };
      const report = verifyPlanJson(p);
      expect(violatedIds(report)).toContain("R3");
      expect(violations(report, "R3").join("\n")).toMatch(/workload-a .*without crossing an inspection point/);
    });

    test("DNS64 switched on in a planned subnet is rejected", () => {
      const p = readPlans(dir, "proxy");
      const network = p.find((x) => x.name === "network")!.json;
      // A plan is read from its values: the planned value is what changes.
      const s = (network.resource_changes as Json[]).find(
        (x) => x.type === "aws_subnet" && x.change.after.tags?.["egress6:tier"] === "proxy" && x.change.after.tags["egress6:az"] === "a",
      )!;
      s.change.after.enable_dns64 = true;
      expect(violations(verifyPlanJson(p), "DNS64").join("\n")).toMatch(/proxy-a .*enable_dns64 = true/);
    });

    test("an unknown value known only by its references (HCL without its source) is unusable input, not a guess", () => {
      const p = readPlans(dir, "firewall-igw");
      const network = p.find((x) => x.name === "network")!.json;
      for (const r of network.configuration.root_module.resources as Json[]) {
        if (r.type !== "aws_route_table_association") continue;
        const e = r.expressions.route_table_id;
        r.expressions.route_table_id = { references: e.references };
      }
      expect(() => verifyPlanJson(p)).toThrow(InputError);
      try {
        verifyPlanJson(p);
      } catch (e) {
        expect((e as InputError).problems.join("\n")).toMatch(
          /aws_route_table_association\.\S+ \(network\)\.route_table_id: known only after apply, and the plan keeps only the references of its expression \(aws_route_table\.\S+\.id, aws_route_table\.\S+\), not the expression .*--config DIR/,
        );
      }
    });

    test("a plan whose producer output is missing is unusable input, one line naming it", () => {
      const p = readPlans(dir, "proxy");
      delete p.find((x) => x.name === "network")!.json.configuration.root_module.outputs.workload_route_table_id_b;
      expect(() => verifyPlanJson(p)).toThrow(InputError);
      try {
        verifyPlanJson(p);
      } catch (e) {
        expect((e as InputError).problems).toContain(
          'data.terraform_remote_state.network (inspection) reads output "workload_route_table_id_b", which no stack declares',
        );
      }
    });
  });
}

test("a file that is not a plan is unusable input", () => {
  expect(() => stackFromPlan("x", "x.plan.json", { format_version: "2.0" })).toThrow(
    /x\.plan\.json: plan format_version 2\.0 is not supported \(expected 1\.x\)/,
  );
  expect(() => stackFromPlan("x", "x.plan.json", { resource: {} })).toThrow(/not a "terraform show -json" plan/);
  expect(() => stackFromPlan("x", "x.plan.json", { format_version: "1.2", planned_values: {} })).toThrow(/no configuration\.root_module/);
});
