/** IP protocol numbers and ICMPv6 types, as the EC2 API, Network Firewall and the config all refer to them. */

/** IANA protocol numbers as the EC2 API takes them. ICMPv6 must be 58: "icmp" with an IPv6 CIDR makes an ICMPv4 rule (provider #6262). */
export const PROTOCOL_TCP = "6";
export const PROTOCOL_ICMPV6 = "58";
export const PROTOCOL_ALL = "-1";

/** ICMPv6 Packet Too Big (RFC 4443 §3.2): without it Path MTU discovery breaks. */
export const ICMPV6_PACKET_TOO_BIG = 2;
