import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { demoConfig, resources, synthStack, type TfJson } from "./helpers";
import { INSPECTION_MODES, type InspectionMode } from "../config/modes";
import { ssmAgentOverIpv6Commands } from "../modules/shared/ssm-agent";
import { ENDPOINT_SERVICES } from "../modules/endpoints/interface-endpoints";

const demo = demoConfig();
const workload = synthStack(demo, "workload");
const tfString = JSON.stringify(workload);

/** `${data.terraform_remote_state.network.outputs.<name>}`: how this stack reads the network stack. */
const net = (output: string) => `\${data.terraform_remote_state.network.outputs.${output}}`;

/** The rules of one inline rule list as `port cidr` lines, sorted. */
function rules(list: any[]): string[] {
  return list
    .map((r) => {
      expect(r.protocol).toBe("tcp");
      expect(r.from_port).toBe(r.to_port);
      expect(r.cidr_blocks).toEqual([]);
      return `${r.from_port} ${r.ipv6_cidr_blocks.join(",")}`;
    })
    .sort();
}

const workloadGroup = (tf: TfJson, az: string) => resources(tf, "aws_security_group")[`workload_security_group_${az}`];
const endpointGroup = (tf: TfJson) => resources(tf, "aws_security_group").endpoints_security_group;

describe("launch templates (one per AZ, for workloads launched outside Terraform)", () => {
  const templates = resources(workload, "aws_launch_template");
  const lt = templates.workload_launch_template_a;

  test("one per AZ, named after it (plus the one the managed instances launch from)", () => {
    expect(Object.keys(templates).sort()).toEqual(
      ["workload_instance_launch_template", "workload_launch_template_a", "workload_launch_template_b"].sort(),
    );
    expect(templates["workload_instance_launch_template"].name).toBe("demo-workload-instances");
    expect(templates.workload_launch_template_b.name).toBe("demo-workload-b");
  });

  test("require IMDSv2 tokens, turn the IPv6 IMDS endpoint on and limit responses to one hop", () => {
    expect(tfString).toHaveResourceWithProperties(LaunchTemplate, {
      metadata_options: {
        http_endpoint: "enabled",
        http_tokens: "required",
        http_protocol_ipv6: "enabled",
        http_put_response_hop_limit: 1,
        instance_metadata_tags: "disabled",
      },
    });
  });

  test("launch into the workload subnet and security group of their AZ, with one IPv6 address and no public IPv4", () => {
    for (const az of ["a", "b"]) {
      expect(templates[`workload_launch_template_${az}`].network_interfaces).toEqual([
        {
          device_index: 0,
          subnet_id: net(`workload_subnet_id_${az}`),
          security_groups: [`\${aws_security_group.workload_security_group_${az}.id}`],
          ipv6_address_count: 1,
          associate_public_ip_address: "false",
          delete_on_termination: "true",
        },
      ]);
      expect(templates[`workload_launch_template_${az}`].vpc_security_group_ids).toBeUndefined();
    }
  });

  test("give what they launch an encrypted gp3 root volume of the configured size, at the AMI's root device", () => {
    expect(lt.block_device_mappings).toEqual([
      { device_name: "/dev/xvda", ebs: { volume_type: "gp3", volume_size: 20, encrypted: "true", delete_on_termination: "true" } },
    ]);
    const ubuntu = synthStack(
      demoConfig({
        workload: {
          rootVolumeGiB: 50,
          ami: "resolve:ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id",
        },
      }),
      "workload",
    );
    expect(resources(ubuntu, "aws_launch_template").workload_launch_template_a.block_device_mappings[0]).toMatchObject({
      device_name: "/dev/sda1",
      ebs: { volume_size: 50 },
    });
  });

  test("an AMI whose root device name is unknown is refused rather than left with an unencrypted root volume", () => {
    expect(() => synthStack(demoConfig({ workload: { ami: "resolve:ssm:/acme/golden-image-arm64" } }), "workload")).toThrow(
      /workload\.ami: cannot tell the root device name of resolve:ssm:\/acme\/golden-image-arm64/,
    );
  });

  test("take the AMI from an SSM parameter (resolve:ssm:), so planning needs no AMI lookup", () => {
    expect(lt.image_id).toBe("resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
    expect(Object.keys(workload.data ?? {})).toEqual(["terraform_remote_state"]);
    expect(Object.keys(workload.data!.terraform_remote_state)).toEqual(["network"]);
  });

  test("use the configured Nitro instance type and carry no key pair", () => {
    expect(lt.instance_type).toBe("t4g.micro");
    expect(lt.key_name).toBeUndefined();
    expect(tfString).not.toContain("key_name");
    expect(Object.keys(resources(workload, "aws_key_pair"))).toHaveLength(0);
  });

  test("turn on detailed (one-minute) monitoring", () => {
    expect(lt.monitoring).toEqual({ enabled: true });
  });

  test("tag what they launch egress6:role = workload and with the environment (default tags do not reach it; the remediation Lambda is scoped by it)", () => {
    expect(lt.tags).toEqual({ Name: "demo-workload-a", "egress6:role": "workload", "egress6:environment": "demo" });
    expect(lt.tag_specifications.map((t: any) => t.resource_type).sort()).toEqual(["instance", "network-interface", "volume"]);
    for (const spec of lt.tag_specifications) expect(spec.tags).toEqual({ "egress6:role": "workload", "egress6:environment": "demo" });
  });
});

describe("instances", () => {
  const instances = resources(workload, "aws_instance");

  test("instancesPerAz in each AZ's workload subnet, with the template's hardening set on the instance itself", () => {
    expect(Object.keys(instances).sort()).toEqual(["workload_a_1", "workload_b_1"]);
    const lt = resources(workload, "aws_launch_template")["workload_instance_launch_template"];
    expect(lt).toMatchObject({
      image_id: demo.workload.ami,
      instance_type: "t4g.micro",
      tag_specifications: [{ resource_type: "instance" }, { resource_type: "volume" }],
    });
    expect(lt.network_interfaces).toBeUndefined();
    for (const az of ["a", "b"]) {
      const i = instances[`workload_${az}_1`];
      expect(i).toMatchObject({
        subnet_id: net(`workload_subnet_id_${az}`),
        launch_template: {
          id: "${aws_launch_template.workload_instance_launch_template.id}",
          version: "${aws_launch_template.workload_instance_launch_template.latest_version}",
        },
        metadata_options: lt.metadata_options,
        monitoring: true,
        iam_instance_profile: "${aws_iam_instance_profile.workload_instance_profile.name}",
        tags: { Name: `demo-workload-${az}-1`, "egress6:role": "workload", "egress6:az": az },
      });
      // The AMI and the instance type come from the template only.
      expect(i.ami).toBeUndefined();
      expect(i.instance_type).toBeUndefined();
    }
    const three = resources(synthStack(demoConfig({ workload: { instancesPerAz: 3 } }), "workload"), "aws_instance");
    expect(Object.keys(three).sort()).toEqual([
      "workload_a_1",
      "workload_a_2",
      "workload_a_3",
      "workload_b_1",
      "workload_b_2",
      "workload_b_3",
    ]);
    expect(Object.keys(resources(synthStack(demoConfig({ workload: { instancesPerAz: 0 } }), "workload"), "aws_instance"))).toEqual([]);
  });

  test("one IPv6 address, no public IPv4, only the workload security group of its own AZ", () => {
    for (const az of ["a", "b"]) {
      expect(instances[`workload_${az}_1`].vpc_security_group_ids).toEqual([`\${aws_security_group.workload_security_group_${az}.id}`]);
    }
    expect(tfString).toHaveResourceWithProperties(Instance, { ipv6_address_count: 1, associate_public_ip_address: false });
    for (const i of Object.values(instances)) {
      expect(i.ipv6_address_count).toBe(1);
      expect(i.ebs_optimized).toBe(true);
      expect(i.associate_public_ip_address).toBe(false);
      expect(i.ipv6_addresses).toBeUndefined();
      expect(i.network_interface).toBeUndefined();
    }
    expect(Object.keys(resources(workload, "aws_eip"))).toHaveLength(0);
  });

  test("an encrypted gp3 root volume of the configured size, from the template they launch from", () => {
    const lt = (tf: TfJson) => resources(tf, "aws_launch_template")["workload_instance_launch_template"];
    expect(lt(workload).block_device_mappings).toEqual([
      { device_name: "/dev/xvda", ebs: { volume_type: "gp3", volume_size: 20, encrypted: "true", delete_on_termination: "true" } },
    ]);
    for (const i of Object.values(instances)) expect(i.root_block_device).toBeUndefined();
    expect(lt(synthStack(demoConfig({ workload: { rootVolumeGiB: 100 } }), "workload")).block_device_mappings[0].ebs.volume_size).toBe(100);
  });

  test("a later apply does not undo the remediation Lambda's quarantine, nor replace instances for a new template version", () => {
    for (const i of Object.values(instances))
      expect(i.lifecycle).toEqual({ ignore_changes: ["vpc_security_group_ids", "launch_template[0].version", "user_data"] });
  });

  test("a non-Nitro instance type is rejected with a message that names the field", () => {
    expect(() => demoConfig({ workload: { instanceType: "t2.micro" } })).toThrow(/workload\.instanceType: family "t2" is not Nitro-based/);
    expect(() => demoConfig({ workload: { instanceType: "m4.large" } })).toThrow(/IPv6-only subnets launch only Nitro instances/);
  });

  test("an AMI of the other architecture is rejected before anything launches", () => {
    expect(() => demoConfig({ workload: { instanceType: "m7i.large" } })).toThrow(
      /workload\.ami: is an arm64 image but m7i\.large is x86_64/,
    );
    const x86 = demoConfig({
      workload: { instanceType: "m7i.large", ami: "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" },
    });
    expect(x86.workload.instanceType).toBe("m7i.large");
  });
});

describe("instance role", () => {
  test("is assumable by EC2 only and carries exactly the Systems Manager core policy", () => {
    const role = resources(workload, "aws_iam_role").workload_role;
    expect(JSON.parse(role.assume_role_policy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
    expect(tfString).toHaveResourceWithProperties(IamRole, { name: "demo-workload" });
    const attachments = Object.values(resources(workload, "aws_iam_role_policy_attachment"));
    expect(attachments.map((a) => a.policy_arn)).toEqual(["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]);
    expect(Object.keys(resources(workload, "aws_iam_role_policy"))).toHaveLength(0);
    expect(resources(workload, "aws_launch_template").workload_launch_template_a.iam_instance_profile).toEqual({
      arn: "${aws_iam_instance_profile.workload_instance_profile.arn}",
    });
  });

  test("uses the partition of the region (GovCloud)", () => {
    const gov = synthStack(demoConfig({ region: "us-gov-west-1", availabilityZones: ["us-gov-west-1a"] }), "workload");
    expect(Object.values(resources(gov, "aws_iam_role_policy_attachment"))[0].policy_arn).toBe(
      "arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore",
    );
  });
});

describe("workload security groups", () => {
  /** What each mode must allow out of AZ `az`, as `port cidr` lines. */
  function expectedEgress(mode: InspectionMode, az: string): string[] {
    const lines = [
      "443 ::/0",
      "80 ::/0",
      `443 ${net("endpoint_subnet_ipv6_cidr_block_a")}`,
      `443 ${net("endpoint_subnet_ipv6_cidr_block_b")}`,
    ];
    if (mode !== "firewall-igw") lines.push(`3128 ${net(`proxy_subnet_ipv6_cidr_block_${az}`)}`);
    return lines.sort();
  }

  /** ICMPv6 (protocol 58) type 2, every code, from anywhere: Path MTU discovery (EC2 user guide). */
  const packetTooBig = {
    description: "ICMPv6 Packet Too Big (Path MTU discovery)",
    protocol: "58",
    from_port: 2,
    to_port: -1,
    ipv6_cidr_blocks: ["::/0"],
    cidr_blocks: [],
    prefix_list_ids: [],
    security_groups: [],
    self: false,
  };

  test.each(INSPECTION_MODES)(
    "%s: one group per AZ, no ingress but ICMPv6 Packet Too Big, and egress exactly where the mode sends traffic",
    (mode) => {
      const tf = synthStack(demoConfig({ inspection: { mode } }), "workload");
      expect(Object.keys(resources(tf, "aws_security_group")).sort()).toEqual([
        "endpoints_security_group",
        "workload_security_group_a",
        "workload_security_group_b",
      ]);
      for (const az of ["a", "b"]) {
        const group = workloadGroup(tf, az);
        expect(group.ingress).toEqual([packetTooBig]);
        expect(rules(group.egress)).toEqual(expectedEgress(mode, az));
        expect(group.vpc_id).toBe(net("vpc_id"));
        expect(group.tags).toEqual({ Name: `demo-workload-${az}`, "egress6:role": "workload", "egress6:az": az });
      }
    },
  );

  test("a workload reaches the explicit proxy port of its own AZ's proxy only (no cross-AZ hop past the firewall)", () => {
    for (const [own, other] of [
      ["a", "b"],
      ["b", "a"],
    ]) {
      const cidrs = workloadGroup(workload, own)
        .egress.filter((r: any) => r.from_port === 3128)
        .flatMap((r: any) => r.ipv6_cidr_blocks);
      expect(cidrs).toEqual([net(`proxy_subnet_ipv6_cidr_block_${own}`)]);
      expect(cidrs).not.toContain(net(`proxy_subnet_ipv6_cidr_block_${other}`));
    }
  });

  test("the allowlisted ports and the proxy's explicit port come from the config", () => {
    const tf = synthStack(demoConfig({ egress: { ports: [8443] }, inspection: { proxy: { explicitPort: 8080 } } }), "workload");
    expect(rules(workloadGroup(tf, "b").egress)).toEqual(
      [
        "8443 ::/0",
        `8080 ${net("proxy_subnet_ipv6_cidr_block_b")}`,
        `443 ${net("endpoint_subnet_ipv6_cidr_block_a")}`,
        `443 ${net("endpoint_subnet_ipv6_cidr_block_b")}`,
      ].sort(),
    );
  });

  test("Path MTU discovery works: ICMPv6 Packet Too Big (type 2) may come in from anywhere, and nothing else may", () => {
    for (const az of ["a", "b"]) {
      const ingress = workloadGroup(workload, az).ingress;
      expect(ingress).toHaveLength(1);
      expect(ingress[0]).toMatchObject({ protocol: "58", from_port: 2, ipv6_cidr_blocks: ["::/0"] });
    }
  });

  test("no rule anywhere in the stack mentions IPv4", () => {
    for (const group of Object.values(resources(workload, "aws_security_group"))) {
      for (const r of [...group.ingress, ...group.egress]) expect(r.cidr_blocks).toEqual([]);
    }
    expect(tfString).not.toContain("0.0.0.0/0");
  });
});

describe("interface endpoints", () => {
  const endpoints = resources(workload, "aws_vpc_endpoint");

  test("one per configured service (default ssm, ssmmessages, ec2messages, logs), IPv6-only, with AAAA private DNS", () => {
    expect(
      Object.values(endpoints)
        .map((e) => e.service_name)
        .sort(),
    ).toEqual(["ec2messages", "logs", "ssm", "ssmmessages"].map((s) => `com.amazonaws.us-east-1.${s}`));
    expect(tfString).toHaveResourceWithProperties(VpcEndpoint, {
      vpc_endpoint_type: "Interface",
      ip_address_type: "ipv6",
      dns_options: { dns_record_ip_type: "ipv6" },
      private_dns_enabled: true,
    });
    for (const e of Object.values(endpoints)) {
      expect(e).toMatchObject({
        vpc_id: net("vpc_id"),
        vpc_endpoint_type: "Interface",
        ip_address_type: "ipv6",
        dns_options: { dns_record_ip_type: "ipv6" },
        private_dns_enabled: true,
        subnet_ids: [net("endpoint_subnet_id_a"), net("endpoint_subnet_id_b")],
        security_group_ids: ["${aws_security_group.endpoints_security_group.id}"],
        tags: expect.objectContaining({ "egress6:role": "endpoint" }),
      });
    }
  });

  test("services that take endpoint policies admit this account's principals only; the others carry none", () => {
    const account = "${local.endpoints_account_id}";
    expect((workload as any).locals.endpoints_account_id).toBe(
      '${element(split(":", aws_security_group.endpoints_security_group.arn), 4)}',
    );
    for (const service of ["ssm", "logs"]) {
      expect(JSON.parse(endpoints[`endpoints_${service}`].policy)).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ThisAccountsPrincipalsOnly",
            Effect: "Allow",
            Principal: "*",
            Action: "*",
            Resource: "*",
            Condition: { StringEquals: { "aws:PrincipalAccount": account } },
          },
        ],
      });
    }
    for (const service of ["ssmmessages", "ec2messages"]) expect(endpoints[`endpoints_${service}`].policy).toBeUndefined();
  });

  test("a service not known to support IPv6-only endpoints is refused at synth, by name (the subnets are IPv6-only)", () => {
    const config = demoConfig({ workload: { interfaceEndpoints: ["ssm", "sagemaker.runtime"] } });
    expect(() => synthStack(config, "workload")).toThrow(
      /workload\.interfaceEndpoints: "sagemaker\.runtime" is not known to support IPv6-only interface endpoints.*supported: ssm, ssmmessages/,
    );
  });

  test("the service list comes from the config", () => {
    const tf = synthStack(demoConfig({ workload: { interfaceEndpoints: ["ssm", "kms"] } }), "workload");
    expect(
      Object.values(resources(tf, "aws_vpc_endpoint"))
        .map((e) => e.service_name)
        .sort(),
    ).toEqual(["com.amazonaws.us-east-1.kms", "com.amazonaws.us-east-1.ssm"]);
  });

  test.each(INSPECTION_MODES)(
    "%s: their security group admits HTTPS from the workload (and proxy) /64s only, and opens nothing out",
    (mode) => {
      const tf = synthStack(demoConfig({ inspection: { mode } }), "workload");
      const group = endpointGroup(tf);
      const clients = ["workload", ...(mode === "firewall-igw" ? [] : ["proxy"])];
      expect(rules(group.ingress)).toEqual(
        clients.flatMap((t) => ["a", "b"].map((az) => `443 ${net(`${t}_subnet_ipv6_cidr_block_${az}`)}`)).sort(),
      );
      expect(group.egress).toEqual([]);
    },
  );
});

describe("outputs and wiring", () => {
  test("publishes the security groups and launch templates (one per AZ each) and each instance id", () => {
    expect(Object.keys(workload.output ?? {}).sort()).toEqual(
      [
        "endpoint_security_group_id",
        "workload_instance_id_a_1",
        "workload_instance_id_b_1",
        "workload_launch_template_id_a",
        "workload_launch_template_id_b",
        "workload_security_group_id_a",
        "workload_security_group_id_b",
      ].sort(),
    );
  });

  test("reads the network stack's state from the same backend family, never another stack's objects", () => {
    expect(workload.data!.terraform_remote_state.network).toEqual({
      backend: "local",
      config: { path: "../../../.state/demo/network.tfstate" },
    });
    const s3 = synthStack(demoConfig({ backend: { type: "s3", bucket: "acme-tfstate", region: "eu-west-1" } }), "workload");
    expect(s3.data!.terraform_remote_state.network).toMatchObject({
      backend: "s3",
      config: { bucket: "acme-tfstate", key: "demo/network.tfstate" },
    });
    expect(s3.terraform.backend.s3).toMatchObject({ key: "demo/workload.tfstate", encrypt: true });
  });
});

describe("every instance (workloads and proxies) launches from its tier's launch template", () => {
  // terraform-provider-aws #43488/#22912: with root_block_device the provider looks the AMI up (DescribeImages) to
  // find the root device name, and a `resolve:ssm:` AMI fails there with InvalidAMIID.Malformed; with `ami =
  // resolve:ssm:` on the instance every plan also replaces it (#43364). So the AMI and the encrypted root volume live
  // in the template only, and the scanners' settings (CKV_AWS_79, CKV_AWS_126, CKV2_AWS_41) stay on the instance.
  for (const mode of INSPECTION_MODES) {
    test(`${mode}: no ami and no root_block_device on any instance; the template holds the AMI and an encrypted gp3 root`, () => {
      const config = demoConfig({ inspection: { mode } });
      const stacks = [synthStack(config, "workload"), synthStack(config, "inspection")];
      const instances = stacks.flatMap((tf) => Object.entries(resources(tf, "aws_instance")).map(([id, i]) => ({ tf, id, i })));
      expect(instances.length).toBe(mode === "firewall-igw" ? 2 : 6); // 2 workloads, and 2 proxies per AZ
      for (const { tf, id, i } of instances) {
        expect([id, i.ami, i.root_block_device]).toEqual([id, undefined, undefined]);
        const ref = /^\$\{aws_launch_template\.([\w-]+)\.id\}$/.exec(i.launch_template?.id ?? "");
        expect([id, ref?.[1]]).toEqual([id, expect.any(String)]);
        const lt = resources(tf, "aws_launch_template")[ref![1]];
        expect(i.launch_template.version).toBe(`\${aws_launch_template.${ref![1]}.latest_version}`);
        expect(lt.image_id).toMatch(/^resolve:ssm:\/aws\/service\/ami-amazon-linux-latest\//);
        expect(lt.block_device_mappings).toEqual([
          {
            device_name: "/dev/xvda",
            ebs: { volume_type: "gp3", volume_size: expect.any(Number), encrypted: "true", delete_on_termination: "true" },
          },
        ]);
        // EC2 refuses an instance-level subnet or security group next to a template network interface (#32614).
        if (i.subnet_id !== undefined || i.vpc_security_group_ids !== undefined) expect(lt.network_interfaces).toBeUndefined();
        // Visible to scanners that do not follow launch templates.
        expect(i.metadata_options).toEqual(lt.metadata_options);
        expect(i.monitoring).toBe(true);
        expect(i.iam_instance_profile).toMatch(/^\$\{aws_iam_instance_profile\.[\w-]+\.name\}$/);
      }
    });
  }
});

describe("workloads and proxies reach Systems Manager the same way", () => {
  test("every workload template boots the same SSM agent setup as the proxies (IMDS over IPv6, the endpoints' names), and checks its boot hosts", () => {
    const templates = Object.values(resources(workload, "aws_launch_template"));
    expect(templates.length).toBe(3);
    const proxyScript = (synthStack(demo, "inspection") as TfJson & { locals: Record<string, string> }).locals.proxy_a_user_data;
    for (const lt of templates) {
      const script = Buffer.from(lt.user_data ?? "", "base64").toString("utf8");
      expect(script).toMatch(/^#!\/bin\/bash\nset -euo pipefail\n/);
      expect(spawnSync("bash", ["-n"], { input: script, encoding: "utf8" }).status).toBe(0);
      for (const line of ssmAgentOverIpv6Commands()) {
        expect(script).toContain(line);
        expect(proxyScript).toContain(line.replace(/\$\{/g, "$${"));
      }
      for (const host of ["ssm.us-east-1.amazonaws.com", "ssmmessages.us-east-1.amazonaws.com", "ec2messages.us-east-1.amazonaws.com"])
        expect(script).toContain(host);
    }
    // Those names are what DNS Firewall admits for every mode, proxies or not.
    const allowed: string[] = resources(
      synthStack(
        demoConfig({ inspection: { mode: "firewall-igw" }, workload: { interfaceEndpoints: ["ssm", "ssmmessages", "ec2messages"] } }),
        "observability",
      ),
      "aws_route53_resolver_firewall_domain_list",
    ).dns_firewall_allowlist.domains;
    expect(allowed).toEqual(
      expect.arrayContaining(["ssm.us-east-1.amazonaws.com", "ssmmessages.us-east-1.amazonaws.com", "ec2messages.us-east-1.amazonaws.com"]),
    );
  });
});

describe("interface endpoint table", () => {
  test("every service says where its IPv6-only support was confirmed (a URL) or that it is unconfirmed, and docs/known-limits.md lists the unconfirmed ones", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "docs", "known-limits.md"), "utf8");
    for (const [service, support] of Object.entries(ENDPOINT_SERVICES)) {
      expect([service, support.ipv6Source]).toEqual([service, expect.stringMatching(/https:\/\/docs\.aws\.amazon\.com\//)]);
      if (support.ipv6Source.startsWith("unconfirmed:")) expect(readme).toContain(`\`${service}\``);
    }
  });
});
