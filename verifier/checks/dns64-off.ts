/**
 * DNS64 is off in every subnet: a DNS64 answer is an IPv6 address standing for an IPv4 one, useful only with NAT64
 * and an IPv4 path, which R1 forbids.
 */
import type { Result } from "../report/types";
import { Guarantee } from "./base";

export class Dns64Off extends Guarantee {
  check(): Result {
    return this.perSubnet("DNS64", "DNS64 is off in every subnet", (s) => ({
      verdict: s.settings.enableDns64 ? "VIOLATED" : "HOLDS",
      detail: s.settings.enableDns64 ? `${s.origin}: enable_dns64 = true (DNS64 answers need NAT64 and an IPv4 path)` : "enable_dns64 off",
    }));
  }
}
