import { Testing } from "cdktf";
import { Route53ResolverFirewallDomainList } from "@cdktf/provider-aws/lib/route53-resolver-firewall-domain-list";
import { Route53ResolverFirewallRuleGroup } from "@cdktf/provider-aws/lib/route53-resolver-firewall-rule-group";
import { Route53ResolverFirewallRuleGroupAssociation } from "@cdktf/provider-aws/lib/route53-resolver-firewall-rule-group-association";
import { Route53ResolverFirewallConfig } from "@cdktf/provider-aws/lib/route53-resolver-firewall-config";
import { Route53ResolverQueryLogConfig } from "@cdktf/provider-aws/lib/route53-resolver-query-log-config";
import { Route53ResolverQueryLogConfigAssociation } from "@cdktf/provider-aws/lib/route53-resolver-query-log-config-association";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import {
  ASSOCIATION_PRIORITY,
  DnsFirewall,
  dnsFirewallDomains,
  vpcInternalDomains,
  type DnsFirewallProps,
} from "../../../../modules/observability/dns-firewall";
import { CustomerKey } from "../../../../modules/shared/customer-key";
import { UserError } from "../../../../lib/errors";
import { DNS_FIREWALL_DOMAINS_PER_REQUEST } from "../../../../lib/limits";
import { synthResources, type Resources } from "../../support/synth";

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

const VPC = "vpc-0123456789abcdef0";
const KEY_ARN = /^\$\{aws_kms_key\.key_resource_[0-9A-F]+\.arn\}$/;

function synth(overrides: Partial<DnsFirewallProps> = {}): { json: string; r: Resources } {
  return synthResources((scope) => {
    const key = new CustomerKey(scope, "key", { description: "audit", aliasName: "dev-audit", partition: "aws" });
    new DnsFirewall(scope, "test", {
      envName: "dev",
      vpcId: VPC,
      allowlist: ["example.com", ".example.org"],
      alsoAllow: ["*.compute.internal", "example.com"],
      mutationProtection: true,
      queryLogGroupName: "/aws/vendedlogs/egress6/dev/dns-queries",
      retentionDays: 90,
      kmsKeyArn: key.key.arn,
      keyPolicy: key.policy,
      ...overrides,
    });
  });
}

/** The domain lists by name. */
function lists(r: Resources): Record<string, any> {
  return Object.fromEntries(Object.values(r.aws_route53_resolver_firewall_domain_list).map((l: any) => [l.name, l]));
}

/** The firewall rules by action. */
function rules(r: Resources): Record<string, any> {
  return Object.fromEntries(Object.values(r.aws_route53_resolver_firewall_rule).map((x: any) => [x.action, x]));
}

describe("DnsFirewall", () => {
  it("the allowlist holds the allowlist in DNS Firewall form plus alsoAllow, each name once, sorted", () => {
    const { json, r } = synth();
    expect(json).toHaveResourceWithProperties(Route53ResolverFirewallDomainList, { name: "dev-egress-allowlist" });
    expect(lists(r)["dev-egress-allowlist"].domains).toEqual(["*.compute.internal", "*.example.org", "example.com", "example.org"]);
    expect(Object.keys(lists(r)).sort()).toEqual(["dev-egress-allowlist", "dev-every-domain"]);
  });

  it("allows the allowlist first, trusting its CNAME chains, then blocks every other name with NXDOMAIN", () => {
    const { r } = synth();
    expect(lists(r)["dev-every-domain"].domains).toEqual(["*"]);
    const { ALLOW: allow, BLOCK: block, ...others } = rules(r);
    expect(others).toEqual({});
    expect(allow).toMatchObject({
      name: "allow-allowlisted",
      priority: 100,
      firewall_domain_redirection_action: "TRUST_REDIRECTION_DOMAIN",
      firewall_domain_list_id: expect.stringMatching(/^\$\{aws_route53_resolver_firewall_domain_list\.test_allowlist_[0-9A-F]+\.id\}$/),
      firewall_rule_group_id: expect.stringMatching(/^\$\{aws_route53_resolver_firewall_rule_group\.test_rule-group_[0-9A-F]+\.id\}$/),
    });
    expect(block).toMatchObject({
      name: "block-everything-else",
      priority: 200,
      block_response: "NXDOMAIN",
      firewall_domain_list_id: expect.stringMatching(/^\$\{aws_route53_resolver_firewall_domain_list\.test_everything_[0-9A-F]+\.id\}$/),
      firewall_rule_group_id: expect.stringMatching(/^\$\{aws_route53_resolver_firewall_rule_group\.test_rule-group_[0-9A-F]+\.id\}$/),
    });
    expect(allow.priority).toBeLessThan(block.priority);
  });

  it("associates the rule group with the VPC at the first customer priority, mutation protection as asked", () => {
    const { json } = synth();
    expect(json).toHaveResourceWithProperties(Route53ResolverFirewallRuleGroup, { name: "dev-dns-allowlist" });
    expect(json).toHaveResourceWithProperties(Route53ResolverFirewallRuleGroupAssociation, {
      name: "dev-dns-allowlist",
      vpc_id: VPC,
      priority: ASSOCIATION_PRIORITY,
      mutation_protection: "ENABLED",
      firewall_rule_group_id: expect.stringMatching(/^\$\{aws_route53_resolver_firewall_rule_group\.test_rule-group_[0-9A-F]+\.id\}$/),
    });
    expect(ASSOCIATION_PRIORITY).toBe(101);
    expect(synth({ mutationProtection: false }).json).toHaveResourceWithProperties(Route53ResolverFirewallRuleGroupAssociation, {
      mutation_protection: "DISABLED",
    });
  });

  it("fails closed: if DNS Firewall cannot answer, the VPC's queries fail", () => {
    expect(synth().json).toHaveResourceWithProperties(Route53ResolverFirewallConfig, { resource_id: VPC, firewall_fail_open: "DISABLED" });
  });

  it("logs every query of the VPC to its log group, encrypted with the customer key", () => {
    const { json, r } = synth({ retentionDays: 30 });
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/aws/vendedlogs/egress6/dev/dns-queries",
      retention_in_days: 30,
      kms_key_id: expect.stringMatching(KEY_ARN),
      depends_on: [expect.stringMatching(/^aws_kms_key_policy\.key_policy_/)],
    });
    expect(json).toHaveResourceWithProperties(Route53ResolverQueryLogConfig, {
      name: "dev-dns-queries",
      destination_arn: expect.stringMatching(/^\$\{aws_cloudwatch_log_group\.test_query-log-group_resource_[0-9A-F]+\.arn\}$/),
    });
    expect(json).toHaveResourceWithProperties(Route53ResolverQueryLogConfigAssociation, {
      resource_id: VPC,
      resolver_query_log_config_id: expect.stringMatching(/^\$\{aws_route53_resolver_query_log_config\.test_query-log_[0-9A-F]+\.id\}$/),
    });
    expect(Object.keys(r.aws_route53_resolver_query_log_config_association)).toHaveLength(1);
  });

  it("exposes the allowlist, the rule group and the query log group", () => {
    Testing.synthScope((scope) => {
      const key = new CustomerKey(scope, "key", { description: "audit", aliasName: "dev-audit", partition: "aws" });
      const firewall = new DnsFirewall(scope, "test", {
        envName: "dev",
        vpcId: VPC,
        allowlist: [],
        alsoAllow: [],
        mutationProtection: false,
        queryLogGroupName: "/x",
        retentionDays: 1,
        kmsKeyArn: key.key.arn,
        keyPolicy: key.policy,
      });
      expect(firewall.allowLists).toHaveLength(1);
      expect(firewall.allowLists[0]).toBeInstanceOf(Route53ResolverFirewallDomainList);
      expect(firewall.ruleGroup).toBeInstanceOf(Route53ResolverFirewallRuleGroup);
      expect(firewall.queryLogGroup.logGroup).toBeInstanceOf(CloudwatchLogGroup);
    });
  });

  describe("a long allowlist: several domain lists, one ALLOW rule each, before the block", () => {
    const names = (n: number) => Array.from({ length: n }, (_, i) => `.n${i}.example`);

    test("1,400 wildcards (2,801 entries) are four lists of at most 1,000 whose union is every entry", () => {
      const { r } = synth({ allowlist: names(1400), alsoAllow: ["*.compute.internal"] });
      const byName = lists(r);
      const allow = Object.entries(byName).filter(([n]) => n.startsWith("dev-egress-allowlist"));
      expect(allow.map(([n]) => n).sort()).toEqual([
        "dev-egress-allowlist",
        "dev-egress-allowlist-1",
        "dev-egress-allowlist-2",
        "dev-egress-allowlist-3",
      ]);
      for (const [, l] of allow) expect(l.domains.length).toBeLessThanOrEqual(DNS_FIREWALL_DOMAINS_PER_REQUEST);
      const union = allow.flatMap(([, l]) => l.domains as string[]);
      expect(union.sort()).toEqual([...dnsFirewallDomains(names(1400)), "*.compute.internal"].sort());
      expect(new Set(union).size).toBe(union.length);
    });

    test("each list has its ALLOW rule at its own priority, all before the block", () => {
      const { r } = synth({ allowlist: names(1400) });
      const listIds = Object.keys(r.aws_route53_resolver_firewall_domain_list);
      const all = Object.values(r.aws_route53_resolver_firewall_rule) as any[];
      const allows = all.filter((x) => x.action === "ALLOW");
      const block = all.find((x) => x.action === "BLOCK");
      expect(allows.map((x) => x.priority).sort()).toEqual([100, 101, 102, 103]);
      expect(new Set(allows.map((x) => x.name)).size).toBe(4);
      for (const a of allows) expect(a.priority).toBeLessThan(block.priority);
      const referenced = allows.map((x) => /\.([^.]+)\.id\}$/.exec(x.firewall_domain_list_id)![1]);
      expect(new Set(referenced).size).toBe(4);
      for (const id of referenced) expect(listIds).toContain(id);
    });

    test("the first list keeps the single list's construct id, so an existing list is updated, not replaced", () => {
      const { r } = synth({ allowlist: names(1400) });
      expect(Object.keys(r.aws_route53_resolver_firewall_domain_list).filter((k) => /^test_allowlist_[0-9A-F]+$/.test(k))).toHaveLength(1);
    });

    test("past a rule group's 100 rules: refused at synth with one line naming the limit and its source", () => {
      expect(() => synth({ allowlist: names(24_100) })).toThrow(UserError);
      expect(() => synth({ allowlist: names(24_100) })).toThrow(
        /^egress\.domains: make 48202 DNS Firewall entries in 128 domain lists .* a rule group holds at most 100 rules \(Route 53 developer guide, "Quotas on Route 53 Resolver DNS Firewall"\)$/,
      );
    });
  });
});
