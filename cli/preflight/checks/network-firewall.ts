/** One of preflight's AWS checks, run by cli/preflight/aws.ts in the order it prints; read calls only (../clients.ts). */
import { modeHasFirewall } from "../../../config/modes";
import type { Check, CheckContext } from "../clients";
import { ok } from "../result";

/** aws:network-firewall (modes with a firewall): Network Firewall answers in the region. */
export function networkFirewallChecks({ config, countFirewalls }: CheckContext): Check[] {
  const region = config.region;
  const firewall = modeHasFirewall(config.inspection.mode);
  const checks: Check[] = [];
  if (firewall) {
    checks.push({
      id: "aws:network-firewall",
      what: `that Network Firewall is offered in ${region}`,
      async run() {
        // Only an answer from the service says it is offered. A failed call (a name that does not resolve, no
        // network, a refused connection) says nothing either way, so it makes this check "could not check" (guarded):
        // the same getaddrinfo error comes from a machine offline and from a region without the endpoint.
        const n = await countFirewalls();
        return [
          ok(
            "aws:network-firewall",
            `offered in ${region} (network-firewall:ListFirewalls answered; ${n} firewall${n === 1 ? "" : "s"} exist). Whether each AZ takes a firewall endpoint has no read API: an AZ without one fails at apply`,
          ),
        ];
      },
    });
  }
  return checks;
}
