/**
 * `npm run workloads -- roll`, in process: the instances of each AZ by Terraform address, the dry run's steps, the
 * one-AZ apply through a saved plan and its gate (a fake terraform: nothing reaches AWS).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";
import { sha256 } from "../app/environment";
import { synthesize } from "../app/synthesize";
import { instancesByAz, rollRule, workloads, type RollIo } from "../cli/workloads/index";
import type { TerraformRun } from "../cli/shared/terraform-plan";
import { merge, problemsOf, resources, synthStack, tempDir } from "./helpers";

const dir = tempDir("workloads");
const file = path.join(dir, "env.json");
const input = merge(DEMO_CONFIG, { workload: { instancesPerAz: 2 } });
fs.writeFileSync(file, JSON.stringify(input));
const config = parseConfig(input, "test");

function io(outdir: string, terraform?: RollIo["terraform"]): RollIo & { stdout: string[] } {
  const stdout: string[] = [];
  return { env: { CDKTF_OUTDIR: outdir }, out: (t) => stdout.push(t), err: () => undefined, stdout, ...(terraform ? { terraform } : {}) };
}

test("the instances of each AZ, by the addresses the workload stack synthesizes", () => {
  const byAz = instancesByAz(config);
  const synthesized = resources(synthStack(config, "workload"), "aws_instance");
  expect(byAz.map((z) => z.az)).toEqual(["a", "b"]);
  for (const z of byAz) {
    expect(z.addresses).toHaveLength(2);
    for (const address of z.addresses) expect(synthesized[address.replace(/^aws_instance\./, "")]?.tags["egress6:az"]).toBe(z.az);
  }
});

test("the dry run prints every AZ's step and runs nothing", async () => {
  let ran = false;
  const out = io(path.join(dir, "none"), async () => {
    ran = true;
    return { code: 0, stdout: "", stderr: "" };
  });
  expect(await workloads(["roll", "--env", "demo", "--config", file], out)).toBe(0);
  const text = out.stdout.join("");
  expect(text).toMatch(/^1\. AZ a \(us-east-1a\): 2 instances\n {3}npm run --silent workloads -- roll --env demo --az a --yes\n/m);
  expect(text).toMatch(/^ {3}\(or: terraform -chdir=\S+ apply -replace=aws_instance\.\S+ -replace=aws_instance\.\S+\)$/m);
  expect(text).toMatch(/^2\. AZ b /m);
  expect(text).toContain("Meanwhile that AZ has no workload instance");
  expect(ran).toBe(false);
});

test("bad input: --env required and matching, --yes needs --az, --az must be an AZ", async () => {
  const none = path.join(dir, "none");
  expect(await problemsOf(workloads(["roll", "--config", file], io(none)))).toEqual([expect.stringMatching(/^--env: required/)]);
  expect(await problemsOf(workloads(["roll", "--env", "prod", "--config", file, "--yes"], io(none)))).toEqual([
    expect.stringMatching(/^--env: got "prod", but the config chosen \(\S*env\.json\) is environment "demo"$/),
    "--yes: needs --az; a roll runs one AZ at a time, so that you check it before the next",
  ]);
  expect(await problemsOf(workloads(["roll", "--env", "demo", "--config", file, "--az", "c"], io(none)))).toEqual([
    '--az: got "c"; accepted: a, b (the suffixes of availabilityZones)',
  ]);
  expect(await problemsOf(workloads(["roll", "--env", "demo", "--config", file, "--az", "a", "--yes"], io(none)))).toEqual([
    expect.stringMatching(/none: does not hold demo as synthesized from/),
  ]);
});

describe("roll --yes, one AZ", () => {
  const outdir = path.join(dir, "out");
  synthesize(config, outdir, { origin: { kind: "file", path: path.relative(outdir, file), sha256: sha256(fs.readFileSync(file)) } });
  const [a] = instancesByAz(config);

  function fakeTerraform(plan: unknown) {
    const calls: string[][] = [];
    const run = async (args: readonly string[]): Promise<TerraformRun> => {
      calls.push([...args]);
      return { code: 0, stdout: args[0] === "show" ? JSON.stringify(plan) : "", stderr: "" };
    };
    return { calls, run };
  }
  const change = (address: string, actions: string[]) => ({ address, type: address.split(".")[0], change: { actions } });

  test("plans with -replace for each instance of the AZ, and applies that saved plan when it replaces only them", async () => {
    const tf = fakeTerraform({
      format_version: "1.2",
      resource_changes: [
        ...a.addresses.map((x) => change(x, ["delete", "create"])),
        change("aws_launch_template.workload_instances_lt", ["update"]),
      ],
    });
    const out = io(outdir, tf.run);
    expect(await workloads(["roll", "--env", "demo", "--config", file, "--az", "a", "--yes"], out)).toBe(0);
    const plan = tf.calls.find((c) => c[0] === "plan")!;
    expect(plan.filter((x) => x.startsWith("-replace="))).toEqual(a.addresses.map((x) => `-replace=${x}`));
    const planFile = plan.find((x) => x.startsWith("-out="))!.slice("-out=".length);
    expect(tf.calls.at(-1)).toEqual(["apply", "-input=false", planFile]);
    expect(out.stdout.join("")).toContain("AZ a: 2 instances replaced; check them before rolling the next AZ");
  });

  test("any other change in the plan (another AZ's instance, a route) refuses the roll: exit 1, nothing applied", async () => {
    const tf = fakeTerraform({
      format_version: "1.2",
      resource_changes: [
        ...a.addresses.map((x) => change(x, ["delete", "create"])),
        change("aws_instance.workload_instances_b-1", ["delete", "create"]),
      ],
    });
    const out = io(outdir, tf.run);
    expect(await workloads(["roll", "--env", "demo", "--config", file, "--az", "a", "--yes"], out)).toBe(1);
    expect(out.stdout.join("")).toContain("workload: REFUSED replace aws_instance.workload_instances_b-1");
    expect(tf.calls.some((c) => c[0] === "apply")).toBe(false);
  });
});

test("rollRule: only the AZ's instances replaced and launch templates updated", () => {
  const rule = rollRule(["aws_instance.x_a_1"]);
  expect(rule({ address: "aws_instance.x_a_1", type: "aws_instance", kind: "replace" })).toEqual({ allowed: true });
  expect(rule({ address: "aws_launch_template.t", type: "aws_launch_template", kind: "update" })).toEqual({ allowed: true });
  expect(rule({ address: "aws_instance.x_a_1", type: "aws_instance", kind: "delete" }).allowed).toBe(false);
  expect(rule({ address: "aws_launch_template.t", type: "aws_launch_template", kind: "replace" }).allowed).toBe(false);
  expect(rule({ address: "aws_route.r", type: "aws_route", kind: "update" }).allowed).toBe(false);
});
