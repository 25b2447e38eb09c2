/**
 * The verifier's parts on hand-written fragments: expressions, cross-stack resolution, address classes, network
 * ACL order, and its independence from the code it judges.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parseTemplate, ExpressionError } from "../verifier/expr/parse";
import { World } from "../verifier/expr/evaluate";
import { Opaque, UnorderedSet } from "../verifier/expr/values";
import { Prefix, findAddress, formatAddress } from "../verifier/model/prefix";
import { naclAdmitsAll } from "../verifier/model/filters";
import type { Nacl } from "../verifier/model/types";
import { stackFromTerraformJson } from "../verifier";

const stack = (name: string, json: object, dir = `/app/cdktf.out/stacks/${name}`) =>
  stackFromTerraformJson(name, `${dir}/cdk.tf.json`, json, dir);

describe("expressions", () => {
  test("a template that is one interpolation is that expression; anything else is a string", () => {
    expect(parseTemplate("${aws_vpc.vpc.id}")).toEqual({
      kind: "attr",
      target: { kind: "attr", target: { kind: "name", name: "aws_vpc" }, name: "vpc" },
      name: "id",
    });
    expect(parseTemplate("plain")).toEqual({ kind: "literal", value: "plain" });
    expect(parseTemplate("a-$${literal}")).toEqual({ kind: "literal", value: "a-${literal}" });
  });

  test("function calls with a spread, splats, for expressions, indexes with quoted keys and conditionals parse to their parts", () => {
    expect(parseTemplate("${cidrsubnet(aws_vpc.vpc.ipv6_cidr_block, 8, 0)}")).toMatchObject({
      kind: "call",
      name: "cidrsubnet",
      args: [{ kind: "attr" }, { value: 8 }, { value: 0 }],
      spread: false,
    });
    expect(parseTemplate("${concat(local.lists...)}")).toMatchObject({
      kind: "call",
      name: "concat",
      args: [{ kind: "attr", name: "lists" }],
      spread: true,
    });
    expect(parseTemplate("${aws_instance.x[*].id}")).toMatchObject({
      kind: "splat",
      each: { kind: "attr", name: "id", target: { kind: "item" } },
    });
    expect(parseTemplate('${{for s in a.b[0].c : s.az => s.attachment[0].endpoint_id}["us-east-1a"]}')).toMatchObject({
      kind: "index",
      key: { value: "us-east-1a" },
      target: { kind: "for", object: true, valueVar: "s" },
    });
    expect(parseTemplate("${var.on ? 1 : 2 + 3}")).toMatchObject({ kind: "cond", otherwise: { kind: "binary", op: "+" } });
  });

  test("unsupported syntax is reported, not guessed", () => {
    expect(() => parseTemplate("%{ while x }y%{ endwhile }")).toThrow(ExpressionError);
    expect(() => parseTemplate("${foo(}")).toThrow(ExpressionError);
    expect(() => parseTemplate('${"\\uZZZZ"}')).toThrow(ExpressionError);
  });

  test("comments, spaces inside [ * ] and \\U escapes read as HCL reads them", () => {
    expect(parseTemplate("${a /* note */ + 1 # trailing\n}")).toEqual({
      kind: "binary",
      op: "+",
      left: { kind: "name", name: "a" },
      right: { kind: "literal", value: 1 },
    });
    expect(parseTemplate("${a[ * ].b}")).toEqual(parseTemplate("${a[*].b}"));
    expect(parseTemplate('${"\\U0001F600 \\u00e9"}')).toEqual({ kind: "literal", value: "\u{1F600} \u00e9" });
  });

  test("an attribute-only splat takes only the .name steps after it; an index then picks from its result", () => {
    const name = (n: string) => ({ kind: "name", name: n });
    const eachB = { kind: "attr", target: { kind: "item" }, name: "b" };
    expect(parseTemplate("${a.*.b[0]}")).toEqual({
      kind: "index",
      target: { kind: "splat", source: name("a"), each: eachB },
      key: { kind: "literal", value: 0 },
    });
    expect(parseTemplate("${a[*].b[0]}")).toEqual({
      kind: "splat",
      source: name("a"),
      each: { kind: "index", target: eachB, key: { kind: "literal", value: 0 } },
    });
  });

  test("a bare name as an object key is its text, a parenthesised one is evaluated", () => {
    const item = (key: object, value: number) => ({ key, value: { kind: "literal", value } });
    expect(parseTemplate('${{ a = 1, "b" = 2, (c) = 3, true = 4 }}')).toEqual({
      kind: "object",
      items: [
        item({ kind: "literal", value: "a" }, 1),
        item({ kind: "literal", value: "b" }, 2),
        item({ kind: "name", name: "c" }, 3),
        item({ kind: "literal", value: "true" }, 4),
      ],
    });
    expect(() => parseTemplate("${{ a.b = 1 }}")).toThrow(/object keys must be names, strings or parenthesised expressions/);
  });

  test("the firewall endpoint of an AZ, cidrsubnet and a splat evaluate against the configuration", () => {
    const world = new World([
      stack("net", {
        resource: {
          aws_vpc: { v: { cidr_block: "10.0.0.0/16", assign_generated_ipv6_cidr_block: true } },
          aws_subnet: {
            fa: {
              vpc_id: "${aws_vpc.v.id}",
              availability_zone: "eu-west-1a",
              ipv6_cidr_block: "${cidrsubnet(aws_vpc.v.ipv6_cidr_block, 8, 32)}",
            },
            fb: {
              vpc_id: "${aws_vpc.v.id}",
              availability_zone: "eu-west-1b",
              ipv6_cidr_block: "${cidrsubnet(aws_vpc.v.ipv6_cidr_block, 8, 33)}",
            },
          },
          aws_networkfirewall_firewall: {
            fw: { subnet_mapping: [{ subnet_id: "${aws_subnet.fa.id}" }, { subnet_id: "${aws_subnet.fb.id}" }] },
          },
        },
        output: {
          ep_b: {
            value:
              '${{for s in aws_networkfirewall_firewall.fw.firewall_status[0].sync_states : s.availability_zone => s.attachment[0].endpoint_id}["eu-west-1b"]}',
          },
          azs: { value: "${aws_networkfirewall_firewall.fw.firewall_status[0].sync_states[*].availability_zone}" },
          cidr: { value: "${aws_subnet.fb.ipv6_cidr_block}" },
          cond: { value: '${length(aws_networkfirewall_firewall.fw.subnet_mapping) > 1 ? "multi" : "single"}' },
        },
      }),
    ]);
    const ep = world.output("net", "ep_b") as unknown as { firewall: string; subnet: Opaque; availabilityZone: string };
    expect(ep.firewall).toBe("net:aws_networkfirewall_firewall.fw");
    expect(ep.subnet).toEqual(new Opaque("net:aws_subnet.fb", "id"));
    expect(ep.availabilityZone).toBe("eu-west-1b");
    // sync_states is a set: its elements are known, their order is Terraform's.
    const azs = world.output("net", "azs");
    expect(azs).toBeInstanceOf(UnorderedSet);
    expect([...(azs as UnorderedSet).items].sort()).toEqual(["eu-west-1a", "eu-west-1b"]);
    expect(world.output("net", "cidr")).toBe("2001:db8:0:21::/64");
    expect(world.output("net", "cond")).toBe("multi");
    expect(world.assumptions[0]).toMatch(/aws_vpc\.v \(net\): its IPv6 \/56 is allocated at apply; reasoned about as 2001:db8::\/56/);
    expect(world.problems).toEqual([]);
  });
});

describe("cross-stack references", () => {
  const producer = (name: string, statePath: string, outputs: Record<string, string>) =>
    stack(name, {
      terraform: { backend: { local: { path: statePath } } },
      resource: { aws_vpc: { v: { cidr_block: "10.0.0.0/16" } } },
      output: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { value: v }])),
    });
  const consumer = (dataName: string, statePath: string) =>
    stack("consumer", {
      data: { terraform_remote_state: { [dataName]: { backend: "local", config: { path: statePath } } } },
      output: { got: { value: `\${data.terraform_remote_state.${dataName}.outputs.vpc_id}` } },
    });

  test("the producer is the stack whose backend is the data source's state file", () => {
    const world = new World([
      producer("network", "../../../.state/demo/network.tfstate", { vpc_id: "${aws_vpc.v.id}" }),
      producer("decoy", "../../../.state/demo/decoy.tfstate", { vpc_id: "${aws_vpc.v.cidr_block}" }),
      consumer("network", "../../../.state/demo/network.tfstate"),
    ]);
    expect(world.output("consumer", "got")).toEqual(new Opaque("network:aws_vpc.v", "id"));
  });

  test("without a matching backend, the only stack that declares the output", () => {
    const world = new World([
      producer("network", "elsewhere.tfstate", { vpc_id: "${aws_vpc.v.id}" }),
      consumer("net", "not/there.tfstate"),
    ]);
    expect(world.output("consumer", "got")).toEqual(new Opaque("network:aws_vpc.v", "id"));
  });

  test("an output the producer does not declare, or several stacks declare, is a problem named precisely", () => {
    const missing = new World([
      producer("network", "../../../.state/demo/network.tfstate", {}),
      consumer("network", "../../../.state/demo/network.tfstate"),
    ]);
    missing.output("consumer", "got");
    expect(missing.problems).toEqual([
      'data.terraform_remote_state.network (consumer) reads output "vpc_id" from stack network, which does not declare it',
    ]);
    const ambiguous = new World([
      producer("a", "a.tfstate", { vpc_id: "x" }),
      producer("b", "b.tfstate", { vpc_id: "y" }),
      consumer("c", "c.tfstate"),
    ]);
    ambiguous.output("consumer", "got");
    expect(ambiguous.problems).toEqual([
      'data.terraform_remote_state.c (consumer) reads output "vpc_id", which several stacks declare (a, b)',
    ]);
  });
});

describe("address classes", () => {
  test("an address inside a prefix that avoids more specific ones", () => {
    const all = Prefix.parse("2000::/3")!;
    const avoid = ["2000::/4", "3000::/5", "3800::/6"].map((p) => Prefix.parse(p)!);
    const a = findAddress(all, avoid)!;
    expect(formatAddress(6, a)).toBe("3c00::1");
    expect(findAddress(Prefix.parse("2001:db8::/64")!, [Prefix.parse("2001:db8::/63")!])).toBeUndefined();
  });

  test("cidrsubnet as Terraform computes it", () => {
    expect(Prefix.parse("2001:db8:0:100::/56")!.subnet(8, 3)!.toString()).toBe("2001:db8:0:103::/64");
    expect(Prefix.parse("10.0.0.0/16")!.subnet(8, 300)).toBeUndefined();
  });
});

describe("network ACLs", () => {
  const any6 = Prefix.parse("::/0")!;
  const nacl = (rules: [number, boolean, number | "all", number, number][]): Nacl => ({
    key: "k",
    label: "acl",
    origin: "test",
    vpc: undefined,
    rules: rules.map(([number, allow, protocol, from, to]) => ({
      egress: false,
      number,
      allow,
      protocol,
      from,
      to,
      cidr: any6,
      origin: "test",
    })),
  });
  const peer = { family: 6 as const, value: 1n };

  test("the lowest-numbered matching rule decides: a deny before an allow wins", () => {
    const v = naclAdmitsAll(
      nacl([
        [50, false, 6, 443, 443],
        [100, true, 6, 0, 65535],
      ]),
      false,
      6,
      peer,
      [443, 443],
    );
    expect(v).toEqual({ ok: false, because: "rule 50 deny tcp 443 from ::/0" });
  });

  test("replies need every ephemeral port; a gap leaves them to the final * rule", () => {
    const v = naclAdmitsAll(nacl([[100, true, 6, 1024, 60000]]), false, 6, peer, [1024, 65535]);
    expect(v).toEqual({ ok: false, because: "no rule allows tcp 60001-65535; the final * rule denies it" });
    expect(naclAdmitsAll(nacl([[100, true, "all", 0, 65535]]), false, 6, peer, [1024, 65535]).ok).toBe(true);
  });
});

test("the verifier imports nothing of the stacks, modules or library it judges", () => {
  const root = path.resolve(__dirname, "..", "verifier");
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith(".ts")) files.push(path.join(d, e.name));
    }
  };
  walk(root);
  const offending = files.flatMap((f) =>
    [...fs.readFileSync(f, "utf8").matchAll(/from\s+"([^"]+)"/g)]
      .map((m) => m[1])
      .filter((spec) => spec.startsWith(".") && !path.resolve(path.dirname(f), spec).startsWith(root))
      .map((spec) => `${path.relative(root, f)}: ${spec}`),
  );
  expect(offending).toEqual([]);
});
