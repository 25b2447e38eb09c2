/**
 * Inspection points: AWS Network Firewall (firewall, policy, stateless rule groups) and its endpoints, and Gateway
 * Load Balancer endpoints. A firewall endpoint is named, before apply, by the FirewallEndpointId the evaluator
 * gives each subnet mapping (see expr/world.ts); in a state, by its real id in `firewall_status`.
 */
import type { ResourceRef } from "../expr/world";
import { FirewallEndpointId, Opaque, Unknown, showValue, type Value } from "../expr/values";
import { asList, blocks, blocksProblem, signature } from "./read";
import type { Builder } from "./builder";
import type { Firewall, FirewallPolicyFacts, InspectionEndpoint, Subnet } from "./types";

/** Stateless default actions that let traffic skip the stateful engine (Network Firewall developer guide, "Stateless default actions"). */
const STATELESS_PASS = "aws:pass";
/** Stateful default actions that drop what no rule passes; both require strict rule order. */
const STATEFUL_DROPS = ["aws:drop_strict", "aws:drop_established"];

/** The resource an ARN value names: the symbol's resource, or (a state) the resource whose `arn` is that text. */
function resourceByArn(b: Builder, v: Value | undefined): ResourceRef | undefined {
  if (v instanceof Opaque && v.path === "arn") return b.world.resource(v.resource);
  if (typeof v === "string") {
    const found = b.world.allResources().filter((r) => r.raw.mode === "managed" && b.world.argument(r.key, "arn") === v);
    return found.length === 1 ? found[0] : undefined;
  }
  return undefined;
}

function unknownPolicy(reason: string): FirewallPolicyFacts {
  return { forwardsAll: false, defaultDrop: false, statefulDefault: "(unknown)", problems: [reason] };
}

export function buildFirewalls(b: Builder): void {
  for (const ref of b.world.resourcesOfType("aws_networkfirewall_firewall")) {
    const policyArn = b.arg(ref, "firewall_policy_arn");
    const policyRef = resourceByArn(b, policyArn);
    const name = b.arg(ref, "name");
    const firewall: Firewall = {
      key: ref.key,
      label: b.tag(ref, "Name") ?? (typeof name === "string" ? name : ref.address),
      origin: b.origin(ref),
      policy:
        policyRef?.raw.type === "aws_networkfirewall_firewall_policy"
          ? policyFacts(b, policyRef)
          : unknownPolicy(`its firewall policy (${showValue(policyArn)}) is not in the configuration`),
    };
    b.firewalls.set(ref.key, firewall);
    registerKnownEndpoints(b, ref, firewall);
  }
}

/** A state knows each endpoint's id: routes name it by that text. */
function registerKnownEndpoints(b: Builder, ref: ResourceRef, firewall: Firewall): void {
  const status = ref.raw.config.firewall_status;
  if (status === undefined) return;
  const value = b.world.attribute(ref.key, "firewall_status");
  for (const s of blocks(value)) {
    for (const sync of blocks(s.sync_states)) {
      for (const att of blocks(sync.attachment)) {
        if (typeof att.endpoint_id !== "string") continue;
        const subnet = b.lookup(b.subnets, att.subnet_id);
        const az = typeof sync.availability_zone === "string" ? sync.availability_zone : subnet?.az;
        b.endpoints.set(`literal|${att.endpoint_id}`, {
          key: `${ref.key}|${att.endpoint_id}`,
          label: `firewall ${firewall.label} endpoint in ${subnet?.label ?? az ?? "an unknown subnet"}`,
          origin: `the endpoint ${att.endpoint_id} of ${firewall.origin}`,
          kind: "firewall endpoint",
          subnet,
          az,
          firewall,
          inspects: firewall.policy.forwardsAll,
        });
      }
    }
  }
}

function policyFacts(b: Builder, ref: ResourceRef): FirewallPolicyFacts {
  const value = b.arg(ref, "firewall_policy");
  const bad = blocksProblem(value);
  const policies = blocks(value);
  if (bad || policies.length !== 1)
    return unknownPolicy(`${b.origin(ref)}: firewall_policy cannot be read before apply (${bad ?? `${policies.length} blocks`})`);
  const policy = policies[0];
  const problems: string[] = [];
  const strings = (v: Value | undefined) => asList(v).filter((x): x is string => typeof x === "string");
  const statelessDefault = strings(policy.stateless_default_actions);
  const fragmentDefault = strings(policy.stateless_fragment_default_actions);
  let forwardsAll = true;
  if (
    asList(policy.stateless_default_actions).some((x) => typeof x !== "string") ||
    asList(policy.stateless_fragment_default_actions).some((x) => typeof x !== "string")
  ) {
    forwardsAll = false;
    problems.push(`${b.origin(ref)}: a stateless default action is not known before apply`);
  }
  if (statelessDefault.includes(STATELESS_PASS) || fragmentDefault.includes(STATELESS_PASS)) {
    forwardsAll = false;
    problems.push(`${b.origin(ref)}: a stateless default action is ${STATELESS_PASS}, so traffic skips the stateful engine`);
  }
  for (const reference of blocks(policy.stateless_rule_group_reference)) {
    const group = resourceByArn(b, reference.resource_arn);
    if (!group) {
      // A rule group the verifier cannot read may pass traffic past the stateful engine.
      forwardsAll = false;
      problems.push(
        `${b.origin(ref)}: stateless rule group ${showValue(reference.resource_arn)} is not in the configuration, so whether it passes traffic past the stateful engine is unknown`,
      );
      continue;
    }
    const rules = b.world.attribute(group.key, "rule_group");
    let unknown = false;
    const text = JSON.stringify(rules, (_k, x) => {
      if (x instanceof Unknown) unknown = true;
      return x instanceof Opaque || x instanceof Unknown ? null : x;
    });
    if (unknown) {
      forwardsAll = false;
      problems.push(`${b.origin(group)}: its stateless rules cannot be read before apply`);
    } else if (text.includes(`"${STATELESS_PASS}"`)) {
      forwardsAll = false;
      problems.push(`${b.origin(group)}: a stateless rule passes traffic (${STATELESS_PASS}) past the stateful engine`);
    }
  }
  const order = blocks(policy.stateful_engine_options)[0]?.rule_order;
  const statefulDefault = strings(policy.stateful_default_actions);
  const defaultDrop = order === "STRICT_ORDER" && statefulDefault.some((a) => STATEFUL_DROPS.includes(a));
  if (!defaultDrop) {
    problems.push(
      `${b.origin(ref)}: the stateful engine passes what no rule matches (rule_order ${showValue(order ?? "DEFAULT_ACTION_ORDER")}, ` +
        `stateful_default_actions ${showValue(statefulDefault)}; a drop needs STRICT_ORDER with ${STATEFUL_DROPS.join(" or ")})`,
    );
  }
  return { forwardsAll, defaultDrop, problems, statefulDefault: statefulDefault.join(", ") || "(none)" };
}

/** Gateway Load Balancer endpoints: one subnet each (an inspection point whose appliances are not visible). */
export function buildGatewayLoadBalancerEndpoints(b: Builder): void {
  for (const ref of b.world.resourcesOfType("aws_vpc_endpoint")) {
    if (b.arg(ref, "vpc_endpoint_type") !== "GatewayLoadBalancer") continue;
    const ids = asList(b.arg(ref, "subnet_ids"));
    if (ids.length !== 1) {
      b.problem(ref, `a Gateway Load Balancer endpoint sits in exactly one subnet; subnet_ids is ${showValue(b.arg(ref, "subnet_ids"))}`);
      continue;
    }
    const subnet = b.subnetOf(ref, ids[0], "subnet_ids");
    const ep: InspectionEndpoint = {
      key: ref.key,
      label: b.tag(ref, "Name") ?? ref.address,
      origin: b.origin(ref),
      kind: "gateway load balancer endpoint",
      subnet,
      az: subnet?.az,
      inspects: true,
    };
    b.register(b.endpoints, ref, "id", ep);
  }
}

/**
 * Interface VPC endpoints: a private way to one AWS service, with an interface in each listed subnet. They route
 * nothing and no check uses them (`npm run diagram` draws them); an id that names no subnet is counted, not a problem.
 */
export function buildInterfaceEndpoints(b: Builder): void {
  for (const ref of b.world.resourcesOfType("aws_vpc_endpoint")) {
    if (b.arg(ref, "vpc_endpoint_type") !== "Interface") continue;
    const ids = asList(b.arg(ref, "subnet_ids"));
    const subnets = ids.map((v) => b.lookup(b.subnets, v)).filter((s): s is Subnet => s !== undefined);
    const service = b.arg(ref, "service_name");
    b.interfaceEndpoints.push({
      key: ref.key,
      label: b.tag(ref, "Name") ?? ref.address,
      origin: b.origin(ref),
      service: typeof service === "string" ? service : showValue(service),
      subnets,
      unknownSubnets: ids.length - subnets.length,
    });
  }
}

/** The endpoint a route's `vpc_endpoint_id` names. */
export function endpointOf(b: Builder, value: Value): InspectionEndpoint | undefined {
  if (value instanceof FirewallEndpointId) {
    const sig = signature(value)!;
    const existing = b.endpoints.get(sig);
    if (existing) return existing;
    const firewall = b.firewalls.get(value.firewall);
    const subnet = b.lookup(b.subnets, value.subnet);
    const az = subnet?.az ?? (typeof value.availabilityZone === "string" ? value.availabilityZone : undefined);
    const fwLabel = firewall?.label ?? value.firewall;
    const ep: InspectionEndpoint = {
      key: sig,
      label: `firewall ${fwLabel} endpoint in ${subnet?.label ?? az ?? "an unknown subnet"}`,
      origin: `the endpoint of ${firewall?.origin ?? value.firewall} in ${subnet?.origin ?? "an unknown subnet"}`,
      kind: "firewall endpoint",
      subnet,
      az,
      firewall,
      inspects: firewall ? firewall.policy.forwardsAll : false,
    };
    b.endpoints.set(sig, ep);
    return ep;
  }
  return b.lookup(b.endpoints, value);
}
