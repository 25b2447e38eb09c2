/**
 * The launch template every egress6 instance starts from: IMDSv2 only, the IMDS endpoint on over IPv6 with hop
 * limit 1, no instance tags in IMDS, one-minute monitoring, an instance profile and no key pair. Also the encrypted
 * gp3 root volume those instances get (set on the instance: the root device name depends on the AMI).
 */
import { Construct } from "constructs";
import { LaunchTemplate } from "@cdktf/provider-aws/lib/launch-template";
import type { InstanceRootBlockDevice } from "@cdktf/provider-aws/lib/instance";

/** A hop limit of 1 keeps IMDS responses from reaching anything forwarded by the instance (EC2 user guide, IMDSv2). */
export const IMDS_HOP_LIMIT = 1;

/** What a launch template can tag at launch (EC2 API, `LaunchTemplateTagSpecificationRequest.ResourceType`). */
export type LaunchTagTarget = "instance" | "volume" | "network-interface";

export interface HardenedLaunchTemplateProps {
  /** The template's name, also its `Name` tag. */
  readonly name: string;
  readonly description: string;
  /** An AMI id or `resolve:ssm:<parameter>`. */
  readonly imageId: string;
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
}

/** A launch template with the IMDS, monitoring and access settings above; instances use its latest version. */
export class HardenedLaunchTemplate extends LaunchTemplate {
  constructor(scope: Construct, id: string, props: HardenedLaunchTemplateProps) {
    super(scope, id, {
      name: props.name,
      description: props.description,
      imageId: props.imageId,
      instanceType: props.instanceType,
      iamInstanceProfile: { arn: props.instanceProfileArn },
      metadataOptions: {
        httpEndpoint: "enabled",
        httpTokens: "required",
        httpProtocolIpv6: "enabled",
        httpPutResponseHopLimit: IMDS_HOP_LIMIT,
        instanceMetadataTags: "disabled",
      },
      // One-minute instance metrics: an anomaly shows in minutes, not five (CIS/Checkov CKV_AWS_126).
      monitoring: { enabled: true },
      updateDefaultVersion: true,
      tagSpecifications: (props.tagOnLaunch ?? ["instance", "volume"]).map((resourceType) => ({ resourceType, tags: props.tags })),
      tags: { Name: props.name, ...props.tags },
    });
  }
}

/** An encrypted gp3 root volume that goes with the instance. */
export function encryptedRootVolume(sizeGiB: number): InstanceRootBlockDevice {
  return { volumeType: "gp3", volumeSize: sizeGiB, encrypted: true, deleteOnTermination: true };
}
