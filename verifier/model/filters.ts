/**
 * Network ACLs (stateless, ordered, first match decides, a final `*` rule denies) and security groups
 * (stateful, the union of their rules allows) as the VPC user guide describes them.
 */
import { prefixHolds, type Address } from "./prefix";
import type { Host, Nacl, NaclRule, Protocol, SecurityGroup, SgRule } from "./types";

export type Range = readonly [number, number];

/** Rules match on destination port for TCP/UDP, on ICMP type for ICMP/ICMPv6, on nothing for other protocols. */
function ruleMatches(ruleProtocol: Protocol, protocol: number): boolean {
  return ruleProtocol === "all" || ruleProtocol === protocol;
}

function intersect(a: Range, b: Range): Range | undefined {
  const lo = Math.max(a[0], b[0]);
  const hi = Math.min(a[1], b[1]);
  return lo <= hi ? [lo, hi] : undefined;
}

function subtract(ranges: Range[], cut: Range): Range[] {
  const out: Range[] = [];
  for (const r of ranges) {
    if (cut[1] < r[0] || cut[0] > r[1]) out.push(r);
    else {
      if (r[0] < cut[0]) out.push([r[0], cut[0] - 1]);
      if (cut[1] < r[1]) out.push([cut[1] + 1, r[1]]);
    }
  }
  return out;
}

export function protocolName(p: Protocol): string {
  if (p === "all") return "all traffic";
  return ({ 6: "tcp", 17: "udp", 1: "icmp", 58: "icmpv6" } as Record<number, string>)[p] ?? `protocol ${p}`;
}

export function rangeText(protocol: Protocol, r: Range): string {
  if (protocol === "all") return "";
  if (protocol === 1 || protocol === 58)
    return r[0] === 0 && r[1] === 255 ? " (every type)" : r[0] === r[1] ? ` type ${r[0]}` : ` types ${r[0]}-${r[1]}`;
  if (protocol !== 6 && protocol !== 17) return "";
  return r[0] === r[1] ? ` ${r[0]}` : r[0] === 0 && r[1] === 65535 ? " (every port)" : ` ${r[0]}-${r[1]}`;
}

export function naclRuleText(rule: NaclRule): string {
  return `rule ${rule.number} ${rule.allow ? "allow" : "deny"} ${protocolName(rule.protocol)}${rangeText(rule.protocol, [rule.from, rule.to])} ${rule.egress ? "to" : "from"} ${rule.cidr}`;
}

export interface NaclVerdict {
  /** Ports (or ICMP types) of the request that the ACL lets through. */
  readonly allowed: Range[];
  /** The rules that decided, in order: the allow rules that let ports through and the first deny that stopped any. */
  readonly deciding: NaclRule[];
  /** True when a port was left to the final `*` rule (denied). */
  readonly implicitDeny: boolean;
}

/** What a network ACL does with traffic of `protocol` on `ports` (or ICMP types) to or from `peer`. */
export function naclEvaluate(nacl: Nacl, egress: boolean, protocol: number, peer: Address, ports: Range): NaclVerdict {
  let remaining: Range[] = [ports];
  const allowed: Range[] = [];
  const deciding: NaclRule[] = [];
  for (const rule of nacl.rules) {
    if (remaining.length === 0) break;
    if (rule.egress !== egress || !ruleMatches(rule.protocol, protocol) || !prefixHolds(rule.cidr, peer)) continue;
    const span: Range = rule.protocol === "all" ? [0, 65535] : [rule.from, rule.to];
    const hit = remaining.map((r) => intersect(r, span)).filter((r): r is Range => r !== undefined);
    if (hit.length === 0) continue;
    deciding.push(rule);
    if (rule.allow) allowed.push(...hit);
    for (const h of hit) remaining = subtract(remaining, h);
  }
  return { allowed, deciding, implicitDeny: remaining.length > 0 };
}

/** Does the ACL let every port of `ports` through? The rule that stops it, if not. */
export function naclAdmitsAll(
  nacl: Nacl,
  egress: boolean,
  protocol: number,
  peer: Address,
  ports: Range,
): { ok: boolean; because: string } {
  const v = naclEvaluate(nacl, egress, protocol, peer, ports);
  const deny = v.deciding.find((r) => !r.allow);
  if (deny) return { ok: false, because: naclRuleText(deny) };
  if (v.implicitDeny) {
    const missing = v.allowed.reduce<Range[]>((left, a) => subtract(left, a), [ports]);
    const what = missing.map((r) => rangeText(protocol, r).trim()).join(", ");
    return { ok: false, because: `no rule allows ${protocolName(protocol)} ${what}; the final * rule denies it` };
  }
  return {
    ok: true,
    because: v.deciding
      .filter((r) => r.allow)
      .map(naclRuleText)
      .join("; "),
  };
}

/** ICMPv6 error messages (RFC 4443 §2.1, types 1-4): replies to traffic sent, Packet Too Big (2) among them. */
export const ICMPV6_ERRORS: Range = [1, 4];
/** ICMPv4 errors a network may need inbound: destination unreachable (3) and time exceeded (11) (RFC 792). */
export const ICMPV4_ERRORS: readonly Range[] = [
  [3, 3],
  [11, 11],
];

/** Does the rule admit only ICMP error messages (which answer traffic sent, and open no connection)? */
export function icmpErrorsOnly(rule: { protocol: Protocol; from: number; to: number }): boolean {
  if (rule.protocol === 58) return rule.from >= ICMPV6_ERRORS[0] && rule.to <= ICMPV6_ERRORS[1];
  if (rule.protocol === 1) return ICMPV4_ERRORS.some(([lo, hi]) => rule.from >= lo && rule.to <= hi);
  return false;
}

export function sgRuleText(rule: SgRule): string {
  const peer =
    rule.peer.kind === "cidr"
      ? rule.peer.prefix.toString()
      : rule.peer.kind === "group"
        ? `security group ${rule.peer.group.replace(/\|id$/, "")}`
        : rule.peer.description;
  return `${rule.egress ? "egress" : "ingress"} ${protocolName(rule.protocol)}${rangeText(rule.protocol, [rule.from, rule.to])} ${rule.egress ? "to" : "from"} ${peer}`;
}

/** Does any rule of any of the groups allow this? Security groups are stateful: replies are never filtered. */
export function sgAdmits(
  groups: readonly SecurityGroup[],
  egress: boolean,
  protocol: number,
  port: number,
  peer: { readonly address: Address; readonly host?: Host },
): { ok: boolean; rule?: SgRule; group?: SecurityGroup } {
  for (const group of groups) {
    for (const rule of group.rules) {
      if (rule.egress !== egress || !ruleMatches(rule.protocol, protocol)) continue;
      if (rule.protocol !== "all" && (port < rule.from || port > rule.to)) continue;
      const p = rule.peer;
      const hit =
        (p.kind === "cidr" && prefixHolds(p.prefix, peer.address)) ||
        (p.kind === "group" && peer.host !== undefined && peer.host.securityGroups.some((g) => g.id === p.group));
      if (hit) return { ok: true, rule, group };
    }
  }
  return { ok: false };
}
