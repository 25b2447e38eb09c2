/**
 * Hardened IPv6-only workload instances: `count` instances per AZ, each with one IPv6 address, no public IPv4,
 * the security group of its AZ, an encrypted gp3 root volume, IMDSv2 only (IMDS over IPv6, hop limit 1), an
 * instance profile that grants Systems Manager and nothing else, and no key pair. Access is Session Manager only.
 *
 * One launch template per AZ carries all of that, network interface included (workload subnet and security group
 * of that AZ), for workloads launched outside Terraform: one template for all AZs could not name a security group
 * without reopening the cross-AZ proxy path, and a template without subnet and group launches into the default VPC
 * or the default group. The instances Terraform manages carry the same settings themselves instead of launching
 * from the template: EC2 refuses a subnet or security group on the instance next to a template network interface
 * (terraform-provider-aws #32614), and the verifier places an instance by its own `subnet_id`.
 */
import { Construct } from "constructs";
import type { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Instance } from "@cdktf/provider-aws/lib/instance";
import type { Zone } from "../../lib/zone";
import { TAG_AZ, TAG_ENVIRONMENT, TAG_ROLE } from "../../lib/names";
import { HARDENED_METADATA_OPTIONS, HardenedLaunchTemplate, encryptedRootVolume, rootDeviceNameOf, trustCaUserData, trustStoreFamilyOf } from "../shared/hardened-launch-template";
import { SSM_CORE_POLICY, instanceRole } from "../shared/instance-role";

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
  /**
   * A CA certificate (PEM, public part) the instances add to their system trust store at first boot: the CA an
   * inspection point re-signs decrypted TLS with. @default none (no user data)
   */
  readonly trustedCaPem?: string;
}

export class WorkloadInstances extends Construct {
  /** One per AZ, by AZ suffix. */
  readonly launchTemplates: Record<string, HardenedLaunchTemplate> = {};
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
    const userData =
      props.trustedCaPem === undefined
        ? undefined
        : Buffer.from(trustCaUserData(trustStoreFamilyOf(props.ami, "workload.ami"), props.trustedCaPem, `${props.envName}-egress6-inspection-ca`)).toString("base64");
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
        rootVolume: { deviceName: rootDeviceName, sizeGiB: props.rootVolumeGiB },
        ...(userData !== undefined ? { userDataBase64: userData } : {}),
      });

      for (let index = 1; index <= props.instancesPerAz; index++) {
        const instance = new Instance(this, `${zone.suffix}-${index}`, {
          ...(userData !== undefined ? { userDataBase64: userData } : {}),
          ami: props.ami,
          instanceType: props.instanceType,
          iamInstanceProfile: profile.name,
          metadataOptions: { ...HARDENED_METADATA_OPTIONS },
          monitoring: true, // one-minute metrics, as in the template (CKV_AWS_126)
          subnetId,
          ipv6AddressCount: 1,
          associatePublicIpAddress: false,
          vpcSecurityGroupIds: [securityGroupId],
          ebsOptimized: true, // every Nitro type is EBS-optimized; stated so that scanners (CKV_AWS_135) see it
          rootBlockDevice: encryptedRootVolume(props.rootVolumeGiB),
          volumeTags: roleTags,
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
