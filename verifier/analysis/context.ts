/**
 * Classes of addresses. Every rule the network applies (a route, a network ACL entry, a security group rule)
 * matches a prefix, so two addresses that lie in exactly the same written prefixes are treated alike everywhere.
 * The analysis therefore checks one representative per class: each "internet" class (outside every VPC and
 * outside the ranges that are not internet at all) and each class inside a subnet. Exhaustive, and small.
 */
import { Prefix, findAddress, type Address, type Family } from "../model/prefix";
import type { Host, Model, Subnet } from "../model/types";
import { ROLE_PROXY, ROLE_WORKLOAD, TIER_WORKLOAD } from "../tags";

/** Global unicast space: the only IPv6 addresses that are "the internet" (RFC 4291 §2.4, IANA IPv6 address space). */
const IPV6_GLOBAL_UNICAST = "2000::/3";
/** IPv6 ranges inside global unicast that are not internet destinations: documentation (RFC 3849, RFC 9637). */
const IPV6_NOT_INTERNET = ["2001:db8::/32", "3fff::/20"];
/** The well-known NAT64 prefix (RFC 6052 §2.1): IPv6 clothing for IPv4 destinations, reached through a NAT gateway. */
export const NAT64_PREFIX = "64:ff9b::/96";
/** IPv4 special-purpose ranges that are not internet destinations (RFC 6890 and the IANA special-purpose registry). */
const IPV4_NOT_INTERNET = [
  "0.0.0.0/8",
  "10.0.0.0/8",
  "100.64.0.0/10",
  "127.0.0.0/8",
  "169.254.0.0/16",
  "172.16.0.0/12",
  "192.0.0.0/24",
  "192.0.2.0/24",
  "192.168.0.0/16",
  "198.18.0.0/15",
  "198.51.100.0/24",
  "203.0.113.0/24",
  "224.0.0.0/4",
  "240.0.0.0/4",
];

const parse = (s: string) => Prefix.parse(s)!;

export class Context {
  /** Every prefix any route, ACL entry, security group rule, subnet or VPC names. */
  private readonly mentioned: Prefix[];
  private readonly internetCache = new Map<Family, Address[]>();
  private readonly classCache = new Map<string, Address[]>();

  constructor(readonly model: Model) {
    const all: Prefix[] = [];
    for (const rt of model.routeTables) for (const r of rt.routes) if (r.destination instanceof Prefix) all.push(r.destination);
    for (const n of model.nacls) for (const r of n.rules) all.push(r.cidr);
    for (const g of model.securityGroups) for (const r of g.rules) if (r.peer.kind === "cidr") all.push(r.peer.prefix);
    for (const s of model.subnets) for (const p of [s.ipv4, s.ipv6]) if (p) all.push(p);
    for (const v of model.vpcs) all.push(...v.ipv4, ...v.ipv6);
    all.push(Prefix.any(4), Prefix.any(6));
    this.mentioned = all.filter((p, i) => all.findIndex((q) => q.equals(p)) === i);
  }

  /** One address per class within `universe` that avoids `exclusions`. */
  private classes(universe: Prefix, exclusions: readonly Prefix[]): Address[] {
    const out: Address[] = [];
    const candidates = [universe, ...this.mentioned.filter((p) => p.family === universe.family)];
    for (const p of candidates) {
      const region = universe.contains(p) ? p : p.contains(universe) ? universe : undefined;
      if (!region) continue;
      const avoid = [...this.mentioned.filter((m) => p.contains(m) && !m.equals(p)), ...exclusions];
      const value = findAddress(region, avoid);
      if (value !== undefined && !out.some((a) => a.value === value)) out.push({ family: universe.family, value });
    }
    return out;
  }

  private vpcPrefixes(family: Family): Prefix[] {
    return this.model.vpcs.flatMap((v) => (family === 6 ? v.ipv6 : v.ipv4));
  }

  /** Representatives of every class of internet addresses of a family. */
  internet(family: Family): Address[] {
    const cached = this.internetCache.get(family);
    if (cached) return cached;
    const result =
      family === 6
        ? this.classes(parse(IPV6_GLOBAL_UNICAST), [...IPV6_NOT_INTERNET.map(parse), ...this.vpcPrefixes(6)])
        : this.classes(Prefix.any(4), [...IPV4_NOT_INTERNET.map(parse), ...this.vpcPrefixes(4)]);
    this.internetCache.set(family, result);
    return result;
  }

  /** Is this address on the internet (not in a VPC, not special-purpose)? */
  isInternet(a: Address): boolean {
    return !this.insideVpc(a) && !this.notInternet(a);
  }

  private notInternet(a: Address): boolean {
    if (a.family === 6)
      return !parse(IPV6_GLOBAL_UNICAST).containsAddress(6, a.value) || IPV6_NOT_INTERNET.some((p) => parse(p).containsAddress(6, a.value));
    return IPV4_NOT_INTERNET.some((p) => parse(p).containsAddress(4, a.value));
  }

  /** Does the prefix hold any internet address? */
  reachesInternet(p: Prefix): boolean {
    const universe = p.family === 6 ? parse(IPV6_GLOBAL_UNICAST) : Prefix.any(4);
    const region = universe.contains(p) ? p : p.contains(universe) ? universe : undefined;
    if (!region) return false;
    const exclusions =
      p.family === 6
        ? [...IPV6_NOT_INTERNET.map(parse), ...this.vpcPrefixes(6)]
        : [...IPV4_NOT_INTERNET.map(parse), ...this.vpcPrefixes(4)];
    return findAddress(region, exclusions) !== undefined;
  }

  insideVpc(a: Address): boolean {
    return this.vpcPrefixes(a.family).some((p) => p.containsAddress(a.family, a.value));
  }

  /** A representative of the NAT64 prefix (an IPv4 destination in IPv6 form). */
  nat64(): Address {
    const p = parse(NAT64_PREFIX);
    return {
      family: 6,
      value: findAddress(
        p,
        this.mentioned.filter((m) => p.contains(m) && !m.equals(p)),
      )!,
    };
  }

  /** Representatives of every class of addresses inside a prefix (usually one per subnet). */
  addressesIn(prefix: Prefix): Address[] {
    const key = prefix.toString();
    const cached = this.classCache.get(key);
    if (cached) return cached;
    const result = this.classes(prefix, []);
    this.classCache.set(key, result);
    return result;
  }

  /** The subnet whose CIDR holds an address. */
  subnetHolding(a: Address): Subnet | undefined {
    return this.model.subnets.find((s) => {
      const p = a.family === 6 ? s.ipv6 : s.ipv4;
      return p !== undefined && p.containsAddress(a.family, a.value);
    });
  }

  /** An address standing for a host's own (its subnet's first class), or for an IPv4-less subnet the unspecified address. */
  addressOf(subnet: Subnet, family: Family): Address {
    const p = family === 6 ? subnet.ipv6 : subnet.ipv4;
    if (!p) return { family, value: 0n };
    return this.addressesIn(p)[0] ?? { family, value: p.network };
  }

  /** Subnets the guarantees are about: tagged as the workload tier, or holding a workload instance. */
  workloadSubnets(): Subnet[] {
    const withWorkloads = new Set(this.model.hosts.filter((h) => h.role === ROLE_WORKLOAD && h.subnet).map((h) => h.subnet!));
    return this.model.subnets.filter((s) => s.tier === TIER_WORKLOAD || withWorkloads.has(s));
  }

  proxies(): Host[] {
    return this.model.hosts.filter((h) => h.role === ROLE_PROXY);
  }

  /** Subnets R2 protects besides the workloads': those with a proxy in them. */
  proxySubnets(): Subnet[] {
    const withProxies = new Set(
      this.proxies()
        .filter((h) => h.subnet)
        .map((h) => h.subnet!),
    );
    return this.model.subnets.filter((s) => withProxies.has(s));
  }

  hostsIn(subnet: Subnet): Host[] {
    return this.model.hosts.filter((h) => h.subnet === subnet);
  }
}
