/**
 * Where a diagram's topology comes from: a configuration, synthesized by the app into a temporary folder and read
 * back through the verifier (so the picture is of the Terraform that will be applied), or an existing cdktf.out
 * folder or `terraform show -json` plan files.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { buildApp } from "../../app/build-app";
import type { Egress6Config } from "../../config/load";
import { decryptionFacts, InputError, inputSets, loadCdktfOut, loadPlanFiles, modelOf } from "../../verifier";
import { UserError } from "../../lib/errors";
import { buildTopology, type Topology } from "./topology";

/** Synthesizes `config` (nothing is written outside a temporary folder, removed afterwards) and builds its topology. */
export function topologyOfConfig(config: Egress6Config, title = `egress6 ${config.name}: ${config.inspection.mode} mode`): Topology {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-diagram-"));
  try {
    const outdir = path.join(work, "cdktf.out");
    buildApp(config, outdir).synth();
    return topologyOfStacks(() => loadCdktfOut(outdir), title);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The topology of a cdktf.out folder, or of plan files (`<stack>.plan.json`) given as files or one folder. */
export function topologyOfPaths(paths: readonly string[]): Topology {
  const sets = wrapInputErrors(() => inputSets(paths));
  if (sets.length !== 1) {
    throw new UserError([
      `${paths.join(", ")}: these are ${sets.length} separate inputs; give one cdktf.out folder, one folder of *.plan.json files, or the plan files of one app`,
    ]);
  }
  const set = sets[0];
  const title =
    set.kind === "cdktf.out" ? `egress6: ${set.dir}` : `egress6: ${set.files.length} plan file${set.files.length === 1 ? "" : "s"}`;
  return topologyOfStacks(() => (set.kind === "cdktf.out" ? loadCdktfOut(set.dir) : loadPlanFiles(set.files)), title);
}

function topologyOfStacks(load: () => Parameters<typeof modelOf>[0], title: string): Topology {
  return wrapInputErrors(() => {
    const stacks = load();
    return buildTopology(modelOf(stacks), title, decryptionFacts(stacks));
  });
}

/** The verifier reports unusable input as InputError; the CLI prints those like every other user error. */
function wrapInputErrors<T>(run: () => T): T {
  try {
    return run();
  } catch (e) {
    if (e instanceof InputError) throw new UserError([...e.problems]);
    throw e;
  }
}
