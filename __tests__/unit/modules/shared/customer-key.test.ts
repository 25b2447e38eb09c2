import { Testing } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { CustomerKey, type CustomerKeyProps } from "../../../../modules/shared/customer-key";

const props: CustomerKeyProps = { description: "egress6 audit data", aliasName: "dev-egress6-audit", partition: "aws" };

interface Synth {
  readonly json: string;
  readonly key: CustomerKey;
}

function synth(p: CustomerKeyProps = props, use: (key: CustomerKey) => void = () => undefined): Synth {
  let key: CustomerKey | undefined;
  const json = Testing.synthScope((scope) => {
    key = new CustomerKey(scope, "test", p);
    use(key);
  });
  return { json, key: key! };
}

function keyPolicy(json: string): { Version: string; Statement: Record<string, unknown>[] } {
  const policies = Object.values(JSON.parse(json).resource.aws_kms_key_policy) as { policy: string }[];
  expect(policies).toHaveLength(1);
  return JSON.parse(policies[0].policy);
}

describe("CustomerKey", () => {
  it("creates a key with rotation on, the longest deletion window and the given description", () => {
    expect(synth().json).toHaveResourceWithProperties(KmsKey, {
      description: "egress6 audit data",
      enable_key_rotation: true,
      deletion_window_in_days: 30,
    });
  });

  it("names the alias alias/<aliasName> and points it at the key", () => {
    const { json } = synth();
    expect(json).toHaveResourceWithProperties(KmsAlias, {
      name: "alias/dev-egress6-audit",
      target_key_id: expect.stringMatching(/^\$\{aws_kms_key\.test_resource_[0-9A-F]+\.key_id\}$/),
    });
  });

  it("attaches a key policy to the key", () => {
    const { json } = synth();
    expect(json).toHaveResourceWithProperties(KmsKeyPolicy, {
      key_id: expect.stringMatching(/^\$\{aws_kms_key\.test_resource_[0-9A-F]+\.key_id\}$/),
    });
  });

  it("without grants, the key policy holds only the account statement (IAM decides)", () => {
    const { json } = synth();
    expect(keyPolicy(json)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AccountAdministersKeyThroughIam",
          Effect: "Allow",
          Principal: { AWS: expect.stringMatching(/^arn:aws:iam::\$\{local\.test_account-id_[0-9A-F]+\}:root$/) },
          Action: "kms:*",
          Resource: "*",
        },
      ],
    });
    // Nothing else: no grant is made on the caller's behalf.
    expect(Object.keys(JSON.parse(json).resource).sort()).toEqual(["aws_kms_alias", "aws_kms_key", "aws_kms_key_policy"]);
  });

  it("reads the account id from field 4 of the key's own ARN (no caller identity lookup)", () => {
    const { json } = synth();
    const parsed = JSON.parse(json);
    const locals = Object.values(parsed.locals) as string[];
    expect(locals).toEqual([expect.stringMatching(/^\$\{element\(split\(":", aws_kms_key\.test_resource_[0-9A-F]+\.arn\), 4\)\}$/)]);
    expect(parsed.data?.aws_caller_identity).toBeUndefined();
  });

  it("writes the account principal in the given partition", () => {
    const { json } = synth({ ...props, partition: "aws-cn" });
    const principal = (keyPolicy(json).Statement[0].Principal as { AWS: string }).AWS;
    expect(principal).toMatch(/^arn:aws-cn:iam::/);
  });

  it("adds each grant after the account statement, as an Allow on the key itself, in call order", () => {
    const { json } = synth(props, (key) => {
      key.grant({ Sid: "LogsEncrypt", Principal: { Service: "logs.eu-west-1.amazonaws.com" }, Action: ["kms:Encrypt*", "kms:Decrypt*"] });
      key.grant({
        Sid: "SnsDecrypt",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "kms:Decrypt",
        Condition: { StringEquals: { "aws:SourceAccount": "111122223333" } },
      });
    });
    const statements = keyPolicy(json).Statement;
    expect(statements.map((s) => s.Sid)).toEqual(["AccountAdministersKeyThroughIam", "LogsEncrypt", "SnsDecrypt"]);
    expect(statements[1]).toEqual({
      Sid: "LogsEncrypt",
      Effect: "Allow",
      Resource: "*",
      Principal: { Service: "logs.eu-west-1.amazonaws.com" },
      Action: ["kms:Encrypt*", "kms:Decrypt*"],
    });
    expect(statements[2].Condition).toEqual({ StringEquals: { "aws:SourceAccount": "111122223333" } });
  });

  it("renders grants made after the key policy was constructed (the policy is produced at synthesis)", () => {
    let policyExisted = false;
    const { json } = synth(props, (key) => {
      policyExisted = key.node.tryFindChild("policy") instanceof KmsKeyPolicy;
      key.grant({ Sid: "Late", Principal: { Service: "cloudtrail.amazonaws.com" }, Action: "kms:DescribeKey" });
    });
    expect(policyExisted).toBe(true);
    expect(keyPolicy(json).Statement.map((s) => s.Sid)).toEqual(["AccountAdministersKeyThroughIam", "Late"]);
  });

  it("exposes the key, its policy and the account id expression", () => {
    const { key } = synth();
    expect(key.key).toBeInstanceOf(KmsKey);
    expect(key.policy).toBeInstanceOf(KmsKeyPolicy);
    expect(key.accountId).toMatch(/^\$\{TfToken\[TOKEN\.\d+\]\}$/);
  });
});
