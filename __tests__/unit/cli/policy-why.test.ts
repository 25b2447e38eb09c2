/** `policy why`: the destination parser and the verdict at each inspection point of a mode. */
import { DEMO_CONFIG } from "../../../config/demo";
import { parseConfig } from "../../../config/load";
import type { InspectionMode } from "../../../config/modes";
import { UserError } from "../../../lib/errors";
import { dnsListMatch, dotListMatch, formatWhy, parseDestination, why } from "../../../cli/policy/why";

const config = (mode: InspectionMode = "firewall-proxy", domains = ["example.com", ".github.io", "*.api.aws"], dnsFirewall = true) =>
  parseConfig(
    {
      ...DEMO_CONFIG,
      inspection: { mode },
      egress: { domains, ports: [443, 80] },
      observability: { dnsFirewall: { enabled: dnsFirewall } },
    },
    "test",
  );

const verdicts = (host: string, mode?: InspectionMode) =>
  Object.fromEntries(
    why(config(mode), parseDestination(host)).points.map((p) => [p.point.split(" (")[0], p.allowed ? p.because : `refused: ${p.because}`]),
  );

describe("parseDestination", () => {
  test("a host, host:port and URLs (the scheme's port when none is written), normalised", () => {
    expect(parseDestination("WWW.Example.COM.")).toEqual({ host: "www.example.com" });
    expect(parseDestination("example.com:8443")).toEqual({ host: "example.com", port: 8443 });
    expect(parseDestination("https://example.com/a?b")).toEqual({ host: "example.com", port: 443 });
    expect(parseDestination("http://example.com/")).toEqual({ host: "example.com", port: 80 });
    expect(parseDestination("https://example.com:9443/")).toEqual({ host: "example.com", port: 9443 });
    expect(parseDestination("bücher.de")).toEqual({ host: "xn--bcher-kva.de" });
  });

  test.each([
    ["exa mple.com", /space or control character/],
    ["1.2.3.4", /IP address/],
    ["[2001:db8::1]:443", /IP address/],
    [".example.com", /allowlist entry/],
    ["*.example.com", /allowlist entry/],
    ["example.com:0", /outside 1-65535/],
    ["example.com:70000", /outside 1-65535/],
    ["ftp://example.com/", /names no port/],
    ["localhost", /single label/],
  ])("%s is refused with one line", (raw, reason) => {
    let error: unknown;
    try {
      parseDestination(raw);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(UserError);
    expect((error as UserError).problems).toEqual([expect.stringMatching(reason)]);
  });
});

describe("matching", () => {
  test("Squid and Network Firewall lists: exact entries match only themselves, a leading dot the domain and its subdomains", () => {
    const list = ["example.com", ".github.io"];
    expect(dotListMatch(list, "example.com")).toBe("example.com");
    expect(dotListMatch(list, "www.example.com")).toBeUndefined();
    expect(dotListMatch(list, "github.io")).toBe(".github.io");
    expect(dotListMatch(list, "a.b.github.io")).toBe(".github.io");
    expect(dotListMatch(list, "evilgithub.io")).toBeUndefined();
    expect(dotListMatch(list, "github.io.evil.com")).toBeUndefined();
  });

  test("DNS Firewall list: `*.x` matches subdomains of x only, x itself needs its own entry", () => {
    expect(dnsListMatch(["*.github.io"], "github.io")).toBeUndefined();
    expect(dnsListMatch(["*.github.io", "github.io"], "github.io")).toBe("github.io");
    expect(dnsListMatch(["*.github.io"], "a.b.github.io")).toBe("*.github.io");
    expect(dnsListMatch(["*.github.io"], "evilgithub.io")).toBeUndefined();
  });
});

describe("why", () => {
  test("firewall-proxy: a subdomain of a wildcard entry is allowed at Squid, Network Firewall and DNS Firewall, each by its entry", () => {
    expect(verdicts("www.github.io")).toEqual({
      squid: "egress.domains entry .github.io (wildcard: github.io and its subdomains)",
      "network firewall": "egress.domains entry .github.io (wildcard: github.io and its subdomains)",
      "dns firewall": "domain list entry *.github.io (subdomains of github.io)",
    });
  });

  test("an exact entry allows that host only", () => {
    expect(why(config(), parseDestination("example.com")).allowed).toBe(true);
    const sub = why(config(), parseDestination("www.example.com"));
    expect(sub.allowed).toBe(false);
    expect(sub.points.map((p) => p.allowed)).toEqual([false, false, false]);
    expect(formatWhy(sub)).toMatch(/^www\.example\.com: refused\n {2}squid .*: refused, no egress.domains entry matches\n/);
  });

  test("`*.api.aws` was normalised to .api.aws: api.aws itself is allowed", () => {
    expect(verdicts("api.aws")["dns firewall"]).toBe("domain list entry api.aws (exact)");
  });

  test("a port outside egress.ports is refused even for an allowed host; the scheme's port counts", () => {
    const r = why(config(), parseDestination("example.com:8443"));
    expect(r.allowed).toBe(false);
    expect(r.points.at(-1)).toEqual({ point: "port 8443", allowed: false, because: "not in egress.ports (443, 80)" });
    expect(why(config(), parseDestination("https://example.com/x")).allowed).toBe(true);
  });

  test("each mode's own inspection points: proxy has no Network Firewall, firewall-igw no Squid", () => {
    expect(Object.keys(verdicts("example.com", "proxy"))).toEqual(["squid", "dns firewall"]);
    expect(Object.keys(verdicts("example.com", "firewall-igw"))).toEqual(["network firewall", "dns firewall"]);
    expect(why(config("proxy", ["example.com"], false), parseDestination("example.com")).points.map((p) => p.point)).toEqual([
      "squid (proxy tier, dstdomain / TLS SNI)",
    ]);
  });

  test("a name the VPC needs resolves (DNS Firewall) but is not egress: refused overall", () => {
    const r = verdicts("ssm.us-east-1.amazonaws.com");
    expect(r["dns firewall"]).toBe("ssm.us-east-1.amazonaws.com, a name the VPC itself needs (not egress.domains)");
    expect(r.squid).toMatch(/^refused/);
  });
});
