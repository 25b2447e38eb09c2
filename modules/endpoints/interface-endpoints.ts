/**
 * Interface VPC endpoints for the AWS services the instances use (Systems Manager, CloudWatch Logs, ...), in the
 * IPv6-only endpoint subnets: IPv6 addresses and AAAA private DNS records (an IPv6-only subnet can host only an
 * IPv6 endpoint), behind a security group that admits HTTPS from the listed /64s and nothing else.
 */
import { Construct } from "constructs";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { ClosedSecurityGroup, SgRule } from "../workload/security-group";
import { TAG_ROLE } from "../../lib/names";

/** Interface endpoints answer on HTTPS. */
export const HTTPS_PORT = 443;

export interface InterfaceEndpointsProps {
  readonly envName: string;
  readonly region: string;
  readonly vpcId: string;
  /** Service short names: `ssm` becomes `com.amazonaws.<region>.ssm`. */
  readonly services: readonly string[];
  /** The endpoint subnets (one per AZ). */
  readonly subnetIds: readonly string[];
  /** Who may connect: one /64 per entry. */
  readonly clients: readonly { readonly ipv6Cidr: string; readonly description: string }[];
}

export class InterfaceEndpoints extends Construct {
  readonly securityGroup: ClosedSecurityGroup;
  readonly endpoints: Record<string, VpcEndpoint> = {};

  constructor(scope: Construct, id: string, props: InterfaceEndpointsProps) {
    super(scope, id);
    this.securityGroup = new ClosedSecurityGroup(this, "security-group", {
      vpcId: props.vpcId,
      name: `${props.envName}-endpoints`,
      description: "egress6 interface endpoints: HTTPS from the listed subnets only",
      ingress: props.clients.map((c) => SgRule.tcp(HTTPS_PORT, c.ipv6Cidr, c.description)),
      egress: [],
      tags: { Name: `${props.envName}-endpoints`, [TAG_ROLE]: "endpoint" },
    });
    for (const service of props.services) {
      this.endpoints[service] = new VpcEndpoint(this, service, {
        vpcId: props.vpcId,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: "Interface",
        subnetIds: [...props.subnetIds],
        securityGroupIds: [this.securityGroup.group.id],
        ipAddressType: "ipv6",
        dnsOptions: { dnsRecordIpType: "ipv6" },
        privateDnsEnabled: true,
        tags: { Name: `${props.envName}-endpoint-${service}`, [TAG_ROLE]: "endpoint" },
      });
    }
  }
}
