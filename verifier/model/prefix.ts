/**
 * Address arithmetic for the verifier: IPv4 and IPv6 prefixes as (family, network, length), parsed and printed
 * with ipaddr.js, compared as big integers. Also the one search the analysis needs: an address inside a prefix
 * that avoids a list of other prefixes, which is how every "class" of addresses gets a representative.
 */
import * as ipaddr from "ipaddr.js";

export type Family = 4 | 6;

const BITS: Record<Family, number> = { 4: 32, 6: 128 };

export class Prefix {
  private constructor(
    readonly family: Family,
    /** The network address as an integer (host bits zero). */
    readonly network: bigint,
    readonly length: number,
  ) {}

  /**
   * Parses `2001:db8::/56` or `10.0.0.0/16`; returns undefined for anything else (host bits set are cleared, as AWS
   * does not: callers validate).
   */
  static parse(text: string): Prefix | undefined {
    if (typeof text !== "string" || !ipaddr.isValidCIDR(text)) return undefined;
    const [address, length] = ipaddr.parseCIDR(text);
    const family: Family = address.kind() === "ipv6" ? 6 : 4;
    const value = bytesToBigint(address.toByteArray());
    return Prefix.of(family, value, length);
  }

  static of(family: Family, address: bigint, length: number): Prefix {
    const bits = BITS[family];
    const hostBits = BigInt(bits - length);
    return new Prefix(family, (address >> hostBits) << hostBits, length);
  }

  /** A single address as a /32 or /128. */
  static host(family: Family, address: bigint): Prefix {
    return Prefix.of(family, address, BITS[family]);
  }

  static any(family: Family): Prefix {
    return Prefix.of(family, 0n, 0);
  }

  get bits(): number {
    return BITS[this.family];
  }

  /** Does this prefix hold the whole of `other`? */
  contains(other: Prefix): boolean {
    if (other.family !== this.family || other.length < this.length) return false;
    const hostBits = BigInt(this.bits - this.length);
    return other.network >> hostBits === this.network >> hostBits;
  }

  containsAddress(family: Family, address: bigint): boolean {
    return this.contains(Prefix.host(family, address));
  }

  overlaps(other: Prefix): boolean {
    return this.contains(other) || other.contains(this);
  }

  equals(other: Prefix): boolean {
    return this.family === other.family && this.length === other.length && this.network === other.network;
  }

  /** Terraform's `cidrsubnet(prefix, newbits, netnum)`; undefined when the arguments do not fit. */
  subnet(newBits: number, netNum: number): Prefix | undefined {
    const length = this.length + newBits;
    if (!Number.isInteger(newBits) || !Number.isInteger(netNum) || newBits < 0 || length > this.bits || netNum < 0) return undefined;
    if (BigInt(netNum) >= 1n << BigInt(newBits)) return undefined;
    return Prefix.of(this.family, this.network + (BigInt(netNum) << BigInt(this.bits - length)), length);
  }

  /** The two halves one bit longer; none for a single address. */
  halves(): [Prefix, Prefix] | undefined {
    if (this.length >= this.bits) return undefined;
    const step = 1n << BigInt(this.bits - this.length - 1);
    return [Prefix.of(this.family, this.network, this.length + 1), Prefix.of(this.family, this.network + step, this.length + 1)];
  }

  private text?: string;

  toString(): string {
    this.text ??= `${formatAddress(this.family, this.network)}/${this.length}`;
    return this.text;
  }
}

/** Formatted addresses: the same few class representatives are printed in every hop of every walk. */
const formatted = new Map<string, string>();

export function formatAddress(family: Family, value: bigint): string {
  const key = `${family}:${value}`;
  const known = formatted.get(key);
  if (known !== undefined) return known;
  const text = formatUncached(family, value);
  if (formatted.size < 100_000) formatted.set(key, text);
  return text;
}

function formatUncached(family: Family, value: bigint): string {
  const bytes: number[] = [];
  for (let i = BITS[family] / 8 - 1; i >= 0; i--) bytes.push(Number((value >> BigInt(i * 8)) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

function bytesToBigint(bytes: number[]): bigint {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value;
}

/**
 * An address in `within` that lies in none of `avoid`, or undefined when `avoid` covers `within`. Prefers the
 * lowest such address, skipping the network address itself when the prefix is larger than one address.
 */
export function findAddress(within: Prefix, avoid: readonly Prefix[]): bigint | undefined {
  const relevant = avoid.filter((a) => a.family === within.family && a.overlaps(within));
  if (relevant.some((a) => a.contains(within))) return undefined;
  if (relevant.length === 0) return within.length < within.bits ? within.network + 1n : within.network;
  const halves = within.halves();
  if (!halves) return undefined;
  for (const half of halves) {
    const found = findAddress(half, relevant);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** An address the analysis reasons about: one representative of a class of addresses that every rule treats alike. */
export interface Address {
  readonly family: Family;
  readonly value: bigint;
}

export function addressText(a: Address): string {
  return formatAddress(a.family, a.value);
}

export function prefixHolds(p: Prefix, a: Address): boolean {
  return p.containsAddress(a.family, a.value);
}
