import { Testing } from "cdktf";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { WorkloadInstances, workloadUserData, type WorkloadInstancesProps } from "../../../../modules/workload/workload-instances";
import { UserError } from "../../../../lib/errors";

const AL2023 = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
const UBUNTU = "resolve:ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id";
const PEM = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----";
const base: WorkloadInstancesProps = {
  envName: "dev",
  region: "eu-west-1",
  ami: AL2023,
  instanceType: "t4g.micro",
  rootVolumeGiB: 12,
  subnets: [
    { zone: { name: "eu-west-1a", suffix: "a", index: 0 }, subnetId: "subnet-a", securityGroupId: "sg-a" },
    { zone: { name: "eu-west-1b", suffix: "b", index: 1 }, subnetId: "subnet-b", securityGroupId: "sg-b" },
  ],
  instancesPerAz: 2,
};

type Resources = Record<string, Record<string, Record<string, unknown>>>;

const cache = new Map<WorkloadInstancesProps, { json: string; resource: Resources }>();

/** Synthesizes the construct alone; the same props object is synthesized once. */
function synth(props: WorkloadInstancesProps): { json: string; resource: Resources } {
  const cached = cache.get(props);
  if (cached) return cached;
  const json = Testing.synthScope((scope) => {
    new WorkloadInstances(scope, "test", props);
  });
  const result = { json, resource: JSON.parse(json).resource };
  cache.set(props, result);
  return result;
}

/** Resources of one type, keyed by construct path with the hash suffix removed. */
function byName(resource: Resources, type: string): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.entries(resource[type] ?? {}).map(([k, v]) => [k.replace(/_[0-9A-F]{8}$/, ""), v]));
}

function userDataOf(template: Record<string, unknown>): string {
  return Buffer.from(template.user_data as string, "base64").toString("utf8");
}

describe("WorkloadInstances", () => {
  test("instancesPerAz instances in every AZ, named <env>-workload-<az>-<n>", () => {
    const instances = Object.values(synth(base).resource.aws_instance);
    expect(instances.map((i) => (i.tags as Record<string, string>).Name).sort()).toEqual([
      "dev-workload-a-1",
      "dev-workload-a-2",
      "dev-workload-b-1",
      "dev-workload-b-2",
    ]);
  });

  test("each instance: its AZ's subnet and group, one IPv6 address, no public IPv4, IMDSv2, monitoring, no key, no AMI or root device", () => {
    const instance = byName(synth(base).resource, "aws_instance")["test_b-2"];
    expect(instance).toMatchObject({
      subnet_id: "subnet-b",
      vpc_security_group_ids: ["sg-b"],
      ipv6_address_count: 1,
      associate_public_ip_address: false,
      monitoring: true,
      ebs_optimized: true,
      metadata_options: {
        http_endpoint: "enabled",
        http_tokens: "required",
        http_protocol_ipv6: "enabled",
        http_put_response_hop_limit: 1,
        instance_metadata_tags: "disabled",
      },
      tags: { Name: "dev-workload-b-2", "egress6:role": "workload", "egress6:az": "b" },
      lifecycle: { ignore_changes: ["vpc_security_group_ids", "launch_template[0].version", "user_data"] },
    });
    expect(instance.key_name).toBeUndefined();
    expect(instance.ami).toBeUndefined();
    expect(instance.root_block_device).toBeUndefined();
    expect(instance.launch_template).toEqual({
      id: expect.stringMatching(/^\$\{aws_launch_template\.test_instance-launch-template_[0-9A-F]+\.id\}$/),
      version: expect.stringMatching(/^\$\{aws_launch_template\.test_instance-launch-template_[0-9A-F]+\.latest_version\}$/),
    });
  });

  // Rolling updates: a change of AMI or boot script changes the launch template, and each instance's only link to the
  // template's content is the version, which ignore_changes keeps. Asserted on the synthesized JSON: an offline plan
  // cannot show it, since with an instance in state the provider's CustomizeDiff asks EC2 for the instance's tags.
  test.each([
    ["the AMI", { ...base, ami: UBUNTU }],
    ["the boot script (a trusted CA)", { ...base, trustedCaPem: PEM }],
  ])("a change of %s changes the launch template and nothing an instance plans from", (_what, changed) => {
    const before = synth(base).resource;
    const after = synth(changed).resource;
    const template = (r: Resources) => byName(r, "aws_launch_template")["test_instance-launch-template"];
    expect(JSON.stringify(template(after))).not.toBe(JSON.stringify(template(before)));
    const instancesBefore = byName(before, "aws_instance");
    const instancesAfter = byName(after, "aws_instance");
    expect(Object.keys(instancesAfter).sort()).toEqual(Object.keys(instancesBefore).sort());
    for (const [name, instance] of Object.entries(instancesAfter)) {
      // Same arguments, and the one that follows the template (its latest_version) is ignored after creation.
      expect({ name, instance }).toEqual({ name, instance: instancesBefore[name] });
      expect((instance.launch_template as { version: string }).version).toMatch(/\.latest_version\}$/);
      expect((instance.lifecycle as { ignore_changes: string[] }).ignore_changes).toContain("launch_template[0].version");
      expect(instance.user_data).toBeUndefined();
      expect(instance.ami).toBeUndefined();
    }
  });

  test("instancesPerAz 0: templates and role, no instance", () => {
    const { json, resource } = synth({ ...base, instancesPerAz: 0 });
    expect(json).not.toHaveResource(Instance);
    expect(Object.keys(resource.aws_launch_template)).toHaveLength(3);
  });

  test("a role granting Systems Manager only", () => {
    const { json } = synth(base);
    expect(json).toHaveResourceWithProperties(IamRole, { name: "dev-workload" });
    const attachments = Object.values(JSON.parse(json).resource.aws_iam_role_policy_attachment) as { policy_arn: string }[];
    expect(attachments.map((a) => a.policy_arn)).toEqual(["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"]);
    expect(json).toHaveResourceWithProperties(IamRolePolicyAttachment, {
      role: expect.stringMatching(/^\$\{aws_iam_role\.test_role_[0-9A-F]+\.name\}$/),
    });
  });

  test("the instances' template: no network interface, encrypted gp3 root on the AMI's root device, launch tags with the environment", () => {
    const t = byName(synth(base).resource, "aws_launch_template")["test_instance-launch-template"];
    expect(t).toMatchObject({ name: "dev-workload-instances", image_id: AL2023, instance_type: "t4g.micro" });
    expect(t.network_interfaces).toBeUndefined();
    expect(t.block_device_mappings).toEqual([
      { device_name: "/dev/xvda", ebs: { volume_type: "gp3", volume_size: 12, encrypted: "true", delete_on_termination: "true" } },
    ]);
    expect(t.tag_specifications).toEqual(
      ["instance", "volume"].map((r) => ({ resource_type: r, tags: { "egress6:role": "workload", "egress6:environment": "dev" } })),
    );
  });

  test("one template per AZ with that AZ's subnet and group as its network interface, tagging the interface too", () => {
    const templates = byName(synth(base).resource, "aws_launch_template");
    expect(templates["test_launch-template-a"]).toMatchObject({
      name: "dev-workload-a",
      network_interfaces: [
        {
          device_index: 0,
          subnet_id: "subnet-a",
          security_groups: ["sg-a"],
          ipv6_address_count: 1,
          associate_public_ip_address: "false",
        },
      ],
    });
    expect(templates["test_launch-template-b"].network_interfaces).toMatchObject([{ subnet_id: "subnet-b", security_groups: ["sg-b"] }]);
    expect((templates["test_launch-template-b"].tag_specifications as { resource_type: string }[]).map((s) => s.resource_type)).toEqual([
      "instance",
      "volume",
      "network-interface",
    ]);
  });

  test("the root device follows the AMI family (Ubuntu: /dev/sda1)", () => {
    const t = byName(synth({ ...base, ami: UBUNTU }).resource, "aws_launch_template")["test_launch-template-a"];
    expect((t.block_device_mappings as { device_name: string }[])[0].device_name).toBe("/dev/sda1");
  });

  test("an AMI whose root device is unknown is refused", () => {
    expect(() => synth({ ...base, ami: "ami-0123456789abcdef0" })).toThrow(UserError);
    expect(() => synth({ ...base, ami: "ami-0123456789abcdef0" })).toThrow(/^workload\.ami: cannot tell the root device name/);
  });

  test("trustedCaPem defaults to none: the boot script installs no CA", () => {
    const templates = Object.values(synth(base).resource.aws_launch_template);
    for (const t of templates) {
      expect(userDataOf(t)).toBe(workloadUserData("eu-west-1"));
      expect(userDataOf(t)).not.toContain("EGRESS6_CA_CERT");
    }
  });

  test("trustedCaPem: every template's boot script adds the CA to the AMI family's trust store", () => {
    for (const t of Object.values(synth({ ...base, trustedCaPem: PEM }).resource.aws_launch_template)) {
      const script = userDataOf(t);
      expect(script).toContain("cat > /etc/pki/ca-trust/source/anchors/dev-egress6-inspection-ca.pem <<'EGRESS6_CA_CERT'");
      expect(script).toContain(PEM);
      expect(script).toContain("update-ca-trust extract");
    }
    const ubuntu = Object.values(synth({ ...base, ami: UBUNTU, trustedCaPem: PEM }).resource.aws_launch_template)[0];
    expect(userDataOf(ubuntu)).toContain("update-ca-certificates");
  });

  test("exposes the templates by AZ, the instances with their AZ and index", () => {
    Testing.synthScope((scope) => {
      const w = new WorkloadInstances(scope, "test", base);
      expect(Object.keys(w.launchTemplates)).toEqual(["a", "b"]);
      expect(w.instances.map((i) => `${i.zone.suffix}${i.index}`)).toEqual(["a1", "a2", "b1", "b2"]);
      expect(w.role).toBeInstanceOf(IamRole);
    });
  });
});

describe("workloadUserData", () => {
  const script = workloadUserData("eu-west-1");

  test("a bash script that stops on the first error", () => {
    expect(script.startsWith("#!/bin/bash\nset -euo pipefail\n")).toBe(true);
    expect(script.endsWith("\n")).toBe(true);
  });

  test("puts the SSM agent on IPv6 IMDS and checks the three SSM endpoints resolve, not the package repository", () => {
    expect(script).toContain("Environment=AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6");
    expect(script).toContain(
      "for host in ssm.eu-west-1.amazonaws.com ssmmessages.eu-west-1.amazonaws.com ec2messages.eu-west-1.amazonaws.com; do",
    );
    expect(script).not.toContain("al2023-repos");
  });

  test("extra lines come last", () => {
    expect(workloadUserData("eu-west-1", ["echo one", "echo two"]).endsWith("done\necho one\necho two\n")).toBe(true);
  });
});
