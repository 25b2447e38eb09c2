/**
 * The workload stack: hardened IPv6-only instances in the workload subnets, one security group per AZ (no ingress
 * but ICMPv6 Packet Too Big; egress only where the inspection mode sends traffic, to its own AZ's proxy), and the
 * interface endpoints Session Manager needs. Everything it needs from the network stack comes through remote state.
 */
import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import { Egress6Stack } from "./base";
import { NetworkRefs } from "./network-outputs";
import { modeHasProxies } from "../config/modes";
import { remoteState } from "./remote-state";
import type { Egress6Config } from "../config/schema";
import { zonesOf } from "../config/zones";
import { TAG_AZ, TAG_ROLE } from "../lib/names";
import { ClosedSecurityGroup, SgRule } from "../modules/shared/security-group";
import { ICMPV6_PACKET_TOO_BIG } from "../lib/protocols";
import { WorkloadInstances } from "../modules/workload/workload-instances";
import { InterfaceEndpoints } from "../modules/endpoints/interface-endpoints";
import { HTTPS_PORT } from "../lib/ports";
import { CA_KEY_ENDPOINT_SERVICE, interfaceEndpointsOf } from "../config/tls-inspection";
import { proxyRoleName } from "../modules/proxy/proxy-tier";

/** Every destination on the internet; the inspection point sits in the route, not in the address. */
const ANY_IPV6 = "::/0";

/** The workload stack's outputs. */
export const WorkloadOutput = {
  securityGroupId: (az: string) => `workload_security_group_id_${az}`,
  endpointSecurityGroupId: "endpoint_security_group_id",
  launchTemplateId: (az: string) => `workload_launch_template_id_${az}`,
  instanceId: (az: string, index: number) => `workload_instance_id_${az}_${index}`,
} as const;

export class WorkloadStack extends Egress6Stack {
  /** One per AZ, by AZ suffix: each allows the explicit proxy port only to its own AZ's proxy. */
  readonly securityGroups: Record<string, ClosedSecurityGroup> = {};
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
    // One group per AZ: the explicit proxy port is open only to the proxy of the instance's own AZ. A workload
    // in AZ a reaching the proxy in AZ b would take the VPC's local route: across AZs and past the firewall (R3).
    for (const z of zones) {
      const egress = [
        ...config.egress.ports.map((port) => SgRule.tcp(port, ANY_IPV6, `internet on allowlisted port ${port}, inspected in the route`)),
        ...(withProxy
          ? [
              SgRule.tcp(
                explicitPort,
                network.subnetIpv6Cidr("proxy", z.suffix),
                `explicit proxy port of the proxy in ${z.name} (own AZ only)`,
              ),
            ]
          : []),
        ...zones.map((e) => SgRule.tcp(HTTPS_PORT, network.subnetIpv6Cidr("endpoint", e.suffix), `interface endpoints in ${e.name}`)),
      ];
      const name = `${config.name}-workload-${z.suffix}`;
      this.securityGroups[z.suffix] = new ClosedSecurityGroup(this, `workload-security-group-${z.suffix}`, {
        vpcId: network.vpcId,
        name,
        description: `egress6 workload in ${z.name}: no ingress but Packet Too Big; egress only to the inspection path of its AZ and the endpoints`,
        // Security groups are stateful for replies, but a Packet Too Big from a router on the path is a new
        // packet: without this rule Path MTU discovery fails and large responses stall. No connection can be
        // opened with it (ICMPv6 error messages carry no session), so R2 holds.
        ingress: [SgRule.icmpv6(ICMPV6_PACKET_TOO_BIG, ANY_IPV6, "ICMPv6 Packet Too Big (Path MTU discovery)")],
        egress,
        tags: { Name: name, [TAG_ROLE]: "workload", [TAG_AZ]: z.suffix },
      });
    }

    this.workloads = new WorkloadInstances(this, "workload", {
      envName: config.name,
      region: config.region,
      ami: config.workload.ami,
      instanceType: config.workload.instanceType,
      rootVolumeGiB: config.workload.rootVolumeGiB,
      subnets: zones.map((zone) => ({
        zone,
        subnetId: network.subnetId("workload", zone.suffix),
        securityGroupId: this.securityGroups[zone.suffix].group.id,
      })),
      instancesPerAz: config.workload.instancesPerAz,
      ...(config.inspection.tlsInspection ? { trustedCaPem: config.inspection.tlsInspection.caCertificatePem } : {}),
    });

    // Private DNS of an interface endpoint answers for the whole VPC, so the proxies' SSM and CloudWatch agents
    // reach these endpoints too: admit the proxy /64s alongside the workload /64s.
    const clients = zones.flatMap((z) => [
      { ipv6Cidr: network.subnetIpv6Cidr("workload", z.suffix), description: `workload subnet in ${z.name}` },
      ...(withProxy ? [{ ipv6Cidr: network.subnetIpv6Cidr("proxy", z.suffix), description: `proxy subnet in ${z.name}` }] : []),
    ]);
    const tls = config.inspection.tlsInspection;
    const caKeyOnly =
      interfaceEndpointsOf(config).includes(CA_KEY_ENDPOINT_SERVICE) &&
      !config.workload.interfaceEndpoints.includes(CA_KEY_ENDPOINT_SERVICE);
    this.endpoints = new InterfaceEndpoints(this, "endpoints", {
      envName: config.name,
      region: config.region,
      vpcId: network.vpcId,
      services: interfaceEndpointsOf(config),
      subnetIds: zones.map((z) => network.subnetId("endpoint", z.suffix)),
      clients,
      // Added only for the proxies' CA key (not listed by the user): the proxies' role, GetSecretValue on that
      // secret, from the proxy subnets; the workloads cannot reach Secrets Manager around the proxy through it.
      ...(caKeyOnly && tls?.caPrivateKey
        ? {
            restricted: {
              [CA_KEY_ENDPOINT_SERVICE]: {
                actions: ["secretsmanager:GetSecretValue"],
                resources: [tls.caPrivateKey.secretArn],
                principalRoleName: proxyRoleName(config.name),
                clients: zones.map((z) => ({
                  ipv6Cidr: network.subnetIpv6Cidr("proxy", z.suffix),
                  description: `proxy subnet in ${z.name}`,
                })),
              },
            },
          }
        : {}),
    });

    for (const z of zones) {
      new TerraformOutput(this, WorkloadOutput.securityGroupId(z.suffix), {
        value: this.securityGroups[z.suffix].group.id,
        description: `Workload security group id in ${z.name}`,
      });
    }
    new TerraformOutput(this, WorkloadOutput.endpointSecurityGroupId, {
      value: this.endpoints.securityGroup.group.id,
      description: "Interface endpoint security group id",
    });
    for (const z of zones) {
      new TerraformOutput(this, WorkloadOutput.launchTemplateId(z.suffix), {
        value: this.workloads.launchTemplates[z.suffix].id,
        description: `Launch template for further workloads in ${z.name} (subnet, security group, IPv6, encrypted root included)`,
      });
    }
    for (const { zone, index, instance } of this.workloads.instances) {
      new TerraformOutput(this, WorkloadOutput.instanceId(zone.suffix, index), {
        value: instance.id,
        description: `Workload instance ${index} in ${zone.name}`,
      });
    }
  }
}
