#!/usr/bin/env node
/**
 * `npm run hcl:schema [-- --check]`: writes (or, with --check, compares) cli/export-hcl/provider-blocks.generated.ts, the part of
 * the hashicorp/aws provider schema the HCL export needs: for each resource and data source type the product code
 * can create (every `@cdktf/provider-aws/lib/<x>` it imports) and for the provider configuration, which keys are
 * nested blocks and how they nest. Everything else in a stack's JSON is an argument.
 *
 * The schema comes from `terraform providers schema -json`, run offline against the local provider mirror (the
 * same mirror and CLI configuration as tf:check), once; the export itself never runs terraform.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import * as ts from "typescript";
import { App, TerraformStack } from "cdktf";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { runCli } from "../cli/shared/run-cli";
import { UserError } from "../lib/errors";
import { projectRoot } from "../lib/paths";
import { cliConfig, findProviderMirror, MirrorNotFound } from "./terraform/mirror";
import { runTerraform, terraformEnv, trimTerraformOutput } from "./terraform/terraform";
import type { BlockTree, ProviderBlocks } from "../cli/export-hcl/provider-blocks.generated";

const USAGE = "usage: npm run hcl:schema [-- --check]";
const OUTPUT = path.join("cli", "export-hcl", "provider-blocks.generated.ts");
/** Folders of product code whose provider imports count. */
const PRODUCT_DIRS = ["app", "cli", "stacks", "modules", "lib", "config"];
const PROVIDER_LIB = /^@cdktf\/provider-aws\/lib\/([a-z0-9-]+)$/;

interface SchemaBlock {
  readonly block_types?: Record<string, { readonly nesting_mode: string; readonly block: SchemaBlock }>;
  readonly attributes?: Record<string, { readonly nested_type?: unknown }>;
}

/** The resource and data source types the product code can create, from its provider-aws imports. */
export function usedTypes(root: string = projectRoot()): { resources: string[]; dataSources: string[] } {
  const libs = new Set<string>();
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")) {
        for (const { fileName } of ts.preProcessFile(fs.readFileSync(full, "utf8"), true, true).importedFiles) {
          const m = PROVIDER_LIB.exec(fileName);
          if (m && m[1] !== "provider") libs.add(m[1]);
        }
      }
    }
  };
  for (const d of PRODUCT_DIRS) if (fs.existsSync(path.join(root, d))) walk(path.join(root, d));
  for (const f of ["main.ts"]) {
    for (const { fileName } of ts.preProcessFile(fs.readFileSync(path.join(root, f), "utf8"), true, true).importedFiles) {
      const m = PROVIDER_LIB.exec(fileName);
      if (m && m[1] !== "provider") libs.add(m[1]);
    }
  }
  const resources = new Set<string>();
  const dataSources = new Set<string>();
  for (const lib of libs) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exported = require(`@cdktf/provider-aws/lib/${lib}`) as Record<string, unknown>;
    const types = Object.values(exported)
      .map((v) => (typeof v === "function" ? (v as { tfResourceType?: unknown }).tfResourceType : undefined))
      .filter((t): t is string => typeof t === "string");
    if (types.length === 0) throw new Error(`@cdktf/provider-aws/lib/${lib}: no class with a tfResourceType`);
    for (const t of types) (lib.startsWith("data-") ? dataSources : resources).add(t);
  }
  // cdktf's DataTerraformRemoteState* classes (package cdktf, not provider-aws) write this one.
  dataSources.add("terraform_remote_state");
  return { resources: [...resources].sort(), dataSources: [...dataSources].sort() };
}

function tree(block: SchemaBlock, where: string): BlockTree {
  const out: Record<string, { nesting: "list" | "set" | "single"; blocks?: BlockTree }> = {};
  for (const [name, bt] of Object.entries(block.block_types ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    if (bt.nesting_mode !== "list" && bt.nesting_mode !== "set" && bt.nesting_mode !== "single") {
      throw new Error(`${where}.${name}: nesting mode ${bt.nesting_mode} is not handled by the HCL printer`);
    }
    const sub = tree(bt.block, `${where}.${name}`);
    out[name] = Object.keys(sub).length > 0 ? { nesting: bt.nesting_mode, blocks: sub } : { nesting: bt.nesting_mode };
  }
  return out;
}

/** Runs terraform offline in a temporary folder and returns the trimmed schema for `version`. */
export async function extractProviderBlocks(version: string, types = usedTypes()): Promise<ProviderBlocks> {
  let mirror;
  try {
    mirror = findProviderMirror({ version });
  } catch (e) {
    if (e instanceof MirrorNotFound) throw new UserError([`provider mirror: ${e.message}`]);
    throw e;
  }
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-hcl-schema-"));
  try {
    const cliConfigFile = path.join(work, "terraform.rc");
    fs.writeFileSync(cliConfigFile, cliConfig(mirror.root));
    const pluginCacheDir = path.join(work, "plugin-cache");
    fs.mkdirSync(pluginCacheDir);
    const env = terraformEnv({ cliConfigFile, pluginCacheDir });
    fs.writeFileSync(
      path.join(work, "main.tf.json"),
      JSON.stringify({
        terraform: { required_providers: { aws: { source: "hashicorp/aws", version } } },
        data: { terraform_remote_state: { probe: { backend: "local", config: { path: "probe.tfstate" } } } },
      }),
    );
    for (const args of [
      ["init", "-input=false", "-no-color", "-backend=false"],
      ["providers", "schema", "-json"],
    ]) {
      const r = await runTerraform("terraform", args, work, env, 120_000);
      if (r.code !== 0) throw new UserError([`terraform ${args.join(" ")}: ${trimTerraformOutput(r.stderr || r.stdout)}`]);
      if (args[0] !== "providers") continue;
      const schema = JSON.parse(r.stdout) as {
        provider_schemas: Record<
          string,
          {
            provider?: { block: SchemaBlock };
            resource_schemas?: Record<string, { block: SchemaBlock }>;
            data_source_schemas?: Record<string, { block: SchemaBlock }>;
          }
        >;
      };
      const aws = schema.provider_schemas["registry.terraform.io/hashicorp/aws"];
      const builtin = schema.provider_schemas["terraform.io/builtin/terraform"];
      if (!aws?.provider || !builtin) throw new Error("terraform providers schema -json: no hashicorp/aws or builtin terraform provider");
      const pick = (kind: string, names: readonly string[], ...sources: (Record<string, { block: SchemaBlock }> | undefined)[]) =>
        Object.fromEntries(
          names.map((n) => {
            const found = sources.map((s) => s?.[n]).find((s) => s !== undefined);
            if (!found) throw new Error(`${kind} ${n}: not in the schema of hashicorp/aws ${version}`);
            return [n, tree(found.block, n)];
          }),
        );
      return {
        provider: "registry.terraform.io/hashicorp/aws",
        version,
        providerConfig: tree(aws.provider.block, "provider.aws"),
        resources: pick("resource", types.resources, aws.resource_schemas),
        dataSources: pick("data source", types.dataSources, aws.data_source_schemas, builtin.data_source_schemas),
      };
    }
    throw new Error("unreachable");
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The generated TypeScript module. */
export function renderModule(blocks: ProviderBlocks): string {
  return [
    "/**",
    " * Generated by `npm run hcl:schema` (tooling/hcl-schema.ts) from `terraform providers schema -json`; do not edit.",
    " * Which keys of each resource, data source and provider block are nested blocks, and how they nest; only the",
    " * types egress6's product code imports from @cdktf/provider-aws.",
    " */",
    "",
    'export type BlockTree = { readonly [name: string]: { readonly nesting: "list" | "set" | "single"; readonly blocks?: BlockTree } };',
    "",
    "export interface ProviderBlocks {",
    "  readonly provider: string;",
    "  readonly version: string;",
    "  readonly providerConfig: BlockTree;",
    "  readonly resources: { readonly [type: string]: BlockTree };",
    "  readonly dataSources: { readonly [type: string]: BlockTree };",
    "}",
    "",
    `export const PROVIDER_BLOCKS: ProviderBlocks = ${JSON.stringify(blocks, null, 2)};`,
    "",
  ].join("\n");
}

/** The hashicorp/aws version @cdktf/provider-aws was generated for (the one every stack pins). */
export function bindingsProviderVersion(): string {
  const stack = new TerraformStack(new App({ outdir: os.tmpdir(), skipValidation: true }), "probe");
  const version = new AwsProvider(stack, "aws", {}).terraformGeneratorMetadata?.providerVersion;
  if (typeof version !== "string" || !/^\d+\.\d+\.\d+$/.test(version))
    throw new Error(`@cdktf/provider-aws: unexpected provider version ${String(version)}`);
  return version;
}

if (require.main === module) {
  runCli(USAGE, async () => {
    const { values } = parseArgs({
      options: { check: { type: "boolean" }, help: { type: "boolean" } },
      allowPositionals: false,
      strict: true,
    });
    if (values.help) {
      process.stdout.write(`${USAGE}\n`);
      return 0;
    }
    const text = renderModule(await extractProviderBlocks(bindingsProviderVersion()));
    const file = path.join(projectRoot(), OUTPUT);
    if (values.check) {
      const current = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "";
      if (current !== text) {
        process.stderr.write(`hcl:schema: ${OUTPUT} is out of date; run npm run hcl:schema\n`);
        return 1;
      }
      process.stdout.write(`hcl:schema: ${OUTPUT} is current\n`);
      return 0;
    }
    fs.writeFileSync(file, text);
    process.stdout.write(`hcl:schema: wrote ${OUTPUT}\n`);
    return 0;
  });
}
