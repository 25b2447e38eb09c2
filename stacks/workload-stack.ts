/**
 * The workload stack: hardened IPv6-only instances in the workload subnets, their security group (no ingress;
 * egress only where the inspection mode sends traffic), and the interface endpoints Session Manager needs.
 * Everything it needs from the network stack comes through remote state.
 */
import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { Egress6Stack } from "./base";
import { NetworkRefs } from "./network-outputs";
import { modeHasProxies } from "../lib/config/modes";
import { remoteState } from "./remote-state";
import type { Egress6Config } from "../lib/config/schema";
import { zonesOf } from "../lib/config/zones";
import { TAG_ROLE } from "../lib/names";
import { ClosedSecurityGroup, SgRule } from "../modules/workload/security-group";
import { WorkloadInstances } from "../modules/workload/workload-instances";
import { HTTPS_PORT, InterfaceEndpoints } from "../modules/endpoints/interface-endpoints";

/** Every destination on the internet; the inspection point sits in the route, not in the address. */
const ANY_IPV6 = "::/0";

/** The workload stack's outputs. */
export const WorkloadOutput = {
  securityGroupId: "workload_security_group_id",
  endpointSecurityGroupId: "endpoint_security_group_id",
  launchTemplateId: "workload_launch_template_id",
  instanceId: (az: string, index: number) => `workload_instance_id_${az}_${index}`,
} as const;

export class WorkloadStack extends Egress6Stack {
  readonly securityGroup: ClosedSecurityGroup;
  readonly workloads: WorkloadInstances;
  readonly endpoints: InterfaceEndpoints;

  constructor(scope: Construct, config: Egress6Config) {
    super(scope, "workload", { config });
    const zones = zonesOf(config);
    const network = new NetworkRefs(remoteState(this, config, "network"));
    const withProxy = modeHasProxies(config.inspection.mode);
    const explicitPort = config.inspection.proxy.explicitPort;

    // Egress: the allowlisted ports to the internet (each mode puts its inspection point in the route, so the
    // destination is the internet's address), the proxy's explicit port in modes with proxies, and HTTPS to the
    // interface endpoints. DNS, NTP and IMDS need no rule: security groups do not filter the Amazon-provided
    // services at fd00:ec2::/32 (VPC user guide, "Security group rules").
    const egress = [
      ...config.egress.ports.map((port) => SgRule.tcp(port, ANY_IPV6, `internet on allowlisted port ${port}, inspected in the route`)),
      ...(withProxy
        ? zones.map((z) => SgRule.tcp(explicitPort, network.subnetIpv6Cidr("proxy", z.suffix), `explicit proxy port of the proxies in ${z.name}`))
        : []),
      ...zones.map((z) => SgRule.tcp(HTTPS_PORT, network.subnetIpv6Cidr("endpoint", z.suffix), `interface endpoints in ${z.name}`)),
    ];
    this.securityGroup = new ClosedSecurityGroup(this, "workload-security-group", {
      vpcId: network.vpcId,
      name: `${config.name}-workload`,
      description: "egress6 workload: no ingress; egress only to the inspection path and the endpoints",
      ingress: [],
      egress,
      tags: { Name: `${config.name}-workload`, [TAG_ROLE]: "workload" },
    });

    this.workloads = new WorkloadInstances(this, "workload", {
      envName: config.name,
      region: config.region,
      ami: config.workload.ami,
      instanceType: config.workload.instanceType,
      rootVolumeGiB: config.workload.rootVolumeGiB,
      securityGroupId: this.securityGroup.group.id,
      subnets: zones.map((zone) => ({ zone, subnetId: network.subnetId("workload", zone.suffix) })),
      instancesPerAz: config.workload.instancesPerAz,
    });

    // Private DNS of an interface endpoint answers for the whole VPC, so the proxies' SSM and CloudWatch agents
    // reach these endpoints too: admit the proxy /64s alongside the workload /64s.
    const clients = zones.flatMap((z) => [
      { ipv6Cidr: network.subnetIpv6Cidr("workload", z.suffix), description: `workload subnet in ${z.name}` },
      ...(withProxy ? [{ ipv6Cidr: network.subnetIpv6Cidr("proxy", z.suffix), description: `proxy subnet in ${z.name}` }] : []),
    ]);
    this.endpoints = new InterfaceEndpoints(this, "endpoints", {
      envName: config.name,
      region: config.region,
      vpcId: network.vpcId,
      services: config.workload.interfaceEndpoints,
      subnetIds: zones.map((z) => network.subnetId("endpoint", z.suffix)),
      clients,
    });

    new TerraformOutput(this, WorkloadOutput.securityGroupId, { value: this.securityGroup.group.id, description: "Workload security group id" });
    new TerraformOutput(this, WorkloadOutput.endpointSecurityGroupId, { value: this.endpoints.securityGroup.group.id, description: "Interface endpoint security group id" });
    new TerraformOutput(this, WorkloadOutput.launchTemplateId, { value: this.workloads.launchTemplate.id, description: "Workload launch template id" });
    for (const { zone, index, instance } of this.workloads.instances) {
      new TerraformOutput(this, WorkloadOutput.instanceId(zone.suffix, index), { value: instance.id, description: `Workload instance ${index} in ${zone.name}` });
    }
  }
}
