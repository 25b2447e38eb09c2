/**
 * The offline terraform check run on the HCL export instead of the synthesized JSON: the same stubs, overrides and
 * plans as tf:check (tooling/terraform/check.ts), but each stack's working directory holds the exported HCL. The
 * synthesized JSON stays beside it (json/), where the check reads it for the stub states; terraform never sees it.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Egress6Config } from "../../config/schema";
import { synthesize } from "../../app/synthesize";
import { readManifest, writeStacks } from "../../cli/export-hcl/export";

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
 * The differences between the resource changes of two plans (`terraform show -json`): the same addresses, and for
 * each the same actions, values (`after`), unknown values (`after_unknown`) and sensitive values.
 */
export function resourceChangeDifferences(
  jsonPlan: { resource_changes?: ResourceChange[] },
  hclPlan: { resource_changes?: ResourceChange[] },
): string[] {
  const byAddress = (p: { resource_changes?: ResourceChange[] }) => new Map((p.resource_changes ?? []).map((r) => [r.address, r]));
  const a = byAddress(jsonPlan);
  const b = byAddress(hclPlan);
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
