import { INSPECTION_MODES, MODE_PROFILES, modeProfile, tiersOf } from "../../../config/modes";

describe.each(INSPECTION_MODES)("mode profile %s", (mode) => {
  const p = modeProfile(mode);

  test("has an inspection point and sends the workloads' internet traffic to it", () => {
    expect(p.proxies || p.firewall).toBe(true);
    const out = p.routes.filter((r) => r.from === "workload" && r.to === "internet");
    expect(out).toHaveLength(1);
    expect(out[0].via).toBe(p.firewall ? "firewall" : "proxy");
  });

  test("routes only via inspection points it has", () => {
    for (const r of p.routes) {
      if (r.via === "proxy") expect(p.proxies).toBe(true);
      if (r.via === "firewall") expect(p.firewall).toBe(true);
      if (r.via === "internet-gateway" || r.from === "edge") expect(p.internetGateway).toBe(true);
      if (r.from === "proxy" || (r.to !== "internet" && r.to.subnetOf === "proxy")) expect(p.proxies).toBe(true);
    }
  });

  test("an internet gateway has an edge route back through the firewall, and proxies with a firewall sit behind it", () => {
    expect(p.routes.some((r) => r.from === "edge" && r.via === "firewall")).toBe(p.internetGateway);
    expect(p.routes.some((r) => r.from === "firewall" && r.to === "internet" && r.via === "proxy")).toBe(p.proxies && p.firewall);
  });

  test("the explicit hop through the firewall is routed both ways", () => {
    const both =
      p.routes.some((r) => r.from === "workload" && r.to !== "internet" && r.to.subnetOf === "proxy" && r.via === "firewall") &&
      p.routes.some((r) => r.from === "proxy" && r.to !== "internet" && r.to.subnetOf === "workload" && r.via === "firewall");
    expect(both).toBe(p.explicitProxyThroughFirewall);
    if (p.explicitProxyThroughFirewall) expect(p.proxies && p.firewall).toBe(true);
  });

  test("the proxy tier exists exactly with proxies", () => {
    expect(tiersOf(mode).includes("proxy")).toBe(p.proxies);
    expect(MODE_PROFILES[mode]).toBe(p);
  });
});
