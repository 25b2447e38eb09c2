/**
 * Filters: network ACLs (inline rules, `aws_network_acl_rule`, associations, the default ACL) and security groups
 * (inline rules, `aws_security_group_rule`, `aws_vpc_security_group_ingress_rule` / `egress_rule`, the default
 * group). Every rule of every form counts; the order of rules in a group does not matter (a security group
 * allows the union of its rules).
 */
import type { ResourceRef } from "../expr/world";
import { showValue, type Value } from "../expr/values";
import { Prefix } from "./prefix";
import { TAG_TIER } from "../tags";
import { asBool, asList, asNumber, isIcmp, parseProtocol, signature } from "./read";
import type { Builder } from "./builder";
import type { Nacl, NaclRule, Protocol, SecurityGroup, SgPeer } from "./types";

export function buildNacls(b: Builder): void {
  const w = b.world;
  for (const ref of w.resourcesOfType("aws_network_acl")) {
    const vpc = b.vpcOf(ref);
    const nacl: Nacl = { key: ref.key, label: b.label(ref, b.tag(ref, TAG_TIER)), origin: b.origin(ref), vpc, rules: [] };
    b.register(b.nacls, ref, "id", nacl);
    addInlineNaclRules(b, ref, nacl);
    associateNacl(b, ref, nacl, asList(b.arg(ref, "subnet_ids")));
  }
  for (const ref of w.resourcesOfType("aws_default_network_acl")) {
    const v = b.arg(ref, "default_network_acl_id");
    const nacl = b.lookup(b.nacls, v);
    if (!nacl) {
      b.problem(ref, `default_network_acl_id is ${showValue(v)}, which is no VPC's default network ACL in the configuration`);
      continue;
    }
    Object.assign(nacl, { key: ref.key, origin: b.origin(ref), label: b.tag(ref, "Name") ?? nacl.label });
    nacl.rules.length = 0;
    addInlineNaclRules(b, ref, nacl);
    associateNacl(b, ref, nacl, asList(b.arg(ref, "subnet_ids")));
  }
  for (const ref of w.resourcesOfType("aws_network_acl_rule")) {
    const v = b.arg(ref, "network_acl_id");
    const nacl = b.lookup(b.nacls, v);
    if (!nacl) {
      b.problem(ref, `network_acl_id is ${showValue(v)}, which is no network ACL in the configuration`);
      continue;
    }
    const rule = naclRule(
      b,
      {
        egress: b.arg(ref, "egress") ?? false,
        number: b.arg(ref, "rule_number"),
        action: b.arg(ref, "rule_action"),
        protocol: b.arg(ref, "protocol"),
        cidr4: b.arg(ref, "cidr_block"),
        cidr6: b.arg(ref, "ipv6_cidr_block"),
        from: b.arg(ref, "from_port"),
        to: b.arg(ref, "to_port"),
        icmpType: b.arg(ref, "icmp_type"),
      },
      b.origin(ref),
    );
    if (rule) nacl.rules.push(rule);
  }
  for (const ref of w.resourcesOfType("aws_network_acl_association")) {
    const nacl = b.lookup(b.nacls, b.arg(ref, "network_acl_id"));
    if (!nacl) {
      b.problem(ref, `network_acl_id is ${showValue(b.arg(ref, "network_acl_id"))}, which is no network ACL in the configuration`);
      continue;
    }
    associateNacl(b, ref, nacl, [b.arg(ref, "subnet_id") ?? null]);
  }
  for (const nacl of new Set(b.nacls.values())) nacl.rules.sort((x, y) => x.number - y.number || Number(x.egress) - Number(y.egress));
}

function associateNacl(b: Builder, ref: ResourceRef, nacl: Nacl, subnetIds: Value[]): void {
  for (const id of subnetIds) {
    const subnet = b.subnetOf(ref, id, "subnet_ids");
    if (subnet) subnet.nacl = nacl;
  }
}

function addInlineNaclRules(b: Builder, ref: ResourceRef, nacl: Nacl): void {
  for (const egress of [false, true]) {
    for (const r of b.blocksArg(ref, egress ? "egress" : "ingress")) {
      const rule = naclRule(
        b,
        {
          egress,
          number: r.rule_no,
          action: r.action,
          protocol: r.protocol,
          cidr4: r.cidr_block,
          cidr6: r.ipv6_cidr_block,
          from: r.from_port,
          to: r.to_port,
          icmpType: r.icmp_type,
        },
        `${b.origin(ref)} ${egress ? "egress" : "ingress"} block`,
      );
      if (rule) nacl.rules.push(rule);
    }
  }
}

interface RawNaclRule {
  egress: Value;
  number: Value | undefined;
  action: Value | undefined;
  protocol: Value | undefined;
  cidr4: Value | undefined;
  cidr6: Value | undefined;
  from: Value | undefined;
  to: Value | undefined;
  icmpType: Value | undefined;
}

function naclRule(b: Builder, r: RawNaclRule, origin: string): NaclRule | undefined {
  const number = asNumber(r.number);
  const protocol = parseProtocol(r.protocol);
  const cidrs = [r.cidr4, r.cidr6].filter((c) => c !== undefined && c !== null && c !== "");
  const cidr = cidrs.length === 1 && typeof cidrs[0] === "string" ? Prefix.parse(cidrs[0]) : undefined;
  const egress = asBool(r.egress);
  if (number === undefined || protocol === undefined || !cidr || (r.action !== "allow" && r.action !== "deny") || egress === undefined) {
    b.problems.push(
      `${origin}: a network ACL rule needs a rule number, protocol, direction, allow/deny and exactly one CIDR known before apply ` +
        `(got number ${showValue(r.number)}, protocol ${showValue(r.protocol)}, egress ${showValue(r.egress)}, action ${showValue(r.action)}, CIDR ${cidrs.map(showValue).join(" and ") || "none"})`,
    );
    return undefined;
  }
  let from = 0;
  let to = 65535;
  if (protocol !== "all" && isIcmp(protocol)) {
    const t = asNumber(r.icmpType);
    [from, to] = t === undefined || t < 0 ? [0, 255] : [t, t];
  } else if (protocol === 6 || protocol === 17) {
    const f = asNumber(r.from);
    const t = asNumber(r.to);
    if (f === undefined || t === undefined) {
      b.problems.push(
        `${origin}: a TCP/UDP network ACL rule needs from_port and to_port known before apply (got ${showValue(r.from)} and ${showValue(r.to)})`,
      );
      return undefined;
    }
    [from, to] = [f, t];
  }
  return { egress, number, allow: r.action === "allow", protocol, from, to, cidr, origin };
}

export function buildSecurityGroups(b: Builder): void {
  const w = b.world;
  for (const ref of w.resourcesOfType("aws_security_group")) {
    const name = b.arg(ref, "name");
    const group: SecurityGroup = {
      key: ref.key,
      id: `${ref.key}|id`,
      label: b.tag(ref, "Name") ?? (typeof name === "string" ? name : ref.address),
      origin: b.origin(ref),
      rules: [],
    };
    b.register(b.groups, ref, "id", group);
  }
  for (const ref of w.resourcesOfType("aws_default_security_group")) {
    const existing = b.lookup(b.groups, w.attribute(ref.key, "id"));
    if (!existing) {
      b.problem(ref, `manages the default security group of ${showValue(b.arg(ref, "vpc_id"))}, which is no VPC in the configuration`);
      continue;
    }
    Object.assign(existing, { key: ref.key, origin: b.origin(ref), label: b.tag(ref, "Name") ?? existing.label });
  }
  // Rules after every group exists, so that a rule naming another group finds it whatever the declaration order.
  for (const ref of w.resourcesOfType("aws_security_group")) addInlineSgRules(b, ref, b.groups.get(`${ref.key}|id`)!);
  for (const ref of w.resourcesOfType("aws_default_security_group")) {
    const existing = b.lookup(b.groups, w.attribute(ref.key, "id"));
    if (!existing) continue;
    existing.rules.length = 0;
    addInlineSgRules(b, ref, existing);
  }
  for (const ref of w.resourcesOfType("aws_security_group_rule")) {
    const group = groupOf(b, ref, "security_group_id");
    if (!group) continue;
    const type = b.arg(ref, "type");
    if (type !== "ingress" && type !== "egress") {
      b.problem(ref, `type is ${showValue(type)}; expected "ingress" or "egress"`);
      continue;
    }
    const protocol = parseProtocol(b.arg(ref, "protocol"));
    if (protocol === undefined) {
      b.problem(ref, `protocol ${showValue(b.arg(ref, "protocol"))} is not a protocol`);
      continue;
    }
    const ports = portsOrProblem(b, ref, protocol, b.arg(ref, "from_port"), b.arg(ref, "to_port"));
    if (!ports) continue;
    const [from, to] = ports;
    const peers = sgPeers(b, ref, {
      cidr: [...asList(b.arg(ref, "cidr_blocks")), ...asList(b.arg(ref, "ipv6_cidr_blocks"))],
      prefixLists: asList(b.arg(ref, "prefix_list_ids")),
      groups: asList(b.arg(ref, "source_security_group_id")),
      self: b.boolArg(ref, "self") === true ? group : undefined,
    });
    for (const peer of peers) group.rules.push({ egress: type === "egress", protocol, from, to, peer, origin: b.origin(ref) });
  }
  for (const [type, egress] of [
    ["aws_vpc_security_group_ingress_rule", false],
    ["aws_vpc_security_group_egress_rule", true],
  ] as const) {
    for (const ref of w.resourcesOfType(type)) {
      const group = groupOf(b, ref, "security_group_id");
      if (!group) continue;
      const protocol = parseProtocol(b.arg(ref, "ip_protocol"));
      if (protocol === undefined) {
        b.problem(ref, `ip_protocol ${showValue(b.arg(ref, "ip_protocol"))} is not a protocol`);
        continue;
      }
      const ports = portsOrProblem(b, ref, protocol, b.arg(ref, "from_port"), b.arg(ref, "to_port"));
      if (!ports) continue;
      const [from, to] = ports;
      const peers = sgPeers(b, ref, {
        cidr: [b.arg(ref, "cidr_ipv4"), b.arg(ref, "cidr_ipv6")].filter((v) => v !== undefined) as Value[],
        prefixLists: asList(b.arg(ref, "prefix_list_id")),
        groups: asList(b.arg(ref, "referenced_security_group_id")),
        self: undefined,
      });
      if (peers.length === 0) b.problem(ref, "names no peer (cidr_ipv4, cidr_ipv6, prefix_list_id or referenced_security_group_id)");
      for (const peer of peers) group.rules.push({ egress, protocol, from, to, peer, origin: b.origin(ref) });
    }
  }
}

export function groupOf(b: Builder, ref: ResourceRef, name: string): SecurityGroup | undefined {
  const v = b.arg(ref, name);
  const g = b.lookup(b.groups, v);
  if (!g) b.problem(ref, `${name} is ${showValue(v)}, which is no security group in the configuration`);
  return g;
}

/** Ports (or the ICMP type) of a rule; undefined (a problem for the caller) when TCP/UDP ports are not known. */
function sgPorts(protocol: Protocol, fromV: Value | undefined, toV: Value | undefined): [number, number] | undefined {
  const from = asNumber(fromV);
  const to = asNumber(toV);
  if (protocol === "all") return [0, 65535];
  if (isIcmp(protocol)) {
    // Security groups put the ICMP type in from_port (-1: every type).
    if (fromV !== undefined && fromV !== null && from === undefined) return undefined;
    return from === undefined || from < 0 ? [0, 255] : [from, from];
  }
  if (protocol !== 6 && protocol !== 17) return [0, 65535];
  if (from === undefined || to === undefined) return undefined;
  // -1 for both: every port (the EC2 API's "all ports" for a rule of a given protocol).
  return from < 0 ? [0, 65535] : [from, to];
}

function portsOrProblem(
  b: Builder,
  ref: ResourceRef,
  protocol: Protocol,
  fromV: Value | undefined,
  toV: Value | undefined,
): [number, number] | undefined {
  const ports = sgPorts(protocol, fromV, toV);
  if (!ports) b.problem(ref, `a security group rule's ports are ${showValue(fromV)}-${showValue(toV)}, which are not known before apply`);
  return ports;
}

function sgPeers(
  b: Builder,
  ref: ResourceRef,
  p: { cidr: Value[]; prefixLists: Value[]; groups: Value[]; self: SecurityGroup | undefined },
): SgPeer[] {
  const peers: SgPeer[] = [];
  for (const c of p.cidr) {
    if (c === null || c === "") continue;
    const prefix = typeof c === "string" ? Prefix.parse(c) : undefined;
    if (prefix) peers.push({ kind: "cidr", prefix });
    else b.problem(ref, `a CIDR of a security group rule is ${showValue(c)}, which cannot be worked out before apply`);
  }
  for (const pl of p.prefixLists)
    if (pl !== null && pl !== "") peers.push({ kind: "prefix list", description: `prefix list ${showValue(pl)}` });
  for (const g of p.groups) {
    if (g === null || g === "") continue;
    // The group's own id, so that a literal id (a state) and a symbol (a plan) name the same group.
    const group = b.lookup(b.groups, g);
    peers.push({ kind: "group", group: group?.id ?? signature(g) ?? showValue(g) });
  }
  if (p.self) peers.push({ kind: "group", group: p.self.id });
  return peers;
}

function addInlineSgRules(b: Builder, ref: ResourceRef, group: SecurityGroup): void {
  for (const egress of [false, true]) {
    for (const [i, r] of b.blocksArg(ref, egress ? "egress" : "ingress").entries()) {
      const protocol = parseProtocol(r.protocol);
      if (protocol === undefined) {
        b.problem(ref, `protocol ${showValue(r.protocol)} is not a protocol`);
        continue;
      }
      const ports = portsOrProblem(b, ref, protocol, r.from_port, r.to_port);
      if (!ports) continue;
      const [from, to] = ports;
      const peers = sgPeers(b, ref, {
        cidr: [...asList(r.cidr_blocks), ...asList(r.ipv6_cidr_blocks)],
        prefixLists: asList(r.prefix_list_ids),
        groups: asList(r.security_groups),
        self: b.boolArg(ref, `${egress ? "egress" : "ingress"}[${i}].self`, r.self) === true ? group : undefined,
      });
      for (const peer of peers)
        group.rules.push({ egress, protocol, from, to, peer, origin: `${b.origin(ref)} ${egress ? "egress" : "ingress"} block` });
    }
  }
}
