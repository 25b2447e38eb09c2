/**
 * The Suricata rules egress6 writes for AWS Network Firewall (strict rule order). Rules refer to rule-group
 * variables only, so the same text serves every environment: `$HOME_NET` (the VPC /56), `$EGRESS_PORTS`
 * (egress.ports) and, for the explicit proxy port, `$WORKLOAD_NET` and `$PROXY_NET` (the tier /60s).
 */
import { EGRESS6_SID_RANGE } from "../../lib/limits";
import { ICMPV6_PACKET_TOO_BIG } from "../../lib/protocols";

/** Rule-group variable names. */
export const RULE_VARIABLES = {
  homeNet: "HOME_NET",
  egressPorts: "EGRESS_PORTS",
  workloadNet: "WORKLOAD_NET",
  proxyNet: "PROXY_NET",
} as const;

/** IANA protocol number of TCP (Suricata's `ip_proto` takes it). */
const IP_PROTO_TCP = 6;

const SID = { baseline: EGRESS6_SID_RANGE.from, handshake: EGRESS6_SID_RANGE.from + 100 } as const;

/**
 * Signature ids of the baseline drops of TCP and UDP flows opened from outside the VPC: in firewall-igw mode, the
 * internet probes the firewall stops (their alert-log records carry these ids in `event.alert.signature_id`).
 */
export const INBOUND_DROP_SIDS = [SID.baseline + 3, SID.baseline + 4] as const;

function rule(action: "drop" | "pass", header: string, msg: string, options: string[], sid: number): string {
  return `${action} ${header} (msg:"egress6: ${msg}"; ${options.map((o) => `${o}; `).join("")}sid:${sid}; rev:1;)`;
}

/**
 * Drops that no later rule may override: IPv4 in either direction (only IPv6 leaves), anything opened from
 * outside the VPC, TCP to a port outside egress.ports, UDP to the internet, and every other protocol to the
 * internet (ICMPv6 echo, ESP, GRE, ...: `aws:drop_established` never drops them, it drops only established flows),
 * except ICMPv6 Packet Too Big, which Path MTU discovery needs.
 */
export function baselineRules(): string {
  const s = SID.baseline;
  return [
    rule("drop", "ip 0.0.0.0/0 any -> any any", "IPv4 packet; only IPv6 may leave", [], s + 1),
    rule("drop", "ip any any -> 0.0.0.0/0 any", "IPv4 packet; only IPv6 may leave", [], s + 2),
    rule(
      "drop",
      "tcp $EXTERNAL_NET any -> $HOME_NET any",
      "TCP connection opened from outside the VPC",
      ["flow:to_server"],
      INBOUND_DROP_SIDS[0],
    ),
    rule("drop", "udp $EXTERNAL_NET any -> $HOME_NET any", "UDP from outside the VPC", ["flow:to_server"], INBOUND_DROP_SIDS[1]),
    rule(
      "drop",
      `tcp $HOME_NET any -> $EXTERNAL_NET !$${RULE_VARIABLES.egressPorts}`,
      "TCP to a port outside egress.ports",
      ["flow:to_server"],
      s + 5,
    ),
    rule("drop", "udp $HOME_NET any -> $EXTERNAL_NET any", "UDP to the internet; only TCP on egress.ports may leave", [], s + 6),
    // `icmp` is ICMPv4 and ICMPv6 in Suricata; IPv4 never gets here (dropped above).
    rule(
      "pass",
      "icmp $HOME_NET any -> $EXTERNAL_NET any",
      "ICMPv6 Packet Too Big (Path MTU discovery)",
      [`itype:${ICMPV6_PACKET_TOO_BIG}`],
      s + 7,
    ),
    rule(
      "drop",
      "ip $HOME_NET any -> $EXTERNAL_NET any",
      "neither TCP nor UDP to the internet (ICMPv6, ESP, GRE, ...)",
      [`ip_proto:!${IP_PROTO_TCP}`],
      s + 8,
    ),
    "",
  ].join("\n");
}

/**
 * Passes TCP handshakes to allowlisted ports, so that the domain rules that follow see the TLS ClientHello or the
 * HTTP request (with the `aws:drop_established` default, an unpassed established flow is dropped). With
 * `explicitProxyPort`, also passes workload connections to their proxy's explicit port.
 */
export function handshakeRules(explicitProxyPort?: number): string {
  const s = SID.handshake;
  const ports = `$${RULE_VARIABLES.egressPorts}`;
  const lines = [
    rule(
      "pass",
      `tcp $HOME_NET any -> $EXTERNAL_NET ${ports}`,
      "TCP handshake to an allowlisted port",
      ["flow:not_established, to_server"],
      s + 1,
    ),
    rule(
      "pass",
      `tcp $EXTERNAL_NET ${ports} -> $HOME_NET any`,
      "TCP handshake reply from an allowlisted port",
      ["flow:not_established, to_client"],
      s + 2,
    ),
  ];
  if (explicitProxyPort !== undefined) {
    lines.push(
      rule(
        "pass",
        `tcp $${RULE_VARIABLES.workloadNet} any <> $${RULE_VARIABLES.proxyNet} ${explicitProxyPort}`,
        "workload to its proxy's explicit port (the proxy filters it)",
        [],
        s + 3,
      ),
    );
  }
  return `${lines.join("\n")}\n`;
}
