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
 * `proxy-x/64 -> firewall-x` in firewall-proxy mode keeps the explicit proxy port symmetric: the proxy subnet
 * sends its replies to workload-x through firewall-x, so requests must take the same way in.
 */
import { Construct } from "constructs";
import { Fn, TerraformOutput, Token } from "cdktf";
import { Route } from "@cdktf/provider-aws/lib/route";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { RouteTable } from "@cdktf/provider-aws/lib/route-table";
import { RouteTableAssociation } from "@cdktf/provider-aws/lib/route-table-association";
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
import { decryptionPointOf, icapEndpointsOf } from "../config/tls-inspection";
import type { ProxyDecryptionProps } from "../modules/proxy/proxy-tier";
import { ProxyTier } from "../modules/proxy/proxy-tier";
import { modeHasFirewall, modeHasProxies } from "../config/modes";

const ANY_IPV6 = "::/0";

/** The firewall's TLS inspection, when the configuration has the firewall decrypt; nothing otherwise. */
function firewallDecryptionOf(config: Egress6Config, workloadNet: string): Pick<InspectionFirewallProps, "tlsInspection"> {
  const tls = config.inspection.tlsInspection;
  if (!tls || decryptionPointOf(tls, config.inspection.mode) !== "firewall") return {};
  if (!tls.caCertificateArn) throw new Error("unvalidated tlsInspection: the firewall decrypts without caCertificateArn");
  return {
    tlsInspection: {
      caCertificateArn: tls.caCertificateArn,
      sourceNet: workloadNet,
      ports: tls.ports,
      neverDecryptCidrs: tls.neverDecryptCidrs,
      revokedStatusAction: tls.revocation.revokedStatusAction,
      unknownStatusAction: tls.revocation.unknownStatusAction,
      exampleDlpRules: tls.exampleDlpRules,
    },
  };
}

/** What the proxy tier needs to decrypt, when the configuration has the proxies decrypt. */
function proxyDecryptionOf(config: Egress6Config): ProxyDecryptionProps | undefined {
  const tls = config.inspection.tlsInspection;
  if (!tls || decryptionPointOf(tls, config.inspection.mode) !== "proxy") return undefined;
  if (!tls.caPrivateKey) throw new Error("unvalidated tlsInspection: the proxies decrypt without caPrivateKey");
  const icapEndpoints = icapEndpointsOf(config).map((e) => ({ address: e.address, port: e.port, scheme: e.scheme }));
  return {
    ca: { certificatePem: tls.caCertificatePem, secretArn: tls.caPrivateKey.secretArn },
    secretKmsKeyArn: tls.caPrivateKey.kmsKeyArn,
    icapEndpoints,
  };
}

export class InspectionStack extends Egress6Stack {
  readonly key: CustomerKey;
  readonly firewall?: InspectionFirewall;
  readonly proxies?: ProxyTier;
  readonly internetGateway?: InternetGateway;

  constructor(scope: Construct, config: Egress6Config) {
    super(scope, "inspection", { config });
    const mode = config.inspection.mode;
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
      ...(modeHasFirewall(mode) ? [logs.firewallAlert, logs.firewallFlow, logs.firewallTls] : []),
      ...(modeHasProxies(mode) ? [logs.proxyAccess] : []),
    ];
    this.key.grant({
      Sid: "CloudWatchLogsEncryptsInspectionLogGroups",
      Principal: { Service: regionalServicePrincipal("logs", region) },
      Action: ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"],
      Condition: { ArnLike: { "kms:EncryptionContext:aws:logs:arn": ourLogGroups.map(logGroupArn) } },
    });

    // ---- inspection points ----
    if (modeHasFirewall(mode)) {
      this.firewall = new InspectionFirewall(this, "firewall", {
        envName: env,
        vpcId: network.vpcId,
        vpcIpv6Cidr: network.vpcIpv6Cidr,
        subnets: zones.map((zone) => ({ zone, subnetId: network.subnetId("firewall", zone.suffix) })),
        domains: config.egress.domains,
        ports: config.egress.ports,
        suricataRules: config.egress.suricataRules,
        explicitProxy:
          mode === "firewall-proxy"
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
        ...firewallDecryptionOf(config, network.tierIpv6Cidr("workload")),
      });
    }
    if (modeHasProxies(mode)) {
      const decryption = proxyDecryptionOf(config);
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
      });
    }
    if (mode === "firewall-igw") {
      this.internetGateway = new InternetGateway(this, "internet-gateway", { vpcId: network.vpcId, tags: { Name: `${env}-igw` } });
    }

    // ---- routes ----
    const route = (
      id: string,
      routeTableId: string,
      destination: string,
      target: { vpcEndpointId: string } | { networkInterfaceId: string } | { gatewayId: string },
    ) => new Route(this, id, { routeTableId, destinationIpv6CidrBlock: destination, ...target });
    const firewallEndpoint = (zone: Zone) => ({ vpcEndpointId: this.firewall!.endpointId(zone) });
    const proxyInterface = (zone: Zone) => ({ networkInterfaceId: this.proxyOf(zone).networkInterface.id });
    let edge: RouteTable | undefined;
    if (this.internetGateway) {
      edge = new RouteTable(this, "edge-routes", { vpcId: network.vpcId, tags: { Name: `${env}-igw-ingress` } });
      new RouteTableAssociation(this, "edge-routes-association", { gatewayId: this.internetGateway.id, routeTableId: edge.id });
    }
    for (const zone of zones) {
      const az = zone.suffix;
      const rt = (tier: "workload" | "proxy" | "firewall") => network.routeTableId(tier, az);
      const workloadSubnet = network.subnetIpv6Cidr("workload", az);
      switch (mode) {
        case "firewall-proxy":
          route(`workload-${az}-default-route`, rt("workload"), ANY_IPV6, firewallEndpoint(zone));
          route(`workload-${az}-to-proxy-route`, rt("workload"), network.subnetIpv6Cidr("proxy", az), firewallEndpoint(zone));
          route(`firewall-${az}-default-route`, rt("firewall"), ANY_IPV6, proxyInterface(zone));
          route(`proxy-${az}-to-workload-route`, rt("proxy"), workloadSubnet, firewallEndpoint(zone));
          break;
        case "proxy":
          route(`workload-${az}-default-route`, rt("workload"), ANY_IPV6, proxyInterface(zone));
          break;
        case "firewall-igw":
          route(`workload-${az}-default-route`, rt("workload"), ANY_IPV6, firewallEndpoint(zone));
          route(`firewall-${az}-default-route`, rt("firewall"), ANY_IPV6, { gatewayId: this.internetGateway!.id });
          route(`edge-to-workload-${az}-route`, edge!.id, workloadSubnet, firewallEndpoint(zone));
          break;
      }
    }

    this.declareOutputs(zones);
  }

  private proxyOf(zone: Zone) {
    const found = this.proxies?.proxies.find((p) => p.zone.suffix === zone.suffix);
    if (!found) throw new Error(`no proxy in ${zone.name}`);
    return found;
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
      for (const { zone, securityGroup, networkInterface, instance } of this.proxies.proxies) {
        output(
          InspectionOutput.proxySecurityGroupId(zone.suffix),
          securityGroup.group.id,
          `Security group of the proxy interface in ${zone.name}`,
        );
        output(InspectionOutput.proxyEniId(zone.suffix), networkInterface.id, `Proxy network interface in ${zone.name} (route target)`);
        output(
          InspectionOutput.proxyIpv6Address(zone.suffix),
          Fn.element(Fn.tolist(Token.asList(networkInterface.ipv6Addresses)), 0),
          `Proxy IPv6 address in ${zone.name} (HTTP(S)_PROXY for the explicit port)`,
        );
        output(InspectionOutput.proxyInstanceId(zone.suffix), instance.id, `Proxy instance in ${zone.name}`);
      }
    }
    if (this.internetGateway) output(InspectionOutput.internetGatewayId, this.internetGateway.id, "Internet gateway (firewall-igw mode)");
  }
}
