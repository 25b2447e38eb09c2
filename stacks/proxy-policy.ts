/** The configuration, mapped to what the proxies' squid.conf is rendered from. */
import type { Egress6Config } from "../config/schema";
import { firewallDecryptsBehindProxies, proxyDecryptionOf } from "../config/tls-inspection";
import type { SquidDecryption, SquidPolicy } from "../modules/proxy/squid-conf";

/** The Squid policy of the configuration: allowlist, ports, and decryption when the proxies decrypt. */
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
    // The firewall decrypts TLS to the internet's ports, but a CONNECT tunnel to the proxy's explicit port carries TLS
    // inside a connection to the proxy, which the firewall's scope does not reach. Squid refuses those tunnels, so no
    // TLS leaves undecrypted; plain HTTP through the explicit port stays.
    ...(firewallDecryptsBehindProxies(config) ? { refuseExplicitTunnels: true } : {}),
  };
}

/** What the proxies decrypt, when `inspection.tlsInspection` says they do; undefined otherwise. */
export function squidDecryptionOf(config: Pick<Egress6Config, "inspection">): SquidDecryption | undefined {
  const decryption = proxyDecryptionOf(config);
  if (!decryption) return undefined;
  const { icap } = decryption;
  return {
    neverDecrypt: decryption.neverDecrypt,
    ports: decryption.ports,
    ...(icap
      ? {
          icap: {
            requestUri: icap.request.uri,
            ...(icap.response ? { responseUri: icap.response.uri } : {}),
            failClosed: icap.failClosed,
          },
        }
      : {}),
  };
}
