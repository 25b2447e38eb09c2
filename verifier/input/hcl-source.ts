/**
 * The source of a configuration written in HCL: a plan keeps only the references of an expression whose value is
 * unknown until apply (`{"references": ["aws_vpc.main.ipv6_cidr_block", ...]}`), not the expression. Given the
 * configuration directory, the verifier reads each module's `*.tf` and `*.tf.json` files with @cdktf/hcl2json
 * (HashiCorp's HCL parser compiled to WebAssembly), which writes every expression as a `${...}` template: the
 * form the verifier's own evaluator reads.
 *
 * Module sources are found as Terraform found them: `.terraform/modules/modules.json` (written by
 * `terraform init`), else a local path (`./modules/net`) relative to the calling module.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { readInputText } from "./read-bounded";
import { InputError, isRecord } from "./source";

/** One module's configuration as JSON: `resource`, `data`, `module`, `variable`, `output`, `locals`, `provider`. */
export type ModuleSource = Record<string, unknown>;

export interface ConfigSource {
  /** The configuration directory given. */
  readonly dir: string;
  /** By module configuration path (`""`, `module.net`, `module.net.module.sub`). */
  readonly modules: ReadonlyMap<string, ModuleSource>;
}

interface ModulesManifest {
  readonly Modules?: readonly { readonly Key?: string; readonly Dir?: string }[];
}

/** Does the directory hold Terraform configuration files? */
export function isConfigDirectory(dir: string): boolean {
  try {
    return fs.readdirSync(dir).some((f) => f.endsWith(".tf") || (f.endsWith(".tf.json") && !f.endsWith(".plan.json")));
  } catch {
    return false;
  }
}

/** Merges hcl2json documents of one module's files. */
function mergeInto(target: Record<string, unknown>, doc: Record<string, unknown>): void {
  for (const [section, body] of Object.entries(doc)) {
    if (section === "locals" || section === "terraform") {
      target[section] = [...((target[section] as unknown[]) ?? []), ...(Array.isArray(body) ? body : [body])];
    } else if (section === "resource" || section === "data") {
      const t = (target[section] ??= {}) as Record<string, Record<string, unknown>>;
      for (const [type, byName] of Object.entries(isRecord(body) ? body : {})) {
        t[type] = { ...(t[type] ?? {}), ...(isRecord(byName) ? byName : {}) };
      }
    } else if (isRecord(body)) {
      target[section] = { ...((target[section] as Record<string, unknown>) ?? {}), ...body };
    }
  }
}

async function parseModule(dir: string): Promise<ModuleSource> {
  // Loaded only when HCL source is read: the WebAssembly parser takes a moment to start.
  const { parse } = await import("@cdktf/hcl2json");
  const files = fs
    .readdirSync(dir)
    .filter((f) => (f.endsWith(".tf") || f.endsWith(".tf.json")) && !/_override\.tf(\.json)?$|^override\.tf(\.json)?$/.test(f))
    .sort();
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const f of files) {
    const file = path.join(dir, f);
    let text: string;
    try {
      text = readInputText(file);
    } catch (e) {
      if (e instanceof InputError) problems.push(...e.problems);
      else throw e;
      continue;
    }
    try {
      mergeInto(
        out,
        f.endsWith(".json") ? (JSON.parse(text) as Record<string, unknown>) : ((await parse(file, text)) as Record<string, unknown>),
      );
    } catch (e) {
      problems.push(`${file}: cannot read the configuration (${(e as Error).message.split("\n")[0]})`);
    }
  }
  if (problems.length > 0) throw new InputError(problems);
  return out;
}

/** The module calls of a module source: name -> `source` argument. */
function calls(m: ModuleSource): [string, string][] {
  const mod = isRecord(m.module) ? m.module : {};
  return Object.entries(mod).map(([name, blocks]) => {
    const body = Array.isArray(blocks) ? blocks[0] : blocks;
    return [name, isRecord(body) && typeof body.source === "string" ? body.source : ""];
  });
}

/** Reads a configuration directory and the modules it calls. */
export async function readConfigSource(dir: string): Promise<ConfigSource> {
  if (!isConfigDirectory(dir)) throw new InputError([`${dir}: no Terraform configuration (*.tf or *.tf.json) there`]);
  const manifestFile = path.join(dir, ".terraform", "modules", "modules.json");
  const installed = new Map<string, string>();
  if (fs.existsSync(manifestFile)) {
    let manifest: ModulesManifest;
    try {
      manifest = JSON.parse(readInputText(manifestFile)) as ModulesManifest;
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError([`${manifestFile}: not valid JSON (${(e as Error).message.split("\n")[0]})`]);
    }
    for (const m of manifest.Modules ?? []) if (m.Key && m.Dir) installed.set(m.Key, path.resolve(dir, m.Dir));
  }
  const modules = new Map<string, ModuleSource>();
  const problems: string[] = [];
  const visit = async (configPath: string, key: string, moduleDir: string) => {
    const m = await parseModule(moduleDir);
    modules.set(configPath, m);
    for (const [name, source] of calls(m)) {
      const childKey = key ? `${key}.${name}` : name;
      const childPath = `${configPath ? `${configPath}.` : ""}module.${name}`;
      const childDir = installed.get(childKey) ?? (/^\.\.?\//.test(source) ? path.resolve(moduleDir, source) : undefined);
      if (!childDir || !fs.existsSync(childDir)) {
        problems.push(
          `${childPath}: its source ${JSON.stringify(source)} is not on disk (run "terraform init" in ${dir}, which records it in .terraform/modules/modules.json)`,
        );
        continue;
      }
      await visit(childPath, childKey, childDir);
    }
  };
  await visit("", "", dir);
  if (problems.length > 0) throw new InputError(problems);
  return { dir, modules };
}
