/**
 * Hardened IPv6-only workload instances: `count` instances per AZ, each with one IPv6 address, no public IPv4,
 * the security group of its AZ, an encrypted gp3 root volume, IMDSv2 only (IMDS over IPv6, hop limit 1), an
 * instance profile that grants Systems Manager and nothing else, and no key pair. Access is Session Manager only.
 *
 * Two kinds of launch template carry all of that:
 *
 * - one per AZ, network interface included (workload subnet and security group of that AZ), for workloads launched
 *   outside Terraform: one template for all AZs could not name a security group without reopening the cross-AZ
 *   proxy path, and a template without subnet and group launches into the default VPC or the default group;
 * - one without a network interface, which the instances Terraform manages launch from. Each instance names its
 *   own subnet, security group and IPv6 address count: EC2 refuses a subnet or security group in the launch request
 *   next to a template network interface (terraform-provider-aws #32614), and the verifier places an instance by its
 *   own `subnet_id`. The remediation Lambda's quarantine swaps the instance's groups; `ignore_changes` on
 *   `vpc_security_group_ids` keeps a later apply from undoing it.
 *
 * The instances set neither `ami` nor `root_block_device`: the AMI (`resolve:ssm:`) and the encrypted gp3 root
 * volume come from the template. With `root_block_device` on the instance the provider looks the AMI up to find
 * its root device name and fails on a `resolve:ssm:` value (terraform-provider-aws #43488, #22912); with `ami =
 * resolve:ssm:` on the instance every plan replaces it (#43364). IMDS options, monitoring and the instance profile
 * are repeated on the instance so that scanners that do not follow launch templates see them.
 *
 * Rolling updates. Each instance names the template's `latest_version`, and `ignore_changes` keeps the version it was
 * launched from: a template change (boot script, AMI, instance type) makes a new template version and replaces no
 * instance. Without it the AWS provider replaces every instance in the same apply: its CustomizeDiff for
 * `aws_instance` (internal/service/ec2/ec2_instance.go) forces a new instance when `launch_template.0.version`
 * changes and differs from the version the instance was launched from (the `aws:ec2launchtemplate:version` tag),
 * and with `$Latest` or `$Default` its Read writes the instance's numeric version into state once the template's
 * latest (default) version moves on, so the next plan replaces it just the same. Ignoring the version leaves the
 * provider no change to see. Instances move to the new version when replaced on purpose, one AZ at a time:
 * `npm run workloads -- roll` (docs/deploying.md, "Rolling workload updates").
 */
import { Construct } from "constructs";
import { Token } from "cdktf";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import type { Zone } from "../../lib/zone";
import { TAG_AZ, TAG_ENVIRONMENT, TAG_ROLE } from "../../lib/names";
import {
  HARDENED_METADATA_OPTIONS,
  HardenedLaunchTemplate,
  rootDeviceNameOf,
  trustCaCommands,
  trustStoreFamilyOf,
} from "../shared/hardened-launch-template";
import { SSM_CORE_POLICY, instanceRole } from "../shared/instance-role";
import { ssmAgentOverIpv6Commands } from "../shared/ssm-agent";
import { bootHostCheckCommands, workloadBootHosts } from "../shared/boot-hosts";

export interface WorkloadInstancesProps {
  /**
   * The environment name: the role and launch templates are named `<envName>-workload...`, and what the templates
   * launch carries it as the environment tag (the remediation Lambda's permissions are scoped to that tag).
   */
  readonly envName: string;
  /** The AWS region the instances run in: the boot script's checked host names and the role's managed policy ARNs derive from it. */
  readonly region: string;
  /** `resolve:ssm:<parameter>`: resolved by EC2 at launch, so planning needs no AMI lookup. */
  readonly ami: string;
  /** A Nitro instance type (the config schema checks it). */
  readonly instanceType: string;
  /** Size of each instance's encrypted gp3 root volume, in GiB (set in the launch templates). */
  readonly rootVolumeGiB: number;
  /** The workload subnet of each AZ and the security group its instances get (one per AZ). */
  readonly subnets: readonly { readonly zone: Zone; readonly subnetId: string; readonly securityGroupId: string }[];
  /**
   * How many instances Terraform launches in each AZ's workload subnet (0: only the launch templates, for workloads
   * launched elsewhere).
   */
  readonly instancesPerAz: number;
  /**
   * A CA certificate (PEM, public part) the instances add to their system trust store at first boot: the CA an
   * inspection point re-signs decrypted TLS with.
   * @default - none: the boot script adds no CA to the trust store
   */
  readonly trustedCaPem?: string;
}

/**
 * What `ignore_changes` keeps on each workload instance: the security groups the remediation Lambda may have swapped
 * (quarantine), and, for rolling updates, the launch template version the instance was launched from and the boot
 * script it was launched with (`user_data`, computed from the template: the instances set none, and an in-place
 * change of it stops and starts the instance).
 */
export const WORKLOAD_INSTANCE_IGNORED_CHANGES = ["vpc_security_group_ids", "launch_template[0].version", "user_data"] as const;

/**
 * The workloads' boot script: the same Systems Manager agent setup as the proxies' (IMDS over IPv6; the regional
 * names the interface endpoints answer), and a check that names any boot host that does not resolve.
 */
export function workloadUserData(region: string, extra: readonly string[] = []): string {
  return [
    "#!/bin/bash",
    "set -euo pipefail",
    "# egress6 workload boot: Systems Manager the same way as the proxies. Generated by modules/workload/workload-instances.ts.",
    ...ssmAgentOverIpv6Commands(),
    ...bootHostCheckCommands(workloadBootHosts(region)),
    ...extra,
    "",
  ].join("\n");
}

export class WorkloadInstances extends Construct {
  /** One per AZ, by AZ suffix, network interface included: for workloads launched outside Terraform. */
  readonly launchTemplates: Record<string, HardenedLaunchTemplate> = {};
  /** What the instances below launch from: no network interface (each instance names its own subnet and group). */
  readonly instanceTemplate: HardenedLaunchTemplate;
  readonly role: IamRole;
  readonly instances: { readonly zone: Zone; readonly index: number; readonly instance: Instance }[] = [];

  constructor(scope: Construct, id: string, props: WorkloadInstancesProps) {
    super(scope, id);
    const name = `${props.envName}-workload`;

    const { role, profile } = instanceRole(this, {
      name,
      description: `egress6 ${props.envName}: workload instances (Systems Manager only)`,
      region: props.region,
      managedPolicies: { "ssm-core": SSM_CORE_POLICY },
    });
    this.role = role;

    const roleTags = { [TAG_ROLE]: "workload" };
    // Provider default tags do not reach what a template launches: an instance started from it outside Terraform
    // still carries the environment tag the remediation Lambda's permissions are scoped to.
    const launchTags = { ...roleTags, [TAG_ENVIRONMENT]: props.envName };
    const rootDeviceName = rootDeviceNameOf(props.ami, "workload.ami");
    const rootVolume = { deviceName: rootDeviceName, sizeGiB: props.rootVolumeGiB };
    const trustCa =
      props.trustedCaPem === undefined
        ? []
        : trustCaCommands(trustStoreFamilyOf(props.ami, "workload.ami"), props.trustedCaPem, `${props.envName}-egress6-inspection-ca`);
    const userData = workloadUserData(props.region, trustCa);
    this.instanceTemplate = new HardenedLaunchTemplate(this, "instance-launch-template", {
      name: `${name}-instances`,
      description:
        "egress6 workload instances managed by Terraform: encrypted root, IMDSv2 only, SSM profile, no key pair; subnet, security group and IPv6 address come from each instance",
      imageId: props.ami,
      instanceType: props.instanceType,
      instanceProfileArn: profile.arn,
      tags: launchTags,
      rootVolume,
      userData,
    });
    for (const { zone, subnetId, securityGroupId } of props.subnets) {
      this.launchTemplates[zone.suffix] = new HardenedLaunchTemplate(this, `launch-template-${zone.suffix}`, {
        name: `${name}-${zone.suffix}`,
        description: `egress6 workload in ${zone.name}: workload subnet and security group of ${zone.name}, one IPv6 address, no public IPv4, encrypted root, IMDSv2 only, SSM profile, no key pair`,
        imageId: props.ami,
        instanceType: props.instanceType,
        instanceProfileArn: profile.arn,
        tags: launchTags,
        tagOnLaunch: ["instance", "volume", "network-interface"],
        networkInterface: { subnetId, securityGroupIds: [securityGroupId], ipv6AddressCount: 1 },
        rootVolume,
        userData,
      });

      for (let index = 1; index <= props.instancesPerAz; index++) {
        const instance = new Instance(this, `${zone.suffix}-${index}`, {
          launchTemplate: { id: this.instanceTemplate.id, version: Token.asString(this.instanceTemplate.latestVersion) },
          iamInstanceProfile: profile.name,
          metadataOptions: { ...HARDENED_METADATA_OPTIONS },
          monitoring: true, // one-minute metrics, as in the template (CKV_AWS_126)
          subnetId,
          ipv6AddressCount: 1,
          associatePublicIpAddress: false,
          vpcSecurityGroupIds: [securityGroupId],
          ebsOptimized: true, // every Nitro type is EBS-optimized; stated so that scanners (CKV_AWS_135) see it
          tags: { Name: `${name}-${zone.suffix}-${index}`, ...roleTags, [TAG_AZ]: zone.suffix },
          // The remediation Lambda isolates a compromised instance by swapping its security groups; a later
          // apply must not silently undo that. A new template version replaces no instance (rolling updates).
          lifecycle: { ignoreChanges: [...WORKLOAD_INSTANCE_IGNORED_CHANGES] },
        });
        this.instances.push({ zone, index, instance });
      }
    }
  }
}
