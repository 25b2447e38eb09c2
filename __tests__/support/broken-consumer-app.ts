/**
 * A two-stack app for the offline check's failure path: `network` declares the output `vpc_id` only; `workload`
 * reads `vpc_id` and `no_such_output` from network's remote state, so its plan fails with terraform's
 * "Unsupported attribute" while network's plans.
 */
import { App, TerraformOutput } from "cdktf";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import type { Egress6Config } from "../../config/schema";
import { Egress6Stack } from "../../stacks/base";
import { remoteState } from "../../stacks/remote-state";

/** A `synth` for runOfflineCheck. */
export function synthBrokenConsumer(config: Egress6Config, outdir: string): void {
  const app = new App({ outdir });
  const network = new Egress6Stack(app, "network", { config });
  const vpc = new Vpc(network, "vpc", { cidrBlock: "10.0.0.0/16", assignGeneratedIpv6CidrBlock: true });
  new TerraformOutput(network, "vpc_id", { value: vpc.id });
  const workload = new Egress6Stack(app, "workload", { config });
  const state = remoteState(workload, config, "network");
  new SecurityGroup(workload, "sg", { vpcId: state.getString("vpc_id"), name: "ok" });
  new SecurityGroup(workload, "broken", { vpcId: state.getString("no_such_output"), name: "broken" });
  workload.addDependency(network);
  app.synth();
}
