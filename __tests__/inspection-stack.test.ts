import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { NetworkfirewallFirewall } from "@cdktf/provider-aws/lib/networkfirewall-firewall";
import { NetworkfirewallFirewallPolicy } from "@cdktf/provider-aws/lib/networkfirewall-firewall-policy";
import { NetworkfirewallRuleGroup } from "@cdktf/provider-aws/lib/networkfirewall-rule-group";
import { NetworkfirewallLoggingConfiguration } from "@cdktf/provider-aws/lib/networkfirewall-logging-configuration";
import { NetworkInterface } from "@cdktf/provider-aws/lib/network-interface";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { InternetGateway } from "@cdktf/provider-aws/lib/internet-gateway";
import { demoConfig, resources, synthAll, synthStack, tempDir, type TfJson } from "./helpers";
import { INSPECTION_MODES, type InspectionMode } from "../config/modes";
import { logGroupNames } from "../lib/names";
import { renderPolicyBundle } from "../modules/proxy/policy-bundle";
import { squidPolicyOf } from "../stacks/proxy-policy";

const ZONES = ["a", "b"] as const;
const net = (output: string) => `\${data.terraform_remote_state.network.outputs.${output}}`;
const endpointOf = (az: string) =>
  `\${{for s in aws_networkfirewall_firewall.firewall.firewall_status[0].sync_states : s.availability_zone => s.attachment[0].endpoint_id}["us-east-1${az}"]}`;
const KEY_ARN = "${aws_kms_key.key.arn}";

const synthOf: Record<InspectionMode, TfJson> = {
  "firewall-proxy": synthStack(demoConfig({ inspection: { mode: "firewall-proxy" } }), "inspection"),
  proxy: synthStack(demoConfig({ inspection: { mode: "proxy" } }), "inspection"),
  "firewall-igw": synthStack(demoConfig({ inspection: { mode: "firewall-igw" } }), "inspection"),
};
const text = (mode: InspectionMode) => JSON.stringify(synthOf[mode]);
const withFirewall = ["firewall-proxy", "firewall-igw"] as const;
const withProxies = ["firewall-proxy", "proxy"] as const;

/** Every route of a synthesized stack as `route table -> destination -> target`, in the names the outputs use. */
function routeLines(tf: TfJson): string[] {
  const short = (v: string) =>
    v
      .replace(/^\$\{data\.terraform_remote_state\.network\.outputs\.(\w+)\}$/, "$1")
      .replace(
        /^\$\{\{for s in aws_networkfirewall_firewall\.firewall\.firewall_status\[0\]\.sync_states : s\.availability_zone => s\.attachment\[0\]\.endpoint_id\}\["us-east-1(\w)"\]\}$/,
        "firewall endpoint $1",
      )
      .replace(/^\$\{aws_network_interface\.proxy_(\w)_interface\.id\}$/, "proxy interface $1")
      .replace(/^\$\{aws_internet_gateway\.internet_gateway\.id\}$/, "internet gateway")
      .replace(/^\$\{aws_route_table\.edge_routes\.id\}$/, "edge route table");
  return Object.values(resources(tf, "aws_route"))
    .map((r) => {
      const target = r.vpc_endpoint_id ?? r.network_interface_id ?? r.gateway_id ?? r.egress_only_gateway_id ?? "?";
      return `${short(r.route_table_id)} -> ${short(r.destination_ipv6_cidr_block)} -> ${short(target)}`;
    })
    .sort();
}

describe("routes: exactly the per-AZ route tables of each mode", () => {
  test("firewall-proxy: workload ::/0 and proxy /64 -> firewall; firewall ::/0 -> proxy; proxy -> workload /64 via firewall", () => {
    expect(routeLines(synthOf["firewall-proxy"])).toEqual(
      ZONES.flatMap((az) => [
        `workload_route_table_id_${az} -> ::/0 -> firewall endpoint ${az}`,
        `workload_route_table_id_${az} -> proxy_subnet_ipv6_cidr_block_${az} -> firewall endpoint ${az}`,
        `firewall_route_table_id_${az} -> ::/0 -> proxy interface ${az}`,
        `proxy_route_table_id_${az} -> workload_subnet_ipv6_cidr_block_${az} -> firewall endpoint ${az}`,
      ]).sort(),
    );
  });

  test("proxy: workload ::/0 -> proxy interface, nothing else (the proxy's ::/0 -> EIGW is the network stack's)", () => {
    expect(routeLines(synthOf.proxy)).toEqual(ZONES.map((az) => `workload_route_table_id_${az} -> ::/0 -> proxy interface ${az}`).sort());
  });

  test("firewall-igw: workload ::/0 -> firewall; firewall ::/0 -> internet gateway; gateway ingress workload /64 -> firewall", () => {
    expect(routeLines(synthOf["firewall-igw"])).toEqual(
      ZONES.flatMap((az) => [
        `workload_route_table_id_${az} -> ::/0 -> firewall endpoint ${az}`,
        `firewall_route_table_id_${az} -> ::/0 -> internet gateway`,
        `edge route table -> workload_subnet_ipv6_cidr_block_${az} -> firewall endpoint ${az}`,
      ]).sort(),
    );
  });

  test.each(INSPECTION_MODES)("%s: every route from a subnet of AZ x targets the endpoint or interface of AZ x", (mode) => {
    const lines = routeLines(synthOf[mode]);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      const [table, destination, target] = line.split(" -> ");
      const az = /_([ab])$/.exec(table)?.[1] ?? /_([ab])$/.exec(destination)?.[1];
      const targetAz = /(?:endpoint|interface) ([ab])$/.exec(target)?.[1];
      if (targetAz !== undefined) expect({ line, az: targetAz }).toEqual({ line, az });
      else expect(target).toBe("internet gateway");
    }
  });

  test.each(INSPECTION_MODES)("%s: no route to an IPv4 destination, and no route straight to an egress-only gateway", (mode) => {
    for (const r of Object.values(resources(synthOf[mode], "aws_route"))) {
      expect(r.destination_cidr_block).toBeUndefined();
      expect(r.egress_only_gateway_id).toBeUndefined();
    }
  });

  test("only firewall-igw has an internet gateway, with its ingress route table associated to the gateway", () => {
    expect(text("firewall-igw")).toHaveResourceWithProperties(InternetGateway, { vpc_id: net("vpc_id") });
    expect(resources(synthOf["firewall-igw"], "aws_route_table_association")).toEqual({
      edge_routes_association: expect.objectContaining({
        gateway_id: "${aws_internet_gateway.internet_gateway.id}",
        route_table_id: "${aws_route_table.edge_routes.id}",
      }),
    });
    for (const mode of withProxies) {
      expect(synthOf[mode].resource.aws_internet_gateway).toBeUndefined();
      expect(synthOf[mode].resource.aws_route_table).toBeUndefined();
    }
  });
});

describe("AWS Network Firewall", () => {
  test("exists in firewall-proxy and firewall-igw, not in proxy mode", () => {
    for (const mode of withFirewall) expect(Object.keys(resources(synthOf[mode], "aws_networkfirewall_firewall"))).toEqual(["firewall"]);
    expect(synthOf.proxy.resource.aws_networkfirewall_firewall).toBeUndefined();
    expect(synthOf.proxy.resource.aws_networkfirewall_rule_group).toBeUndefined();
  });

  test.each(withFirewall)("%s: one IPv6 endpoint per AZ in the firewall subnets, all protections on, customer-managed key", (mode) => {
    expect(text(mode)).toHaveResourceWithProperties(NetworkfirewallFirewall, {
      vpc_id: net("vpc_id"),
      subnet_mapping: ZONES.map((az) => ({ subnet_id: net(`firewall_subnet_id_${az}`), ip_address_type: "IPV6" })),
      delete_protection: true,
      subnet_change_protection: true,
      firewall_policy_change_protection: true,
      encryption_configuration: { key_id: KEY_ARN, type: "CUSTOMER_KMS" },
      firewall_policy_arn: "${aws_networkfirewall_firewall_policy.firewall_policy.arn}",
    });
  });

  test("protection can be turned off for throw-away environments", () => {
    const tf = synthStack(demoConfig({ inspection: { firewall: { protection: false } } }), "inspection");
    expect(resources(tf, "aws_networkfirewall_firewall").firewall).toMatchObject({
      delete_protection: false,
      subnet_change_protection: false,
      firewall_policy_change_protection: false,
    });
  });

  test.each(withFirewall)(
    "%s: policy is strict order, drops and alerts on established flows by default, forwards stateless traffic, HOME_NET = the VPC /56",
    (mode) => {
      expect(text(mode)).toHaveResourceWithProperties(NetworkfirewallFirewallPolicy, {
        encryption_configuration: { key_id: KEY_ARN, type: "CUSTOMER_KMS" },
        firewall_policy: expect.objectContaining({
          stateful_engine_options: expect.objectContaining({ rule_order: "STRICT_ORDER" }),
          stateful_default_actions: ["aws:drop_established", "aws:alert_established"],
          stateless_default_actions: ["aws:forward_to_sfe"],
          stateless_fragment_default_actions: ["aws:forward_to_sfe"],
          policy_variables: { rule_variables: [{ key: "HOME_NET", ip_set: { definition: [net("vpc_ipv6_cidr_block")] } }] },
          stateful_rule_group_reference: [
            { resource_arn: "${aws_networkfirewall_rule_group.firewall_baseline.arn}", priority: 100 },
            { resource_arn: "${aws_networkfirewall_rule_group.firewall_handshake.arn}", priority: 300 },
            { resource_arn: "${aws_networkfirewall_rule_group.firewall_domains.arn}", priority: 400 },
          ],
        }),
      });
    },
  );

  const groups = (mode: InspectionMode) => resources(synthOf[mode], "aws_networkfirewall_rule_group");

  test.each(withFirewall)("%s: every rule group is stateful, strict-order, KMS-encrypted, with HOME_NET = the VPC /56", (mode) => {
    for (const [id, group] of Object.entries(groups(mode))) {
      expect({
        id,
        type: group.type,
        order: group.rule_group.stateful_rule_options.rule_order,
        enc: group.encryption_configuration,
      }).toEqual({
        id,
        type: "STATEFUL",
        order: "STRICT_ORDER",
        enc: { key_id: KEY_ARN, type: "CUSTOMER_KMS" },
      });
      expect(group.rule_group.rule_variables.ip_sets).toContainEqual({
        key: "HOME_NET",
        ip_set: { definition: [net("vpc_ipv6_cidr_block")] },
      });
    }
  });

  test.each(withFirewall)(
    "%s: baseline drops IPv4 both ways, connections from outside, TCP outside egress.ports, UDP and every other protocol out but Packet Too Big",
    (mode) => {
      const g = groups(mode).firewall_baseline;
      const rules: string = g.rule_group.rules_source.rules_string;
      expect(
        rules
          .split("\n")
          .filter(Boolean)
          .map((l) => l.replace(/ \(msg.*$/, "")),
      ).toEqual([
        "drop ip 0.0.0.0/0 any -> any any",
        "drop ip any any -> 0.0.0.0/0 any",
        "drop tcp $EXTERNAL_NET any -> $HOME_NET any",
        "drop udp $EXTERNAL_NET any -> $HOME_NET any",
        "drop tcp $HOME_NET any -> $EXTERNAL_NET !$EGRESS_PORTS",
        "drop udp $HOME_NET any -> $EXTERNAL_NET any",
        "pass icmp $HOME_NET any -> $EXTERNAL_NET any",
        "drop ip $HOME_NET any -> $EXTERNAL_NET any",
      ]);
      // ICMPv6 Packet Too Big passes (Path MTU discovery) before everything but TCP is dropped: the stateful default
      // (aws:drop_established) drops only established flows, so ICMPv6, ESP or GRE out would otherwise pass.
      const lines = rules.split("\n");
      expect(lines[6]).toMatch(
        /^pass icmp \$HOME_NET any -> \$EXTERNAL_NET any \(msg:"egress6: ICMPv6 Packet Too Big [^"]*"; itype:2; sid:9100007; rev:1;\)$/,
      );
      expect(lines[7]).toMatch(/^drop ip \$HOME_NET any -> \$EXTERNAL_NET any \(msg:"[^"]*"; ip_proto:!6; sid:9100008; rev:1;\)$/);
      expect(g.rule_group.rule_variables.port_sets).toEqual([{ key: "EGRESS_PORTS", port_set: { definition: ["443", "80"] } }]);
      expect(new Set(rules.match(/sid:\d+/g))).toHaveProperty("size", 8);
    },
  );

  test.each(withFirewall)("%s: handshake group passes TCP flow:not_established to allowlisted ports (so the SNI is ever seen)", (mode) => {
    const rules: string = groups(mode).firewall_handshake.rule_group.rules_source.rules_string;
    expect(rules).toMatch(/^pass tcp \$HOME_NET any -> \$EXTERNAL_NET \$EGRESS_PORTS \(.*flow:not_established, to_server;/m);
    expect(rules).toMatch(/^pass tcp \$EXTERNAL_NET \$EGRESS_PORTS -> \$HOME_NET any \(.*flow:not_established, to_client;/m);
  });

  test("firewall-proxy only: the handshake group also passes workload <-> proxy explicit-port flows, by tier /60", () => {
    const fp = groups("firewall-proxy").firewall_handshake.rule_group;
    expect(fp.rules_source.rules_string).toMatch(/^pass tcp \$WORKLOAD_NET any <> \$PROXY_NET 3128 /m);
    expect(fp.rule_variables.ip_sets).toEqual(
      expect.arrayContaining([
        { key: "WORKLOAD_NET", ip_set: { definition: [net("workload_tier_ipv6_cidr_block")] } },
        { key: "PROXY_NET", ip_set: { definition: [net("proxy_tier_ipv6_cidr_block")] } },
      ]),
    );
    expect(groups("firewall-igw").firewall_handshake.rule_group.rules_source.rules_string).not.toMatch(/PROXY_NET/);
  });

  test.each(withFirewall)("%s: the domain group allowlists egress.domains on TLS SNI and HTTP Host", (mode) => {
    expect(text(mode)).toHaveResourceWithProperties(NetworkfirewallRuleGroup, {
      name: "demo-egress6-domains",
      type: "STATEFUL",
      rule_group: expect.objectContaining({
        rules_source: {
          rules_source_list: {
            generated_rules_type: "ALLOWLIST",
            target_types: ["TLS_SNI", "HTTP_HOST"],
            targets: [".api.aws", ".s3.dualstack.us-east-1.amazonaws.com", ".github.io"],
          },
        },
      }),
    });
  });

  test("the operator's Suricata rules get their own group, evaluated after the baseline and before the passes", () => {
    const rules = [
      'alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"curl"; http.user_agent; content:"curl"; sid:1; rev:1;)',
      'drop tls $HOME_NET any -> $EXTERNAL_NET any (msg:"old TLS"; ssl_version:tls1.0; sid:2; rev:1;)',
    ];
    const tf = synthStack(demoConfig({ egress: { suricataRules: rules } }), "inspection");
    const ids = resources(tf, "aws_networkfirewall_rule_group").firewall_ids_ips;
    expect(ids.rule_group.rules_source.rules_string).toBe(`${rules.join("\n")}\n`);
    const refs = resources(tf, "aws_networkfirewall_firewall_policy").firewall_policy.firewall_policy.stateful_rule_group_reference;
    expect(refs.map((r: { resource_arn: string; priority: number }) => `${r.priority} ${r.resource_arn}`)).toEqual([
      "100 ${aws_networkfirewall_rule_group.firewall_baseline.arn}",
      "200 ${aws_networkfirewall_rule_group.firewall_ids_ips.arn}",
      "300 ${aws_networkfirewall_rule_group.firewall_handshake.arn}",
      "400 ${aws_networkfirewall_rule_group.firewall_domains.arn}",
    ]);
  });

  test.each(withFirewall)(
    "%s: ALERT, FLOW and TLS logs go to KMS-encrypted log groups named in lib/names.ts, retention from config",
    (mode) => {
      const logs = logGroupNames("demo");
      expect(text(mode)).toHaveResourceWithProperties(NetworkfirewallLoggingConfiguration, {
        firewall_arn: "${aws_networkfirewall_firewall.firewall.arn}",
        logging_configuration: {
          log_destination_config: [
            {
              log_type: "ALERT",
              log_destination_type: "CloudWatchLogs",
              log_destination: { logGroup: "${aws_cloudwatch_log_group.firewall_alert_log_group.name}" },
            },
            {
              log_type: "FLOW",
              log_destination_type: "CloudWatchLogs",
              log_destination: { logGroup: "${aws_cloudwatch_log_group.firewall_flow_log_group.name}" },
            },
            {
              log_type: "TLS",
              log_destination_type: "CloudWatchLogs",
              log_destination: { logGroup: "${aws_cloudwatch_log_group.firewall_tls_log_group.name}" },
            },
          ],
        },
      });
      const groupsByName = Object.values(resources(synthOf[mode], "aws_cloudwatch_log_group"));
      for (const name of [logs.firewallAlert, logs.firewallFlow, logs.firewallTls]) {
        expect(groupsByName).toContainEqual(expect.objectContaining({ name, retention_in_days: 365, kms_key_id: KEY_ARN }));
      }
    },
  );

  test("vended log groups (Network Firewall, Resolver query logs) live under /aws/vendedlogs/, so AWS grants them with one resource-policy entry", () => {
    const fw = Object.values(resources(synthOf["firewall-igw"], "aws_cloudwatch_log_group")).map((g: any) => g.name);
    const dns = Object.values(resources(synthStack(demoConfig(), "observability"), "aws_route53_resolver_query_log_config")).map(
      (q: any) => q.destination_arn,
    );
    expect(fw).toEqual([
      "/aws/vendedlogs/egress6/demo/network-firewall/alert",
      "/aws/vendedlogs/egress6/demo/network-firewall/flow",
      "/aws/vendedlogs/egress6/demo/network-firewall/tls",
    ]);
    expect(dns).toEqual(["${aws_cloudwatch_log_group.dns_firewall_query_log_group.arn}"]);
    expect(resources(synthStack(demoConfig(), "observability"), "aws_cloudwatch_log_group").dns_firewall_query_log_group.name).toBe(
      "/aws/vendedlogs/egress6/demo/dns-queries",
    );
  });

  test("log retention follows inspection.firewall.logRetentionDays", () => {
    const tf = synthStack(demoConfig({ inspection: { mode: "firewall-igw", firewall: { logRetentionDays: 90 } } }), "inspection");
    expect(resources(tf, "aws_cloudwatch_log_group").firewall_alert_log_group.retention_in_days).toBe(90);
  });
});

describe("Squid proxy tier", () => {
  test("exists in firewall-proxy and proxy, not in firewall-igw", () => {
    for (const mode of withProxies) {
      expect(Object.keys(resources(synthOf[mode], "aws_instance")).sort()).toEqual(["proxy_a", "proxy_a_2", "proxy_b", "proxy_b_2"]);
    }
    expect(synthOf["firewall-igw"].resource.aws_instance).toBeUndefined();
    expect(synthOf["firewall-igw"].resource.aws_network_interface).toBeUndefined();
  });

  test.each(withProxies)(
    "%s: per AZ two fixed interfaces (primary, standby) in the proxy subnet, source/dest check off, tagged as proxies of that AZ and its failover group",
    (mode) => {
      for (const az of ZONES) {
        for (const slot of [1, 2]) {
          expect(text(mode)).toHaveResourceWithProperties(NetworkInterface, {
            subnet_id: net(`proxy_subnet_id_${az}`),
            source_dest_check: false,
            ipv6_address_count: 1,
            security_groups: [`\${aws_security_group.proxy_${az}_security_group.id}`],
            tags: expect.objectContaining({
              "egress6:role": "proxy",
              "egress6:az": az,
              Name: `demo-proxy-${az}-${slot}`,
              "egress6:failover-group": `demo-${az}`,
              "egress6:proxy-slot": `${az}-${slot}`,
            }),
          });
        }
      }
    },
  );

  test.each(withProxies)(
    "%s: a quarantine of a proxy interface survives the next apply (security_groups ignored after creation, set at creation)",
    (mode) => {
      for (const az of ZONES) {
        const eni = resources(synthOf[mode], "aws_network_interface")[`proxy_${az}_interface`];
        expect(eni.lifecycle).toEqual({ ignore_changes: ["security_groups"] });
        expect(eni.security_groups).toEqual([`\${aws_security_group.proxy_${az}_security_group.id}`]);
      }
    },
  );

  test.each(withProxies)(
    "%s: each instance sits on its interface, launched from the template (encrypted root there), replaced when its policy changes",
    (mode) => {
      expect(resources(synthOf[mode], "aws_launch_template").proxy_launch_template.block_device_mappings).toEqual([
        { device_name: "/dev/xvda", ebs: { volume_type: "gp3", volume_size: 16, encrypted: "true", delete_on_termination: "true" } },
      ]);
      for (const az of ZONES) {
        expect(resources(synthOf[mode], "aws_instance")[`proxy_${az}`].root_block_device).toBeUndefined();
        expect(resources(synthOf[mode], "aws_instance")[`proxy_${az}`]).toEqual(
          expect.objectContaining({
            launch_template: {
              id: "${aws_launch_template.proxy_launch_template.id}",
              version: "${aws_launch_template.proxy_launch_template.latest_version}",
            },
            network_interface: [{ device_index: 0, network_interface_id: `\${aws_network_interface.proxy_${az}_interface.id}` }],
            user_data_base64: `\${base64gzip(local.proxy_${az}_user_data)}`,
            user_data_replace_on_change: true,
            ebs_optimized: true,
            tags: expect.objectContaining({ "egress6:role": "proxy", "egress6:az": az }),
          }),
        );
      }
    },
  );

  test.each(withProxies)(
    "%s: the launch template requires IMDSv2, serves IMDS over IPv6, hop limit 1, AMI and type from config",
    (mode) => {
      expect(text(mode)).toHaveResourceWithProperties(LaunchTemplate, {
        image_id: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
        instance_type: "t4g.small",
        iam_instance_profile: { arn: "${aws_iam_instance_profile.proxy_instance_profile.arn}" },
        metadata_options: expect.objectContaining({
          http_tokens: "required",
          http_protocol_ipv6: "enabled",
          http_endpoint: "enabled",
          http_put_response_hop_limit: 1,
        }),
        monitoring: { enabled: true },
      });
    },
  );

  test.each(withProxies)("%s: an EC2 auto-recovery alarm per instance", (mode) => {
    for (const az of ZONES) {
      expect(text(mode)).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
        namespace: "AWS/EC2",
        metric_name: "StatusCheckFailed_System",
        dimensions: { InstanceId: `\${aws_instance.proxy_${az}.id}` },
        comparison_operator: "GreaterThanOrEqualToThreshold",
        threshold: 1,
        alarm_actions: ["arn:aws:automate:us-east-1:ec2:recover"],
      });
    }
  });

  test.each(withProxies)("%s: the role has Systems Manager core and CloudWatch agent permissions, and reads the policy bundle", (mode) => {
    const tf = synthOf[mode];
    expect(
      Object.values(resources(tf, "aws_iam_role_policy_attachment"))
        .map((a) => a.policy_arn)
        .sort(),
    ).toEqual(["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy"]);
    expect(Object.values(resources(tf, "aws_iam_role_policy")).map((p) => p.name)).toEqual(["demo-proxy-policy"]);
    expect(JSON.parse(Object.values(resources(tf, "aws_iam_role_policy"))[0].policy).Statement).toContainEqual(
      expect.objectContaining({
        Action: "cloudwatch:PutMetricData",
        Condition: { StringEquals: { "cloudwatch:namespace": "egress6/Proxy" } },
      }),
    );
    expect(resources(tf, "aws_iam_role").proxy_role.inline_policy).toBeUndefined();
  });

  test.each(withProxies)(
    "%s: each AZ's proxy security group admits only its own AZ's workload /64, on the intercepted ports and the explicit port",
    (mode) => {
      const groups = resources(synthOf[mode], "aws_security_group");
      expect(Object.keys(groups).sort()).toEqual(ZONES.map((az) => `proxy_${az}_security_group`));
      for (const az of ZONES) {
        const sg = groups[`proxy_${az}_security_group`];
        const tcpIngress = sg.ingress.filter((r: any) => r.protocol === "tcp");
        const ingress = tcpIngress
          .map((r: any) => `${r.from_port}-${r.to_port} ${r.ipv6_cidr_blocks.join(",")}${r.cidr_blocks.join(",")}`)
          .sort();
        // workload-b -> proxy-a:3128 would cross AZs over the local route (and skip the firewall of AZ b).
        expect(ingress).toEqual([443, 80, 3128].map((p) => `${p}-${p} ${net(`workload_subnet_ipv6_cidr_block_${az}`)}`).sort());
        expect(sg.egress.map((r: any) => `${r.from_port} ${r.ipv6_cidr_blocks.join(",")}${r.cidr_blocks.join(",")}`).sort()).toEqual([
          "443 ::/0",
          "80 ::/0",
        ]);
      }
    },
  );

  test.each(withProxies)("%s: each proxy security group admits ICMPv6 Packet Too Big (type 2) from anywhere, and no other ICMP", (mode) => {
    for (const az of ZONES) {
      const sg = resources(synthOf[mode], "aws_security_group")[`proxy_${az}_security_group`];
      const icmp = sg.ingress.filter((r: any) => r.protocol !== "tcp");
      expect(icmp).toEqual([
        expect.objectContaining({ protocol: "58", from_port: 2, to_port: -1, ipv6_cidr_blocks: ["::/0"], cidr_blocks: [] }),
      ]);
      expect(sg.egress.filter((r: any) => r.protocol !== "tcp")).toEqual([]);
    }
  });

  test.each(withProxies)(
    "%s: the policy bundle object carries squid.conf, allowlist and ruleset with the VPC /56 from remote state",
    (mode) => {
      const bundle = renderPolicyBundle({
        policy: squidPolicyOf(demoConfig({ inspection: { mode } })),
        vpcIpv6Cidr: net("vpc_ipv6_cidr_block"),
      });
      expect(Object.values(resources(synthOf[mode], "aws_s3_object"))).toEqual([
        expect.objectContaining({ key: "egress6/policy-bundle", content: bundle.terraformTemplate, kms_key_id: KEY_ARN }),
      ]);
      const locals = (synthOf[mode] as TfJson & { locals: Record<string, string> }).locals;
      for (const az of ZONES) {
        const userData = locals[`proxy_${az}_user_data`];
        expect(userData).not.toContain("EGRESS6_SQUID_CONF'");
        expect(userData).toContain(`EGRESS6_PROXY_SLOT=${az}-1\n`);
      }
    },
  );

  test.each(withProxies)("%s: the access log group is KMS-encrypted with the proxy retention", (mode) => {
    expect(resources(synthOf[mode], "aws_cloudwatch_log_group").proxy_access_log_group).toEqual(
      expect.objectContaining({ name: logGroupNames("demo").proxyAccess, retention_in_days: 365, kms_key_id: KEY_ARN }),
    );
  });

  test("1,000 domains that do not compress no longer meet EC2's 16 KB user data limit: they go to the bundle object", () => {
    const domains = Array.from({ length: 1000 }, (_, i) => `h${(i * 7919).toString(36)}x${i}.d${(i * 104729).toString(36)}.example`);
    // DNS Firewall off: with it, 1,000 domains are refused first (its list takes at most 1,000 entries, egress6's own included).
    const tf = synthStack(
      demoConfig({ inspection: { mode: "proxy" }, egress: { domains }, observability: { dnsFirewall: { enabled: false } } }),
      "inspection",
    );
    expect(Object.values(resources(tf, "aws_s3_object"))[0].content).toContain(`\n${domains[999]}\n`);
  });

  /** `type.name` of every resource and local whose synthesized value differs between two syntheses of every stack. */
  function changed(a: Record<string, TfJson>, b: Record<string, TfJson>): string[] {
    const out: string[] = [];
    for (const stack of Object.keys(a)) {
      const [x, y] = [a[stack] as TfJson & { locals?: Record<string, unknown> }, b[stack] as TfJson & { locals?: Record<string, unknown> }];
      for (const [name, value] of Object.entries({ ...x.locals, ...y.locals }))
        if (JSON.stringify(x.locals?.[name]) !== JSON.stringify(y.locals?.[name]) || value === undefined)
          out.push(`${stack}: local.${name}`);
      for (const type of new Set([...Object.keys(x.resource ?? {}), ...Object.keys(y.resource ?? {})]))
        for (const name of new Set([...Object.keys(x.resource?.[type] ?? {}), ...Object.keys(y.resource?.[type] ?? {})]))
          if (JSON.stringify(x.resource?.[type]?.[name]) !== JSON.stringify(y.resource?.[type]?.[name]))
            out.push(`${stack}: ${type}.${name}`);
    }
    return out.sort();
  }

  test.each(withProxies)(
    "%s: changing egress.domains changes no instance, launch template or user data: only the bundle object (and the firewalls' lists)",
    (mode) => {
      const before = synthAll(demoConfig({ inspection: { mode } }));
      const after = synthAll(demoConfig({ inspection: { mode }, egress: { domains: [...demoConfig().egress.domains, ".added.example"] } }));
      const diff = changed(before, after);
      expect(diff.filter((d) => d.startsWith("inspection: aws_s3_object."))).toHaveLength(1);
      expect(diff.filter((d) => /aws_instance|aws_launch_template|local\./.test(d))).toEqual([]);
      // What else may change: the firewall's domain rule group (firewall-proxy) and DNS Firewall's list (observability).
      expect(diff.filter((d) => !/aws_s3_object|aws_networkfirewall_rule_group|aws_route53_resolver_firewall_domain_list/.test(d))).toEqual(
        [],
      );
      if (mode === "proxy") expect(diff.filter((d) => d.startsWith("inspection:") && !d.includes("aws_s3_object"))).toEqual([]);
    },
  );
});

describe("key and outputs", () => {
  test.each(INSPECTION_MODES)(
    "%s: a rotating customer-managed key whose policy lets CloudWatch Logs encrypt exactly this stack's groups",
    (mode) => {
      expect(text(mode)).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true });
      const policy = JSON.parse(resources(synthOf[mode], "aws_kms_key_policy").key_policy.policy);
      const logs = logGroupNames("demo");
      const expected = [
        ...(mode !== "proxy" ? [logs.firewallAlert, logs.firewallFlow, logs.firewallTls] : []),
        ...(mode !== "firewall-igw" ? [logs.proxyAccess] : []),
      ];
      const statement = policy.Statement.find((s: { Sid: string }) => s.Sid === "CloudWatchLogsEncryptsInspectionLogGroups");
      expect(statement.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"]).toEqual(
        expected.map((n) => `arn:aws:logs:us-east-1:\${local.key_account_id}:log-group:${n}`),
      );
    },
  );

  test("the CloudWatch Logs principal in the key policy carries the partition's DNS suffix (China: amazonaws.com.cn)", () => {
    const principalIn = (region: string) => {
      const tf = synthStack(demoConfig({ region, availabilityZones: [`${region}a`, `${region}b`] }), "inspection");
      const policy = JSON.parse(resources(tf, "aws_kms_key_policy").key_policy.policy);
      return policy.Statement.find((s: { Sid: string }) => s.Sid === "CloudWatchLogsEncryptsInspectionLogGroups").Principal.Service;
    };
    expect(principalIn("cn-north-1")).toBe("logs.cn-north-1.amazonaws.com.cn");
    expect(principalIn("eu-west-1")).toBe("logs.eu-west-1.amazonaws.com");
  });

  test.each(INSPECTION_MODES)("%s: flat outputs for the stacks after it", (mode) => {
    const names = Object.keys(synthOf[mode].output ?? {}).sort();
    const expected = ["inspection_kms_key_arn"];
    if (mode !== "proxy") expected.push("firewall_arn", "firewall_policy_arn", "firewall_endpoint_id_a", "firewall_endpoint_id_b");
    if (mode !== "firewall-igw") {
      expected.push(
        ...ZONES.flatMap((az) => [
          `proxy_security_group_id_${az}`,
          `proxy_eni_id_${az}`,
          `proxy_ipv6_address_${az}`,
          `proxy_instance_id_${az}`,
          `proxy_standby_eni_id_${az}`,
          `proxy_standby_ipv6_address_${az}`,
          `proxy_standby_instance_id_${az}`,
        ]),
      );
    }
    if (mode === "firewall-igw") expected.push("internet_gateway_id");
    expect(names).toEqual(expected.sort());
    if (mode !== "proxy") expect(synthOf[mode].output!.firewall_endpoint_id_a.value).toBe(endpointOf("a"));
  });
});

describe("proxy failover", () => {
  test.each(withProxies)(
    "%s: routes via a proxy target the AZ's primary at creation and leave the target to the failover Lambda; the standby's outputs name slot 2",
    (mode) => {
      const viaProxy = Object.values(resources(synthOf[mode], "aws_route")).filter((r) => r.network_interface_id !== undefined);
      expect(viaProxy).toHaveLength(ZONES.length);
      for (const r of viaProxy) {
        expect(r.network_interface_id).toMatch(/^\$\{aws_network_interface\.proxy_[ab]_interface\.id\}$/);
        expect(r.lifecycle).toEqual({ ignore_changes: ["network_interface_id"] });
      }
      const out = synthOf[mode].output!;
      expect(out.proxy_eni_id_a.value).toBe("${aws_network_interface.proxy_a_interface.id}");
      expect(out.proxy_standby_eni_id_a.value).toBe("${aws_network_interface.proxy_a_2_interface.id}");
      expect(out.proxy_standby_instance_id_b.value).toBe("${aws_instance.proxy_b_2.id}");
    },
  );
});

describe("the explicit proxy port is symmetric in firewall-proxy mode", () => {
  test("requests and replies both cross the firewall endpoint of the AZ, and its network ACL and rules admit them", () => {
    const lines = routeLines(synthOf["firewall-proxy"]);
    expect(lines).toContain("workload_route_table_id_a -> proxy_subnet_ipv6_cidr_block_a -> firewall endpoint a");
    expect(lines).toContain("proxy_route_table_id_a -> workload_subnet_ipv6_cidr_block_a -> firewall endpoint a");
    const network = synthStack(demoConfig({ inspection: { mode: "firewall-proxy" } }), "network");
    const firewallAcl = Object.entries(resources(network, "aws_network_acl_rule"))
      .filter(([id]) => id.startsWith("firewall_acl_"))
      .map(([, r]) => r);
    expect(firewallAcl).toContainEqual(expect.objectContaining({ egress: false, from_port: 3128, to_port: 3128, rule_action: "allow" }));
    expect(firewallAcl).toContainEqual(expect.objectContaining({ egress: true, from_port: 3128, to_port: 3128, rule_action: "allow" }));
  });
});

describe("invalid input through the real CLI fails with a clear message and writes nothing", () => {
  const MAIN = path.join(__dirname, "..", "dist", "main.js");
  const out = path.join(tempDir("out"), "cdktf.out");
  let before: Record<string, string>;

  function synth(args: string[]) {
    const { EGRESS6_CONFIG: _drop, CDKTF_OUTDIR: _drop2, ...env } = process.env;
    const r = spawnSync(process.execPath, [MAIN, ...args], { env, encoding: "utf8" });
    return { code: r.status, stderr: r.stderr };
  }
  function snapshot(dir: string): Record<string, string> {
    const files: Record<string, string> = {};
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true })) {
        const full = path.join(d, e.name);
        // The output folder reaches its generated files through links (app/output/synth-folder.ts): keep each link's text.
        if (e.isSymbolicLink()) files[path.relative(dir, full)] = `link ${fs.readlinkSync(full)}`;
        else if (e.isDirectory()) walk(full);
        else files[path.relative(dir, full)] = createHash("sha256").update(fs.readFileSync(full)).digest("hex");
      }
    };
    walk(dir);
    return files;
  }
  function configFile(egress: unknown, inspection: unknown = { mode: "firewall-proxy" }, observability?: unknown): string {
    const file = path.join(tempDir("cfg"), "config.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        name: "demo",
        region: "us-east-1",
        availabilityZones: ["us-east-1a", "us-east-1b"],
        inspection,
        egress,
        ...(observability ? { observability } : {}),
      }),
    );
    return file;
  }

  beforeAll(() => {
    expect(synth(["--out", out]).code).toBe(0);
    before = snapshot(out);
    expect(Object.keys(before)).toContain(path.join("stacks", "inspection", "cdk.tf.json"));
  });

  test.each([
    [
      "an IP address",
      { domains: ["example.com", "192.0.2.10"] },
      /egress\.domains\[1\]: is an IP address; the allowlist takes domain names only, got "192\.0\.2\.10"$/,
    ],
    ["an IPv6 address", { domains: ["[2001:db8::1]"] }, /egress\.domains\[0\]: is an IP address/],
    [
      "a URL",
      { domains: ["https://example.com/path"] },
      /egress\.domains\[0\]: is a URL or path; expected a bare domain such as example\.com/,
    ],
    ["an empty entry", { domains: ["example.com", ""] }, /egress\.domains\[1\]: is empty; expected a domain such as example\.com/],
    [
      "a too-long entry",
      { domains: [["a", "b", "c", "d"].map((c) => c.repeat(63)).join(".")] },
      /egress\.domains\[0\]: is 255 characters long; at most 253 are allowed/,
    ],
    ["an empty allowlist", { domains: [] }, /egress\.domains: is empty; every inspection mode allows only listed domains/],
  ])("an allowlist with %s", (_what, egress, message) => {
    const r = synth(["--config", configFile(egress), "--out", out]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines[0]).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(snapshot(out)).toEqual(before);
  });

  test("an unknown mode", () => {
    const r = synth(["--config", configFile({ domains: ["example.com"] }, { mode: "nat66" }), "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^error: .*inspection\.mode: got "nat66"; accepted: "firewall-proxy", "proxy", "firewall-igw"$/);
    expect(snapshot(out)).toEqual(before);
  });
});

describe("proxy boot hosts: every host the boot script reaches is admitted by DNS Firewall", () => {
  // A tight allowlist (exact names, nothing under amazonaws.com): a replaced proxy must still boot.
  const tight = (mode: InspectionMode) => demoConfig({ inspection: { mode }, egress: { domains: ["example.com", ".example.org"] } });
  /** Does a DNS Firewall domain list entry (`name` or `*.suffix`) admit `host`? */
  const admits = (entry: string, host: string) => (entry.startsWith("*.") ? host.endsWith(entry.slice(1)) : host === entry);

  test.each(["firewall-proxy", "proxy"] as InspectionMode[])(
    "%s: the AL2023 repository, SSM and CloudWatch Logs hosts resolve through DNS Firewall",
    (mode) => {
      const config = tight(mode);
      const locals = (synthStack(config, "inspection") as TfJson & { locals: Record<string, string> }).locals;
      const allowed: string[] = resources(synthStack(config, "observability"), "aws_route53_resolver_firewall_domain_list")
        .dns_firewall_allowlist.domains;
      for (const az of ZONES) {
        const userData = locals[`proxy_${az}_user_data`];
        // Every AWS host name written in the rendered boot script.
        const hosts = [...new Set(userData.match(/\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\.(?:amazonaws\.com|api\.aws)\b/g) ?? [])].sort();
        expect(hosts).toEqual(
          expect.arrayContaining([
            "al2023-repos-us-east-1-de612dc2.s3.dualstack.us-east-1.amazonaws.com",
            "ssm.us-east-1.amazonaws.com",
            "ssmmessages.us-east-1.amazonaws.com",
            "ec2messages.us-east-1.amazonaws.com",
            "logs.us-east-1.amazonaws.com",
          ]),
        );
        for (const host of hosts) expect([host, allowed.some((entry) => admits(entry, host))]).toEqual([host, true]);
      }
    },
  );
});
