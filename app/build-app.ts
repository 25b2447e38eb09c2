/** The composition: every stack of the app for one validated configuration, and the order cdktf deploys them in. */
import { App } from "cdktf";
import type { Egress6Config } from "../config/schema";
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
