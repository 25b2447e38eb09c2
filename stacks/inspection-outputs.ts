/**
 * The inspection stack's outputs: flat, stable names (`proxy_eni_id_a`) for the stacks that come after it and for
 * Terraform-only users.
 */
import { TerraformRemoteState } from "cdktf";

export const InspectionOutput = {
  /** Present in modes with Network Firewall (firewall-proxy, firewall-igw). */
  firewallArn: "firewall_arn",
  firewallPolicyArn: "firewall_policy_arn",
  firewallEndpointId: (az: string) => `firewall_endpoint_id_${az}`,
  /** Present in modes with proxies (firewall-proxy, proxy). */
  proxyEniId: (az: string) => `proxy_eni_id_${az}`,
  proxyIpv6Address: (az: string) => `proxy_ipv6_address_${az}`,
  proxyInstanceId: (az: string) => `proxy_instance_id_${az}`,
  proxySecurityGroupId: (az: string) => `proxy_security_group_id_${az}`,
  /** Present in firewall-igw mode only. */
  internetGatewayId: "internet_gateway_id",
  kmsKeyArn: "inspection_kms_key_arn",
} as const;

/** Typed access to the inspection stack's outputs from another stack. */
export class InspectionRefs {
  constructor(private readonly state: TerraformRemoteState) {}

  get firewallArn(): string {
    return this.state.getString(InspectionOutput.firewallArn);
  }
  proxyEniId(az: string): string {
    return this.state.getString(InspectionOutput.proxyEniId(az));
  }
  proxyIpv6Address(az: string): string {
    return this.state.getString(InspectionOutput.proxyIpv6Address(az));
  }
  proxyInstanceId(az: string): string {
    return this.state.getString(InspectionOutput.proxyInstanceId(az));
  }
}
