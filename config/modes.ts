/**
 * What each inspection mode (docs/architecture.md, "Network design") is made of: one profile per mode. Code
 * outside this file asks the profile (`modeProfile(mode).proxies`) and never compares a mode's name.
 */
import { TIERS, type Tier } from "../lib/names";

/** The inspection modes, the default first. */
export const INSPECTION_MODES = ["firewall-proxy", "proxy", "firewall-igw"] as const;
export type InspectionMode = (typeof INSPECTION_MODES)[number];

/** The inspection point a route of a mode targets, in the route's own AZ. */
export type RouteTarget = "firewall" | "proxy" | "internet-gateway";

/** One route a mode adds in every AZ: from a tier's route table (or the internet gateway's edge table). */
export interface ModeRoute {
  /** The route table: a tier's, in the AZ, or `edge`, the internet gateway's ingress route table. */
  readonly from: "workload" | "proxy" | "firewall" | "edge";
  /** The destination: the whole internet, or the AZ's subnet of a tier. */
  readonly to: "internet" | { readonly subnetOf: "workload" | "proxy" };
  /** Where the route sends it: the AZ's firewall endpoint, the AZ's proxy interface or the internet gateway. */
  readonly via: RouteTarget;
}

/** Everything the code needs to know about a mode. */
export interface ModeProfile {
  /** Squid proxies in each AZ: the proxy tier exists and reaches the internet through the egress-only gateway. */
  readonly proxies: boolean;
  /** AWS Network Firewall endpoints in each AZ's firewall subnet. */
  readonly firewall: boolean;
  /**
   * An internet gateway whose edge route table sends replies in through the firewall: the only mode in which the
   * internet can address a firewall endpoint, so inbound is refused by policy rather than by construction.
   */
  readonly internetGateway: boolean;
  /**
   * The workload <-> proxy hop on the explicit proxy port runs through the AZ's firewall endpoint, both ways: the
   * workload table sends the proxy /64 to the endpoint and the proxy table sends the workload /64 back to it.
   */
  readonly explicitProxyThroughFirewall: boolean;
  /** The routes the inspection stack adds in every AZ (the proxy tier's `::/0` to the egress-only gateway is the network stack's). */
  readonly routes: readonly ModeRoute[];
}

const INTERNET = "internet" as const;

/** The profiles, by mode. */
export const MODE_PROFILES: { readonly [M in InspectionMode]: ModeProfile } = {
  "firewall-proxy": {
    proxies: true,
    firewall: true,
    internetGateway: false,
    explicitProxyThroughFirewall: true,
    routes: [
      { from: "workload", to: INTERNET, via: "firewall" },
      { from: "workload", to: { subnetOf: "proxy" }, via: "firewall" },
      { from: "firewall", to: INTERNET, via: "proxy" },
      { from: "proxy", to: { subnetOf: "workload" }, via: "firewall" },
    ],
  },
  proxy: {
    proxies: true,
    firewall: false,
    internetGateway: false,
    explicitProxyThroughFirewall: false,
    routes: [{ from: "workload", to: INTERNET, via: "proxy" }],
  },
  "firewall-igw": {
    proxies: false,
    firewall: true,
    internetGateway: true,
    explicitProxyThroughFirewall: false,
    routes: [
      { from: "workload", to: INTERNET, via: "firewall" },
      { from: "firewall", to: INTERNET, via: "internet-gateway" },
      { from: "edge", to: { subnetOf: "workload" }, via: "firewall" },
    ],
  },
};

/** The profile of a mode. */
export function modeProfile(mode: InspectionMode): ModeProfile {
  return MODE_PROFILES[mode];
}

/** Modes whose workload traffic ends at a Squid proxy (which needs the proxy tier and the egress-only gateway). */
export function modeHasProxies(mode: InspectionMode): boolean {
  return modeProfile(mode).proxies;
}

/** Modes with AWS Network Firewall endpoints. */
export function modeHasFirewall(mode: InspectionMode): boolean {
  return modeProfile(mode).firewall;
}

/**
 * The subnet tiers a mode needs. firewall-igw has no proxies, so no proxy tier: an empty tier would only be
 * address space an internet gateway can deliver to.
 */
export function tiersOf(mode: InspectionMode): Tier[] {
  return TIERS.filter((tier) => tier !== "proxy" || modeHasProxies(mode));
}
