/**
 * Hardened IPv6-only workload instances: one launch template (IMDSv2 only, IMDS over IPv6, hop limit 1, an
 * instance profile that grants Systems Manager and nothing else, no key pair) and `count` instances per AZ, each
 * with one IPv6 address, no public IPv4, and an encrypted gp3 root volume. Access is Session Manager only.
 */
import { Construct } from "constructs";
import { Token } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import type { Zone } from "../../lib/config/zones";
import { managedPolicyArn } from "../../lib/partition";
import { TAG_AZ, TAG_ROLE } from "../../lib/names";
import { HardenedLaunchTemplate, encryptedRootVolume } from "../ec2/hardened-launch-template";

/** The AWS-managed policy with exactly what the SSM agent needs (Systems Manager user guide, "instance permissions"). */
export const SSM_CORE_POLICY = "AmazonSSMManagedInstanceCore";

export interface WorkloadInstancesProps {
  readonly envName: string;
  readonly region: string;
  /** `resolve:ssm:<parameter>`: resolved by EC2 at launch, so planning needs no AMI lookup. */
  readonly ami: string;
  /** A Nitro instance type (the config schema checks it). */
  readonly instanceType: string;
  readonly rootVolumeGiB: number;
  /** The workload subnet of each AZ and the security group its instances get (one per AZ). */
  readonly subnets: readonly { readonly zone: Zone; readonly subnetId: string; readonly securityGroupId: string }[];
  readonly instancesPerAz: number;
}

export class WorkloadInstances extends Construct {
  readonly launchTemplate: HardenedLaunchTemplate;
  readonly role: IamRole;
  readonly instances: { readonly zone: Zone; readonly index: number; readonly instance: Instance }[] = [];

  constructor(scope: Construct, id: string, props: WorkloadInstancesProps) {
    super(scope, id);
    const name = `${props.envName}-workload`;

    this.role = new IamRole(this, "role", {
      name,
      description: `egress6 ${props.envName}: workload instances (Systems Manager only)`,
      assumeRolePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
      }),
    });
    new IamRolePolicyAttachment(this, "ssm-core", { role: this.role.name, policyArn: managedPolicyArn(props.region, SSM_CORE_POLICY) });
    const profile = new IamInstanceProfile(this, "instance-profile", { name, role: this.role.name });

    const roleTags = { [TAG_ROLE]: "workload" };
    this.launchTemplate = new HardenedLaunchTemplate(this, "launch-template", {
      name,
      description: "egress6 workload: IMDSv2 only (IPv6 endpoint on, hop limit 1), SSM instance profile, no key pair",
      imageId: props.ami,
      instanceType: props.instanceType,
      instanceProfileArn: profile.arn,
      tags: roleTags,
      tagOnLaunch: ["instance", "volume", "network-interface"],
    });

    for (const { zone, subnetId, securityGroupId } of props.subnets) {
      for (let index = 1; index <= props.instancesPerAz; index++) {
        const instance = new Instance(this, `${zone.suffix}-${index}`, {
          launchTemplate: { id: this.launchTemplate.id, version: Token.asString(this.launchTemplate.latestVersion) },
          subnetId,
          ipv6AddressCount: 1,
          associatePublicIpAddress: false,
          vpcSecurityGroupIds: [securityGroupId],
          ebsOptimized: true, // every Nitro type is EBS-optimized; stated so that scanners (CKV_AWS_135) see it
          // Set here rather than in the launch template: the root device name depends on the AMI.
          rootBlockDevice: encryptedRootVolume(props.rootVolumeGiB),
          tags: { Name: `${name}-${zone.suffix}-${index}`, ...roleTags, [TAG_AZ]: zone.suffix },
          // The remediation Lambda isolates a compromised instance by swapping its security groups; a later
          // apply must not silently undo that.
          lifecycle: { ignoreChanges: ["vpc_security_group_ids"] },
        });
        this.instances.push({ zone, index, instance });
      }
    }
  }
}
