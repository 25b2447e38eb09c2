/**
 * The launch template every egress6 instance starts from: IMDSv2 only, the IMDS endpoint on over IPv6 with hop
 * limit 1, no instance tags in IMDS, one-minute monitoring, an instance profile and no key pair. Optionally also the
 * primary network interface (subnet, security groups, IPv6 addresses, never a public IPv4 address) and an encrypted
 * gp3 root volume, so that an instance launched from the template alone is as closed as one Terraform launches.
 */
import { Construct } from "constructs";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import { UserError } from "../../lib/errors";

/** A hop limit of 1 keeps IMDS responses from reaching anything forwarded by the instance (EC2 user guide, IMDSv2). */
export const IMDS_HOP_LIMIT = 1;

/** What a launch template can tag at launch (EC2 API, `LaunchTemplateTagSpecificationRequest.ResourceType`). */
export type LaunchTagTarget = "instance" | "volume" | "network-interface";

export interface HardenedLaunchTemplateProps {
  /** The template's name, also its `Name` tag. */
  readonly name: string;
  /** The template's description (free text, shown in the EC2 console). */
  readonly description: string;
  /** An AMI id or `resolve:ssm:<parameter>`. */
  readonly imageId: string;
  /** The EC2 instance type of what the template launches (a Nitro type for an IPv6-only subnet). */
  readonly instanceType: string;
  /** The instance profile the instances run with. */
  readonly instanceProfileArn: string;
  /** Tags for the template and for what it launches. */
  readonly tags: Record<string, string>;
  /**
   * What gets `tags` at launch.
   * @default ["instance", "volume"]
   */
  readonly tagOnLaunch?: readonly LaunchTagTarget[];
  /**
   * The primary network interface of what the template launches. EC2 refuses a request that names a subnet or
   * security groups on the instance when the template has a network interface: instances launched from such a
   * template take both from here.
   * @default none (the launch request chooses subnet and security groups)
   */
  readonly networkInterface?: LaunchNetworkInterface;
  /**
   * An encrypted gp3 root volume in the template.
   * Instances launched from the template take it from here; an instance must not set `root_block_device` itself
   * (with a `resolve:ssm:` AMI the provider then fails on DescribeImages, terraform-provider-aws #43488).
   * @default none (the AMI's own root volume)
   */
  readonly rootVolume?: { readonly deviceName: string; readonly sizeGiB: number };
  /**
   * A boot script for what the template launches (plain text; the template stores it base64-encoded, as EC2 wants).
   * Contains no Terraform interpolation. An instance that sets its own user data replaces it.
   * @default - none: the template sets no `user_data`
   */
  readonly userData?: string;
}

/** The primary (device index 0) interface a template gives its instances; never a public IPv4 address. */
export interface LaunchNetworkInterface {
  readonly subnetId: string;
  readonly securityGroupIds: readonly string[];
  /** @default 1 */
  readonly ipv6AddressCount?: number;
}

/** IMDSv2 only, the IPv6 endpoint on, one hop, no instance tags: the same block for templates and instances. */
export const HARDENED_METADATA_OPTIONS = {
  httpEndpoint: "enabled",
  httpTokens: "required",
  httpProtocolIpv6: "enabled",
  httpPutResponseHopLimit: IMDS_HOP_LIMIT,
  instanceMetadataTags: "disabled",
} as const;

/** A launch template with the IMDS, monitoring and access settings above; instances use its latest version. */
export class HardenedLaunchTemplate extends LaunchTemplate {
  constructor(scope: Construct, id: string, props: HardenedLaunchTemplateProps) {
    super(scope, id, {
      name: props.name,
      description: props.description,
      imageId: props.imageId,
      instanceType: props.instanceType,
      iamInstanceProfile: { arn: props.instanceProfileArn },
      metadataOptions: { ...HARDENED_METADATA_OPTIONS },
      // One-minute instance metrics: an anomaly shows in minutes, not five (CIS/Checkov CKV_AWS_126).
      monitoring: { enabled: true },
      updateDefaultVersion: true,
      ...(props.userData !== undefined ? { userData: Buffer.from(props.userData, "utf8").toString("base64") } : {}),
      tagSpecifications: (props.tagOnLaunch ?? ["instance", "volume"]).map((resourceType) => ({ resourceType, tags: props.tags })),
      tags: { Name: props.name, ...props.tags },
      ...(props.networkInterface
        ? {
            networkInterfaces: [
              {
                deviceIndex: 0,
                subnetId: props.networkInterface.subnetId,
                securityGroups: [...props.networkInterface.securityGroupIds],
                ipv6AddressCount: props.networkInterface.ipv6AddressCount ?? 1,
                // A string in the provider's schema: "false" is sent, an unset value would leave the subnet's default.
                associatePublicIpAddress: "false",
                deleteOnTermination: "true",
              },
            ],
          }
        : {}),
      ...(props.rootVolume
        ? {
            blockDeviceMappings: [
              {
                deviceName: props.rootVolume.deviceName,
                ebs: { volumeType: "gp3", volumeSize: props.rootVolume.sizeGiB, encrypted: "true", deleteOnTermination: "true" },
              },
            ],
          }
        : {}),
    });
  }
}

/** How an AMI family adds a CA to its system trust store. */
export type TrustStoreFamily = "amazon-linux" | "debian";

const TRUST_STORE_BY_SSM_PREFIX: readonly (readonly [prefix: string, family: TrustStoreFamily])[] = [
  ["resolve:ssm:/aws/service/ami-amazon-linux-latest/", "amazon-linux"], // AL2023 and AL2: ca-certificates with update-ca-trust
  ["resolve:ssm:/aws/service/debian/", "debian"], // ca-certificates with update-ca-certificates
  ["resolve:ssm:/aws/service/canonical/", "debian"], // Ubuntu: the same Debian package
];

/** The trust-store family of an AMI given as `resolve:ssm:<public parameter>`; `field` names it in the error. */
export function trustStoreFamilyOf(ami: string, field: string): TrustStoreFamily {
  const known = TRUST_STORE_BY_SSM_PREFIX.find(([prefix]) => ami.startsWith(prefix));
  if (!known) {
    throw new UserError([
      `${field}: cannot tell how ${ami} installs a CA into its trust store; use a public parameter under ${TRUST_STORE_BY_SSM_PREFIX.map(([p]) => p.replace("resolve:ssm:", "")).join(", ")}`,
    ]);
  }
  return known[1];
}

/**
 * Boot-script lines that add `caPem` (a CA certificate, public part) to the system trust store, so TLS that an
 * inspection point re-signs with that CA is trusted by everything that uses the system store. Under `set -e` a
 * missing tool fails the boot script, rather than leaving clients that would all fail later.
 */
export function trustCaCommands(family: TrustStoreFamily, caPem: string, name: string): string[] {
  if (/PRIVATE KEY/.test(caPem)) throw new Error("trustCaCommands: the CA certificate contains a private key");
  const [dir, file, update] =
    family === "amazon-linux"
      ? ["/etc/pki/ca-trust/source/anchors", `${name}.pem`, "update-ca-trust extract"]
      : ["/usr/local/share/ca-certificates", `${name}.crt`, "update-ca-certificates"];
  return [
    `# egress6: trust the inspection CA (${family === "amazon-linux" ? "Amazon Linux: ca-trust anchors" : "Debian/Ubuntu: ca-certificates"}), so decrypted connections verify.`,
    `install -d -m 0755 ${dir}`,
    `cat > ${dir}/${file} <<'EGRESS6_CA_CERT'`,
    caPem.trim(),
    "EGRESS6_CA_CERT",
    `chmod 0644 ${dir}/${file}`,
    update,
  ];
}

/**
 * Root device names of the AMI families whose public SSM parameters egress6 knows. A block device mapping under
 * another name adds a second volume and leaves the root volume as the AMI has it, so an unknown family is an error.
 */
const ROOT_DEVICE_BY_SSM_PREFIX: readonly (readonly [prefix: string, deviceName: string])[] = [
  ["resolve:ssm:/aws/service/ami-amazon-linux-latest/", "/dev/xvda"], // Amazon Linux 2 and 2023
  ["resolve:ssm:/aws/service/debian/", "/dev/xvda"],
  ["resolve:ssm:/aws/service/canonical/", "/dev/sda1"], // Ubuntu
];

/** The root device name of an AMI given as `resolve:ssm:<public parameter>`; `field` names it in the error. */
export function rootDeviceNameOf(ami: string, field: string): string {
  const known = ROOT_DEVICE_BY_SSM_PREFIX.find(([prefix]) => ami.startsWith(prefix));
  if (!known) {
    const families = ROOT_DEVICE_BY_SSM_PREFIX.map(([prefix]) => prefix.replace("resolve:ssm:", "")).join(", ");
    throw new UserError([
      `${field}: cannot tell the root device name of ${ami}, so the launch template could not encrypt its root volume; use a public parameter under ${families}`,
    ]);
  }
  return known[1];
}
