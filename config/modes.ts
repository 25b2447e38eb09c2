/** What each inspection mode (docs/architecture.md, "Network design") is made of. */
import { TIERS, type Tier } from "../lib/names";

/** The inspection modes, the default first. */
export const INSPECTION_MODES = ["firewall-proxy", "proxy", "firewall-igw"] as const;
export type InspectionMode = (typeof INSPECTION_MODES)[number];

/** Modes whose workload traffic ends at a Squid proxy (which needs the proxy tier and the egress-only gateway). */
export function modeHasProxies(mode: InspectionMode): boolean {
  return mode === "firewall-proxy" || mode === "proxy";
}

/** Modes with AWS Network Firewall endpoints. */
export function modeHasFirewall(mode: InspectionMode): boolean {
  return mode === "firewall-proxy" || mode === "firewall-igw";
}

/**
 * The subnet tiers a mode needs. firewall-igw has no proxies, so no proxy tier: an empty tier would only be
 * address space an internet gateway can deliver to.
 */
export function tiersOf(mode: InspectionMode): Tier[] {
  return TIERS.filter((tier) => tier !== "proxy" || modeHasProxies(mode));
}
