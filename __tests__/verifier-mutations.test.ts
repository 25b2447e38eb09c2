/**
 * The verifier must reject every broken variant a reviewer can think of. Each test takes the real synthesized
 * output of one inspection mode, breaks one thing, and expects the right invariant (or check) to be VIOLATED
 * with a message (and, for paths, a counterexample) that names what broke.
 */
import type { InspectionMode } from "../config/modes";
import {
  add,
  all,
  naclRules,
  one,
  proxyInterface,
  ref,
  remove,
  resultOf,
  route,
  synthMode,
  tagged,
  toAnyIpv6,
  twoProxiesPerAz,
  verify,
  violatedIds,
  violations,
  type Json,
  type SynthApp,
} from "./verifier-helpers";

interface Mutation {
  readonly name: string;
  readonly mode: InspectionMode;
  readonly invariant: string;
  /** What the violation must say. */
  readonly says: RegExp;
  readonly mutate: (app: SynthApp) => void;
}

const subnet = (app: SynthApp, tier: string, az: string) => tagged(app, "aws_subnet", { "egress6:tier": tier, "egress6:az": az });
const routeTable = (app: SynthApp, tier: string, az: string) => tagged(app, "aws_route_table", { "egress6:tier": tier, "egress6:az": az });
/** The (first) security group the workloads of an AZ use. */
const workloadGroup = (app: SynthApp, az = "a") => groupsOf(app, "workload", az)[0];
/** The (first) security group the proxy of an AZ uses. */
const proxyGroup = (app: SynthApp, az = "a") => groupsOf(app, "proxy", az)[0];
/** The primary (slot 1) proxy interface of an AZ: the one its routes target at creation. */
const proxyEni = (app: SynthApp, az: string) =>
  one(
    app,
    "aws_network_interface",
    (b) => b.tags?.["egress6:role"] === "proxy" && b.tags?.["egress6:az"] === az && b.tags?.["egress6:proxy-slot"] === `${az}-1`,
  );
const workloadInstance = (app: SynthApp, az: string) =>
  one(app, "aws_instance", (b) => b.tags?.["egress6:role"] === "workload" && b.tags?.["egress6:az"] === az);
/** The launch template the managed workload instances launch from (it holds their root volume and AMI). */
const workloadInstanceTemplate = (app: SynthApp) =>
  one(app, "aws_launch_template", (_b, name) => name === "workload_instance_launch_template");
const vpcRef = "${aws_vpc.vpc.id}";

/** An internet gateway in the network stack. */
function addIgw(app: SynthApp): string {
  add(app, "network", "aws_internet_gateway", "rogue", { vpc_id: vpcRef });
  return "${aws_internet_gateway.rogue.id}";
}

/** A public NAT gateway in proxy subnet a (network stack). */
function addNat(app: SynthApp): string {
  add(app, "network", "aws_nat_gateway", "rogue", {
    subnet_id: ref(subnet(app, "proxy", "a")),
    allocation_id: "eipalloc-0123456789abcdef0",
  });
  return "${aws_nat_gateway.rogue.id}";
}

/** Adds an ingress rule to a security group's inline list. */
function openIngress(group: Json, cidr: string, port: number): void {
  group.ingress = [
    ...(group.ingress ?? []),
    {
      description: "mutation",
      protocol: "tcp",
      from_port: port,
      to_port: port,
      cidr_blocks: [],
      ipv6_cidr_blocks: [cidr],
      prefix_list_ids: [],
      security_groups: [],
      self: false,
    },
  ];
}

/** The security groups of a role used in one AZ (a group tagged with no AZ serves them all). */
function groupsOf(app: SynthApp, role: "workload" | "proxy", az: string) {
  const isRole = (b: Json) =>
    role === "workload" ? b.tags?.["egress6:role"] === "workload" : /proxy/.test(String(b.name)) && b.tags?.["egress6:role"] !== "workload";
  const found = all(app, "aws_security_group").filter((g) => isRole(g.body) && [undefined, az].includes(g.body.tags?.["egress6:az"]));
  if (found.length === 0) throw new Error(`no ${role} security group for AZ ${az}`);
  return found;
}

/** Adds one TCP rule to a security group's inline list. */
function addRule(group: Json, direction: "ingress" | "egress", cidr: string, port: number): void {
  group[direction] = [
    ...(group[direction] ?? []),
    {
      description: "mutation",
      protocol: "tcp",
      from_port: port,
      to_port: port,
      cidr_blocks: [],
      ipv6_cidr_blocks: [cidr],
      prefix_list_ids: [],
      security_groups: [],
      self: false,
    },
  ];
}

function retarget(r: Json, target: Record<string, string>): void {
  for (const k of [
    "gateway_id",
    "egress_only_gateway_id",
    "nat_gateway_id",
    "network_interface_id",
    "vpc_endpoint_id",
    "transit_gateway_id",
  ])
    delete r[k];
  Object.assign(r, target);
}

const firewallEndpoint = (az: string) =>
  `\${{for s in aws_networkfirewall_firewall.firewall.firewall_status[0].sync_states : s.availability_zone => s.attachment[0].endpoint_id}["${az}"]}`;

const MUTATIONS: readonly Mutation[] = [
  // ------------------------------------------------------------------ R1
  {
    name: "0.0.0.0/0 from a workload subnet to a NAT gateway",
    mode: "firewall-proxy",
    invariant: "R1",
    says: /workload-a .*an IPv4 path leads from subnet workload-a/,
    mutate: (app) =>
      add(app, "network", "aws_route", "rogue_ipv4", {
        route_table_id: ref(routeTable(app, "workload", "a")),
        destination_cidr_block: "0.0.0.0/0",
        nat_gateway_id: addNat(app),
      }),
  },
  {
    name: "NAT64: 64:ff9b::/96 from a workload subnet to a NAT gateway",
    mode: "firewall-proxy",
    invariant: "R1",
    says: /workload-b .*an IPv4 path leads .* \(NAT64\)/,
    mutate: (app) =>
      add(app, "network", "aws_route", "rogue_nat64", {
        route_table_id: ref(routeTable(app, "workload", "b")),
        destination_ipv6_cidr_block: "64:ff9b::/96",
        nat_gateway_id: addNat(app),
      }),
  },
  {
    name: "public IPv4 mapping on a workload subnet",
    mode: "proxy",
    invariant: "R1",
    says: /workload-a .*map_public_ip_on_launch = true/,
    mutate: (app) => {
      subnet(app, "workload", "a").body.map_public_ip_on_launch = true;
    },
  },
  {
    name: "a public IPv4 address on a workload instance",
    mode: "firewall-igw",
    invariant: "R1",
    says: /workload-b .*a public IPv4 address \(associate_public_ip_address = true\)/,
    mutate: (app) => {
      workloadInstance(app, "b").body.associate_public_ip_address = true;
    },
  },
  {
    name: "an Elastic IP on a workload instance",
    mode: "firewall-proxy",
    invariant: "R1",
    says: /workload-a .*Elastic IP/,
    mutate: (app) => {
      const i = workloadInstance(app, "a");
      add(app, "workload", "aws_eip", "rogue", { domain: "vpc", instance: `\${aws_instance.${i.name}.id}` });
    },
  },
  {
    name: "a workload instance with two IPv6 addresses (ipv6_address_count = 2)",
    mode: "firewall-proxy",
    invariant: "R1",
    says: /workload-a .*more than one IPv6 address \(ipv6_address_count = 2\)/,
    mutate: (app) => {
      workloadInstance(app, "a").body.ipv6_address_count = 2;
    },
  },
  {
    name: "a workload instance with a list of IPv6 addresses",
    mode: "proxy",
    invariant: "R1",
    says: /workload-b .*more than one IPv6 address \(ipv6_addresses lists 3 addresses\)/,
    mutate: (app) => {
      workloadInstance(app, "b").body.ipv6_addresses = ["2001:db8::10", "2001:db8::11", "2001:db8::12"];
    },
  },
  {
    name: "a network interface with a delegated IPv6 prefix in a workload subnet",
    mode: "firewall-igw",
    invariant: "R1",
    says: /workload-a .*aws_network_interface\.rogue \(network\): more than one IPv6 address \(ipv6_prefix_count = 1 delegates IPv6 prefixes\)/,
    mutate: (app) =>
      add(app, "network", "aws_network_interface", "rogue", { subnet_id: ref(subnet(app, "workload", "a")), ipv6_prefix_count: 1 }),
  },
  {
    name: "the proxy subnet routes 0.0.0.0/0 to an internet gateway (IPv4 through the proxy)",
    mode: "proxy",
    invariant: "R1",
    says: /proxy proxy-a, which serves this subnet, can open IPv4 connections/,
    mutate: (app) =>
      add(app, "network", "aws_route", "rogue_proxy_ipv4", {
        route_table_id: ref(routeTable(app, "proxy", "a")),
        destination_cidr_block: "0.0.0.0/0",
        gateway_id: addIgw(app),
      }),
  },
  {
    name: "an internet gateway reaching the workloads directly makes their IPv6 addresses public",
    mode: "firewall-proxy",
    invariant: "R1",
    says: /its IPv6 addresses are public: internet gateway .* delivers connections from the internet straight to subnet workload-a/,
    mutate: (app) => void addIgw(app),
  },
  // ------------------------------------------------------------------ R2
  {
    name: "a workload security group open to ::/0",
    mode: "firewall-proxy",
    invariant: "R2",
    says: /security group: security group .* admits ingress tcp 22 from ::\/0/,
    mutate: (app) => openIngress(workloadGroup(app).body, "::/0", 22),
  },
  {
    name: "a proxy security group open to the internet",
    mode: "proxy",
    invariant: "R2",
    says: /proxy-b \(us-east-1b\) \[proxies\]: security group: .* admits ingress tcp 3128 from 2000::\/3/,
    mutate: (app) => openIngress(proxyGroup(app, "b").body, "2000::/3", 3128),
  },
  {
    name: "a security group open to ::/0 attached to a workload's network interface by aws_network_interface_sg_attachment",
    mode: "firewall-proxy",
    invariant: "R2",
    says: /workload-a .*security group: security group demo-rogue-ssh of workload-a admits ingress tcp 22 from ::\/0/,
    mutate: (app) => {
      const i = workloadInstance(app, "a");
      add(app, "workload", "aws_security_group", "rogue_ssh", {
        name: "demo-rogue-ssh",
        tags: { Name: "demo-rogue-ssh" },
        vpc_id: "${data.terraform_remote_state.network.outputs.vpc_id}",
        egress: [],
        ingress: [],
      });
      openIngress(app.stacks.workload.resource.aws_security_group.rogue_ssh, "::/0", 22);
      add(app, "workload", "aws_network_interface_sg_attachment", "rogue", {
        security_group_id: "${aws_security_group.rogue_ssh.id}",
        network_interface_id: `\${aws_instance.${i.name}.primary_network_interface_id}`,
      });
    },
  },
  {
    name: "a workload security group admitting every ICMPv6 type from ::/0 (more than the errors Path MTU discovery needs)",
    mode: "firewall-igw",
    invariant: "R2",
    says: /workload-b .*security group: security group .* admits ingress icmpv6 \(every type\) from ::\/0/,
    mutate: (app) => {
      for (const g of groupsOf(app, "workload", "b"))
        g.body.ingress = [
          ...(g.body.ingress ?? []),
          {
            description: "m",
            protocol: "58",
            from_port: -1,
            to_port: -1,
            cidr_blocks: [],
            ipv6_cidr_blocks: ["::/0"],
            prefix_list_ids: [],
            security_groups: [],
            self: false,
          },
        ];
    },
  },
  {
    name: "a network ACL that admits new inbound connections (ssh from ::/0)",
    mode: "firewall-proxy",
    invariant: "R2",
    says: /network ACL: network ACL .* admits tcp 22 from .* into subnet workload-a .*rule 90 allow tcp 22 from ::\/0.*new connections, not replies/,
    mutate: (app) => {
      const nacl = tagged(app, "aws_network_acl", { "egress6:tier": "workload" });
      add(app, "network", "aws_network_acl_rule", "rogue_ssh", {
        network_acl_id: ref(nacl),
        egress: false,
        rule_number: 90,
        rule_action: "allow",
        protocol: "6",
        from_port: 22,
        to_port: 22,
        ipv6_cidr_block: "::/0",
      });
    },
  },
  {
    name: "a network ACL that admits all traffic from the internet before its other rules",
    mode: "firewall-igw",
    invariant: "R2",
    says: /network ACL: .* admits (udp|protocols other than TCP).* from .* into subnet workload-/,
    mutate: (app) => {
      const nacl = tagged(app, "aws_network_acl", { "egress6:tier": "workload" });
      add(app, "network", "aws_network_acl_rule", "rogue_all", {
        network_acl_id: ref(nacl),
        egress: false,
        rule_number: 5,
        rule_action: "allow",
        protocol: "-1",
        ipv6_cidr_block: "::/0",
      });
    },
  },
  {
    name: "an internet gateway with a ::/0 route from a workload subnet",
    mode: "firewall-proxy",
    invariant: "R2",
    says: /workload-a .*gateway and routes: internet gateway .* delivers connections from the internet straight to subnet workload-a/,
    mutate: (app) => {
      add(app, "inspection", "aws_internet_gateway", "rogue", { vpc_id: "${data.terraform_remote_state.network.outputs.vpc_id}" });
      retarget(route(app, "workload_route_table_id_a", toAnyIpv6).body, { gateway_id: "${aws_internet_gateway.rogue.id}" });
    },
  },
  {
    name: "firewall-igw without the edge route of one workload subnet",
    mode: "firewall-igw",
    invariant: "R2",
    says: /workload-b .*internet gateway .* delivers connections from the internet straight to subnet workload-b/,
    mutate: (app) =>
      remove(
        app,
        one(
          app,
          "aws_route",
          (b) =>
            String(b.route_table_id).includes("edge_routes") &&
            String(b.destination_ipv6_cidr_block).includes("workload_subnet_ipv6_cidr_block_b"),
        ),
      ),
  },
  {
    name: "firewall-igw with a firewall policy that passes what no rule drops",
    mode: "firewall-igw",
    invariant: "R2",
    says: /passes what no rule drops: .*stateful engine passes what no rule matches/,
    mutate: (app) => {
      const policy = one(app, "aws_networkfirewall_firewall_policy", () => true).body;
      const fp = Array.isArray(policy.firewall_policy) ? policy.firewall_policy[0] : policy.firewall_policy;
      delete fp.stateful_default_actions;
      delete fp.stateful_engine_options;
    },
  },
  {
    name: "an internet gateway whose edge route hands a workload /64 to a proxy (the proxy takes internet-initiated connections)",
    mode: "firewall-proxy",
    invariant: "R2",
    says: /proxy-a \(us-east-1a\) \[proxies\]: gateway and routes: internet gateway .* delivers connections from the internet straight to subnet proxy-a/,
    mutate: (app) => {
      add(app, "inspection", "aws_internet_gateway", "rogue", { vpc_id: "${data.terraform_remote_state.network.outputs.vpc_id}" });
      add(app, "inspection", "aws_route_table", "rogue_edge", { vpc_id: "${data.terraform_remote_state.network.outputs.vpc_id}" });
      add(app, "inspection", "aws_route", "rogue_edge_to_proxy", {
        route_table_id: "${aws_route_table.rogue_edge.id}",
        destination_ipv6_cidr_block: "${data.terraform_remote_state.network.outputs.workload_subnet_ipv6_cidr_block_a}",
        network_interface_id: ref(proxyEni(app, "a")),
      });
      add(app, "inspection", "aws_route_table_association", "rogue_edge", {
        route_table_id: "${aws_route_table.rogue_edge.id}",
        gateway_id: "${aws_internet_gateway.rogue.id}",
      });
    },
  },
  // ------------------------------------------------------------------ R3
  {
    name: "a workload ::/0 route straight to the egress-only gateway",
    mode: "firewall-proxy",
    invariant: "R3",
    says: /workload-a .*leaves subnet workload-a \(us-east-1a\) without crossing an inspection point/,
    mutate: (app) =>
      retarget(route(app, "workload_route_table_id_a", toAnyIpv6).body, {
        egress_only_gateway_id: "${data.terraform_remote_state.network.outputs.egress_only_internet_gateway_id}",
      }),
  },
  {
    name: "the asymmetric layout: workload -> firewall -> egress-only gateway",
    mode: "firewall-proxy",
    invariant: "R3",
    says: /is asymmetric: the request crosses firewall .* endpoint in firewall-b but the reply crosses none/,
    mutate: (app) =>
      retarget(route(app, "firewall_route_table_id_b", toAnyIpv6).body, {
        egress_only_gateway_id: "${data.terraform_remote_state.network.outputs.egress_only_internet_gateway_id}",
      }),
  },
  {
    name: "a route to another AZ's firewall endpoint",
    mode: "firewall-proxy",
    invariant: "R3",
    says: /workload-a .*crosses .*(firewall-b|endpoint in firewall-b).* in us-east-1b, outside us-east-1a/,
    mutate: (app) => retarget(route(app, "workload_route_table_id_a", toAnyIpv6).body, { vpc_endpoint_id: firewallEndpoint("us-east-1b") }),
  },
  {
    name: "a firewall subnet sending to the other AZ's proxy",
    mode: "firewall-proxy",
    invariant: "R3",
    says: /workload-a .*crosses proxy-b in us-east-1b, outside us-east-1a/,
    mutate: (app) => retarget(route(app, "firewall_route_table_id_a", toAnyIpv6).body, { network_interface_id: ref(proxyEni(app, "b")) }),
  },
  {
    name: "the proxy's replies to the workloads skip the firewall",
    mode: "firewall-proxy",
    invariant: "R3",
    says: /workload-a .*asymmetric: the request crosses firewall .* but the reply crosses none/,
    mutate: (app) =>
      remove(
        app,
        route(app, "proxy_route_table_id_a", (b) => String(b.destination_ipv6_cidr_block).includes("workload_subnet_ipv6_cidr_block_a")),
      ),
  },
  {
    name: "explicit proxy connections go straight to the proxy while its replies cross the firewall",
    mode: "firewall-proxy",
    invariant: "R3",
    says: /workload-b .*connections addressed to proxy proxy-b \(tcp \d+\) is asymmetric: the request crosses none but the reply crosses firewall/,
    mutate: (app) =>
      remove(
        app,
        route(app, "workload_route_table_id_b", (b) => String(b.destination_ipv6_cidr_block).includes("proxy_subnet_ipv6_cidr_block_b")),
      ),
  },
  {
    name: "workload-a may use proxy-b as its explicit proxy (cross-AZ, and in firewall-proxy around the firewall)",
    mode: "firewall-proxy",
    invariant: "R3",
    says: /workload-a .*connections addressed to proxy proxy-b \(tcp 3128\) crosses proxy-b in us-east-1b, outside us-east-1a/,
    mutate: (app) => {
      for (const g of groupsOf(app, "workload", "a"))
        addRule(g.body, "egress", "${data.terraform_remote_state.network.outputs.proxy_subnet_ipv6_cidr_block_b}", 3128);
      for (const g of groupsOf(app, "proxy", "b"))
        addRule(g.body, "ingress", "${data.terraform_remote_state.network.outputs.workload_subnet_ipv6_cidr_block_a}", 3128);
    },
  },
  {
    name: "a workload route to a private IPv6 prefix behind a peering connection (outside the VPC, not inspected)",
    mode: "firewall-proxy",
    invariant: "R3",
    says: /workload-a .*a connection to fd12:3456:[0-9a-f:]* leaves subnet workload-a \(us-east-1a\) without crossing an inspection point/,
    mutate: (app) =>
      add(app, "network", "aws_route", "rogue_peering6", {
        route_table_id: ref(routeTable(app, "workload", "a")),
        destination_ipv6_cidr_block: "fd12:3456::/48",
        vpc_peering_connection_id: "pcx-0123456789abcdef0",
      }),
  },
  {
    name: "a workload route to a private IPv4 prefix behind a transit gateway",
    mode: "proxy",
    invariant: "R3",
    says: /workload-b .*a connection to 10\.1\.\d+\.\d+ leaves subnet workload-b \(us-east-1b\) without crossing an inspection point/,
    mutate: (app) =>
      add(app, "network", "aws_route", "rogue_tgw4", {
        route_table_id: ref(routeTable(app, "workload", "b")),
        destination_cidr_block: "10.1.0.0/16",
        transit_gateway_id: "tgw-0123456789abcdef0",
      }),
  },
  {
    name: "a firewall whose stateless default passes traffic around the stateful engine",
    mode: "firewall-igw",
    invariant: "R3",
    says: /leaves subnet workload-a \(us-east-1a\) without crossing an inspection point/,
    mutate: (app) => {
      const policy = one(app, "aws_networkfirewall_firewall_policy", () => true).body;
      const fp = Array.isArray(policy.firewall_policy) ? policy.firewall_policy[0] : policy.firewall_policy;
      fp.stateless_default_actions = ["aws:pass"];
    },
  },
  {
    name: "firewall-igw without the gateway route table (replies come straight back)",
    mode: "firewall-igw",
    invariant: "R3",
    says: /asymmetric: the request crosses firewall .* but the reply crosses none/,
    mutate: (app) =>
      remove(
        app,
        one(app, "aws_route_table_association", (b) => b.gateway_id !== undefined),
      ),
  },
  {
    name: "a workload route to a forwarding instance that is not a proxy",
    mode: "proxy",
    invariant: "R3",
    says: /without crossing an inspection point/,
    mutate: (app) => {
      add(app, "network", "aws_network_interface", "rogue_router", { subnet_id: ref(subnet(app, "proxy", "a")), source_dest_check: false });
      add(app, "network", "aws_route", "rogue_to_router", {
        route_table_id: ref(routeTable(app, "workload", "a")),
        destination_ipv6_cidr_block: "2000::/3",
        network_interface_id: "${aws_network_interface.rogue_router.id}",
      });
    },
  },
  // ------------------------------------------------------------------ L1
  {
    name: "the workload ACL no longer lets port 443 out",
    mode: "firewall-proxy",
    invariant: "L1",
    says: /TCP 443 .* does not work: the request is refused: network ACL .* DENIES tcp 443/,
    mutate: (app) =>
      remove(
        app,
        naclRules(app, "workload").find((r) => r.body.egress === true && r.body.from_port === 443 && r.body.ipv6_cidr_block === "::/0")!,
      ),
  },
  {
    name: "the firewall ACL no longer lets replies in",
    mode: "firewall-igw",
    invariant: "L1",
    says: /the reply is refused: network ACL .* \(entering firewall-[ab]\): DENIES tcp 1024-65535/,
    mutate: (app) =>
      remove(
        app,
        naclRules(app, "firewall").find((r) => r.body.egress === false && r.body.from_port === 1024)!,
      ),
  },
  {
    name: "the proxies' security group admits nothing",
    mode: "proxy",
    invariant: "L1",
    says: /the request is refused: security groups of proxy-a .*NO rule allows ingress tcp/,
    mutate: (app) => {
      for (const g of all(app, "aws_security_group").filter(
        (x) => /proxy/.test(String(x.body.name)) && x.body.tags?.["egress6:role"] !== "workload",
      ))
        g.body.ingress = [];
    },
  },
  {
    name: "the workload security group no longer lets port 80 out",
    mode: "firewall-igw",
    invariant: "L1",
    says: /TCP 80 from workload-a .* the request is refused: security groups of workload-a .*NO rule allows egress tcp 80/,
    mutate: (app) => {
      const g = workloadGroup(app).body;
      g.egress = g.egress.filter((r: Json) => !(r.from_port === 80 && (r.ipv6_cidr_blocks ?? []).includes("::/0")));
    },
  },
  ...(["firewall-proxy", "proxy", "firewall-igw"] as const).map((mode): Mutation => ({
    name: "every network ACL rule for ICMPv6 Packet Too Big (type 2) is gone (Path MTU discovery breaks)",
    mode,
    invariant: "L1",
    says: /ICMPv6 Packet Too Big from .* does not reach .* \(Path MTU discovery breaks\): refused: network ACL .* DENIES icmpv6 type 2/,
    mutate: (app) => {
      const ptb = all(app, "aws_network_acl_rule").filter((r) => String(r.body.protocol) === "58" && Number(r.body.icmp_type) === 2);
      if (ptb.length === 0) throw new Error("no ICMPv6 type 2 network ACL rule to remove");
      ptb.forEach((r) => remove(app, r));
    },
  })),
  {
    name: "the proxies' security groups no longer admit ICMPv6 Packet Too Big",
    mode: "proxy",
    invariant: "L1",
    says: /ICMPv6 Packet Too Big from .* does not reach proxy-a .*: refused: security groups of proxy-a .*NO rule allows ingress icmpv6 2/,
    mutate: (app) => {
      for (const g of all(app, "aws_security_group"))
        if (Array.isArray(g.body.ingress))
          g.body.ingress = g.body.ingress.filter((r: Json) => !(String(r.protocol) === "58" || r.protocol === "icmpv6"));
    },
  },
  {
    name: "a network that blocks everything (no default route in a workload subnet)",
    mode: "firewall-proxy",
    invariant: "L1",
    says: /workload-b .*the request is dropped \(no route to .* in route table workload-b\)/,
    mutate: (app) => remove(app, route(app, "workload_route_table_id_b", toAnyIpv6)),
  },
  {
    name: "the proxy subnet lost its way out",
    mode: "proxy",
    invariant: "L1",
    says: /the request is dropped \(no route to .* in route table proxy-a\)/,
    mutate: (app) =>
      remove(
        app,
        one(app, "aws_route", (b) => b.route_table_id === ref(routeTable(app, "proxy", "a")) && b.destination_ipv6_cidr_block === "::/0"),
      ),
  },
  // ------------------------------------------------------------------ DNS64
  ...(["workload", "proxy", "firewall", "endpoint"] as const).map((tier): Mutation => ({
    name: `DNS64 on in the ${tier} subnet`,
    mode: "firewall-proxy",
    invariant: "DNS64",
    says: new RegExp(`${tier}-b .*enable_dns64 = true`),
    mutate: (app) => {
      subnet(app, tier, "b").body.enable_dns64 = true;
    },
  })),
  // ------------------------------------------------------------------ main route table
  {
    name: "a workload subnet without a route table association",
    mode: "firewall-proxy",
    invariant: "MAIN-RT",
    says: /workload-a .*no route table association, so it uses the main route table/,
    mutate: (app) =>
      remove(
        app,
        one(app, "aws_route_table_association", (b) => b.subnet_id === ref(subnet(app, "workload", "a"))),
      ),
  },
  {
    name: "an endpoint subnet without a route table association",
    mode: "proxy",
    invariant: "MAIN-RT",
    says: /endpoint-b .*no route table association/,
    mutate: (app) =>
      remove(
        app,
        one(app, "aws_route_table_association", (b) => b.subnet_id === ref(subnet(app, "endpoint", "b"))),
      ),
  },
  {
    name: "a subnet associated with the VPC's main route table",
    mode: "firewall-igw",
    invariant: "MAIN-RT",
    says: /endpoint-a .*which is the VPC's main route table/,
    mutate: (app) => {
      one(app, "aws_route_table_association", (b) => b.subnet_id === ref(subnet(app, "endpoint", "a"))).body.route_table_id =
        "${aws_vpc.vpc.default_route_table_id}";
    },
  },
  {
    name: "a tier's route table made the main route table",
    mode: "firewall-proxy",
    invariant: "MAIN-RT",
    says: /firewall-a .*which is the VPC's main route table/,
    mutate: (app) => {
      // Swapping the main table while aws_default_route_table manages the original one is exit 2 (the provider says
      // not to use both): the swap is made without it.
      delete app.stacks.network.resource.aws_default_route_table;
      add(app, "network", "aws_main_route_table_association", "rogue", {
        vpc_id: vpcRef,
        route_table_id: ref(routeTable(app, "firewall", "a")),
      });
    },
  },
  // ------------------------------------------------------------------ failover (issue 18)
  {
    name: "a failover group member that is not a proxy (no egress6:role tag)",
    mode: "proxy",
    invariant: "R3",
    says: /workload-a .*with route aws_route\.\w+ \(inspection\) failed over to interface .*aws_network_interface\.stray .*not a proxy/,
    mutate: (app) => {
      twoProxiesPerAz(app);
      const primary = proxyInterface(app, "a");
      const { "//": _meta, ...body } = primary.body;
      add(app, primary.stack, "aws_network_interface", "stray", { ...body, tags: { ...body.tags, "egress6:role": undefined } });
    },
  },
  {
    name: "the standby proxy's security group admits no workload",
    mode: "firewall-proxy",
    invariant: "L1",
    says: /workload-b .*with route aws_route\.\w+ \(inspection\) failed over to interface .*_2_interface/,
    mutate: (app) => {
      const standby = twoProxiesPerAz(app);
      const primaryGroup = /aws_security_group\.(\w+)\.id/.exec(String(proxyInterface(app, "b").body.security_groups[0]))![1];
      const group = one(app, "aws_security_group", (_b, name) => name === primaryGroup);
      add(app, group.stack, "aws_security_group", "standby_closed", {
        name: "standby-closed",
        vpc_id: group.body.vpc_id,
        egress: group.body.egress,
      });
      standby.b.body.security_groups = ["${aws_security_group.standby_closed.id}"];
    },
  },
];

describe.each(MUTATIONS.map((m) => [`${m.invariant}: ${m.name} (${m.mode})`, m] as const))("%s", (_title, m) => {
  test("is rejected, naming the invariant and what broke", () => {
    const app = synthMode(m.mode);
    const before = resultOf(verify(app), m.invariant).verdict;
    expect(before).not.toBe("VIOLATED");
    m.mutate(app);
    const report = verify(app);
    expect(violatedIds(report)).toContain(m.invariant);
    expect(report.exitCode).toBe(1);
    const messages = violations(report, m.invariant);
    if (!messages.some((x) => m.says.test(x)))
      throw new Error(`no ${m.invariant} violation matches ${m.says}; got:\n${messages.join("\n")}`);
  });
});

test("every invariant has at least three broken variants", () => {
  const counts = new Map<string, number>();
  for (const m of MUTATIONS) counts.set(m.invariant, (counts.get(m.invariant) ?? 0) + 1);
  expect(["R1", "R2", "R3", "L1", "DNS64", "MAIN-RT"].filter((id) => (counts.get(id) ?? 0) < 3)).toEqual([]);
});

test("an edge association with the egress-only gateway (which AWS refuses) cannot hide the asymmetric layout", () => {
  const app = synthMode("firewall-proxy");
  retarget(route(app, "firewall_route_table_id_a", toAnyIpv6).body, {
    egress_only_gateway_id: "${data.terraform_remote_state.network.outputs.egress_only_internet_gateway_id}",
  });
  add(app, "inspection", "aws_route_table", "rogue_edge", { vpc_id: "${data.terraform_remote_state.network.outputs.vpc_id}" });
  add(app, "inspection", "aws_route", "rogue_edge_to_workload", {
    route_table_id: "${aws_route_table.rogue_edge.id}",
    destination_ipv6_cidr_block: "${data.terraform_remote_state.network.outputs.workload_subnet_ipv6_cidr_block_a}",
    vpc_endpoint_id: firewallEndpoint("us-east-1a"),
  });
  add(app, "inspection", "aws_route_table_association", "rogue_edge", {
    route_table_id: "${aws_route_table.rogue_edge.id}",
    gateway_id: "${data.terraform_remote_state.network.outputs.egress_only_internet_gateway_id}",
  });
  expect(() => verify(app)).toThrow(
    /aws_route_table_association\.rogue_edge \(inspection\): a gateway route table can be associated only with an internet gateway or a virtual private gateway, not with egress-only internet gateway/,
  );
});

test("two routes to the same prefix in one route table (AWS creates only one) are unusable input, whatever their order", () => {
  for (const bypassFirst of [false, true]) {
    const app = synthMode("firewall-proxy");
    const inspected = route(app, "workload_route_table_id_a", toAnyIpv6);
    const bypass = {
      route_table_id: inspected.body.route_table_id,
      destination_ipv6_cidr_block: "::/0",
      egress_only_gateway_id: "${data.terraform_remote_state.network.outputs.egress_only_internet_gateway_id}",
    };
    const routes = app.stacks[inspected.stack].resource.aws_route;
    // JSON key order is the only difference between the two runs.
    app.stacks[inspected.stack].resource.aws_route = bypassFirst
      ? { rogue_bypass: bypass, ...routes }
      : { ...routes, rogue_bypass: bypass };
    expect(() => verify(app)).toThrow(
      /route table workload-a already has a route to ::\/0 \(aws_route\.\w+ \(inspection\)\); AWS refuses the second one \(RouteAlreadyExists\)/,
    );
  }
});

test("resources that launch instances or attach interfaces or security groups in ways the verifier does not model are unusable input", () => {
  const app = synthMode("proxy");
  add(app, "workload", "aws_spot_instance_request", "rogue", {
    ami: "ami-0123456789abcdef0",
    instance_type: "t3.micro",
    subnet_id: "${data.terraform_remote_state.network.outputs.workload_subnet_id_a}",
  });
  add(app, "workload", "aws_ec2_instance_connect_endpoint", "rogue", {
    subnet_id: "${data.terraform_remote_state.network.outputs.workload_subnet_id_a}",
  });
  expect(() => verify(app)).toThrow(
    /aws_spot_instance_request\.rogue \(workload\): aws_spot_instance_request launches instances or attaches .* in a way the verifier does not model/,
  );
  expect(() => verify(app)).toThrow(/aws_ec2_instance_connect_endpoint\.rogue \(workload\)/);
});

test("a counterexample is a path hop by hop, and marks the hop that breaks", () => {
  const app = synthMode("firewall-proxy");
  retarget(route(app, "firewall_route_table_id_a", toAnyIpv6).body, {
    egress_only_gateway_id: "${data.terraform_remote_state.network.outputs.egress_only_internet_gateway_id}",
  });
  const finding = resultOf(verify(app), "R3").findings.find((f) => /asymmetric/.test(f.message))!;
  const hops = finding.path!.map((p) => p.text);
  expect(hops[0]).toMatch(/^subnet workload-a \(us-east-1a\), packet 2001:db8::1 -> 2000::1 tcp 443/);
  expect(hops).toEqual(
    expect.arrayContaining([
      expect.stringMatching(/^route table workload-a: ::\/0 -> firewall .* endpoint in firewall-a \[aws_route\.\w+ \(inspection\)\]/),
      expect.stringMatching(/^firewall .* endpoint in firewall-a inspects it/),
      expect.stringMatching(/^route table firewall-a: ::\/0 -> egress-only internet gateway/),
      expect.stringMatching(/^leaves through egress-only internet gateway/),
      "replies:",
      expect.stringMatching(/^ {2}reply 2000::1 -> 2001:db8::1 tcp 1024-65535 arrives through egress-only internet gateway/),
      expect.stringMatching(/^ {2}delivered in subnet workload-a/),
    ]),
  );

  const l1 = synthMode("firewall-proxy");
  remove(
    l1,
    naclRules(l1, "proxy").find((r) => r.body.egress === false && r.body.from_port === 443)!,
  );
  const blocked = resultOf(verify(l1), "L1").findings[0].path!.filter((p) => p.ok === false);
  expect(blocked[0].text).toMatch(
    /network ACL .* \(entering proxy-a\): DENIES tcp 443 from 2001:db8::1: no rule allows tcp 443; the final \* rule denies it/,
  );
});

describe("security checks (Checkov IDs) catch what they are about", () => {
  /** `also`: other checks the same fact breaks by definition (a 0-1023 rule opens 20, 21 and 22 alike). */
  const cases: { id: string; mode: InspectionMode; mutate: (app: SynthApp) => void; says: RegExp; also?: string[] }[] = [
    {
      id: "CKV2_AWS_11",
      mode: "proxy",
      mutate: (app) => all(app, "aws_flow_log").forEach((f) => remove(app, f)),
      says: /no aws_flow_log names this VPC/,
    },
    {
      id: "CKV2_AWS_12",
      mode: "proxy",
      mutate: (app) => openIngress(one(app, "aws_default_security_group", () => true).body, "2001:db8::/56", 443),
      says: /rules: ingress tcp 443/,
    },
    {
      id: "CKV_AWS_130",
      mode: "proxy",
      mutate: (app) => void (subnet(app, "endpoint", "a").body.map_public_ip_on_launch = true),
      says: /map_public_ip_on_launch = true/,
    },
    {
      id: "CKV_AWS_232",
      mode: "firewall-proxy",
      mutate: (app) =>
        add(app, "network", "aws_network_acl_rule", "rogue", {
          network_acl_id: ref(tagged(app, "aws_network_acl", { "egress6:tier": "endpoint" })),
          egress: false,
          rule_number: 1,
          rule_action: "allow",
          protocol: "tcp",
          from_port: 0,
          to_port: 1023,
          cidr_block: "0.0.0.0/0",
        }),
      says: /rule 1 allow tcp 0-1023 from 0\.0\.0\.0\/0 .* admits tcp 22 from the internet/,
      also: ["CKV_AWS_229", "CKV_AWS_230"],
    },
    {
      id: "CKV_AWS_231",
      mode: "firewall-proxy",
      mutate: (app) => openIngress(workloadGroup(app).body, "::/0", 8443),
      says: /rule 150 allow tcp 1024-65535 from ::\/0 .* admits tcp 3389 from the internet/,
    },
    {
      id: "CKV_AWS_382",
      mode: "firewall-igw",
      mutate: (app) => {
        workloadGroup(app).body.egress.push({
          description: "m",
          protocol: "-1",
          from_port: 0,
          to_port: 0,
          cidr_blocks: ["0.0.0.0/0"],
          ipv6_cidr_blocks: [],
          prefix_list_ids: [],
          security_groups: [],
          self: false,
        });
      },
      says: /egress all traffic to 0\.0\.0\.0\/0/,
    },
    {
      id: "CKV_AWS_79",
      mode: "proxy",
      mutate: (app) => {
        for (const lt of all(app, "aws_launch_template").filter((t) => t.body.tags?.["egress6:role"] === "workload"))
          lt.body.metadata_options.http_tokens = "optional";
      },
      says: /IMDSv1 answers/,
    },
    {
      id: "CKV_AWS_46",
      mode: "proxy",
      mutate: (app) => void (workloadInstance(app, "a").body.user_data = "#!/bin/sh\nexport AWS_ACCESS_KEY_ID=AKIAABCDEFGHIJKLMNOP\n"),
      says: /looks like an AWS access key id/,
    },
    {
      id: "CKV_AWS_135",
      mode: "proxy",
      mutate: (app) => {
        const i = workloadInstance(app, "b").body;
        delete i.ebs_optimized;
        i.instance_type = "t2.micro";
      },
      says: /ebs_optimized is not set to true and t2\.micro is not known to be EBS-optimized by default/,
    },
    {
      id: "CKV2_AWS_10",
      mode: "firewall-igw",
      mutate: (app) => void delete one(app, "aws_cloudtrail", () => true).body.cloud_watch_logs_group_arn,
      says: /no cloud_watch_logs_group_arn/,
    },
    {
      id: "CKV_AWS_252",
      mode: "proxy",
      mutate: (app) => void delete one(app, "aws_cloudtrail", () => true).body.sns_topic_name,
      says: /no sns_topic_name/,
    },
    {
      id: "CKV_AWS_229",
      mode: "proxy",
      mutate: (app) =>
        add(app, "network", "aws_network_acl_rule", "rogue", {
          network_acl_id: ref(tagged(app, "aws_network_acl", { "egress6:tier": "workload" })),
          egress: false,
          rule_number: 1,
          rule_action: "allow",
          protocol: "6",
          from_port: 21,
          to_port: 21,
          ipv6_cidr_block: "::/0",
        }),
      says: /rule 1 allow tcp 21 from ::\/0 .* admits tcp 21 from the internet/,
    },
    {
      id: "CKV_AWS_230",
      mode: "firewall-igw",
      mutate: (app) =>
        add(app, "network", "aws_network_acl_rule", "rogue", {
          network_acl_id: ref(tagged(app, "aws_network_acl", { "egress6:tier": "firewall" })),
          egress: false,
          rule_number: 1,
          rule_action: "allow",
          protocol: "6",
          from_port: 20,
          to_port: 20,
          ipv6_cidr_block: "2000::/3",
        }),
      says: /rule 1 allow tcp 20 from 2000::\/3 .* admits tcp 20 from the internet/,
    },
    {
      id: "CKV_AWS_352",
      mode: "firewall-proxy",
      mutate: (app) =>
        add(app, "network", "aws_network_acl_rule", "rogue", {
          network_acl_id: ref(tagged(app, "aws_network_acl", { "egress6:tier": "endpoint" })),
          egress: false,
          rule_number: 2,
          rule_action: "allow",
          protocol: "6",
          from_port: 0,
          to_port: 65535,
          ipv6_cidr_block: "${aws_vpc.vpc.ipv6_cidr_block}",
        }),
      says: /rule 2 allow tcp \(every port\) from .* allows every port/,
    },
    {
      id: "CKV_AWS_277",
      mode: "proxy",
      mutate: (app) => {
        for (const g of groupsOf(app, "workload", "a"))
          g.body.ingress = [
            ...(g.body.ingress ?? []),
            {
              description: "m",
              protocol: "-1",
              from_port: 0,
              to_port: 0,
              cidr_blocks: [],
              ipv6_cidr_blocks: ["::/0"],
              prefix_list_ids: [],
              security_groups: [],
              self: false,
            },
          ];
      },
      says: /ingress all traffic from ::\/0/,
      // With a group open to the internet, the 1024-65535 reply range of the ACL no longer keeps 3389 closed.
      also: ["CKV_AWS_231"],
    },
    {
      id: "CKV_AWS_8",
      mode: "proxy",
      mutate: (app) => void (workloadInstanceTemplate(app).body.block_device_mappings[0].ebs.encrypted = "false"),
      says: /1 volume\(s\) without encrypted = true/,
    },
    {
      id: "CKV_AWS_88",
      mode: "firewall-proxy",
      mutate: (app) => void (workloadInstance(app, "b").body.associate_public_ip_address = true),
      says: /associate_public_ip_address = true/,
    },
    {
      id: "CKV_AWS_126",
      mode: "firewall-igw",
      mutate: (app) => void (workloadInstance(app, "a").body.monitoring = false),
      says: /detailed monitoring is off/,
    },
    {
      id: "CKV2_AWS_41",
      mode: "proxy",
      mutate: (app) =>
        void (delete workloadInstance(app, "b").body.iam_instance_profile, delete workloadInstanceTemplate(app).body.iam_instance_profile),
      says: /no iam_instance_profile on the instance or its launch template/,
    },
    {
      id: "CKV_AWS_35",
      mode: "proxy",
      mutate: (app) => void delete one(app, "aws_cloudtrail", () => true).body.kms_key_id,
      says: /no kms_key_id/,
    },
    {
      id: "CKV_AWS_36",
      mode: "firewall-proxy",
      mutate: (app) => void (one(app, "aws_cloudtrail", () => true).body.enable_log_file_validation = false),
      says: /enable_log_file_validation is not true/,
    },
    {
      id: "CKV_AWS_67",
      mode: "firewall-igw",
      mutate: (app) => void (one(app, "aws_cloudtrail", () => true).body.is_multi_region_trail = false),
      says: /is_multi_region_trail is not true/,
    },
    {
      id: "CKV_AWS_158",
      mode: "proxy",
      mutate: (app) => void delete all(app, "aws_cloudwatch_log_group")[0].body.kms_key_id,
      says: /no kms_key_id/,
    },
    {
      id: "CKV_AWS_66",
      mode: "firewall-proxy",
      mutate: (app) => void delete all(app, "aws_cloudwatch_log_group")[0].body.retention_in_days,
      says: /retention_in_days not set \(logs never expire by accident/,
      also: ["CKV_AWS_338"],
    },
    {
      id: "CKV_AWS_346",
      mode: "firewall-proxy",
      mutate: (app) => void delete one(app, "aws_networkfirewall_firewall_policy", () => true).body.encryption_configuration,
      says: /no encryption_configuration \(an AWS owned key\)/,
    },
    {
      id: "CKV_AWS_344",
      mode: "firewall-proxy",
      mutate: (app) => void (one(app, "aws_networkfirewall_firewall", () => true).body.delete_protection = false),
      says: /delete_protection is not true/,
    },
    {
      id: "CKV_AWS_345",
      mode: "firewall-igw",
      mutate: (app) => void delete one(app, "aws_networkfirewall_firewall", () => true).body.encryption_configuration,
      says: /no encryption_configuration \(an AWS owned key\)/,
    },
    {
      id: "CKV2_AWS_63",
      mode: "firewall-proxy",
      mutate: (app) => all(app, "aws_networkfirewall_logging_configuration").forEach((f) => remove(app, f)),
      says: /no aws_networkfirewall_logging_configuration names this firewall/,
    },
    {
      id: "CKV_AWS_338",
      mode: "proxy",
      mutate: (app) => void (all(app, "aws_cloudwatch_log_group")[0].body.retention_in_days = 30),
      says: /retention_in_days = 30, under 365/,
    },
  ];
  test.each(cases.map((c) => [c.id, c] as const))("%s", (_id, c) => {
    const app = synthMode(c.mode);
    expect(resultOf(verify(app), c.id).verdict).not.toBe("VIOLATED");
    c.mutate(app);
    const report = verify(app);
    expect(violatedIds(report)).toContain(c.id);
    expect(violations(report, c.id).join("\n")).toMatch(c.says);
    // The mutation is about this check alone: no other security check turns VIOLATED (but those listed in `also`).
    expect(
      report.results
        .filter((r) => r.kind === "check" && r.verdict === "VIOLATED")
        .map((r) => r.id)
        .sort(),
    ).toEqual([c.id, ...(c.also ?? [])].sort());
  });

  test("a check that does not apply in a mode says so instead of passing silently", () => {
    const report = verify(synthMode("proxy"));
    for (const id of ["CKV_AWS_344", "CKV_AWS_345", "CKV_AWS_346", "CKV2_AWS_63"]) {
      const r = resultOf(report, id);
      expect(r.verdict).toBe("N/A");
      expect(r.notes.join(" ")).toMatch(/no Network Firewall/);
    }
  });
});
