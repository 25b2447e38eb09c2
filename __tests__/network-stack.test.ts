import { Subnet } from "@cdktf/provider-aws/lib/subnet";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { EgressOnlyInternetGateway } from "@cdktf/provider-aws/lib/egress-only-internet-gateway";
import { demoConfig, resources, synthAll, synthStack, type TfJson } from "./helpers";
import { MAX_EGRESS_PORTS } from "../config/schema";
import { INSPECTION_MODES } from "../config/modes";
import { STACKS, TIERS } from "../lib/names";

const demo = demoConfig();
const network = synthStack(demo, "network");
const tfString = JSON.stringify(network);

/** The NACL rules of one tier as `direction number protocol ports/icmp cidr action` lines, sorted. */
function aclRules(tf: TfJson, tier: string): string[] {
  return Object.entries(resources(tf, "aws_network_acl_rule"))
    .filter(([id]) => id.startsWith(`${tier}_acl_`))
    .map(([, r]) => {
      const what = r.protocol === "58" ? `icmp ${r.icmp_type}/${r.icmp_code}` : r.protocol === "-1" ? "all" : `${r.from_port}-${r.to_port}`;
      const peer = r.ipv6_cidr_block ?? r.cidr_block;
      return `${r.egress ? "out" : "in"} ${r.rule_number} ${r.protocol} ${what} ${peer} ${r.rule_action}`;
    })
    .sort();
}

const VPC6 = "aws_vpc.vpc.ipv6_cidr_block";
const tierBlock = (t: string) => `\${cidrsubnet(${VPC6}, 4, ${TIERS.indexOf(t as never)})}`;

describe("VPC", () => {
  test("has an Amazon-provided IPv6 /56 and the IPv4 CIDR AWS requires", () => {
    expect(tfString).toHaveResourceWithProperties(Vpc, {
      cidr_block: "10.0.0.0/16",
      assign_generated_ipv6_cidr_block: true,
      enable_dns_support: true,
      enable_dns_hostnames: true,
    });
  });

  test("takes its /56 from an IPAM pool when configured", () => {
    const tf = synthStack(demoConfig({ vpc: { ipv6: { source: "ipam", poolId: "ipam-pool-0123456789abcdef0", netmask: 56 } } }), "network");
    const vpc = resources(tf, "aws_vpc").vpc;
    expect(vpc.ipv6_ipam_pool_id).toBe("ipam-pool-0123456789abcdef0");
    expect(vpc.ipv6_netmask_length).toBe(56);
    expect(vpc.assign_generated_ipv6_cidr_block).toBeUndefined();
  });

  test("the default security group, network ACL and main route table are emptied of every rule", () => {
    expect(resources(network, "aws_default_security_group").vpc_default_security_group).toMatchObject({ ingress: [], egress: [] });
    expect(resources(network, "aws_default_network_acl").vpc_default_network_acl).toMatchObject({ ingress: [], egress: [] });
    expect(resources(network, "aws_default_route_table").vpc_main_route_table).toMatchObject({ route: [] });
  });
});

describe("subnets", () => {
  const subnets = resources(network, "aws_subnet");

  test("four IPv6-only tiers in each AZ", () => {
    expect(tfString).toHaveResourceWithProperties(Subnet, { ipv6_native: true, enable_dns64: false });
    expect(Object.keys(subnets).sort()).toEqual(TIERS.flatMap((t) => ["a", "b"].map((az) => `vpc_${t}_${az}`)).sort());
  });

  test.each(TIERS.flatMap((t) => ["a", "b"].map((az, i) => [t, az, i] as const)))(
    "%s subnet in AZ %s is IPv6-only with DNS64 off and no public addresses",
    (tier, az, azIndex) => {
      expect(subnets[`vpc_${tier}_${az}`]).toEqual(
        expect.objectContaining({
          availability_zone: `us-east-1${az}`,
          ipv6_native: true,
          ipv6_cidr_block: `\${cidrsubnet(${VPC6}, 8, ${TIERS.indexOf(tier) * 16 + azIndex})}`,
          assign_ipv6_address_on_creation: true,
          map_public_ip_on_launch: false,
          enable_dns64: false,
          enable_resource_name_dns_aaaa_record_on_launch: true,
          enable_resource_name_dns_a_record_on_launch: false,
          private_dns_hostname_type_on_launch: "resource-name",
          tags: expect.objectContaining({ "egress6:tier": tier, "egress6:az": az, Name: `demo-${tier}-${az}` }),
        }),
      );
      expect(subnets[`vpc_${tier}_${az}`].cidr_block).toBeUndefined();
    },
  );

  test("every subnet is associated with its own route table, never the main one", () => {
    const assoc = resources(network, "aws_route_table_association");
    for (const t of TIERS) {
      for (const az of ["a", "b"]) {
        expect(assoc[`vpc_${t}_${az}_routes_association`]).toEqual({
          subnet_id: `\${aws_subnet.vpc_${t}_${az}.id}`,
          route_table_id: `\${aws_route_table.vpc_${t}_${az}_routes.id}`,
        });
      }
    }
    expect(Object.keys(assoc)).toHaveLength(8);
  });
});

describe("routing", () => {
  test("one egress-only internet gateway, and no internet or NAT gateway", () => {
    expect(tfString).toHaveResource(EgressOnlyInternetGateway);
    expect(Object.keys(resources(network, "aws_egress_only_internet_gateway"))).toHaveLength(1);
    expect(network.resource.aws_internet_gateway).toBeUndefined();
    expect(network.resource.aws_nat_gateway).toBeUndefined();
  });

  test("proxy route tables send ::/0 to the egress-only gateway", () => {
    const routes = resources(network, "aws_route");
    for (const az of ["a", "b"]) {
      expect(routes[`proxy_${az}_default_route`]).toEqual({
        route_table_id: `\${aws_route_table.vpc_proxy_${az}_routes.id}`,
        destination_ipv6_cidr_block: "::/0",
        egress_only_gateway_id: "${aws_egress_only_internet_gateway.vpc_egress_only_gateway.id}",
      });
    }
  });

  test("a workload subnet has no route to the internet until inspection exists", () => {
    const routes = Object.values(resources(network, "aws_route"));
    expect(routes).toHaveLength(2);
    for (const r of routes) expect(r.route_table_id).toMatch(/vpc_proxy_[ab]_routes/);
  });

  test("route tables carry no inline routes (they would delete routes other stacks add)", () => {
    for (const rt of Object.values(resources(network, "aws_route_table"))) expect(rt.route).toBeUndefined();
  });

  test("firewall-igw mode has no egress-only gateway, no proxy tier and no proxy default route", () => {
    const tf = synthStack(demoConfig({ inspection: { mode: "firewall-igw" } }), "network");
    expect(tf.resource.aws_egress_only_internet_gateway).toBeUndefined();
    expect(tf.resource.aws_route).toBeUndefined();
    expect(tf.resource.aws_internet_gateway).toBeUndefined();
    // No proxies in this mode, so no proxy subnets an internet gateway could deliver to.
    expect(Object.keys(resources(tf, "aws_subnet")).sort()).toEqual(
      ["workload", "firewall", "endpoint"].flatMap((t) => ["a", "b"].map((az) => `vpc_${t}_${az}`)).sort(),
    );
    expect(resources(tf, "aws_network_acl").proxy_acl).toBeUndefined();
    expect(Object.keys(tf.output ?? {}).filter((o) => o.startsWith("proxy_"))).toEqual([]);
    // The other tiers keep their addresses.
    expect(resources(tf, "aws_subnet").vpc_endpoint_b.ipv6_cidr_block).toBe(`\${cidrsubnet(${VPC6}, 8, 49)}`);
  });

  test.each(INSPECTION_MODES)("in mode %s no stack has a NAT gateway, an inline route or an IPv4 default route", (mode) => {
    const stacks = synthAll(demoConfig({ inspection: { mode } }));
    for (const [name, tf] of Object.entries(stacks)) {
      expect([name, tf.resource?.aws_nat_gateway]).toEqual([name, undefined]);
      for (const rt of Object.values(resources(tf, "aws_route_table"))) expect([name, rt.route]).toEqual([name, undefined]);
      for (const r of Object.values(resources(tf, "aws_route"))) expect([name, r.destination_cidr_block]).toEqual([name, undefined]);
      if (name === "network") expect(tf.resource?.aws_internet_gateway).toBeUndefined();
    }
  });
});

describe("network ACLs", () => {
  test("one ACL per tier, covering that tier's subnets", () => {
    const acls = resources(network, "aws_network_acl");
    for (const t of TIERS) {
      expect(acls[`${t}_acl`]).toEqual({
        vpc_id: "${aws_vpc.vpc.id}",
        subnet_ids: [`\${aws_subnet.vpc_${t}_a.id}`, `\${aws_subnet.vpc_${t}_b.id}`],
        tags: { Name: `demo-${t}`, "egress6:tier": t },
      });
    }
  });

  test("workload: out to the internet on allowlisted ports, proxy and endpoints; in only return traffic", () => {
    expect(aclRules(network, "workload")).toEqual(
      [
        "in 10 -1 all 0.0.0.0/0 deny",
        "in 150 6 1024-65535 ::/0 allow",
        "in 160 58 icmp 2/-1 ::/0 allow",
        "in 170 58 icmp -1/-1 fe80::/10 allow",
        "out 10 -1 all 0.0.0.0/0 deny",
        "out 100 6 443-443 ::/0 allow",
        "out 101 6 80-80 ::/0 allow",
        `out 130 6 3128-3128 ${tierBlock("proxy")} allow`,
        `out 140 6 443-443 ${tierBlock("endpoint")} allow`,
        "out 160 58 icmp 2/-1 ::/0 allow",
        "out 170 58 icmp -1/-1 fe80::/10 allow",
      ].sort(),
    );
  });

  test("proxy: in from the workload tier on allowlisted and explicit ports, out to the internet", () => {
    expect(aclRules(network, "proxy")).toEqual(
      [
        "in 10 -1 all 0.0.0.0/0 deny",
        `in 100 6 443-443 ${tierBlock("workload")} allow`,
        `in 101 6 80-80 ${tierBlock("workload")} allow`,
        `in 130 6 3128-3128 ${tierBlock("workload")} allow`,
        "in 150 6 1024-65535 ::/0 allow",
        "in 160 58 icmp 2/-1 ::/0 allow",
        "in 170 58 icmp -1/-1 fe80::/10 allow",
        "out 10 -1 all 0.0.0.0/0 deny",
        "out 100 6 443-443 ::/0 allow",
        "out 101 6 80-80 ::/0 allow",
        `out 140 6 443-443 ${tierBlock("endpoint")} allow`,
        `out 150 6 1024-65535 ${tierBlock("workload")} allow`,
        "out 160 58 icmp 2/-1 ::/0 allow",
        "out 170 58 icmp -1/-1 fe80::/10 allow",
      ].sort(),
    );
  });

  test("firewall: forwards workload flows on allowlisted ports and their return traffic (and, in firewall-proxy mode, explicit-port flows to the proxies)", () => {
    expect(aclRules(network, "firewall")).toEqual(
      [
        "in 10 -1 all 0.0.0.0/0 deny",
        `in 100 6 443-443 ${tierBlock("workload")} allow`,
        `in 101 6 80-80 ${tierBlock("workload")} allow`,
        `in 130 6 3128-3128 ${tierBlock("workload")} allow`,
        "in 150 6 1024-65535 ::/0 allow",
        "in 160 58 icmp 2/-1 ::/0 allow",
        "in 170 58 icmp -1/-1 fe80::/10 allow",
        "out 10 -1 all 0.0.0.0/0 deny",
        "out 100 6 443-443 ::/0 allow",
        "out 101 6 80-80 ::/0 allow",
        `out 130 6 3128-3128 ${tierBlock("proxy")} allow`,
        `out 150 6 1024-65535 ${tierBlock("workload")} allow`,
        "out 160 58 icmp 2/-1 ::/0 allow",
        "out 170 58 icmp -1/-1 fe80::/10 allow",
      ].sort(),
    );
  });

  test("endpoint: HTTPS in from workloads and proxies only", () => {
    expect(aclRules(network, "endpoint")).toEqual(
      [
        "in 10 -1 all 0.0.0.0/0 deny",
        `in 140 6 443-443 ${tierBlock("workload")} allow`,
        `in 141 6 443-443 ${tierBlock("proxy")} allow`,
        `in 160 58 icmp 2/-1 \${${VPC6}} allow`,
        "in 170 58 icmp -1/-1 fe80::/10 allow",
        "out 10 -1 all 0.0.0.0/0 deny",
        `out 150 6 1024-65535 ${tierBlock("workload")} allow`,
        `out 151 6 1024-65535 ${tierBlock("proxy")} allow`,
        `out 160 58 icmp 2/-1 \${${VPC6}} allow`,
        "out 170 58 icmp -1/-1 fe80::/10 allow",
      ].sort(),
    );
  });

  test("ICMPv6 rules use protocol 58, never 'icmp' (provider #6262)", () => {
    expect(tfString).not.toMatch(/"protocol":"icmp"/);
  });

  test("the allowlisted ports drive the rules: one rule per port", () => {
    const tf = synthStack(demoConfig({ egress: { ports: [443, 8443, 9418] } }), "network");
    const out = aclRules(tf, "workload").filter((r) => r.startsWith("out 10") && !r.startsWith("out 10 "));
    expect(out).toEqual(["out 100 6 443-443 ::/0 allow", "out 101 6 8443-8443 ::/0 allow", "out 102 6 9418-9418 ::/0 allow"]);
  });

  test("the proxies can always reach HTTPS on the internet (dnf at boot), even when 443 is not an allowlisted port", () => {
    const tf = synthStack(demoConfig({ egress: { ports: [8443] } }), "network");
    const proxy = aclRules(tf, "proxy");
    expect(proxy).toContain("out 100 6 8443-8443 ::/0 allow");
    expect(proxy).toContain("out 101 6 443-443 ::/0 allow");
    expect(proxy).toContain("in 150 6 1024-65535 ::/0 allow"); // the replies
    // Only the proxies: workloads and the firewall tier still forward nothing but egress.ports to the internet.
    for (const t of ["workload", "firewall"])
      expect(aclRules(tf, t).filter((r) => r.startsWith("out") && r.includes("443-443 ::/0"))).toEqual([]);
  });

  test("the most ports the config accepts fit every tier's ACL quota (20 rules per direction, 2 default denies)", () => {
    const ports = Array.from({ length: MAX_EGRESS_PORTS - 1 }, (_, i) => 8000 + i); // + 443, which the proxies add
    for (const mode of INSPECTION_MODES) {
      const tf = synthStack(demoConfig({ inspection: { mode }, egress: { ports } }), "network");
      for (const t of TIERS.filter((t) => mode !== "firewall-igw" || t !== "proxy")) {
        for (const dir of ["in", "out"]) {
          const count = aclRules(tf, t).filter((r) => r.startsWith(`${dir} `)).length;
          expect({ mode, t, dir, fits: count + 2 <= 20 }).toEqual({ mode, t, dir, fits: true });
        }
      }
    }
    expect(aclRules(synthStack(demoConfig({ egress: { ports } }), "network"), "proxy").filter((r) => r.startsWith("out ")).length + 2).toBe(
      20,
    );
  });

  test("without a proxy tier (firewall-igw) no rule opens the explicit proxy port or names the proxy tier", () => {
    const tf = synthStack(demoConfig({ inspection: { mode: "firewall-igw" } }), "network");
    const all = ["workload", "firewall", "endpoint"].flatMap((t) => aclRules(tf, t));
    expect(all.length).toBeGreaterThan(20);
    expect(all.filter((r) => r.includes("3128") || r.includes(tierBlock("proxy")))).toEqual([]);
  });
});

describe("outputs", () => {
  test("everything later stacks need, under flat stable names", () => {
    const outputs = network.output ?? {};
    expect(outputs.vpc_id.value).toBe("${aws_vpc.vpc.id}");
    expect(outputs.vpc_ipv6_cidr_block.value).toBe(`\${${VPC6}}`);
    expect(outputs.egress_only_internet_gateway_id.value).toBe("${aws_egress_only_internet_gateway.vpc_egress_only_gateway.id}");
    for (const t of TIERS) {
      expect(outputs[`${t}_tier_ipv6_cidr_block`].value).toBe(tierBlock(t));
      expect(outputs[`${t}_network_acl_id`].value).toBe(`\${aws_network_acl.${t}_acl.id}`);
      for (const az of ["a", "b"]) {
        expect(outputs[`${t}_subnet_id_${az}`].value).toBe(`\${aws_subnet.vpc_${t}_${az}.id}`);
        expect(outputs[`${t}_subnet_ipv6_cidr_block_${az}`].value).toBe(`\${aws_subnet.vpc_${t}_${az}.ipv6_cidr_block}`);
        expect(outputs[`${t}_route_table_id_${az}`].value).toBe(`\${aws_route_table.vpc_${t}_${az}_routes.id}`);
      }
    }
  });
});

describe("state", () => {
  test("the demo keeps local state beside the output folder, one file per stack", () => {
    expect(network.terraform.backend).toEqual({ local: { path: "../../../.state/demo/network.tfstate" } });
  });

  test("an S3 backend is encrypted, locks with a lock file and keys state as <env>/<stack>.tfstate", () => {
    const config = demoConfig({
      backend: { type: "s3", bucket: "acme-state", region: "eu-west-1", keyPrefix: "egress6/", kmsKeyId: "alias/state" },
    });
    expect(synthStack(config, "network").terraform.backend).toEqual({
      s3: {
        bucket: "acme-state",
        key: "egress6/demo/network.tfstate",
        region: "eu-west-1",
        encrypt: true,
        kms_key_id: "alias/state",
        use_lockfile: true,
      },
    });
    // The bootstrap stack creates that bucket, so it cannot keep its own state there.
    expect(synthStack(config, "bootstrap").terraform.backend).toEqual({ local: { path: "../../../.state/demo/bootstrap.tfstate" } });
  });

  test("without backend.kmsKeyId, state is written with the bootstrap stack's key (its alias), never SSE-S3", () => {
    // Every stack, from one app (as the synth makes them).
    const all = synthAll(demoConfig({ backend: { type: "s3", bucket: "acme-state", region: "eu-west-1" } }));
    for (const stack of STACKS) {
      expect(all[stack].terraform.backend.s3).toMatchObject({ encrypt: true, kms_key_id: "alias/demo-egress6-tfstate" });
    }
    // The bootstrap stack creates exactly that alias, for the key that encrypts the state bucket.
    const aliases = resources(all.bootstrap, "aws_kms_alias");
    expect(Object.values(aliases)).toEqual([
      expect.objectContaining({ name: "alias/demo-egress6-tfstate", target_key_id: "${aws_kms_key.state_key.key_id}" }),
    ]);
  });

  test("the provider tags everything with the configured tags plus environment and stack", () => {
    expect(network.provider?.aws[0]).toEqual({
      region: "us-east-1",
      default_tags: [{ tags: { project: "egress6", environment: "demo", "egress6:environment": "demo", "egress6:stack": "network" } }],
    });
  });
});

describe("bootstrap stack", () => {
  const tf = synthStack(demo, "bootstrap");

  test("a versioned, KMS-encrypted, private, TLS-only state bucket that Terraform will not destroy", () => {
    const bucket = resources(tf, "aws_s3_bucket").state_bucket;
    expect(bucket).toEqual({ bucket: "demo-egress6-tfstate", lifecycle: { prevent_destroy: true } });
    expect(resources(tf, "aws_s3_bucket_versioning").state_bucket_versioning.versioning_configuration).toEqual({ status: "Enabled" });
    expect(resources(tf, "aws_s3_bucket_server_side_encryption_configuration").state_bucket_encryption.rule).toEqual([
      {
        apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: "${aws_kms_key.state_key.arn}" },
        bucket_key_enabled: true,
      },
    ]);
    expect(resources(tf, "aws_s3_bucket_public_access_block").state_bucket_public_access).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const policy = JSON.parse(resources(tf, "aws_s3_bucket_policy").state_bucket_tls_only.policy);
    expect(policy.Statement[0]).toMatchObject({ Effect: "Deny", Action: "s3:*", Condition: { Bool: { "aws:SecureTransport": "false" } } });
    expect(resources(tf, "aws_kms_key").state_key).toMatchObject({ enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
  });

  test("with an S3 backend the bucket and key are created in backend.region, where the other stacks' backends look", () => {
    const config = demoConfig({ region: "us-east-1", backend: { type: "s3", bucket: "acme-state", region: "eu-west-1" } });
    expect(synthStack(config, "bootstrap").provider?.aws[0].region).toBe("eu-west-1");
    expect(synthStack(config, "network").provider?.aws[0].region).toBe("us-east-1");
    expect(synthStack(config, "network").terraform.backend).toEqual(
      expect.objectContaining({ s3: expect.objectContaining({ region: "eu-west-1" }) }),
    );
    expect(tf.provider?.aws[0].region).toBe("us-east-1"); // a local-state config: the config's region
  });
});
