import { Testing } from "cdktf";
import { Vpc } from "@cdktf/provider-aws/lib/vpc";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { CloudwatchMetricAlarm } from "@cdktf/provider-aws/lib/cloudwatch-metric-alarm";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { NetworkInterface } from "@cdktf/provider-aws/lib/network-interface";
import {
  ProxyTier,
  USER_DATA_LIMIT_BYTES,
  checkUserDataSize,
  proxyRoleName,
  type ProxyTierProps,
} from "../../../../modules/proxy/proxy-tier";
import { POLICY_VERSION_PREFIX } from "../../../../lib/proxy-signals";
import type { SquidPolicy } from "../../../../modules/proxy/squid-conf";
import { UserError } from "../../../../lib/errors";

const AL2023 = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
/** How the VPC /56 (a reference to the `vpc` resource that synth() adds) appears in the synthesized JSON. */
const VPC = "${aws_vpc.vpc.ipv6_cidr_block}";
const policy: SquidPolicy = {
  env: "dev",
  domains: [".example.com", "api.example.org"],
  ports: [443, 8443],
  explicitPort: 3128,
  interceptHttpPort: 3129,
  interceptHttpsPort: 3130,
};
const decryptingPolicy: SquidPolicy = { ...policy, decryption: { neverDecrypt: [".bank.example"], ports: [443] } };
const zones: ProxyTierProps["zones"] = [
  { zone: { name: "eu-west-1a", suffix: "a", index: 0 }, proxySubnetId: "subnet-pa", workloadIpv6Cidr: "2001:db8:0:0::/64" },
  { zone: { name: "eu-west-1b", suffix: "b", index: 1 }, proxySubnetId: "subnet-pb", workloadIpv6Cidr: "2001:db8:0:1::/64" },
];
const SECRET = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:dev-ca-key-AbCdEf";
const CA = { certificatePem: "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", secretArn: SECRET };

type Props = Omit<ProxyTierProps, "keyPolicy" | "vpcIpv6Cidr">;
const base: Props = {
  policy,
  region: "eu-west-1",
  ami: AL2023,
  instanceType: "t4g.small",
  vpcId: "vpc-1",
  zones,
  logGroupName: "/egress6/dev/proxy/access",
  logRetentionDays: 90,
  kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/logs",
};
const decrypting: Props = {
  ...base,
  policy: decryptingPolicy,
  decryption: {
    ca: CA,
    secretKmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/secret",
    icapEndpoints: [{ address: "2001:db8:0:30::10", port: 1344, scheme: "icap" }],
  },
};

type Resources = Record<string, Record<string, Record<string, unknown>>>;
const cache = new Map<Props, { json: string; resource: Resources }>();

/** Synthesizes the tier alone (with a key policy for it to depend on); the same props object is synthesized once. */
function synth(props: Props): { json: string; resource: Resources } {
  const cached = cache.get(props);
  if (cached) return cached;
  const json = Testing.synthScope((scope) => {
    const keyPolicy = new KmsKeyPolicy(scope, "key-policy", { keyId: "logs", policy: "{}" });
    // As in the stacks, the VPC /56 is a Terraform reference, unknown until apply.
    const vpc = new Vpc(scope, "vpc", { cidrBlock: "10.0.0.0/16" });
    new ProxyTier(scope, "test", { ...props, vpcIpv6Cidr: vpc.ipv6CidrBlock, keyPolicy });
  });
  const result = { json, resource: JSON.parse(json).resource };
  cache.set(props, result);
  return result;
}

/** Resources of one type, keyed by construct path without the hash suffix. */
function byName(resource: Resources, type: string): Record<string, Record<string, unknown>> {
  return Object.fromEntries(Object.entries(resource[type] ?? {}).map(([k, v]) => [k.replace(/_[0-9A-F]{8}$/, ""), v]));
}

type Rule = { protocol: string; from_port: number; to_port: number; ipv6_cidr_blocks: string[]; cidr_blocks: string[] };
const brief = (rules: Rule[]) => rules.map((r) => `${r.protocol}/${r.from_port}-${r.to_port} ${r.ipv6_cidr_blocks.join(",")}`);

describe("ProxyTier", () => {
  test("proxyRoleName is <env>-proxy", () => {
    expect(proxyRoleName("prod")).toBe("prod-proxy");
  });

  test("the access-log group: the given name, retention and KMS key, created after the key policy", () => {
    expect(synth(base).json).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/egress6/dev/proxy/access",
      retention_in_days: 90,
      kms_key_id: "arn:aws:kms:eu-west-1:123456789012:key/logs",
      depends_on: ["aws_kms_key_policy.key-policy"],
    });
  });

  test("one security group per AZ: only that AZ's workload /64 in, on the allowlisted and explicit ports, plus Packet Too Big", () => {
    const groups = byName(synth(base).resource, "aws_security_group");
    expect(Object.keys(groups).sort()).toEqual(["test_a-security-group_resource", "test_b-security-group_resource"]);
    const a = groups["test_a-security-group_resource"];
    expect(a.name).toBe("dev-proxy-a");
    expect(brief(a.ingress as Rule[])).toEqual([
      "tcp/443-443 2001:db8:0:0::/64",
      "tcp/8443-8443 2001:db8:0:0::/64",
      "tcp/3128-3128 2001:db8:0:0::/64",
      "58/2--1 ::/0",
    ]);
    expect(brief(groups["test_b-security-group_resource"].ingress as Rule[])[0]).toBe("tcp/443-443 2001:db8:0:1::/64");
    for (const rule of [...(a.ingress as Rule[]), ...(a.egress as Rule[])]) expect(rule.cidr_blocks).toEqual([]);
    expect(a.tags).toEqual({ Name: "dev-proxy-a", "egress6:role": "proxy", "egress6:az": "a" });
  });

  test("egress: the allowlisted ports to ::/0, HTTPS added when not allowlisted (packages, AWS APIs)", () => {
    const a = byName(synth(base).resource, "aws_security_group")["test_a-security-group_resource"];
    expect(brief(a.egress as Rule[])).toEqual(["tcp/443-443 ::/0", "tcp/8443-8443 ::/0"]);
    const only80 = { ...base, policy: { ...policy, ports: [80] } };
    const egress = byName(synth(only80).resource, "aws_security_group")["test_a-security-group_resource"].egress as (Rule & {
      description: string;
    })[];
    expect(brief(egress)).toEqual(["tcp/80-80 ::/0", "tcp/443-443 ::/0"]);
    expect(egress[1].description).toBe("HTTPS for the proxy packages and AWS APIs");
  });

  test("a role with Systems Manager and the CloudWatch agent, and one inline policy: the bundle object, its key via S3, proxy metrics", () => {
    const { resource } = synth(base);
    expect(Object.values(resource.aws_iam_role)[0]).toMatchObject({ name: "dev-proxy" });
    expect(Object.values(resource.aws_iam_role_policy_attachment).map((a) => a.policy_arn)).toEqual([
      "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",
      "arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy",
    ]);
    const policies = Object.values(resource.aws_iam_role_policy);
    expect(policies.map((p) => p.name)).toEqual(["dev-proxy-policy"]);
    const bucket = Object.keys(resource.aws_s3_bucket)[0];
    const doc = JSON.parse(policies[0].policy as string);
    expect(doc.Statement).toEqual([
      {
        Sid: "ReadThePolicyBundle",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: `\${aws_s3_bucket.${bucket}.arn}/egress6/policy-bundle`,
      },
      {
        Sid: "DecryptThePolicyBundleOnly",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: base.kmsKeyArn,
        Condition: {
          StringEquals: {
            "kms:ViaService": "s3.eu-west-1.amazonaws.com",
            "kms:EncryptionContext:aws:s3:arn": [
              `\${aws_s3_bucket.${bucket}.arn}`,
              `\${aws_s3_bucket.${bucket}.arn}/egress6/policy-bundle`,
            ],
          },
        },
      },
      {
        Sid: "PublishProxyMetricsOnly",
        Effect: "Allow",
        Action: "cloudwatch:PutMetricData",
        Resource: "*",
        Condition: { StringEquals: { "cloudwatch:namespace": "egress6/Proxy" } },
      },
    ]);
  });

  test("the policy bundle: one object in a bucket of its own, versioned, SSE-KMS with the given key, closed, TLS only", () => {
    const { resource } = synth(base);
    const bucket = Object.keys(resource.aws_s3_bucket)[0];
    expect(Object.values(resource.aws_s3_bucket)[0]).toMatchObject({ bucket_prefix: "dev-policy-" });
    expect(Object.values(resource.aws_s3_bucket_versioning)[0]).toMatchObject({ versioning_configuration: { status: "Enabled" } });
    expect(Object.values(resource.aws_s3_bucket_server_side_encryption_configuration)[0]).toMatchObject({
      rule: [
        {
          apply_server_side_encryption_by_default: { sse_algorithm: "aws:kms", kms_master_key_id: base.kmsKeyArn },
          bucket_key_enabled: true,
        },
      ],
    });
    expect(Object.values(resource.aws_s3_bucket_public_access_block)[0]).toMatchObject({
      block_public_acls: true,
      block_public_policy: true,
      ignore_public_acls: true,
      restrict_public_buckets: true,
    });
    const tls = JSON.parse(Object.values(resource.aws_s3_bucket_policy)[0].policy as string).Statement;
    expect(tls).toEqual([expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } })]);
    const object = Object.values(resource.aws_s3_object)[0];
    expect(object).toMatchObject({
      bucket: `\${aws_s3_bucket.${bucket}.id}`,
      key: "egress6/policy-bundle",
      server_side_encryption: "aws:kms",
      kms_key_id: base.kmsKeyArn,
    });
    const content = object.content as string;
    expect(content.startsWith(POLICY_VERSION_PREFIX)).toBe(true);
    // The /56 is the one interpolation; squid.conf reads the allowlist from the bundle's file.
    expect(new Set(content.match(/(?<!\$)\$\{[^}]*\}/g))).toEqual(new Set([VPC]));
    expect(content).toContain('acl egress_domains dstdomain -n "/etc/egress6/policy/current/allowlist"');
    expect(content).toContain("### egress6-bundle-file: allowlist\n.example.com\napi.example.org\n### egress6-bundle-file: ");
  });

  test("the policy changes the bundle object only: same user data, same instances, same launch template", () => {
    const other = synth({ ...base, policy: { ...policy, domains: [...policy.domains, ".added.example"], ports: [443, 8443, 80] } });
    const mine = synth(base);
    const strip = (r: Resources, type: string) => JSON.stringify(r[type]);
    expect(JSON.parse(other.json).locals).toEqual(JSON.parse(mine.json).locals);
    expect(strip(other.resource, "aws_instance")).toBe(strip(mine.resource, "aws_instance"));
    expect(strip(other.resource, "aws_launch_template")).toBe(strip(mine.resource, "aws_launch_template"));
    expect(strip(other.resource, "aws_s3_object")).not.toBe(strip(mine.resource, "aws_s3_object"));
  });

  test("the rollout: the first AZ's proxy applies at once, the next one step (rolloutStepSeconds, default 120) later", () => {
    const locals = (props: Props) => JSON.parse(synth(props).json).locals as Record<string, string>;
    const delayOf = (l: Record<string, string>, az: string) =>
      /EGRESS6_ROLLOUT_DELAY_SECONDS=(\d+)/.exec(Object.entries(l).find(([k]) => k.startsWith(`test_${az}-user-data`))![1])![1];
    expect([delayOf(locals(base), "a"), delayOf(locals(base), "b")]).toEqual(["0", "120"]);
    const fast = { ...base, rolloutStepSeconds: 30 };
    expect([delayOf(locals(fast), "a"), delayOf(locals(fast), "b")]).toEqual(["0", "30"]);
    expect(() => synth({ ...base, rolloutStepSeconds: -1 })).toThrow(/rolloutStepSeconds must be a whole number >= 0/);
  });

  test("the launch template: IMDSv2, encrypted gp3 root (16 GiB by default) on the AMI's root device, no interface", () => {
    const t = Object.values(synth(base).resource.aws_launch_template)[0];
    expect(t).toMatchObject({
      name: "dev-proxy",
      image_id: AL2023,
      instance_type: "t4g.small",
      metadata_options: { http_tokens: "required", http_protocol_ipv6: "enabled", http_put_response_hop_limit: 1 },
      block_device_mappings: [
        { device_name: "/dev/xvda", ebs: { volume_type: "gp3", volume_size: 16, encrypted: "true", delete_on_termination: "true" } },
      ],
    });
    expect(t.network_interfaces).toBeUndefined();
  });

  test("rootVolumeGiB sets the root volume's size", () => {
    const t = Object.values(synth({ ...base, rootVolumeGiB: 30 }).resource.aws_launch_template)[0];
    expect((t.block_device_mappings as { ebs: { volume_size: number } }[])[0].ebs.volume_size).toBe(30);
  });

  test("an AMI whose root device is unknown is refused, naming the config field", () => {
    expect(() => synth({ ...base, ami: "ami-0123456789abcdef0" })).toThrow(UserError);
    expect(() => synth({ ...base, ami: "ami-0123456789abcdef1" })).toThrow(/^inspection\.proxy\.ami: /);
  });

  test("per AZ two fixed interfaces (primary, standby) in the proxy subnet: one IPv6 address, source/dest check off, the AZ's group, kept in quarantine, tagged with the failover group and slot", () => {
    const { json, resource } = synth(base);
    for (const slot of [1, 2]) {
      expect(json).toHaveResourceWithProperties(NetworkInterface, {
        subnet_id: "subnet-pb",
        ipv6_address_count: 1,
        source_dest_check: false,
        security_groups: [expect.stringMatching(/^\$\{aws_security_group\.test_b-security-group_resource_[0-9A-F]+\.id\}$/)],
        lifecycle: { ignore_changes: ["security_groups"] },
        tags: {
          Name: `dev-proxy-b-${slot}`,
          "egress6:role": "proxy",
          "egress6:az": "b",
          "egress6:failover-group": "dev-b",
          "egress6:proxy-slot": `b-${slot}`,
        },
      });
    }
    expect(Object.keys(resource.aws_network_interface)).toHaveLength(4);
    // One security group per AZ, shared by both slots.
    expect(Object.keys(resource.aws_security_group)).toHaveLength(2);
  });

  test("per AZ an instance on that interface, from the template, IMDSv2, monitored, replaced when its user data changes", () => {
    const instance = byName(synth(base).resource, "aws_instance")["test_a"];
    expect(instance).toMatchObject({
      network_interface: [
        { network_interface_id: expect.stringMatching(/^\$\{aws_network_interface\.test_a-interface_[0-9A-F]+\.id\}$/), device_index: 0 },
      ],
      launch_template: { id: expect.stringMatching(/^\$\{aws_launch_template\.test_launch-template_[0-9A-F]+\.id\}$/) },
      user_data_replace_on_change: true,
      monitoring: true,
      ebs_optimized: true,
      metadata_options: { http_tokens: "required", http_endpoint: "enabled" },
      tags: { Name: "dev-proxy-a-1", "egress6:role": "proxy", "egress6:az": "a", "egress6:proxy-slot": "a-1" },
    });
    const standby = byName(synth(base).resource, "aws_instance")["test_a-2"];
    expect(standby.network_interface).toEqual([
      { network_interface_id: expect.stringMatching(/^\$\{aws_network_interface\.test_a-2-interface_[0-9A-F]+\.id\}$/), device_index: 0 },
    ]);
    expect(standby.tags).toMatchObject({ Name: "dev-proxy-a-2", "egress6:proxy-slot": "a-2" });
    expect(instance.user_data_base64).toMatch(/^\$\{base64gzip\(local\.test_a-user-data_[0-9A-F]+\)\}$/);
    expect(instance.ami).toBeUndefined();
    expect(instance.root_block_device).toBeUndefined();
    expect(instance.key_name).toBeUndefined();
    expect(instance.lifecycle).toBeUndefined();
  });

  test("the user data local is that AZ's proxy boot script, interpolating only the policy bucket's name", () => {
    const { json, resource } = synth(base);
    const locals = JSON.parse(json).locals as Record<string, string>;
    const a = Object.entries(locals).find(([k]) => k.startsWith("test_a-user-data"))?.[1] as string;
    expect(a.startsWith("#!/bin/bash")).toBe(true);
    expect(a).toContain("proxy-a/{instance_id}");
    expect(a).toContain("EGRESS6_PROXY_SLOT=a-1\n");
    expect(new Set(a.match(/(?<!\$)\$\{[^}]*\}/g))).toEqual(
      new Set([`\${aws_s3_bucket.${Object.keys(resource.aws_s3_bucket)[0]}.bucket}`]),
    );
    // Each slot's heartbeat publishes as its own slot.
    const a2 = Object.entries(locals).find(([k]) => k.startsWith("test_a-2-user-data"))?.[1] as string;
    expect(a).toContain('{"Name":"Proxy","Value":"a-1"}');
    expect(a2).toContain('{"Name":"Proxy","Value":"a-2"}');
    expect(a2).not.toContain('"Value":"a-1"');
  });

  test("per proxy an auto-recovery alarm on the system status check", () => {
    expect(synth(base).json).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "dev-proxy-a-2-auto-recovery",
      dimensions: { InstanceId: expect.stringMatching(/^\$\{aws_instance\.test_a-2_[0-9A-F]+\.id\}$/) },
    });
    expect(synth(base).json).toHaveResourceWithProperties(CloudwatchMetricAlarm, {
      alarm_name: "dev-proxy-a-1-auto-recovery",
      namespace: "AWS/EC2",
      metric_name: "StatusCheckFailed_System",
      dimensions: { InstanceId: expect.stringMatching(/^\$\{aws_instance\.test_a_[0-9A-F]+\.id\}$/) },
      statistic: "Maximum",
      period: 60,
      evaluation_periods: 2,
      threshold: 1,
      comparison_operator: "GreaterThanOrEqualToThreshold",
      alarm_actions: ["arn:aws:automate:eu-west-1:ec2:recover"],
    });
  });

  test("the recovery action follows the region's partition", () => {
    const alarm = Object.values(synth({ ...base, region: "cn-north-1" }).resource.aws_cloudwatch_metric_alarm)[0];
    expect(alarm.alarm_actions).toEqual(["arn:aws-cn:automate:cn-north-1:ec2:recover"]);
  });

  test("exposes two proxies per AZ, primary first; proxyOf finds each and refuses a slot that does not exist", () => {
    Testing.synthScope((scope) => {
      const keyPolicy = new KmsKeyPolicy(scope, "key-policy", { keyId: "k", policy: "{}" });
      const tier = new ProxyTier(scope, "test", { ...base, vpcIpv6Cidr: "2001:db8::/56", keyPolicy });
      expect(tier.proxies.map((p) => p.slotId)).toEqual(["a-1", "a-2", "b-1", "b-2"]);
      expect(tier.proxyOf("b", 2).slotId).toBe("b-2");
      expect(tier.proxyOf("a").slot).toBe(1);
      expect(() => tier.proxyOf("c")).toThrow("no proxy of slot 1 in AZ c");
      expect(() => tier.proxyOf("a", 3)).toThrow("no proxy of slot 3 in AZ a");
    });
  });

  describe("decryption (default none)", () => {
    test("policy.decryption without decryption, or the reverse, is refused", () => {
      expect(() => synth({ ...base, policy: decryptingPolicy })).toThrow("ProxyTier: policy.decryption and decryption go together");
      expect(() => synth({ ...decrypting, policy })).toThrow("ProxyTier: policy.decryption and decryption go together");
    });

    test("the role may read the CA key's secret and decrypt with its key only through Secrets Manager for that secret", () => {
      const { json, resource } = synth(decrypting);
      expect(json).toHaveResourceWithProperties(IamRolePolicy, { name: "dev-proxy-ca-key" });
      const caKey = Object.values(resource.aws_iam_role_policy).find((p) => p.name === "dev-proxy-ca-key")!;
      const doc = JSON.parse(caKey.policy as string);
      expect(doc.Statement).toEqual([
        { Sid: "ReadTheCaKeySecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: SECRET },
        {
          Sid: "DecryptTheCaKeySecretOnly",
          Effect: "Allow",
          Action: "kms:Decrypt",
          Resource: "arn:aws:kms:eu-west-1:123456789012:key/secret",
          Condition: {
            StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com", "kms:EncryptionContext:SecretARN": SECRET },
          },
        },
      ]);
    });

    test("the security group opens exactly the ICAP services' address and port", () => {
      const egress = byName(synth(decrypting).resource, "aws_security_group")["test_a-security-group_resource"].egress as Rule[];
      expect(brief(egress)).toEqual(["tcp/443-443 ::/0", "tcp/8443-8443 ::/0", "tcp/1344-1344 2001:db8:0:30::10/128"]);
    });

    test("plain icap:// gets a precondition that the service is inside the VPC /56; icaps:// does not", () => {
      const instance = byName(synth(decrypting).resource, "aws_instance")["test_a"];
      const [pre] = (instance.lifecycle as { precondition: { condition: string; error_message: string }[] }).precondition;
      expect(pre.condition).toBe('${(cidrsubnet("2001:db8:0:30::10/56", 0, 0) == aws_vpc.vpc.ipv6_cidr_block)}');
      expect(pre.error_message).toMatch(/^inspection\.tlsInspection\.icap: plain icap:\/\/ to \[2001:db8:0:30::10\] is outside/);
      const tls: Props = {
        ...decrypting,
        decryption: { ...decrypting.decryption!, icapEndpoints: [{ address: "2001:db8::1", port: 11344, scheme: "icaps" }] },
      };
      expect(byName(synth(tls).resource, "aws_instance")["test_a"].lifecycle).toBeUndefined();
    });

    test("the boot script carries the CA certificate, never its key", () => {
      const locals = Object.values(JSON.parse(synth(decrypting).json).locals as Record<string, string>);
      for (const script of locals) {
        expect(script).toContain("MIIB");
        expect(script).toContain(SECRET);
        expect(script).not.toMatch(/PRIVATE KEY-----\n[A-Za-z0-9+/]/);
      }
    });
  });

  test("the boot script's size is checked (EC2 takes 16 KB compressed), references counted at their largest", () => {
    expect(USER_DATA_LIMIT_BYTES).toBe(16384);
    // Random text does not compress.
    let seed = 1;
    const rand = () => ((seed = (seed * 48271) % 2147483647), seed.toString(36));
    const big = Array.from({ length: 6000 }, () => `${rand()}${rand()}`).join("\n");
    expect(() => checkUserDataSize(big)).toThrow(UserError);
    expect(() => checkUserDataSize(big)).toThrow(/^the proxy boot script is \d+ KB compressed; EC2 accepts at most 16 KB of user data/);
    expect(() => checkUserDataSize("#!/bin/bash\n")).not.toThrow();
    // 3,000 random domains no longer touch the boot script: they go to the bundle object.
    const domains = Array.from({ length: 3000 }, () => `${rand()}${rand()}.example`);
    expect(() => synth({ ...base, policy: { ...policy, domains } })).not.toThrow();
  });
});
