import { Testing } from "cdktf";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import {
  HARDENED_METADATA_OPTIONS,
  HardenedLaunchTemplate,
  IMDS_HOP_LIMIT,
  rootDeviceNameOf,
  trustCaCommands,
  trustStoreFamilyOf,
  type HardenedLaunchTemplateProps,
} from "../../../../modules/shared/hardened-launch-template";
import { UserError } from "../../../../lib/errors";

const AL2023 = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64";
const base: HardenedLaunchTemplateProps = {
  name: "dev-proxy-a",
  description: "proxy",
  imageId: AL2023,
  instanceType: "t4g.small",
  instanceProfileArn: "arn:aws:iam::123456789012:instance-profile/dev-proxy",
  tags: { "egress6:role": "proxy" },
};

function template(props: HardenedLaunchTemplateProps): Record<string, unknown> {
  const json = Testing.synthScope((scope) => {
    new HardenedLaunchTemplate(scope, "test", props);
  });
  return Object.values(JSON.parse(json).resource.aws_launch_template)[0] as Record<string, unknown>;
}

describe("HardenedLaunchTemplate", () => {
  test("IMDSv2 only, IMDS over IPv6, hop limit 1, no instance tags in IMDS", () => {
    const json = Testing.synthScope((scope) => {
      new HardenedLaunchTemplate(scope, "test", base);
    });
    expect(json).toHaveResourceWithProperties(LaunchTemplate, {
      metadata_options: {
        http_endpoint: "enabled",
        http_tokens: "required",
        http_protocol_ipv6: "enabled",
        http_put_response_hop_limit: 1,
        instance_metadata_tags: "disabled",
      },
    });
    expect(IMDS_HOP_LIMIT).toBe(1);
    expect(HARDENED_METADATA_OPTIONS.httpTokens).toBe("required");
  });

  test("image, type, instance profile, one-minute monitoring, latest version default, no key pair", () => {
    const t = template(base);
    expect(t).toMatchObject({
      name: "dev-proxy-a",
      description: "proxy",
      image_id: AL2023,
      instance_type: "t4g.small",
      iam_instance_profile: { arn: "arn:aws:iam::123456789012:instance-profile/dev-proxy" },
      monitoring: { enabled: true },
      update_default_version: true,
    });
    expect(t.key_name).toBeUndefined();
  });

  test("the template is tagged with its Name and the given tags", () => {
    expect(template(base).tags).toEqual({ Name: "dev-proxy-a", "egress6:role": "proxy" });
  });

  test("tagOnLaunch defaults to instance and volume, with the given tags (no Name)", () => {
    expect(template(base).tag_specifications).toEqual([
      { resource_type: "instance", tags: { "egress6:role": "proxy" } },
      { resource_type: "volume", tags: { "egress6:role": "proxy" } },
    ]);
  });

  test("tagOnLaunch picks what is tagged", () => {
    expect(template({ ...base, tagOnLaunch: ["network-interface"] }).tag_specifications).toEqual([
      { resource_type: "network-interface", tags: { "egress6:role": "proxy" } },
    ]);
  });

  test("networkInterface defaults to none", () => {
    expect(template(base).network_interfaces).toBeUndefined();
  });

  test("networkInterface: device 0 in the subnet with the groups, one IPv6 address by default, never a public IPv4 address", () => {
    const t = template({ ...base, networkInterface: { subnetId: "subnet-1", securityGroupIds: ["sg-1", "sg-2"] } });
    expect(t.network_interfaces).toEqual([
      {
        device_index: 0,
        subnet_id: "subnet-1",
        security_groups: ["sg-1", "sg-2"],
        ipv6_address_count: 1,
        associate_public_ip_address: "false",
        delete_on_termination: "true",
      },
    ]);
    // EC2 refuses groups named on both the template and its interface.
    expect(t.vpc_security_group_ids).toBeUndefined();
  });

  test("networkInterface.ipv6AddressCount is kept", () => {
    const t = template({ ...base, networkInterface: { subnetId: "s", securityGroupIds: [], ipv6AddressCount: 2 } });
    expect((t.network_interfaces as Record<string, unknown>[])[0].ipv6_address_count).toBe(2);
  });

  test("rootVolume defaults to none (the AMI's own)", () => {
    expect(template(base).block_device_mappings).toBeUndefined();
  });

  test("rootVolume: an encrypted gp3 volume of the given size on the given device", () => {
    expect(template({ ...base, rootVolume: { deviceName: "/dev/xvda", sizeGiB: 16 } }).block_device_mappings).toEqual([
      { device_name: "/dev/xvda", ebs: { volume_type: "gp3", volume_size: 16, encrypted: "true", delete_on_termination: "true" } },
    ]);
  });

  test("userData defaults to none; given, it is stored base64-encoded", () => {
    expect(template(base).user_data).toBeUndefined();
    const script = "#!/bin/bash\necho héllo\n";
    const encoded = template({ ...base, userData: script }).user_data as string;
    expect(Buffer.from(encoded, "base64").toString("utf8")).toBe(script);
  });
});

describe("trustStoreFamilyOf", () => {
  test("Amazon Linux, Debian and Ubuntu public parameters", () => {
    expect(trustStoreFamilyOf(AL2023, "f")).toBe("amazon-linux");
    expect(trustStoreFamilyOf("resolve:ssm:/aws/service/debian/release/12/latest/amd64", "f")).toBe("debian");
    expect(trustStoreFamilyOf("resolve:ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id", "f")).toBe(
      "debian",
    );
  });

  test("anything else is a UserError naming the field and the known prefixes", () => {
    expect(() => trustStoreFamilyOf("ami-0123456789abcdef0", "workload.ami")).toThrow(UserError);
    expect(() => trustStoreFamilyOf("ami-0123456789abcdef0", "workload.ami")).toThrow(
      /^workload\.ami: cannot tell how ami-0123456789abcdef0 installs a CA .*\/aws\/service\/ami-amazon-linux-latest\//,
    );
  });
});

describe("trustCaCommands", () => {
  const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";

  test("Amazon Linux: a ca-trust anchor, then update-ca-trust extract", () => {
    expect(trustCaCommands("amazon-linux", pem, "egress6-ca").slice(1)).toEqual([
      "install -d -m 0755 /etc/pki/ca-trust/source/anchors",
      "cat > /etc/pki/ca-trust/source/anchors/egress6-ca.pem <<'EGRESS6_CA_CERT'",
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----",
      "EGRESS6_CA_CERT",
      "chmod 0644 /etc/pki/ca-trust/source/anchors/egress6-ca.pem",
      "update-ca-trust extract",
    ]);
  });

  test("Debian/Ubuntu: a .crt in /usr/local/share/ca-certificates, then update-ca-certificates", () => {
    const lines = trustCaCommands("debian", pem, "egress6-ca");
    expect(lines).toContain("cat > /usr/local/share/ca-certificates/egress6-ca.crt <<'EGRESS6_CA_CERT'");
    expect(lines[lines.length - 1]).toBe("update-ca-certificates");
    expect(lines[0]).toMatch(/^# .*Debian\/Ubuntu/);
  });

  test("refuses a PEM that holds a private key", () => {
    expect(() => trustCaCommands("debian", `${pem}-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----`, "n")).toThrow(
      "trustCaCommands: the CA certificate contains a private key",
    );
    expect(() => trustCaCommands("amazon-linux", "-----BEGIN RSA PRIVATE KEY-----", "n")).toThrow(/private key/);
  });
});

describe("rootDeviceNameOf", () => {
  test("/dev/xvda for Amazon Linux and Debian, /dev/sda1 for Ubuntu", () => {
    expect(rootDeviceNameOf(AL2023, "f")).toBe("/dev/xvda");
    expect(rootDeviceNameOf("resolve:ssm:/aws/service/debian/release/12/latest/arm64", "f")).toBe("/dev/xvda");
    expect(rootDeviceNameOf("resolve:ssm:/aws/service/canonical/ubuntu/x", "f")).toBe("/dev/sda1");
  });

  test("an unknown AMI is a UserError: the root volume could not be encrypted", () => {
    expect(() => rootDeviceNameOf("resolve:ssm:/my/own/ami", "proxy.ami")).toThrow(UserError);
    expect(() => rootDeviceNameOf("resolve:ssm:/my/own/ami", "proxy.ami")).toThrow(
      /^proxy\.ami: cannot tell the root device name of resolve:ssm:\/my\/own\/ami, so the launch template could not encrypt/,
    );
  });
});
