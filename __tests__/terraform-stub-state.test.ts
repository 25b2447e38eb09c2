/** The stub states that stand in for a producer stack's outputs in the offline Terraform check. */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ipaddr from "ipaddr.js";
import { buildApp } from "../app/build-app";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";
import { TIERS } from "../lib/names";
import { ctyType, StubRegistry, stubState } from "../tooling/terraform/stub-state";
import { cidrContains, cidrHost, cidrSubnet, cidrSubnets } from "../tooling/terraform/stub-values";
import type { TerraformJson } from "../tooling/terraform/synthesized";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-stub-test-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function synthesizedNetwork(): TerraformJson {
  const config = parseConfig(DEMO_CONFIG, "demo");
  const outdir = path.join(tmp, "out");
  buildApp(config, outdir).synth();
  return JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "network", "cdk.tf.json"), "utf8")) as TerraformJson;
}

describe("CIDR functions match Terraform's", () => {
  test("cidrsubnet carves IPv6 /64s and /60s out of a /56, and IPv4 subnets", () => {
    expect(cidrSubnet("2001:db8:2a:7f00::/56", 8, 0x31)).toBe("2001:db8:2a:7f31::/64");
    expect(cidrSubnet("2001:db8:2a:7f00::/56", 4, 3)).toBe("2001:db8:2a:7f30::/60");
    // Terraform docs example: cidrsubnet("172.16.0.0/12", 4, 2) = 172.18.0.0/16
    expect(cidrSubnet("172.16.0.0/12", 4, 2)).toBe("172.18.0.0/16");
  });

  test("cidrsubnet rejects a netnum that does not fit", () => {
    expect(() => cidrSubnet("2001:db8::/56", 8, 256)).toThrow(/does not fit/);
    expect(() => cidrSubnet("2001:db8::/120", 16, 0)).toThrow(/no room/);
  });

  test("cidrsubnets aligns each block to its own size (Terraform docs example)", () => {
    expect(cidrSubnets("10.1.0.0/16", [4, 4, 8, 4])).toEqual(["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]);
  });

  test("cidrhost (Terraform docs example)", () => {
    expect(cidrHost("10.12.112.0/20", 16)).toBe("10.12.112.16");
    expect(cidrHost("fd00:fd12:3456:7890::/56", 268)).toBe("fd00:fd12:3456:7800::10c");
  });
});

describe("stub of the demo network stack", () => {
  const network = synthesizedNetwork();
  const { state, notes } = stubState(network, { stack: "network", defaultRegion: "us-east-1" });
  const out = (name: string) => state.outputs[name]?.value as string;
  const azs = ["a", "b"];

  test("is a version 4 state holding every declared output and nothing else", () => {
    expect(state.version).toBe(4);
    expect(state.resources).toEqual([]);
    expect(Object.keys(state.outputs).sort()).toEqual(Object.keys(network.output ?? {}).sort());
    expect(notes).toEqual([]);
  });

  test("the VPC gets a /56 from the documentation prefix", () => {
    expect(out("vpc_ipv6_cidr_block")).toMatch(/\/56$/);
    expect(cidrContains("2001:db8::/32", out("vpc_ipv6_cidr_block"))).toBe(true);
    expect(out("vpc_ipv4_cidr_block")).toBe("10.0.0.0/16");
  });

  test("tier /60s and subnet /64s are the cidrsubnet() results of that /56, nested and distinct", () => {
    const vpc = out("vpc_ipv6_cidr_block");
    const subnets: string[] = [];
    TIERS.forEach((tier, i) => {
      const block = out(`${tier}_tier_ipv6_cidr_block`);
      expect(block).toBe(cidrSubnet(vpc, 4, i));
      for (const az of azs) {
        const subnet = out(`${tier}_subnet_ipv6_cidr_block_${az}`);
        expect(subnet).toMatch(/\/64$/);
        expect(ipaddr.isValidCIDR(subnet)).toBe(true);
        expect(cidrContains(block, subnet)).toBe(true);
        subnets.push(subnet);
      }
    });
    expect(new Set(subnets).size).toBe(TIERS.length * azs.length);
  });

  test("ids carry the prefix of their resource type", () => {
    const hex = "[0-9a-f]{17}";
    expect(out("vpc_id")).toMatch(new RegExp(`^vpc-${hex}$`));
    expect(out("egress_only_internet_gateway_id")).toMatch(new RegExp(`^eigw-${hex}$`));
    for (const tier of TIERS) {
      expect(out(`${tier}_network_acl_id`)).toMatch(new RegExp(`^acl-${hex}$`));
      for (const az of azs) {
        expect(out(`${tier}_subnet_id_${az}`)).toMatch(new RegExp(`^subnet-${hex}$`));
        expect(out(`${tier}_route_table_id_${az}`)).toMatch(new RegExp(`^rtb-${hex}$`));
      }
    }
  });

  test("every output has its own value, and the same input gives the same stub", () => {
    const values = Object.values(state.outputs).map((o) => JSON.stringify(o.value));
    expect(new Set(values).size).toBe(values.length);
    expect(stubState(network, { stack: "network", defaultRegion: "us-east-1" }).state).toEqual(state);
  });
});

describe("stubs of one app share their subnets", () => {
  const registry = new StubRegistry();
  const network = stubState(synthesizedNetwork(), { stack: "network", defaultRegion: "us-east-1", registry }).state.outputs;
  const networkValues = Object.fromEntries(Object.entries(network).map(([k, v]) => [k, v.value]));
  const inspection: TerraformJson = {
    resource: {
      aws_network_interface: { proxy_a: { subnet_id: "${data.terraform_remote_state.network.outputs.proxy_subnet_id_a}" } },
    },
    data: { terraform_remote_state: { network: { backend: "local", config: { path: "../network.tfstate" } } } },
    output: {
      proxy_ipv6_address_a: { value: "${element(tolist(aws_network_interface.proxy_a.ipv6_addresses), 0)}" },
      proxy_tier_cidr: { value: "${data.terraform_remote_state.network.outputs.proxy_tier_ipv6_cidr_block}" },
    },
  };
  const { state } = stubState(inspection, {
    stack: "inspection",
    defaultRegion: "us-east-1",
    registry,
    remoteOutputs: () => networkValues,
  });

  test("an interface placed in another stack's subnet gets an address inside that subnet's /64", () => {
    const address = state.outputs.proxy_ipv6_address_a.value as string;
    expect(ipaddr.parse(address).match(ipaddr.parseCIDR(network.proxy_subnet_ipv6_cidr_block_a.value as string))).toBe(true);
    expect(state.outputs.proxy_tier_cidr.value).toBe(network.proxy_tier_ipv6_cidr_block.value);
  });
});

describe("stub values for other shapes", () => {
  const region = "eu-west-1";
  const producer: TerraformJson = {
    provider: { aws: [{ region }] },
    resource: {
      aws_vpc: { vpc: { cidr_block: "10.0.0.0/16", assign_generated_ipv6_cidr_block: true } },
      aws_subnet: {
        proxy_a: { vpc_id: "${aws_vpc.vpc.id}", ipv6_cidr_block: "${cidrsubnet(aws_vpc.vpc.ipv6_cidr_block, 8, 16)}" },
        many: { count: 3, vpc_id: "${aws_vpc.vpc.id}", ipv6_cidr_block: "${cidrsubnet(aws_vpc.vpc.ipv6_cidr_block, 8, count.index)}" },
      },
      aws_network_interface: { proxy_a: { subnet_id: "${aws_subnet.proxy_a.id}", ipv6_address_count: 1 } },
      aws_vpc_endpoint: { ssm: { vpc_id: "${aws_vpc.vpc.id}", service_name: "com.amazonaws.eu-west-1.ssm" } },
      aws_security_group: { proxy: { vpc_id: "${aws_vpc.vpc.id}", name: "proxy" } },
      aws_kms_key: { logs: { description: "logs" } },
      aws_networkfirewall_firewall: { fw: { name: "demo-fw" } },
    },
    data: { terraform_remote_state: { network: { backend: "local", config: { path: "x" } } } },
    output: {
      proxy_eni_id: { value: "${aws_network_interface.proxy_a.id}" },
      proxy_ipv6_addresses: { value: "${aws_network_interface.proxy_a.ipv6_addresses}" },
      proxy_subnet_cidr: { value: "${aws_subnet.proxy_a.ipv6_cidr_block}" },
      endpoint_id: { value: "${aws_vpc_endpoint.ssm.id}" },
      sg_id: { value: "${aws_security_group.proxy.id}" },
      kms_key_id: { value: "${aws_kms_key.logs.key_id}" },
      kms_key_arn: { value: "${aws_kms_key.logs.arn}" },
      firewall_arn: { value: "${aws_networkfirewall_firewall.fw.arn}" },
      firewall_endpoint_a: {
        value:
          '${{for s in aws_networkfirewall_firewall.fw.firewall_status[0].sync_states : s.availability_zone => s.attachment[0].endpoint_id}["eu-west-1a"]}',
      },
      subnet_ids: { value: "${aws_subnet.many[*].id}" },
      subnet_cidrs: { value: "${aws_subnet.many[*].ipv6_cidr_block}" },
      by_tier: { value: { proxy: "${aws_subnet.proxy_a.id}", endpoint: "${aws_vpc_endpoint.ssm.id}" } },
      passed_through_vpc_id: { value: "${data.terraform_remote_state.network.outputs.vpc_id}" },
      guessed_subnet_id: { value: "${someday(aws_vpc.vpc.id)}" },
    },
  };
  const { state, notes } = stubState(producer, {
    stack: "inspection",
    defaultRegion: "us-east-1",
    remoteOutputs: (name) => (name === "network" ? { vpc_id: "vpc-0123456789abcdef0" } : undefined),
  });
  const value = (name: string) => state.outputs[name].value;

  test("interface and endpoint ids, security groups", () => {
    expect(value("proxy_eni_id")).toMatch(/^eni-[0-9a-f]{17}$/);
    expect(value("endpoint_id")).toMatch(/^vpce-[0-9a-f]{17}$/);
    expect(value("sg_id")).toMatch(/^sg-[0-9a-f]{17}$/);
  });

  test("an interface's IPv6 addresses are a list of addresses inside its subnet's /64", () => {
    const addresses = value("proxy_ipv6_addresses") as string[];
    expect(state.outputs.proxy_ipv6_addresses.type).toEqual(["list", "string"]);
    expect(addresses).toHaveLength(1);
    expect(ipaddr.IPv6.isValid(addresses[0])).toBe(true);
    expect(ipaddr.parse(addresses[0]).match(ipaddr.parseCIDR(value("proxy_subnet_cidr") as string))).toBe(true);
  });

  test("ARNs name the provider's region, the account and the resource; a KMS key ARN holds its key id", () => {
    expect(value("kms_key_id")).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(value("kms_key_arn")).toBe(`arn:aws:kms:${region}:123456789012:key/${value("kms_key_id") as string}`);
    expect(value("firewall_arn")).toBe(`arn:aws:network-firewall:${region}:123456789012:firewall/demo-fw`);
  });

  test("a firewall endpoint picked out of the firewall's sync states is a VPC endpoint id", () => {
    expect(value("firewall_endpoint_a")).toMatch(/^vpce-[0-9a-f]{17}$/);
  });

  test("splats over counted resources give one distinct value per instance, evaluated with count.index", () => {
    const ids = value("subnet_ids") as string[];
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
    ids.forEach((id) => expect(id).toMatch(/^subnet-/));
    const cidrs = value("subnet_cidrs") as string[];
    expect(cidrs.map((c) => c.split("/")[1])).toEqual(["64", "64", "64"]);
    // Network addresses: carving zero bits out of each gives it back unchanged.
    cidrs.forEach((c) => expect(cidrSubnet(c, 0, 0)).toBe(c));
    // count.index 0, 1, 2 -> consecutive /64s.
    expect(cidrs[1]).toBe(cidrSubnet(`${cidrs[0].split("/")[0]}/56`, 8, 1));
  });

  test("a map output becomes an object with each member's own shape", () => {
    expect(state.outputs.by_tier.type).toEqual(["object", { endpoint: "string", proxy: "string" }]);
    expect(value("by_tier")).toEqual({ proxy: expect.stringMatching(/^subnet-/), endpoint: value("endpoint_id") });
  });

  test("an output that passes on another stack's output keeps that stack's value", () => {
    expect(value("passed_through_vpc_id")).toBe("vpc-0123456789abcdef0");
  });

  test("an expression the generator cannot evaluate gets a value shaped by the output's name, with a note", () => {
    expect(value("guessed_subnet_id")).toMatch(/^subnet-[0-9a-f]{17}$/);
    expect(notes).toEqual([expect.stringMatching(/^inspection: output guessed_subnet_id: .*someday\(\) is not supported/)]);
  });

  test("syntax the generator does not evaluate (a %{for} template directive) gets a value shaped by the output's name, with a note", () => {
    const directive = stubState(
      { output: { subnet_id: { value: '%{ for s in ["a"] }${s}%{ endfor }' } } },
      { stack: "s", defaultRegion: region },
    );
    expect(directive.state.outputs.subnet_id.value).toMatch(/^subnet-[0-9a-f]{17}$/);
    expect(directive.notes).toEqual([expect.stringMatching(/^s: output subnet_id: .*template %\{for\} directives are not evaluated here/)]);
  });

  test("a spread argument passes the list's elements to the function", () => {
    const spread = stubState(
      { locals: { lists: [["a"], ["b", "c"]] }, output: { names: { value: "${concat(local.lists...)}" } } },
      { stack: "s", defaultRegion: region },
    );
    expect(spread.state.outputs.names.value).toEqual(["a", "b", "c"]);
  });

  test("Terraform type notation: lists, tuples, objects", () => {
    expect(ctyType(["a", "b"])).toEqual(["list", "string"]);
    expect(ctyType(["a", 1])).toEqual(["tuple", ["string", "number"]]);
    expect(ctyType({ a: true })).toEqual(["object", { a: "bool" }]);
  });
});
