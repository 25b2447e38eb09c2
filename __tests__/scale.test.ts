/**
 * Issue 18, scale: 10,000 allowlisted names synthesize in firewall-proxy mode (both inspection points), the DNS
 * Firewall domain lists and the Network Firewall capacities stay within the AWS quotas (lib/limits.ts), the proxies'
 * allowlist is the policy bundle's file (their user data does not grow), and the inspection stack plans offline.
 * Not timed: `npm run bench -- --scale` measures (docs/development.md).
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEMO_CONFIG } from "../config/demo";
import { dnsFirewallEntries } from "../config/aws-limits";
import {
  DNS_FIREWALL_DOMAINS_PER_ACCOUNT,
  DNS_FIREWALL_DOMAINS_PER_REQUEST,
  DNS_FIREWALL_RULES_PER_RULE_GROUP,
  NFW_POLICY_STATEFUL_CAPACITY_MAX,
  NFW_STATEFUL_RULE_GROUP_CAPACITY_MAX,
  nfwDomainRulesNeeded,
} from "../lib/limits";
import { DOMAIN_TARGET_TYPES } from "../modules/firewall/network-firewall";
import { BUNDLE_FILE_MARK, BUNDLE_FILES } from "../modules/proxy/policy-agent";
import { checkPrerequisites, planPath, runOfflineCheck } from "../tooling/terraform/check";
import { formatReport } from "../tooling/terraform/report";
import { scaleDomains } from "../tooling/scale-names";
import { demoConfig, synthAll, type TfJson } from "./helpers";

const NAMES = 10_000;
const MODE = "firewall-proxy";
const overrides = { inspection: { mode: MODE }, egress: { domains: scaleDomains(NAMES) } };

const config = demoConfig(overrides);

describe(`${NAMES.toLocaleString("en-US")} allowlisted names in ${MODE} mode`, () => {
  let stacks: Record<string, TfJson>;
  beforeAll(() => {
    stacks = synthAll(config);
  });

  test("synthesize: the DNS Firewall allowlist is every entry once, in lists of at most 1,000 within the quotas", () => {
    const obs = stacks.observability.resource;
    const lists = Object.entries(obs.aws_route53_resolver_firewall_domain_list) as [string, { name: string; domains: string[] }][];
    const allow = lists.filter(([, l]) => /-egress-allowlist(-\d+)?$/.test(l.name));
    const entries = dnsFirewallEntries(config.egress.domains, config.region, config.inspection.mode, config.workload.interfaceEndpoints);
    expect(allow.length).toBeGreaterThan(1);
    for (const [, l] of allow) expect(l.domains.length).toBeLessThanOrEqual(DNS_FIREWALL_DOMAINS_PER_REQUEST);
    const union = allow.flatMap(([, l]) => l.domains);
    expect(union.length).toBe(entries.size);
    expect(new Set(union)).toEqual(entries);
    const domainsInAccount = lists.reduce((n, [, l]) => n + l.domains.length, 0);
    expect(domainsInAccount).toBeLessThanOrEqual(DNS_FIREWALL_DOMAINS_PER_ACCOUNT);

    const rules = Object.values(obs.aws_route53_resolver_firewall_rule) as {
      action: string;
      priority: number;
      firewall_domain_list_id: string;
    }[];
    expect(rules.length).toBeLessThanOrEqual(DNS_FIREWALL_RULES_PER_RULE_GROUP);
    const allows = rules.filter((r) => r.action === "ALLOW");
    const block = rules.find((r) => r.action === "BLOCK")!;
    expect(new Set(allows.map((r) => r.priority)).size).toBe(allow.length);
    for (const r of allows) expect(r.priority).toBeLessThan(block.priority);
    expect(new Set(allows.map((r) => r.firewall_domain_list_id))).toEqual(
      new Set(allow.map(([id]) => `\${aws_route53_resolver_firewall_domain_list.${id}.id}`)),
    );
  });

  test("synthesize: the proxies read the list from the policy bundle; their boot scripts are those of a 10-name policy", () => {
    const [bundle] = Object.values(stacks.inspection.resource.aws_s3_object) as { content: string }[];
    const section = bundle.content.split(`${BUNDLE_FILE_MARK}${BUNDLE_FILES.allowlist}\n`)[1].split("\n### egress6-bundle-")[0];
    expect(section.split("\n")).toEqual(config.egress.domains);
    const small = synthAll(demoConfig({ inspection: { mode: MODE } }));
    expect(stacks.inspection.locals).toEqual(small.inspection.locals);
  });

  test("synthesize: the Network Firewall domain group holds the list, and every policy fits the stateful quota", () => {
    const insp = stacks.inspection.resource;
    const groups = insp.aws_networkfirewall_rule_group as Record<string, { name: string; capacity: number; rule_group: any }>;
    const domains = Object.values(groups).find((g) => /-domains(-\d+)?$/.test(g.name))!;
    expect(domains.rule_group.rules_source.rules_source_list.targets).toHaveLength(NAMES);
    expect(domains.capacity).toBeGreaterThanOrEqual(nfwDomainRulesNeeded(NAMES, DOMAIN_TARGET_TYPES.length));
    expect(domains.capacity).toBeLessThanOrEqual(NFW_STATEFUL_RULE_GROUP_CAPACITY_MAX);
    const capacityOf = (arn: string) => groups[/^\$\{aws_networkfirewall_rule_group\.([^.]+)\.arn\}$/.exec(arn)![1]].capacity;
    const policies = Object.values(insp.aws_networkfirewall_firewall_policy) as {
      firewall_policy: { stateful_rule_group_reference: { resource_arn: string }[] };
    }[];
    expect(policies.length).toBeGreaterThan(0);
    for (const p of policies) {
      const total = p.firewall_policy.stateful_rule_group_reference.reduce((n, r) => n + capacityOf(r.resource_arn), 0);
      expect(total).toBeLessThanOrEqual(NFW_POLICY_STATEFUL_CAPACITY_MAX);
    }
  });
});

// The plan: about 16 s of CPU (56 s wall with the 2-core machine loaded, 2026-12-06), so it stays in the suite.
const prerequisites = checkPrerequisites();
if (!prerequisites.ok) {
  const reason = prerequisites.problems.join("; ");
  if (process.env.CI === "true") {
    test("offline plan of the 10,000-name inspection stack: prerequisites", () => {
      throw new Error(`the offline terraform check cannot run: ${reason}`);
    });
  } else {
    console.warn(`skipped: offline plan of the 10,000-name inspection stack: ${reason}`);
    test.skip(`offline plan of the 10,000-name inspection stack (skipped: ${reason})`, () => undefined);
  }
} else {
  test(`the 10,000-name inspection stack (${MODE}) plans offline, the domain group as synthesized`, async () => {
    const plansDir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-scale-plan-"));
    try {
      const report = await runOfflineCheck({
        config: { ...DEMO_CONFIG, ...overrides, egress: { ...DEMO_CONFIG.egress, ...overrides.egress } },
        configSource: "scale test",
        modes: [MODE],
        stacks: ["inspection"],
        plansDir,
        mirror: prerequisites.mirror,
      });
      if (!report.passed) throw new Error(formatReport(report));
      const plan = JSON.parse(fs.readFileSync(planPath(plansDir, MODE, "inspection"), "utf8")) as {
        resource_changes: { type: string; change: { after: { name: string; capacity: number; rule_group: any[]; content: string } } }[];
      };
      const bundle = plan.resource_changes.find((r) => r.type === "aws_s3_object")!;
      expect(bundle.change.after.content).toContain(`${BUNDLE_FILE_MARK}${BUNDLE_FILES.allowlist}\n${config.egress.domains.join("\n")}\n`);
      const group = plan.resource_changes.find(
        (r) => r.type === "aws_networkfirewall_rule_group" && /-domains(-\d+)?$/.test(r.change.after.name),
      )!;
      expect(group.change.after.capacity).toBeGreaterThanOrEqual(nfwDomainRulesNeeded(NAMES, DOMAIN_TARGET_TYPES.length));
      expect(group.change.after.rule_group[0].rules_source[0].rules_source_list[0].targets).toHaveLength(NAMES);
    } finally {
      fs.rmSync(plansDir, { recursive: true, force: true });
    }
  }, 600_000);
}
