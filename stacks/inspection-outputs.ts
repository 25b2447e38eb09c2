/**
 * The inspection stack's outputs: flat, stable names (`proxy_eni_id_a`) for Terraform users and tools reading its
 * state. (No later stack reads them: observability finds the inspection logs by name, lib/names.ts.)
 */
export const InspectionOutput = {
  /** Present in modes with Network Firewall (firewall-proxy, firewall-igw). */
  firewallArn: "firewall_arn",
  firewallPolicyArn: "firewall_policy_arn",
  firewallEndpointId: (az: string) => `firewall_endpoint_id_${az}`,
  /** Present in modes with proxies (firewall-proxy, proxy); `proxy_*` without `standby` name the AZ's primary (slot 1). */
  proxyEniId: (az: string) => `proxy_eni_id_${az}`,
  proxyIpv6Address: (az: string) => `proxy_ipv6_address_${az}`,
  proxyInstanceId: (az: string) => `proxy_instance_id_${az}`,
  proxySecurityGroupId: (az: string) => `proxy_security_group_id_${az}`,
  /** The standby proxy of each AZ (slot 2): the failover Lambda moves the AZ's routes to it when the primary fails. */
  proxyStandbyEniId: (az: string) => `proxy_standby_eni_id_${az}`,
  proxyStandbyIpv6Address: (az: string) => `proxy_standby_ipv6_address_${az}`,
  proxyStandbyInstanceId: (az: string) => `proxy_standby_instance_id_${az}`,
  /** Present in firewall-igw mode only. */
  internetGatewayId: "internet_gateway_id",
  kmsKeyArn: "inspection_kms_key_arn",
} as const;
