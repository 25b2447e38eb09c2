/** dns-packet's RCODE table (dns-packet/rcodes.js), which @types/dns-packet does not declare. */
declare module "dns-packet/rcodes" {
  /** The RCODE number of a name (`NXDOMAIN` is 3). */
  export function toRcode(code: string): number;
  /** The name of an RCODE number. */
  export function toString(rcode: number): string;
}
