/**
 * Reading evaluated configuration values as the model needs them: ids as signatures, numbers, booleans, lists and
 * blocks. None of these invents a value: what is not there reads as undefined (the caller decides), and a value
 * known only after apply is never taken for an empty list or a missing block.
 */
import { FirewallEndpointId, Opaque, Unknown, UnorderedSet, isObjectValue, showValue, type Value } from "../expr/values";
import type { Protocol } from "./types";

/** The identity of an id-like value: the resource attribute it is, or the literal id. */
export function signature(v: Value | undefined): string | undefined {
  if (v instanceof Opaque) return `${v.resource}|${v.path}`;
  if (v instanceof FirewallEndpointId) return `endpoint|${v.firewall}|${signature(v.subnet) ?? showValue(v.subnet)}`;
  if (typeof v === "string" && v !== "") return `literal|${v}`;
  return undefined;
}

export function parseProtocol(v: Value | undefined): Protocol | undefined {
  const s = typeof v === "number" ? String(v) : typeof v === "string" ? v.toLowerCase() : undefined;
  if (s === undefined) return undefined;
  if (s === "-1" || s === "all") return "all";
  const named: Record<string, number> = { tcp: 6, udp: 17, icmp: 1, icmpv6: 58, "ipv6-icmp": 58 };
  if (s in named) return named[s];
  return /^[0-9]+$/.test(s) ? Number(s) : undefined;
}

export function isIcmp(p: Protocol): boolean {
  return p === 1 || p === 58;
}

export function asNumber(v: Value | undefined): number | undefined {
  if (typeof v === "number") return v;
  if (typeof v === "string" && /^-?[0-9]+$/.test(v)) return Number(v);
  return undefined;
}

export function asBool(v: Value | undefined): boolean | undefined {
  if (typeof v === "boolean") return v;
  if (v === "true") return true;
  if (v === "false") return false;
  return undefined;
}

/** Is the value one the verifier cannot read as a list (unknown, or a set in an order it cannot know)? */
export function unreadable(v: Value | undefined): v is Unknown | Opaque | UnorderedSet {
  return v instanceof Unknown || v instanceof Opaque;
}

/**
 * A list argument: a list as it is, one value as a one-element list, nothing as an empty list. A set (known
 * elements, order unknown) gives its elements: the model never depends on their order.
 */
export function asList(v: Value | undefined): Value[] {
  if (Array.isArray(v)) return [...v];
  if (v instanceof UnorderedSet) return [...v.items];
  if (v === undefined || v === null) return [];
  return [v];
}

/**
 * Nested blocks: a list of bodies (or one body written as an object). Elements that are not bodies are kept out:
 * callers check `blocksReadable` first.
 */
export function blocks(v: Value | undefined): Record<string, Value>[] {
  const items = Array.isArray(v) ? v : v instanceof UnorderedSet ? v.items : isObjectValue(v) ? [v] : [];
  return items.filter(isObjectValue) as Record<string, Value>[];
}

/** Why a blocks value cannot be read (unknown, or holding something that is not a block), or undefined. */
export function blocksProblem(v: Value | undefined): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Unknown || v instanceof Opaque) return `${showValue(v)}`;
  const items = Array.isArray(v) ? v : v instanceof UnorderedSet ? v.items : [v];
  const bad = items.find((b) => !isObjectValue(b));
  return bad === undefined ? undefined : `an element is ${showValue(bad)}`;
}
