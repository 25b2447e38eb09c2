/**
 * Builds the network model from the evaluated configuration of every stack. Resources are linked by the values
 * their ids evaluate to, never by name: the attribute symbol of a plan or configuration (`aws_route_table.x.id`
 * in stack network), or the literal id of a state. A route in another stack that reads a route table id through
 * remote state attaches to that table.
 *
 * Each concern has its own file: builder (shared state, VPCs, subnets, lookups), routing (gateways, route tables,
 * associations), filters (network ACLs, security groups), firewalls (Network Firewall, inspection and interface
 * endpoints) and hosts (instances, interfaces, their roles). The order below matters: later steps look up what
 * earlier ones registered.
 */
import type { World } from "../expr/evaluate";
import { Builder } from "./builder";
import { buildGateways, buildRouteTables, buildAssociations } from "./build-routing";
import { buildNacls, buildSecurityGroups } from "./build-filters";
import { buildFirewalls, buildGatewayLoadBalancerEndpoints, buildInterfaceEndpoints } from "./build-firewalls";
import { buildHosts } from "./build-hosts";
import type { Model } from "./types";

export { signature, blocks } from "./read";
export { Builder } from "./builder";

export function buildModel(world: World): Model {
  const b = new Builder(world);
  b.buildVpcs();
  b.buildSubnets();
  buildGateways(b);
  buildFirewalls(b);
  buildGatewayLoadBalancerEndpoints(b);
  buildInterfaceEndpoints(b);
  buildSecurityGroups(b);
  buildHosts(b);
  buildRouteTables(b);
  buildAssociations(b);
  buildNacls(b);
  return b.model();
}
