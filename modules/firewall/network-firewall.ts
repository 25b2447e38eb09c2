/**
 * AWS Network Firewall for egress inspection: one IPv6 endpoint per AZ, a strict-order policy built from the egress
 * policy, a customer-managed key for the firewall, its policy and rule groups, and ALERT, FLOW and TLS logs to
 * KMS-encrypted CloudWatch Logs groups.
 *
 * Policy, in evaluation order (STRICT_ORDER; stateless default: forward everything to the stateful engine):
 *   1. baseline   drop IPv4, anything opened from outside the VPC, TCP outside egress.ports, UDP out
 *   2. ids-ips    the operator's Suricata rules (egress.suricataRules), when there are any
 *   3. handshake  pass TCP `flow:not_established` to allowlisted ports (and the explicit proxy port, if routed here)
 *   4. domains    allowlist on TLS SNI and HTTP Host (Network Firewall generates the drop for the rest)
 *   default       `aws:drop_established` + `aws:alert_established`: every other established flow is dropped and logged
 */
import { Construct } from "constructs";
import type { ITerraformDependable } from "cdktf";
import { NetworkfirewallRuleGroup } from "@cdktf/provider-aws/lib/networkfirewall-rule-group";
import { NetworkfirewallFirewallPolicy } from "@cdktf/provider-aws/lib/networkfirewall-firewall-policy";
import { NetworkfirewallFirewall } from "@cdktf/provider-aws/lib/networkfirewall-firewall";
import { NetworkfirewallLoggingConfiguration } from "@cdktf/provider-aws/lib/networkfirewall-logging-configuration";
import type { Zone } from "../../lib/zone";
import { UserError } from "../../lib/errors";
import { RESOURCE_ID } from "../../lib/names";
import {
  NFW_DOMAIN_CAPACITY_STEPS,
  NFW_DOMAIN_TARGET_TYPES,
  NFW_FIXED_CAPACITY,
  nfwCapacityProblems,
  nfwDomainCapacity,
  nfwDomainRulesNeeded,
} from "../../lib/limits";
import { EncryptedLogGroup } from "../shared/encrypted-log-group";
import { baselineRules, handshakeRules, RULE_VARIABLES } from "./suricata-rules";
import { exampleDlpRules, FirewallTlsInspection, type FirewallTlsInspectionProps } from "./tls-inspection";

/** Network Firewall's stateful defaults for an allowlist in strict order (docs/architecture.md, "The inspection points"). */
export const STATEFUL_DEFAULT_ACTIONS = ["aws:drop_established", "aws:alert_established"] as const;
/** Stateless engine: hand every packet, fragments included, to the stateful engine. */
export const STATELESS_DEFAULT_ACTIONS = ["aws:forward_to_sfe"] as const;

/**
 * Capacities of the Suricata rule groups, fixed at creation (changing one replaces the group), so sized for the
 * schema's limits rather than for today's rules (1000 operator rules). The domain group's is computed from the list
 * (domainCapacity).
 */
export const CAPACITY = NFW_FIXED_CAPACITY;

/** The protocols the domain allowlist is matched on: TLS SNI and the HTTP Host header (lib/limits.ts). */
export const DOMAIN_TARGET_TYPES = NFW_DOMAIN_TARGET_TYPES;

/**
 * The capacity of the domain rule group for `domains` allowlist entries: the step of lib/limits.ts
 * (NFW_DOMAIN_CAPACITY_STEPS) that holds what the list needs, so that most changes of the list update the group in
 * place. Undefined when no step holds it (nfwCapacityProblems says why).
 */
export function domainCapacity(domains: number): number | undefined {
  return nfwDomainCapacity(nfwDomainRulesNeeded(domains, DOMAIN_TARGET_TYPES.length));
}

/**
 * Priorities inside the strict-order policy (lower is evaluated first). The DLP example comes before the domain
 * allowlist, whose pass would end inspection of the flow.
 */
export const PRIORITY = { baseline: 100, idsIps: 200, dlp: 250, handshake: 300, domains: 400 } as const;

type IpSetVariable = { readonly key: string; readonly ipSet: { readonly definition: string[] } };

export const FIREWALL_LOG_TYPES = ["ALERT", "FLOW", "TLS"] as const;
export type FirewallLogType = (typeof FIREWALL_LOG_TYPES)[number];

export interface InspectionFirewallProps {
  /** The environment name: every firewall resource is named `<envName>-egress6-<what>` (firewall, policy, rule groups). */
  readonly envName: string;
  /** The VPC the firewall's endpoints are placed in. */
  readonly vpcId: string;
  /** The VPC's IPv6 /56: HOME_NET. */
  readonly vpcIpv6Cidr: string;
  /** The firewall subnet of each AZ. */
  readonly subnets: readonly { readonly zone: Zone; readonly subnetId: string }[];
  /** Normalised allowlist (`example.com`, `.example.com`). */
  readonly domains: readonly string[];
  /**
   * The TCP destination ports workloads may connect to (egress.ports): the rule groups' EGRESS_PORTS port set; the
   * baseline group drops TCP to any other port.
   */
  readonly ports: readonly number[];
  /**
   * Extra Suricata rules, one per entry (at most CAPACITY.idsIps), in an IDS/IPS rule group evaluated after the baseline.
   * @default - none: no IDS/IPS rule group is created
   */
  readonly suricataRules?: readonly string[];
  /**
   * Pass workload connections to their proxy's explicit port (firewall-proxy mode routes them through here).
   * @default - none: the handshake rules pass no explicit proxy port
   */
  readonly explicitProxy?: { readonly port: number; readonly workloadNet: string; readonly proxyNet: string };
  /** Delete, subnet-change and policy-change protection. */
  readonly protection: boolean;
  /**
   * ARN of the customer-managed KMS key that encrypts the firewall, its policies and rule groups, the TLS inspection
   * configuration and the three log groups.
   */
  readonly kmsKeyArn: string;
  /** The key policy that lets CloudWatch Logs use the key: it must exist before the log groups. */
  readonly keyPolicy: ITerraformDependable;
  /** Log group name for each log type. */
  readonly logGroupNames: Readonly<Record<FirewallLogType, string>>;
  /** Days CloudWatch Logs keeps the ALERT, FLOW and TLS log events (a value the API accepts: 1, 3, 5, 7, 14, 30, ...). */
  readonly logRetentionDays: number;
  /**
   * Decrypt outbound TLS with a customer CA (opt-in): the TLS inspection configuration the policy references, and
   * optionally the example DLP rule group.
   * @default - none: nothing is decrypted; only the plain policy exists
   */
  readonly tlsInspection?: Omit<FirewallTlsInspectionProps, "name" | "kmsKeyArn" | "sourceNet"> & {
    readonly sourceNet: string;
    readonly exampleDlpRules: boolean;
  };
}

export class InspectionFirewall extends Construct {
  readonly firewall: NetworkfirewallFirewall;
  /** The policy the firewall uses: the plain one, or with decryption the one that references the TLS configuration. */
  readonly policy: NetworkfirewallFirewallPolicy;
  /** The policy without decryption (always there, so that turning decryption off needs no new policy). */
  readonly plainPolicy: NetworkfirewallFirewallPolicy;
  readonly ruleGroups: Record<"baseline" | "handshake" | "domains", NetworkfirewallRuleGroup> & {
    idsIps?: NetworkfirewallRuleGroup;
    dlp?: NetworkfirewallRuleGroup;
  };
  readonly tlsInspection?: FirewallTlsInspection;
  readonly logGroups: Record<FirewallLogType, EncryptedLogGroup>;

  constructor(scope: Construct, id: string, props: InspectionFirewallProps) {
    super(scope, id);
    const name = (what: string) => `${props.envName}-egress6-${what}`;
    const encryption = { keyId: props.kmsKeyArn, type: "CUSTOMER_KMS" };
    const homeNet: IpSetVariable = { key: RULE_VARIABLES.homeNet, ipSet: { definition: [props.vpcIpv6Cidr] } };
    const egressPorts = { key: RULE_VARIABLES.egressPorts, portSet: { definition: props.ports.map(String) } };
    const strict = { ruleOrder: "STRICT_ORDER" };
    const suricata = (what: string, capacity: number, description: string, rules: string, ipSets: IpSetVariable[] = [homeNet]) =>
      new NetworkfirewallRuleGroup(this, what, {
        name: name(what),
        description,
        type: "STATEFUL",
        capacity,
        encryptionConfiguration: encryption,
        ruleGroup: {
          ruleVariables: { ipSets, portSets: [egressPorts] },
          rulesSource: { rulesString: rules },
          statefulRuleOptions: strict,
        },
      });

    const operatorRules = props.suricataRules ?? [];
    if (operatorRules.length > CAPACITY.idsIps) {
      throw new UserError([`egress.suricataRules: ${operatorRules.length} rules; the IDS/IPS rule group holds at most ${CAPACITY.idsIps}`]);
    }
    const capacityProblems = nfwCapacityProblems({
      domains: props.domains.length,
      targetTypes: DOMAIN_TARGET_TYPES.length,
      idsIps: operatorRules.length > 0,
      dlp: props.tlsInspection?.exampleDlpRules ?? false,
    });
    if (capacityProblems.length > 0) throw new UserError(capacityProblems.map((p) => `egress.domains: ${p}`));
    const domainGroupCapacity = domainCapacity(props.domains.length)!;
    const explicit = props.explicitProxy;
    this.ruleGroups = {
      baseline: suricata("baseline", CAPACITY.baseline, "egress6: drop IPv4, inbound, and ports outside egress.ports", baselineRules()),
      idsIps:
        operatorRules.length > 0
          ? suricata("ids-ips", CAPACITY.idsIps, "egress6: operator IDS/IPS rules (egress.suricataRules)", `${operatorRules.join("\n")}\n`)
          : undefined,
      handshake: suricata(
        "handshake",
        CAPACITY.handshake,
        "egress6: pass TCP handshakes to allowlisted ports so the domain rules see the first bytes",
        handshakeRules(explicit?.port),
        explicit
          ? [
              homeNet,
              { key: RULE_VARIABLES.workloadNet, ipSet: { definition: [explicit.workloadNet] } },
              { key: RULE_VARIABLES.proxyNet, ipSet: { definition: [explicit.proxyNet] } },
            ]
          : [homeNet],
      ),
      dlp: props.tlsInspection?.exampleDlpRules
        ? suricata("dlp-example", CAPACITY.dlp, "egress6: example DLP rules on decrypted HTTP (docs/dlp.md)", exampleDlpRules())
        : undefined,
      domains: new NetworkfirewallRuleGroup(this, "domains", {
        // A new capacity replaces the group (capacity and name are ForceNew in the provider), and a group still in a
        // policy cannot be deleted: so the replacement is created first (under a name of its own, since names are
        // unique) and the old one deleted once the policies point at the new one. The first step keeps the name
        // egress6 always used (docs/known-limits.md, "Network Firewall domain capacity").
        name: domainGroupCapacity === NFW_DOMAIN_CAPACITY_STEPS[0] ? name("domains") : name(`domains-${domainGroupCapacity}`),
        description: "egress6: egress.domains on TLS SNI and HTTP Host; everything else on TLS and HTTP is dropped",
        type: "STATEFUL",
        capacity: domainGroupCapacity,
        lifecycle: { createBeforeDestroy: true },
        encryptionConfiguration: encryption,
        ruleGroup: {
          ruleVariables: { ipSets: [homeNet] },
          rulesSource: {
            rulesSourceList: { generatedRulesType: "ALLOWLIST", targetTypes: [...DOMAIN_TARGET_TYPES], targets: [...props.domains] },
          },
          statefulRuleOptions: strict,
        },
      }),
    };

    if (props.tlsInspection) {
      const { exampleDlpRules: _unused, ...tls } = props.tlsInspection;
      this.tlsInspection = new FirewallTlsInspection(this, "tls-inspection", {
        ...tls,
        name: name("tls-inspection"),
        kmsKeyArn: props.kmsKeyArn,
      });
    }
    const references = (["baseline", "idsIps", "dlp", "handshake", "domains"] as const)
      .filter((g) => this.ruleGroups[g] !== undefined)
      .map((g) => ({ resourceArn: this.ruleGroups[g]!.arn, priority: PRIORITY[g] }));
    const firewallPolicy = (groups: typeof references) => ({
      statelessDefaultActions: [...STATELESS_DEFAULT_ACTIONS],
      statelessFragmentDefaultActions: [...STATELESS_DEFAULT_ACTIONS],
      statefulEngineOptions: { ruleOrder: "STRICT_ORDER", streamExceptionPolicy: "DROP" },
      statefulDefaultActions: [...STATEFUL_DEFAULT_ACTIONS],
      statefulRuleGroupReference: groups,
      policyVariables: { ruleVariables: [{ key: RULE_VARIABLES.homeNet, ipSet: { definition: [props.vpcIpv6Cidr] } }] },
    });
    // The policy without decryption exists in every case, exactly as before decryption existed.
    this.plainPolicy = new NetworkfirewallFirewallPolicy(this, "policy", {
      name: name("policy"),
      description: "egress6: IPv6 egress allowlist (strict order, default drop of established flows)",
      encryptionConfiguration: encryption,
      // Without the DLP example group: it only sees what the firewall decrypts.
      firewallPolicy: firewallPolicy(references.filter((r) => r.priority !== PRIORITY.dlp)),
    });
    this.policy = this.plainPolicy;
    if (this.tlsInspection) {
      // A TLS inspection configuration can be added only to a new policy (Network Firewall API reference,
      // TLSInspectionConfiguration: "you add it to a new Network Firewall firewall policy"), and the provider plans a
      // change of tls_inspection_configuration_arn as an in-place update. So decryption gets a policy of its own,
      // beside the plain one, and the firewall moves between them:
      // - turning it on creates this policy, then points the firewall at it (the plain policy stays, unused);
      // - turning it off points the firewall back at the plain policy, then deletes this one: create_before_destroy,
      //   which Terraform records in the state, orders the delete of a resource removed from the configuration after
      //   the update of what used it (without it the delete would come first and fail: the policy is in use).
      // Both orders were checked with terraform 1.11 (`terraform graph -plan`), docs/known-limits.md.
      this.policy = new NetworkfirewallFirewallPolicy(this, "policy-tls", {
        name: name("policy-tls"),
        description: "egress6: IPv6 egress allowlist (strict order, default drop of established flows), TLS decrypted with the customer CA",
        encryptionConfiguration: encryption,
        firewallPolicy: { ...firewallPolicy(references), tlsInspectionConfigurationArn: this.tlsInspection.configuration.arn },
        lifecycle: { createBeforeDestroy: true },
      });
    }

    this.firewall = new NetworkfirewallFirewall(this, RESOURCE_ID, {
      name: name("firewall"),
      description: "egress6: inspects every workload flow, one IPv6 endpoint per AZ",
      vpcId: props.vpcId,
      firewallPolicyArn: this.policy.arn,
      subnetMapping: props.subnets.map((s) => ({ subnetId: s.subnetId, ipAddressType: "IPV6" })),
      deleteProtection: props.protection,
      subnetChangeProtection: props.protection,
      firewallPolicyChangeProtection: props.protection,
      encryptionConfiguration: encryption,
    });

    const logGroups = {} as Record<FirewallLogType, EncryptedLogGroup>;
    for (const type of FIREWALL_LOG_TYPES) {
      logGroups[type] = new EncryptedLogGroup(this, `${type.toLowerCase()}-log-group`, {
        name: props.logGroupNames[type],
        retentionDays: props.logRetentionDays,
        kmsKeyArn: props.kmsKeyArn,
        keyPolicy: props.keyPolicy,
      });
    }
    this.logGroups = logGroups;
    new NetworkfirewallLoggingConfiguration(this, "logging", {
      firewallArn: this.firewall.arn,
      loggingConfiguration: {
        logDestinationConfig: FIREWALL_LOG_TYPES.map((type) => ({
          logType: type,
          logDestinationType: "CloudWatchLogs",
          logDestination: { logGroup: logGroups[type].logGroup.name },
        })),
      },
    });
  }

  /**
   * The firewall endpoint of one AZ, known after apply: the expression docs/architecture.md describes (it validates and
   * plans offline, and the verifier evaluates it). `address` is the firewall's Terraform address.
   */
  static endpointIdExpression(address: string, zoneName: string): string {
    return `\${{for s in ${address}.firewall_status[0].sync_states : s.availability_zone => s.attachment[0].endpoint_id}["${zoneName}"]}`;
  }

  /** The endpoint id of `zone` for routes in the same stack. */
  endpointId(zone: Zone): string {
    return InspectionFirewall.endpointIdExpression(`aws_networkfirewall_firewall.${this.firewall.friendlyUniqueId}`, zone.name);
  }
}
