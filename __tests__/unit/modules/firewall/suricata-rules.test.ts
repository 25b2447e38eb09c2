import { INBOUND_DROP_SIDS, RULE_VARIABLES, baselineRules, handshakeRules } from "../../../../modules/firewall/suricata-rules";
import { EGRESS6_SID_RANGE } from "../../../../lib/limits";

const lines = (rules: string) => rules.split("\n").filter((l) => l !== "");
const sids = (rules: string) => lines(rules).map((l) => Number(/sid:(\d+);/.exec(l)?.[1]));

describe("baselineRules", () => {
  const rules = baselineRules();

  test("drops IPv4 in both directions first", () => {
    expect(lines(rules).slice(0, 2)).toEqual([
      'drop ip 0.0.0.0/0 any -> any any (msg:"egress6: IPv4 packet; only IPv6 may leave"; sid:9100001; rev:1;)',
      'drop ip any any -> 0.0.0.0/0 any (msg:"egress6: IPv4 packet; only IPv6 may leave"; sid:9100002; rev:1;)',
    ]);
  });

  test("drops TCP and UDP opened from outside the VPC, with the inbound-drop signature ids", () => {
    expect(rules).toContain(
      `drop tcp $EXTERNAL_NET any -> $HOME_NET any (msg:"egress6: TCP connection opened from outside the VPC"; flow:to_server; sid:${INBOUND_DROP_SIDS[0]}; rev:1;)`,
    );
    expect(rules).toContain(
      `drop udp $EXTERNAL_NET any -> $HOME_NET any (msg:"egress6: UDP from outside the VPC"; flow:to_server; sid:${INBOUND_DROP_SIDS[1]}; rev:1;)`,
    );
    expect([...INBOUND_DROP_SIDS]).toEqual([9100003, 9100004]);
  });

  test("drops TCP to ports outside $EGRESS_PORTS and all UDP out", () => {
    expect(rules).toContain("drop tcp $HOME_NET any -> $EXTERNAL_NET !$EGRESS_PORTS (");
    expect(rules).toContain("drop udp $HOME_NET any -> $EXTERNAL_NET any (");
  });

  test("passes ICMPv6 Packet Too Big before dropping every other non-TCP protocol out", () => {
    const all = lines(rules);
    const ptb = all.findIndex((l) => l.startsWith("pass icmp $HOME_NET any -> $EXTERNAL_NET any") && l.includes("itype:2;"));
    const other = all.findIndex((l) => l.startsWith("drop ip $HOME_NET any -> $EXTERNAL_NET any") && l.includes("ip_proto:!6;"));
    expect(ptb).toBeGreaterThan(-1);
    expect(other).toBe(all.length - 1);
    expect(ptb).toBeLessThan(other);
  });

  test("eight rules with unique sids in egress6's range, each line ending in a newline", () => {
    expect(sids(rules)).toEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => EGRESS6_SID_RANGE.from + n));
    expect(rules.endsWith(";)\n")).toBe(true);
  });
});

describe("handshakeRules", () => {
  test("passes TCP handshakes to and from allowlisted ports only", () => {
    expect(lines(handshakeRules())).toEqual([
      'pass tcp $HOME_NET any -> $EXTERNAL_NET $EGRESS_PORTS (msg:"egress6: TCP handshake to an allowlisted port"; flow:not_established, to_server; sid:9100101; rev:1;)',
      'pass tcp $EXTERNAL_NET $EGRESS_PORTS -> $HOME_NET any (msg:"egress6: TCP handshake reply from an allowlisted port"; flow:not_established, to_client; sid:9100102; rev:1;)',
    ]);
    expect(handshakeRules().endsWith("\n")).toBe(true);
  });

  test("with an explicit proxy port: also passes workload <-> proxy on that port", () => {
    const all = lines(handshakeRules(3128));
    expect(all).toHaveLength(3);
    expect(all[2]).toBe(
      'pass tcp $WORKLOAD_NET any <> $PROXY_NET 3128 (msg:"egress6: workload to its proxy\'s explicit port (the proxy filters it)"; sid:9100103; rev:1;)',
    );
  });

  test("every sid stays inside egress6's range", () => {
    for (const sid of [...sids(baselineRules()), ...sids(handshakeRules(3128))]) {
      expect(sid).toBeGreaterThanOrEqual(EGRESS6_SID_RANGE.from);
      expect(sid).toBeLessThanOrEqual(EGRESS6_SID_RANGE.to);
    }
  });
});

describe("RULE_VARIABLES", () => {
  test("the variable names the rules use", () => {
    expect(RULE_VARIABLES).toEqual({
      homeNet: "HOME_NET",
      egressPorts: "EGRESS_PORTS",
      workloadNet: "WORKLOAD_NET",
      proxyNet: "PROXY_NET",
    });
  });
});
