/** The configuration, mapped to what the proxies' squid.conf is rendered from. */
import type { Egress6Config } from "../config/schema";
import { decryptionPointOf, neverDecryptDomains, parseIcapUri } from "../config/tls-inspection";
import type { SquidDecryption, SquidPolicy } from "../modules/proxy/squid-conf";

export function squidPolicyOf(config: Pick<Egress6Config, "name" | "egress" | "inspection">): SquidPolicy {
  const { explicitPort, interceptHttpPort, interceptHttpsPort } = config.inspection.proxy;
  const decryption = squidDecryptionOf(config);
  return {
    env: config.name,
    domains: config.egress.domains,
    ports: config.egress.ports,
    explicitPort,
    interceptHttpPort,
    interceptHttpsPort,
    ...(decryption ? { decryption } : {}),
    ...(firewallDecryptsBehindProxies(config) ? { refuseExplicitTunnels: true } : {}),
  };
}

/**
 * firewall-proxy with `decryptAt: firewall`: the firewall decrypts TLS to the internet's ports, but a CONNECT tunnel to
 * the proxy's explicit port carries TLS inside a connection to the proxy, which the firewall's scope does not reach.
 * Squid refuses those tunnels, so no TLS leaves undecrypted; plain HTTP through the explicit port stays.
 */
function firewallDecryptsBehindProxies(config: Pick<Egress6Config, "inspection">): boolean {
  const tls = config.inspection.tlsInspection;
  return tls !== undefined && config.inspection.mode === "firewall-proxy" && decryptionPointOf(tls, config.inspection.mode) === "firewall";
}

/** What the proxies decrypt, when `inspection.tlsInspection` says they do; undefined otherwise. */
export function squidDecryptionOf(config: Pick<Egress6Config, "inspection">): SquidDecryption | undefined {
  const tls = config.inspection.tlsInspection;
  if (!tls || decryptionPointOf(tls, config.inspection.mode) !== "proxy") return undefined;
  const uri = (value: string) => {
    const parsed = parseIcapUri(value);
    if (!parsed.ok) throw new Error(`unvalidated ICAP URI ${value}`);
    return parsed.endpoint.uri;
  };
  return {
    neverDecrypt: neverDecryptDomains(tls),
    ports: tls.ports,
    ...(tls.icap
      ? {
          icap: {
            requestUri: uri(tls.icap.requestUri),
            ...(tls.icap.responseUri ? { responseUri: uri(tls.icap.responseUri) } : {}),
            failClosed: tls.icap.failClosed,
          },
        }
      : {}),
  };
}
