/**
 * The offline terraform check run on the HCL export instead of the synthesized JSON: the same stubs, overrides and
 * plans as tf:check (tooling/terraform/check.ts), but each stack's working directory holds the exported HCL. The
 * synthesized JSON stays beside it (json/), where the check reads it for the stub states; terraform never sees it.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Egress6Config } from "../../config/schema";
import { synthesize } from "../../app/synthesize";
import { readManifest, writeStacks } from "../../cli/export-hcl/export";
import { OVERRIDE_FILE_NAME } from "../../tooling/terraform/overrides";
import { batchRoot, splitPlan, type PlanDocument } from "../../tooling/terraform/batch";
import { StateMaker, stateFile, type ProviderSchemas, type ShowState } from "../../tooling/terraform/plan-state";
import { readSynthesized, type TerraformJson } from "../../tooling/terraform/synthesized";
import { terraformEnv } from "../../tooling/terraform/terraform";

/** A `synth` for runOfflineCheck: `<outdir>/json` is the synth, `<outdir>/hcl/<stack>` its export, and the manifest points at both. */
export async function synthesizeAsHcl(config: Egress6Config, outdir: string): Promise<void> {
  const jsonOut = path.join(outdir, "json");
  synthesize(config, jsonOut);
  const manifest = readManifest(jsonOut);
  await writeStacks(jsonOut, manifest, path.join(outdir, "hcl"));
  const stacks = Object.fromEntries(
    manifest.map((s) => [
      s.name,
      { ...s, synthesizedStackPath: path.posix.join("json", s.synthesizedStackPath), workingDirectory: path.posix.join("hcl", s.name) },
    ]),
  );
  fs.writeFileSync(path.join(outdir, "manifest.json"), JSON.stringify({ stacks }, null, 2));
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface ResourceChange {
  readonly address: string;
  readonly change: { readonly actions: Json; readonly after: Json; readonly after_unknown: Json; readonly after_sensitive?: Json };
}

/** Where two JSON values differ (paths), the first few. */
function differences(a: Json | undefined, b: Json | undefined, at: string, out: string[], jsonEquivalent: string[]): void {
  if (out.length >= 20) return;
  if (typeof a === "string" && typeof b === "string" && a !== b) {
    out.push(`${at}: ${JSON.stringify(a).slice(0, 120)} != ${JSON.stringify(b).slice(0, 120)}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) out.push(`${at}: ${a.length} elements != ${b.length}`);
    else a.forEach((x, i) => differences(x, b[i], `${at}[${i}]`, out, jsonEquivalent));
    return;
  }
  if (a !== null && b !== null && typeof a === "object" && typeof b === "object" && !Array.isArray(a) && !Array.isArray(b)) {
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) differences(a[k], b[k], `${at}.${k}`, out, jsonEquivalent);
    return;
  }
  if (a !== b) out.push(`${at}: ${JSON.stringify(a)} != ${JSON.stringify(b)}`);
}

/**
 * The export's own record of the addresses it changed: each `moved` block of `<stackDir>/moved.tf` (as the export
 * formats it), old address to new. Empty when the stack has none.
 */
export function movedAddresses(stackDir: string): Map<string, string> {
  const file = path.join(stackDir, "moved.tf");
  if (!fs.existsSync(file)) return new Map();
  const text = fs.readFileSync(file, "utf8");
  const moves = [...text.matchAll(/^moved \{\n\s+from = (\S+)\n\s+to\s+= (\S+)\n\}$/gm)].map((m) => [m[1], m[2]] as const);
  // Every block read, none skipped.
  if (moves.length !== (text.match(/^moved \{/gm) ?? []).length) throw new Error(`${file}: a moved block this reader does not know`);
  return new Map(moves);
}

/** Text with every old address of `moved` (as a whole address, not a prefix of a longer name) replaced by its new one. */
export function renameAddresses(text: string, moved: ReadonlyMap<string, string>): string {
  if (moved.size === 0) return text;
  const alternatives = [...moved.keys()].sort((a, b) => b.length - a.length).map((a) => a.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  return text.replace(new RegExp(`(?<![A-Za-z0-9_.-])(${alternatives.join("|")})(?![A-Za-z0-9_-])`, "g"), (m) => moved.get(m) ?? m);
}

/**
 * The differences between the resource changes of two plans (`terraform show -json`): the same addresses (the JSON
 * plan's renamed by `moved`, the export's record), and for each the same actions, values (`after`), unknown values
 * (`after_unknown`) and sensitive values.
 */
export function resourceChangeDifferences(
  jsonPlan: { resource_changes?: ResourceChange[] },
  hclPlan: { resource_changes?: ResourceChange[] },
  moved: ReadonlyMap<string, string> = new Map(),
): string[] {
  const byAddress = (p: { resource_changes?: ResourceChange[] }, rename: (a: string) => string) =>
    new Map((p.resource_changes ?? []).map((r) => [rename(r.address), r]));
  const a = byAddress(jsonPlan, (address) => moved.get(address) ?? address);
  const b = byAddress(hclPlan, (address) => address);
  const out: string[] = [];
  const jsonEquivalent: string[] = [];
  for (const address of [...new Set([...a.keys(), ...b.keys()])].sort()) {
    const x = a.get(address);
    const y = b.get(address);
    if (!x || !y) {
      out.push(`${address}: only in the ${x ? "JSON" : "HCL"} plan`);
      continue;
    }
    for (const field of ["actions", "after", "after_unknown", "after_sensitive"] as const)
      differences(x.change[field], y.change[field], `${address}.${field}`, out, jsonEquivalent);
  }
  return out;
}

/** What one exported stack's plan does to the state of the JSON stack it replaces. */
export interface TakeoverPlan {
  readonly stack: string;
  /** The export's moves of this stack (old address to new). */
  readonly moved: ReadonlyMap<string, string>;
  /** `terraform show -json` of the plan: its resource_changes. */
  readonly resourceChanges: readonly TakeoverChange[];
  /** The same, of the synthesized JSON stack planned against the same state: what the made-up state itself changes. */
  readonly jsonResourceChanges: readonly TakeoverChange[];
}

export interface TakeoverChange {
  readonly address: string;
  readonly previous_address?: string;
  readonly change: { readonly actions: string[] };
}

/**
 * The state takeover: each stack's state as if its JSON plan had been applied (tooling/terraform/plan-state.ts, at
 * the JSON addresses), then `terraform plan -refresh=false` of the exported HCL against it (no AWS: nothing is read
 * back), and of the synthesized JSON stack against the same state (what the made-up state itself changes). The HCL
 * check's work folder (`runOfflineCheck({ synth: synthesizeAsHcl, keepWorkDir: true })`) gives the initialised HCL
 * stacks, the JSON they came from and the stubs; `jsonPlan(stack)` the JSON plan of the same stack.
 *
 * All of them are planned as modules of one root (tooling/terraform/batch.ts), each module's state at its own
 * module address in the root's state, and the plan is cut back per module: one provider schema load for the lot
 * instead of two per plan. Only resource changes are compared, so no outputs are passed up or kept in the state.
 */
export function planTakeover(
  workDir: string,
  mode: string,
  region: string,
  stacks: readonly string[],
  jsonPlan: (stack: string) => Record<string, unknown>,
): TakeoverPlan[] {
  const out = path.join(workDir, mode, "cdktf.out");
  const env = terraformEnv({ cliConfigFile: path.join(workDir, "terraform.rc") });
  const dirOf = (stack: string) => path.join(out, "hcl", stack);
  const terraform = (dir: string, args: string[]): string => {
    const r = spawnSync("terraform", args, { cwd: dir, env, encoding: "utf8", maxBuffer: 512 * 1024 * 1024 });
    if (r.status !== 0) throw new Error(`terraform ${args.join(" ")} in ${dir}: ${r.stderr || r.stdout}`);
    return r.stdout;
  };
  const synthesized = readSynthesized(out);
  const root = path.join(out, "takeover");
  const taken = synthesized.map((s) => s.name).filter((s) => stacks.includes(s));
  const members = taken.flatMap((stack) => {
    // The JSON stack beside the HCL one: the synthesized stack's folder (the manifest's working directory is the
    // HCL one) with the HCL stack's offline override.
    const jsonDir = path.join(out, "json-takeover", stack);
    fs.cpSync(path.dirname(synthesized.find((s) => s.name === stack)!.file), jsonDir, { recursive: true });
    fs.copyFileSync(path.join(dirOf(stack), OVERRIDE_FILE_NAME), path.join(jsonDir, OVERRIDE_FILE_NAME));
    return [
      { stack, module: `hcl-${stack}`, dir: dirOf(stack), outputs: [] },
      { stack, module: `json-${stack}`, dir: jsonDir, outputs: [] },
    ];
  });
  try {
    fs.mkdirSync(root, { recursive: true });
    fs.writeFileSync(path.join(root, "main.tf.json"), JSON.stringify(batchRoot(root, members), null, 2));
    terraform(root, ["init", "-input=false", "-no-color"]);
    const schemas = JSON.parse(terraform(root, ["providers", "schema", "-json"])) as ProviderSchemas;
    const maker = new StateMaker(synthesized, region, schemas);
    const resources: Record<string, unknown>[] = [];
    for (const stack of taken) {
      const state = maker.stateOf(stack, jsonPlan(stack));
      settleReferences(state, synthesized.find((s) => s.name === stack)!.json);
      const file = stateFile(stack, { ...state, values: { ...state.values, outputs: {} } }) as { resources: Record<string, unknown>[] };
      for (const m of members.filter((x) => x.stack === stack))
        for (const r of file.resources) resources.push({ module: `module.${m.module}`, ...r });
    }
    const empty: ShowState = { format_version: "1.0", terraform_version: "", values: { outputs: {}, root_module: { resources: [] } } };
    const combined = { ...stateFile("takeover", empty), resources };
    fs.writeFileSync(path.join(root, "terraform.tfstate"), `${JSON.stringify(combined, null, 2)}\n`);
    terraform(root, ["plan", "-refresh=false", "-input=false", "-lock=false", "-no-color", "-out=takeover.tfplan"]);
    const plan = JSON.parse(terraform(root, ["show", "-json", "-no-color", "takeover.tfplan"])) as PlanDocument;
    const changesOf = (module: string) => (splitPlan(plan, module).resource_changes ?? []) as unknown as TakeoverChange[];
    return taken.map((stack) => ({
      stack,
      moved: movedAddresses(dirOf(stack)),
      resourceChanges: changesOf(`hcl-${stack}`),
      jsonResourceChanges: changesOf(`json-${stack}`),
    }));
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(path.join(out, "json-takeover"), { recursive: true, force: true });
  }
}

/**
 * Makes a made-up state agree with itself where the configuration says two values are one: an argument (or an
 * argument of a nested block) whose configuration is exactly a reference to an attribute of another resource of
 * the stack gets that resource's value in the state (a number as Terraform converts it to a string argument). The
 * values plan-state.ts makes up for what is known only after apply are shaped by each attribute's own name, so
 * `launch_template.version` and the launch template's `latest_version` would otherwise differ, and the provider
 * then asks AWS about the difference while planning (aws_instance's launch template check).
 */
function settleReferences(state: ShowState, json: TerraformJson): void {
  const byAddress = new Map(state.values.root_module.resources.filter((r) => r.mode === "managed").map((r) => [r.address, r]));
  const SOLE = /^\$\{(aws_[a-z0-9_]+\.[A-Za-z0-9_-]+)\.([a-z0-9_]+)\}$/;
  const target = (config: unknown): Json | undefined => {
    const m = typeof config === "string" ? SOLE.exec(config) : null;
    const value = m ? byAddress.get(m[1])?.values[m[2]] : undefined;
    return typeof value === "string" || typeof value === "number" ? value : undefined;
  };
  const settle = (values: Record<string, Json>, config: Record<string, unknown>): boolean => {
    let changed = false;
    for (const [key, c] of Object.entries(config)) {
      const v = values[key];
      const t = target(c);
      if (t !== undefined && (typeof v === "string" || typeof v === "number")) {
        const next = typeof v === "string" ? String(t) : t;
        if (next !== v) {
          values[key] = next;
          changed = true;
        }
        continue;
      }
      // A nested block: cdktf writes one as an object, the state keeps a list.
      const blocks = Array.isArray(c) ? c : c !== null && typeof c === "object" ? [c] : [];
      if (Array.isArray(v) && blocks.length === v.length)
        blocks.forEach((b, i) => {
          const item = v[i];
          if (b !== null && typeof b === "object" && !Array.isArray(b) && item !== null && typeof item === "object" && !Array.isArray(item))
            changed = settle(item, b as Record<string, unknown>) || changed;
        });
    }
    return changed;
  };
  for (let round = 0; round < 5; round++) {
    let changed = false;
    for (const [type, byName] of Object.entries(json.resource ?? {}))
      for (const [name, config] of Object.entries(byName)) {
        const r = byAddress.get(`${type}.${name}`);
        if (r) changed = settle(r.values, config) || changed;
      }
    if (!changed) return;
  }
}
