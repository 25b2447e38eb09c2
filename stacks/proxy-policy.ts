/** The configuration, mapped to what the proxies' squid.conf is rendered from. */
import type { Egress6Config } from "../config/schema";
import type { SquidPolicy } from "../modules/proxy/squid-conf";

export function squidPolicyOf(config: Pick<Egress6Config, "name" | "egress" | "inspection">): SquidPolicy {
  const { explicitPort, interceptHttpPort, interceptHttpsPort } = config.inspection.proxy;
  return { env: config.name, domains: config.egress.domains, ports: config.egress.ports, explicitPort, interceptHttpPort, interceptHttpsPort };
}
