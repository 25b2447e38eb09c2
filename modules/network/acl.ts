/**
 * Value types for stateless network ACL rules, so that a rule reads as what it allows:
 * `{ traffic: AclTraffic.tcpPort(443), peer: AclCidr.anyIpv6() }`.
 */
import { PROTOCOL_ALL, PROTOCOL_ICMPV6, PROTOCOL_TCP } from "../../lib/protocols";

/** Return traffic of outbound TCP flows lands on these ports (VPC user guide, "Ephemeral ports"). */
export const EPHEMERAL_PORTS = { from: 1024, to: 65535 } as const;
/** Neighbour discovery runs on link-local addresses (RFC 4861). */
export const LINK_LOCAL_IPV6 = "fe80::/10";

/** The peer of an ACL rule: one IPv6 or IPv4 CIDR. */
export class AclCidr {
  static anyIpv6(): AclCidr {
    return new AclCidr({ ipv6CidrBlock: "::/0" });
  }
  static anyIpv4(): AclCidr {
    return new AclCidr({ cidrBlock: "0.0.0.0/0" });
  }
  static ipv6(cidr: string): AclCidr {
    return new AclCidr({ ipv6CidrBlock: cidr });
  }
  private constructor(readonly value: { readonly ipv6CidrBlock?: string; readonly cidrBlock?: string }) {}
}

/** The protocol (and ports or ICMPv6 type) of an ACL rule. */
export class AclTraffic {
  static tcpPort(port: number): AclTraffic {
    return new AclTraffic({ protocol: PROTOCOL_TCP, fromPort: port, toPort: port });
  }
  static tcpPortRange(from: number, to: number): AclTraffic {
    return new AclTraffic({ protocol: PROTOCOL_TCP, fromPort: from, toPort: to });
  }
  /** One ICMPv6 type (all codes), or every type with `type = -1`. */
  static icmpv6(type: number): AclTraffic {
    return new AclTraffic({ protocol: PROTOCOL_ICMPV6, icmpType: type, icmpCode: -1 });
  }
  static all(): AclTraffic {
    return new AclTraffic({ protocol: PROTOCOL_ALL });
  }
  private constructor(
    readonly value: {
      readonly protocol: string;
      readonly fromPort?: number;
      readonly toPort?: number;
      readonly icmpType?: number;
      readonly icmpCode?: number;
    },
  ) {}
}

/** One numbered, stateless network ACL rule. */
export interface AclEntry {
  /** Rule number: evaluated lowest first, unique per direction. */
  readonly number: number;
  /** What the rule matches. */
  readonly traffic: AclTraffic;
  /** The other end of the traffic. */
  readonly peer: AclCidr;
  /** @default "allow" */
  readonly action?: "allow" | "deny";
}
