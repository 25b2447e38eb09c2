/**
 * The inspection stack: AWS Network Firewall and/or the Squid proxy tier, and the routes that make them the only
 * way out of a workload subnet. Routes are `aws_route`s added to the network stack's route tables (ids from
 * remote state); every route from a subnet of AZ x targets the firewall endpoint or proxy interface of AZ x.
 *
 * Per AZ x (docs/architecture.md, "Network design"):
 *   firewall-proxy  workload  ::/0 -> firewall-x, proxy-x/64 -> firewall-x
 *                   firewall  ::/0 -> proxy-x (interface)
 *                   proxy     workload-x/64 -> firewall-x        (its ::/0 -> EIGW comes from the network stack)
 *   proxy           workload  ::/0 -> proxy-x (interface)
 *   firewall-igw    workload  ::/0 -> firewall-x
 *                   firewall  ::/0 -> internet gateway
 *                   edge      workload-x/64 -> firewall-x        (the gateway's ingress route table)
 *
 * `proxy-x (interface)` is the primary proxy's interface when the route is created; the failover Lambda (observability
 * stack) may move it to the standby proxy of the same AZ, and Terraform leaves that target alone (ignore_changes).
 *
 * `proxy-x/64 -> firewall-x` in firewall-proxy mode keeps the explicit proxy port symmetric: the proxy subnet
 * sends its replies to workload-x through firewall-x, so requests must take the same way in.
 */
import { Construct } from "constructs";
import { Fn, TerraformOutput, Token } from "cdktf";
import type { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { Egress6Stack } from "./base";
import { NetworkRefs } from "./network-outputs";
import { remoteState } from "./remote-state";
import { InspectionOutput } from "./inspection-outputs";
import type { Egress6Config } from "../config/schema";
import { zonesOf } from "../config/zones";
import type { Zone } from "../lib/zone";
import { logGroupNames, vendedLogGroups } from "../lib/names";
import { partitionOf, regionalServicePrincipal } from "../lib/partition";
import { CustomerKey } from "../modules/shared/customer-key";
import { InspectionFirewall, type InspectionFirewallProps } from "../modules/firewall/network-firewall";
import { squidPolicyOf } from "./proxy-policy";
import { firewallDecryptionOf, proxyDecryptionOf } from "../config/tls-inspection";
import type { ProxyDecryptionProps, ProxyInstance } from "../modules/proxy/proxy-tier";
import { PRIMARY_SLOT, STANDBY_SLOT } from "../lib/proxy-failover";
import { ProxyTier } from "../modules/proxy/proxy-tier";
import { modeProfile } from "../config/modes";
import { addEgressRoutes } from "../modules/routing/egress-routes";

/** The firewall's TLS inspection, when the configuration has the firewall decrypt; nothing otherwise. */
function firewallTlsInspectionOf(config: Egress6Config, workloadNet: string): Pick<InspectionFirewallProps, "tlsInspection"> {
  const decryption = firewallDecryptionOf(config);
  if (!decryption) return {};
  if (!decryption.caCertificateArn) throw new Error("unvalidated tlsInspection: the firewall decrypts without caCertificateArn");
  return { tlsInspection: { ...decryption, caCertificateArn: decryption.caCertificateArn, sourceNet: workloadNet } };
}

/** What the proxy tier needs to decrypt, when the configuration has the proxies decrypt. */
function proxyTierDecryptionOf(config: Egress6Config): ProxyDecryptionProps | undefined {
  const decryption = proxyDecryptionOf(config);
  if (!decryption) return undefined;
  if (!decryption.caPrivateKey) throw new Error("unvalidated tlsInspection: the proxies decrypt without caPrivateKey");
  return {
    ca: { certificatePem: decryption.caCertificatePem, secretArn: decryption.caPrivateKey.secretArn },
    secretKmsKeyArn: decryption.caPrivateKey.kmsKeyArn,
    icapEndpoints: decryption.icapEndpoints.map((e) => ({ address: e.address, port: e.port, scheme: e.scheme })),
  };
}

export class InspectionStack extends Egress6Stack {
  readonly key: CustomerKey;
  readonly firewall?: InspectionFirewall;
  readonly proxies?: ProxyTier;
  readonly internetGateway?: InternetGateway;

  constructor(scope: Construct, config: Egress6Config) {
    super(scope, "inspection", { config });
    const profile = modeProfile(config.inspection.mode);
    const env = config.name;
    const region = config.region;
    const partition = partitionOf(region);
    const zones = zonesOf(config);
    const logs = logGroupNames(env);
    const network = new NetworkRefs(remoteState(this, config, "network"));

    // ---- one customer-managed key: the firewall, its policy and rule groups, and every log group here ----
    this.key = new CustomerKey(this, "key", {
      description: `egress6 ${env}: Network Firewall, its policy and rule groups, inspection log groups`,
      aliasName: `${env}-egress6-inspection`,
      partition,
    });
    const logGroupArn = (name: string) => `arn:${partition}:logs:${region}:${this.key.accountId}:log-group:${name}`;
    const ourLogGroups = [
      ...(profile.firewall ? [logs.firewallAlert, logs.firewallFlow, logs.firewallTls] : []),
      ...(profile.proxies ? [logs.proxyAccess] : []),
    ];
    this.key.grant({
      Sid: "CloudWatchLogsEncryptsInspectionLogGroups",
      Principal: { Service: regionalServicePrincipal("logs", region) },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": ourLogGroups.map(logGroupArn) } },
    });

    // ---- inspection points ----
    if (profile.firewall) {
      this.firewall = new InspectionFirewall(this, "firewall", {
        envName: env,
        vpcId: network.vpcId,
        vpcIpv6Cidr: network.vpcIpv6Cidr,
        subnets: zones.map((zone) => ({ zone, subnetId: network.subnetId("firewall", zone.suffix) })),
        domains: config.egress.domains,
        ports: config.egress.ports,
        suricataRules: config.egress.suricataRules,
        explicitProxy: profile.explicitProxyThroughFirewall
          ? {
              port: config.inspection.proxy.explicitPort,
              workloadNet: network.tierIpv6Cidr("workload"),
              proxyNet: network.tierIpv6Cidr("proxy"),
            }
          : undefined,
        protection: config.inspection.firewall.protection,
        kmsKeyArn: this.key.key.arn,
        keyPolicy: this.key.policy,
        logGroupNames: vendedLogGroups(env).firewall,
        logRetentionDays: config.inspection.firewall.logRetentionDays,
        ...firewallTlsInspectionOf(config, network.tierIpv6Cidr("workload")),
      });
    }
    if (profile.proxies) {
      const decryption = proxyTierDecryptionOf(config);
      this.proxies = new ProxyTier(this, "proxy", {
        policy: squidPolicyOf(config),
        ...(decryption ? { decryption } : {}),
        region: config.region,
        ami: config.inspection.proxy.ami,
        instanceType: config.inspection.proxy.instanceType,
        vpcId: network.vpcId,
        vpcIpv6Cidr: network.vpcIpv6Cidr,
        zones: zones.map((zone) => ({
          zone,
          proxySubnetId: network.subnetId("proxy", zone.suffix),
          workloadIpv6Cidr: network.subnetIpv6Cidr("workload", zone.suffix),
        })),
        logGroupName: logs.proxyAccess,
        logRetentionDays: config.inspection.proxy.logRetentionDays,
        kmsKeyArn: this.key.key.arn,
        keyPolicy: this.key.policy,
        rolloutStepSeconds: config.inspection.proxy.policyRollout.stepSeconds,
      });
    }

    // ---- routes: the mode's, in every AZ, each to the same AZ's inspection point ----
    const egress = addEgressRoutes(this, {
      envName: env,
      vpcId: network.vpcId,
      routes: profile.routes,
      internetGateway: profile.internetGateway,
      zones: zones.map((zone) => ({
        suffix: zone.suffix,
        routeTableIds: {
          workload: network.routeTableId("workload", zone.suffix),
          ...(profile.proxies ? { proxy: network.routeTableId("proxy", zone.suffix) } : {}),
          ...(profile.firewall ? { firewall: network.routeTableId("firewall", zone.suffix) } : {}),
        },
        subnetIpv6Cidrs: {
          workload: network.subnetIpv6Cidr("workload", zone.suffix),
          ...(profile.proxies ? { proxy: network.subnetIpv6Cidr("proxy", zone.suffix) } : {}),
        },
        ...(this.firewall ? { firewallEndpointId: this.firewall.endpointId(zone) } : {}),
        ...(this.proxies ? { proxyInterfaceId: this.proxies.proxyOf(zone.suffix, PRIMARY_SLOT).networkInterface.id } : {}),
      })),
    });
    this.internetGateway = egress.internetGateway;

    this.declareOutputs(zones);
  }

  private declareOutputs(zones: readonly Zone[]): void {
    const output = (id: string, value: string, description: string) => new TerraformOutput(this, id, { value, description });
    output(InspectionOutput.kmsKeyArn, this.key.key.arn, "KMS key of the firewall and the inspection log groups");
    if (this.firewall) {
      output(InspectionOutput.firewallArn, this.firewall.firewall.arn, "Network Firewall ARN");
      output(InspectionOutput.firewallPolicyArn, this.firewall.policy.arn, "Network Firewall policy ARN");
      for (const zone of zones) {
        output(InspectionOutput.firewallEndpointId(zone.suffix), this.firewall.endpointId(zone), `Firewall endpoint in ${zone.name}`);
      }
    }
    if (this.proxies) {
      const address = (p: ProxyInstance) => Fn.element(Fn.tolist(Token.asList(p.networkInterface.ipv6Addresses)), 0);
      for (const zone of zones) {
        const primary = this.proxies.proxyOf(zone.suffix, PRIMARY_SLOT);
        const standby = this.proxies.proxyOf(zone.suffix, STANDBY_SLOT);
        output(
          InspectionOutput.proxySecurityGroupId(zone.suffix),
          primary.securityGroup.group.id,
          `Security group of the proxy interfaces in ${zone.name}`,
        );
        output(
          InspectionOutput.proxyEniId(zone.suffix),
          primary.networkInterface.id,
          `Primary proxy network interface in ${zone.name} (route target while healthy)`,
        );
        output(
          InspectionOutput.proxyIpv6Address(zone.suffix),
          address(primary),
          `Primary proxy IPv6 address in ${zone.name} (HTTP(S)_PROXY for the explicit port)`,
        );
        output(InspectionOutput.proxyInstanceId(zone.suffix), primary.instance.id, `Primary proxy instance in ${zone.name}`);
        output(
          InspectionOutput.proxyStandbyEniId(zone.suffix),
          standby.networkInterface.id,
          `Standby proxy network interface in ${zone.name} (route target while the primary is unhealthy)`,
        );
        output(InspectionOutput.proxyStandbyIpv6Address(zone.suffix), address(standby), `Standby proxy IPv6 address in ${zone.name}`);
        output(InspectionOutput.proxyStandbyInstanceId(zone.suffix), standby.instance.id, `Standby proxy instance in ${zone.name}`);
      }
    }
    if (this.internetGateway) output(InspectionOutput.internetGatewayId, this.internetGateway.id, "Internet gateway (firewall-igw mode)");
  }
}
