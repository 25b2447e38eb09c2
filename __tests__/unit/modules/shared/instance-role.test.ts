import { Testing } from "cdktf";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicyAttachment } from "@cdktf/provider-aws/lib/iam-role-policy-attachment";
import { IamInstanceProfile } from "@cdktf/provider-aws/lib/iam-instance-profile";
import { CLOUDWATCH_AGENT_POLICY, SSM_CORE_POLICY, instanceRole, type InstanceRoleProps } from "../../../../modules/shared/instance-role";

const base: InstanceRoleProps = {
  name: "dev-proxy",
  description: "proxy instances",
  region: "eu-west-1",
  managedPolicies: { ssm: SSM_CORE_POLICY, cloudwatch: CLOUDWATCH_AGENT_POLICY },
};

function synth(props: InstanceRoleProps): string {
  return Testing.synthScope((scope) => {
    instanceRole(scope, props);
  });
}

describe("instanceRole", () => {
  test("a role only EC2 may assume", () => {
    const json = synth(base);
    expect(json).toHaveResourceWithProperties(IamRole, { name: "dev-proxy", description: "proxy instances" });
    const role = Object.values(JSON.parse(json).resource.aws_iam_role)[0] as { assume_role_policy: string };
    expect(JSON.parse(role.assume_role_policy)).toEqual({
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
    });
  });

  test("no inline policy: only the AWS-managed policies given, one attachment each, by the keys as construct ids", () => {
    const json = synth(base);
    const role = Object.values(JSON.parse(json).resource.aws_iam_role)[0] as Record<string, unknown>;
    expect(role.inline_policy).toBeUndefined();
    const attachments = JSON.parse(json).resource.aws_iam_role_policy_attachment as Record<string, { policy_arn: string }>;
    expect(Object.keys(attachments).sort()).toEqual(["cloudwatch", "ssm"]);
    expect(attachments.ssm.policy_arn).toBe("arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore");
    expect(attachments.cloudwatch.policy_arn).toBe("arn:aws:iam::aws:policy/CloudWatchAgentServerPolicy");
    expect(json).toHaveResourceWithProperties(IamRolePolicyAttachment, { role: "${aws_iam_role.role.name}" });
  });

  test("the managed policies' ARNs follow the region's partition", () => {
    expect(synth({ ...base, region: "cn-north-1" })).toHaveResourceWithProperties(IamRolePolicyAttachment, {
      policy_arn: "arn:aws-cn:iam::aws:policy/AmazonSSMManagedInstanceCore",
    });
    expect(synth({ ...base, region: "us-gov-west-1" })).toHaveResourceWithProperties(IamRolePolicyAttachment, {
      policy_arn: "arn:aws-us-gov:iam::aws:policy/CloudWatchAgentServerPolicy",
    });
  });

  test("no managed policies: no attachment", () => {
    expect(synth({ ...base, managedPolicies: {} })).not.toHaveResource(IamRolePolicyAttachment);
  });

  test("an instance profile of the same name holds the role", () => {
    expect(synth(base)).toHaveResourceWithProperties(IamInstanceProfile, { name: "dev-proxy", role: "${aws_iam_role.role.name}" });
  });

  test("returns the role and the profile", () => {
    Testing.synthScope((scope) => {
      const made = instanceRole(scope, base);
      expect(made.role).toBeInstanceOf(IamRole);
      expect(made.profile).toBeInstanceOf(IamInstanceProfile);
    });
  });

  test("policy name constants", () => {
    expect(SSM_CORE_POLICY).toBe("AmazonSSMManagedInstanceCore");
    expect(CLOUDWATCH_AGENT_POLICY).toBe("CloudWatchAgentServerPolicy");
  });
});
