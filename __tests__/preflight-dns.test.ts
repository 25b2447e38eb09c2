import { checkDns } from "../cli/preflight/dns";
import { deadDnsAddress, startDnsServer, type TestDnsServer } from "./support/dns-server";

describe("preflight DNS: every exact allowlisted name needs an AAAA record", () => {
  let server: TestDnsServer;
  beforeAll(async () => {
    server = await startDnsServer({
      aaaa: { "v6.example.com": ["2001:db8::10", "2001:db8::11"], "target.example.net": ["2001:db8::20"], "v4only.example.com": [] },
      a: { "v4only.example.com": ["192.0.2.1"] },
      cname: { "alias.example.com": "target.example.net" },
      silent: ["slow.example.com"],
      rcode: { "broken.example.com": "SERVFAIL", "denied.example.com": "REFUSED" },
    });
  });
  afterAll(() => server.close());
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

  test("a name with AAAA is ok; one with only A, and an NXDOMAIN, are problems naming the server that said so; a CNAME to an AAAA is ok", async () => {
    const results = await checkDns(["v6.example.com", "v4only.example.com", "missing.example.com", "alias.example.com"], {
      server: server.address,
      timeoutMs: 500,
    });
    const by = `according to ${server.address}`;
    expect(results).toEqual([
      { id: "dns:v6.example.com", status: "ok", message: `has IPv6 addresses (2001:db8::10, 2001:db8::11) ${by}` },
      expect.objectContaining({
        id: "dns:v4only.example.com",
        status: "problem",
        message: `has no AAAA record (${by}): unreachable over IPv6-only egress (there is no NAT64)`,
      }),
      expect.objectContaining({ id: "dns:missing.example.com", status: "problem", message: `does not exist (NXDOMAIN ${by})` }),
      { id: "dns:alias.example.com", status: "ok", message: `has IPv6 addresses (2001:db8::20) ${by}` },
    ]);
    // The server really was asked for AAAA of each name.
    expect(server.queries).toEqual(
      expect.arrayContaining(["v6.example.com", "v4only.example.com", "missing.example.com", "alias.example.com"]),
    );
  });

  test("SERVFAIL or REFUSED for a name is 'could not check <name>: SERVFAIL from <server>', never skipped, never a problem", async () => {
    const results = await checkDns(["broken.example.com", "denied.example.com"], { server: server.address, timeoutMs: 500 });
    expect(results).toEqual([
      {
        id: "dns:broken.example.com",
        status: "unchecked",
        message: `could not check broken.example.com: SERVFAIL from ${server.address}`,
        reason: `SERVFAIL from ${server.address}`,
      },
      {
        id: "dns:denied.example.com",
        status: "unchecked",
        message: `could not check denied.example.com: REFUSED from ${server.address}`,
        reason: `REFUSED from ${server.address}`,
      },
    ]);
  });

  test("a name the server never answers is 'could not check', never ok; the others still get their answer", async () => {
    const results = await checkDns(["slow.example.com", "v6.example.com"], { server: server.address, timeoutMs: 300 });
    expect(results[0]).toEqual({
      id: "dns:slow.example.com",
      status: "unchecked",
      message: expect.stringMatching(
        new RegExp(`^could not check slow\\.example\\.com: no answer from the DNS server \\(${esc(server.address)}: ETIMEOUT\\)$`),
      ),
      reason: "no answer from the DNS server",
    });
    expect(results[1].status).toBe("ok");
  });

  test("wildcards are reported as not checkable, without a query", async () => {
    const before = server.queries.length;
    const results = await checkDns([".example.com"], { server: server.address, timeoutMs: 300 });
    expect(results).toEqual([
      { id: "dns:.example.com", status: "not-checkable", message: expect.stringMatching(/^is a wildcard: .* not checkable/) },
    ]);
    expect(server.queries.length).toBe(before);
  });

  test("no DNS server answering gives one 'skipped: no DNS server answered' line with its reason, not a stack trace", async () => {
    const dead = await deadDnsAddress();
    const results = await checkDns(["v6.example.com", "v4only.example.com", ".example.org"], { server: dead, timeoutMs: 300 });
    expect(results).toEqual([
      {
        id: "dns",
        status: "skipped",
        message: expect.stringMatching(
          new RegExp(
            `^no DNS server answered \\(${esc(dead)}: (ECONNREFUSED|ETIMEOUT)(, \\w+)?\\), so 2 allowlisted names could not be checked`,
          ),
        ),
        reason: "no DNS server answered",
      },
      expect.objectContaining({ id: "dns:.example.org", status: "not-checkable" }),
    ]);
  });
});
