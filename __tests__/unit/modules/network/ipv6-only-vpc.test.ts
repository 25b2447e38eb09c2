import { TerraformOutput, Testing } from "cdktf";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
import { EgressOnlyInternetGateway } from "@cdktf/provider-aws/lib/egress-only-internet-gateway";
import { DefaultSecurityGroup } from "@cdktf/provider-aws/lib/default-security-group";
import { DefaultNetworkAcl } from "@cdktf/provider-aws/lib/default-network-acl";
import { DefaultRouteTable } from "@cdktf/provider-aws/lib/default-route-table";
import { Ipv6OnlyVpc, subnetIndex, type Ipv6OnlyVpcProps } from "../../../../modules/network/ipv6-only-vpc";
import type { Zone } from "../../../../lib/zone";

const zoneA: Zone = { name: "eu-west-1a", suffix: "a", index: 0 };
const zoneB: Zone = { name: "eu-west-1b", suffix: "b", index: 1 };
const base: Ipv6OnlyVpcProps = { envName: "dev", ipv4Cidr: "10.0.0.0/16", ipv6: { source: "amazon" }, zones: [zoneA, zoneB] };

function synth(props: Ipv6OnlyVpcProps): string {
  return Testing.synthScope((scope) => {
    new Ipv6OnlyVpc(scope, "test", props);
  });
}

function resources(json: string, type: string): Record<string, unknown>[] {
  return Object.values(JSON.parse(json).resource[type] ?? {});
}

describe("subnetIndex", () => {
  test("tier t owns /64 indexes 16t .. 16t+15, offset by the zone's index", () => {
    expect(subnetIndex("workload", zoneA)).toBe(0);
    expect(subnetIndex("workload", zoneB)).toBe(1);
    expect(subnetIndex("proxy", zoneA)).toBe(16);
    expect(subnetIndex("firewall", zoneB)).toBe(33);
    expect(subnetIndex("endpoint", { name: "x", suffix: "c", index: 2 })).toBe(50);
  });
});

describe("Ipv6OnlyVpc", () => {
  test("the VPC takes the IPv4 CIDR AWS requires, DNS on, an Amazon-provided IPv6 block, a Name tag", () => {
    expect(synth(base)).toHaveResourceWithProperties(Vpc, {
      cidr_block: "10.0.0.0/16",
      enable_dns_support: true,
      enable_dns_hostnames: true,
      assign_generated_ipv6_cidr_block: true,
      tags: { Name: "dev-vpc" },
    });
  });

  test("an IPAM source takes the pool and netmask instead of an Amazon-provided block", () => {
    const json = synth({ ...base, ipv6: { source: "ipam", poolId: "ipam-pool-1", netmask: 56 } });
    expect(json).toHaveResourceWithProperties(Vpc, { ipv6_ipam_pool_id: "ipam-pool-1", ipv6_netmask_length: 56 });
    expect(resources(json, "aws_vpc")[0].assign_generated_ipv6_cidr_block).toBeUndefined();
  });

  test("the default security group, network ACL and main route table are emptied with explicit empty lists", () => {
    const json = synth(base);
    expect(json).toHaveResourceWithProperties(DefaultSecurityGroup, { ingress: [], egress: [], tags: { Name: "dev-default-closed" } });
    expect(json).toHaveResourceWithProperties(DefaultNetworkAcl, {
      ingress: [],
      egress: [],
      tags: { Name: "dev-default-deny-all" },
      lifecycle: { ignore_changes: ["subnet_ids"] },
    });
    expect(json).toHaveResourceWithProperties(DefaultRouteTable, { route: [], tags: { Name: "dev-main-unused" } });
  });

  test("egressOnlyGateway defaults to true: one egress-only internet gateway", () => {
    const json = synth(base);
    expect(json).toHaveResourceWithProperties(EgressOnlyInternetGateway, { tags: { Name: "dev-eigw" } });
    Testing.synthScope((scope) => {
      expect(new Ipv6OnlyVpc(scope, "test", base).egressOnlyGateway).toBeInstanceOf(EgressOnlyInternetGateway);
    });
  });

  test("egressOnlyGateway: false creates none", () => {
    const json = synth({ ...base, egressOnlyGateway: false });
    expect(json).not.toHaveResource(EgressOnlyInternetGateway);
    Testing.synthScope((scope) => {
      expect(new Ipv6OnlyVpc(scope, "test", { ...base, egressOnlyGateway: false }).egressOnlyGateway).toBeUndefined();
    });
  });

  test("tiers defaults to all four: one subnet, route table and association per tier per AZ", () => {
    const json = synth(base);
    expect(resources(json, "aws_subnet")).toHaveLength(8);
    expect(resources(json, "aws_route_table")).toHaveLength(8);
    expect(resources(json, "aws_route_table_association")).toHaveLength(8);
    const names = resources(json, "aws_subnet").map((s) => (s.tags as Record<string, string>).Name);
    expect(names.sort()).toEqual(["workload", "proxy", "firewall", "endpoint"].flatMap((t) => [`dev-${t}-a`, `dev-${t}-b`]).sort());
  });

  test("every subnet is IPv6-only: IPv6-native, no public IPv4, no DNS64, AAAA resource names", () => {
    for (const subnet of resources(synth(base), "aws_subnet")) {
      expect(subnet).toMatchObject({
        ipv6_native: true,
        assign_ipv6_address_on_creation: true,
        map_public_ip_on_launch: false,
        enable_dns64: false,
        enable_resource_name_dns_aaaa_record_on_launch: true,
        enable_resource_name_dns_a_record_on_launch: false,
        private_dns_hostname_type_on_launch: "resource-name",
      });
      expect(subnet.cidr_block).toBeUndefined();
    }
  });

  test("a subnet's /64 is cidrsubnet(vpc, 8, subnetIndex) in its AZ, tagged with tier and AZ", () => {
    expect(synth(base)).toHaveResourceWithProperties(Subnet, {
      availability_zone: "eu-west-1b",
      ipv6_cidr_block: expect.stringMatching(/^\$\{cidrsubnet\(aws_vpc\.test_resource_[0-9A-F]+\.ipv6_cidr_block, 8, 17\)\}$/),
      tags: { Name: "dev-proxy-b", "egress6:tier": "proxy", "egress6:az": "b" },
    });
  });

  test("route tables carry no inline routes and the subnet's tags", () => {
    const json = synth(base);
    for (const table of resources(json, "aws_route_table")) expect(table.route).toBeUndefined();
    expect(json).toHaveResourceWithProperties(RouteTable, {
      tags: { Name: "dev-firewall-a", "egress6:tier": "firewall", "egress6:az": "a" },
    });
  });

  test("each association joins a subnet to its own route table", () => {
    const json = synth({ ...base, tiers: ["endpoint"], zones: [zoneA] });
    expect(json).toHaveResourceWithProperties(RouteTableAssociation, {
      subnet_id: expect.stringMatching(/^\$\{aws_subnet\.test_endpoint-a_[0-9A-F]+\.id\}$/),
      route_table_id: expect.stringMatching(/^\$\{aws_route_table\.test_endpoint-a-routes_[0-9A-F]+\.id\}$/),
    });
  });

  test("a subset of tiers keeps each tier's address block", () => {
    const json = synth({ ...base, tiers: ["firewall"], zones: [zoneB] });
    const subnets = resources(json, "aws_subnet");
    expect(subnets).toHaveLength(1);
    expect(subnets[0].ipv6_cidr_block).toMatch(/, 8, 33\)\}$/);
  });

  test("subnetsOf returns one tier's subnets, one per AZ", () => {
    Testing.synthScope((scope) => {
      const vpc = new Ipv6OnlyVpc(scope, "test", base);
      expect(vpc.subnets).toHaveLength(8);
      expect(vpc.subnetsOf("proxy").map((s) => s.zone.suffix)).toEqual(["a", "b"]);
      expect(vpc.subnetsOf("proxy").every((s) => s.tier === "proxy")).toBe(true);
    });
  });

  test("tierIpv6Cidr is the tier's /60, cidrsubnet(vpc, 4, tier index)", () => {
    const json = Testing.synthScope((scope) => {
      const vpc = new Ipv6OnlyVpc(scope, "test", base);
      new TerraformOutput(scope, "firewall-cidr", { value: vpc.tierIpv6Cidr("firewall") });
    });
    const outputs = Object.values(JSON.parse(json).output) as { value: string }[];
    expect(outputs[0].value).toMatch(/^\$\{cidrsubnet\(aws_vpc\.test_resource_[0-9A-F]+\.ipv6_cidr_block, 4, 2\)\}$/);
  });
});
