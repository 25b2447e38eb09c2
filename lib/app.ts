/**
 * Builds the cdktf app for one validated configuration and synthesizes it without ever leaving a half-written
 * output folder: synthesize beside the target, then swap.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { App } from "cdktf";
import type { Egress6Config } from "./config/schema";
import { BootstrapStack } from "../stacks/bootstrap-stack";
import { NetworkStack } from "../stacks/network-stack";
import { InspectionStack } from "../stacks/inspection-stack";
import { WorkloadStack } from "../stacks/workload-stack";
import { ObservabilityStack } from "../stacks/observability-stack";

/** Creates every stack of the app in `outdir` (nothing is written until `app.synth()`). */
export function buildApp(config: Egress6Config, outdir: string): App {
  // No construction stack traces in the output metadata: they cost ~10% of a synth and nobody reads them.
  const app = new App({ outdir, skipValidation: false, stackTraces: false });
  new BootstrapStack(app, config);
  // A stack that reads another's outputs (remote state) or resources (by name) depends on it, so cdktf deploys
  // network -> inspection -> workload -> observability.
  const network = new NetworkStack(app, config);
  const inspection = new InspectionStack(app, config);
  inspection.addDependency(network);
  const workload = new WorkloadStack(app, config);
  workload.addDependency(network);
  workload.addDependency(inspection);
  const observability = new ObservabilityStack(app, config);
  observability.addDependency(inspection);
  observability.addDependency(workload);
  return app;
}

/**
 * Synthesizes into a temporary sibling of `outdir`, then replaces `outdir` with it. A failure at any point
 * leaves a previous `outdir` exactly as it was.
 */
export function synthesize(config: Egress6Config, outdir: string): void {
  const target = path.resolve(outdir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const staging = fs.mkdtempSync(path.join(parent, `.${path.basename(target)}.staging-`));
  try {
    buildApp(config, staging).synth();
    const previous = fs.existsSync(target) ? `${staging}.previous` : undefined;
    if (previous) fs.renameSync(target, previous);
    try {
      fs.renameSync(staging, target);
    } catch (e) {
      if (previous) fs.renameSync(previous, target);
      throw e;
    }
    if (previous) fs.rmSync(previous, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
