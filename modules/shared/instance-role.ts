/**
 * The IAM role and instance profile an egress6 EC2 instance runs with: EC2 may assume it, and it carries
 * AWS-managed policies only (Systems Manager always, the CloudWatch agent where logs are shipped).
 */
import type { Construct } from "constructs";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { managedPolicyArn } from "../../lib/partition";
import { assumeRolePolicy } from "./policy";

/** What the SSM agent needs (Systems Manager user guide, "instance permissions"). */
export const SSM_CORE_POLICY = "AmazonSSMManagedInstanceCore";
/** What the CloudWatch agent needs to ship logs (CloudWatch user guide, "IAM roles for the CloudWatch agent"). */
export const CLOUDWATCH_AGENT_POLICY = "CloudWatchAgentServerPolicy";

/** Props of {@link instanceRole}. */
export interface InstanceRoleProps {
  /** Name of both the role and the instance profile. */
  readonly name: string;
  /** The role's description. */
  readonly description: string;
  /** Picks the partition of the managed policies' ARNs. */
  readonly region: string;
  /** AWS-managed policies to attach, by the construct id of their attachment. */
  readonly managedPolicies: Readonly<Record<string, string>>;
}

/**
 * Adds the role, its policy attachments and its instance profile to `scope` (construct ids `role`, the keys of
 * `managedPolicies`, `instance-profile`).
 */
export function instanceRole(scope: Construct, props: InstanceRoleProps): { readonly role: IamRole; readonly profile: IamInstanceProfile } {
  const role = new IamRole(scope, "role", {
    name: props.name,
    description: props.description,
    assumeRolePolicy: assumeRolePolicy("ec2.amazonaws.com"),
  });
  for (const [id, policyName] of Object.entries(props.managedPolicies)) {
    new IamRolePolicyAttachment(scope, id, { role: role.name, policyArn: managedPolicyArn(props.region, policyName) });
  }
  const profile = new IamInstanceProfile(scope, "instance-profile", { name: props.name, role: role.name });
  return { role, profile };
}
