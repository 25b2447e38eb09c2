import { dnsFirewallDomains, vpcInternalDomains } from "../../../../modules/observability/dns-firewall";

describe("dnsFirewallDomains", () => {
  it("keeps an exact name exact", () => {
    expect(dnsFirewallDomains(["example.com"])).toEqual(["example.com"]);
  });

  it("turns .example.com into the domain itself plus its subdomains", () => {
    expect(dnsFirewallDomains([".example.com"])).toEqual(["example.com", "*.example.com"]);
  });

  it("drops duplicates, keeping first-seen order", () => {
    expect(dnsFirewallDomains(["example.com", ".example.com", "a.org"])).toEqual(["example.com", "*.example.com", "a.org"]);
  });

  it("returns nothing for an empty allowlist", () => {
    expect(dnsFirewallDomains([])).toEqual([]);
  });
});

describe("vpcInternalDomains", () => {
  it("always allows the instances' own host names, then each endpoint service's regional name", () => {
    expect(vpcInternalDomains("eu-west-1", ["ssm", "ec2messages"])).toEqual([
      "*.compute.internal",
      "*.ec2.internal",
      "ssm.eu-west-1.amazonaws.com",
      "ec2messages.eu-west-1.amazonaws.com",
    ]);
  });

  it("uses the partition's DNS suffix", () => {
    expect(vpcInternalDomains("cn-north-1", ["ssm"])[2]).toBe("ssm.cn-north-1.amazonaws.com.cn");
  });
});
