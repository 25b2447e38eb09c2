/**
 * The observability stack's customer-managed KMS key (log groups, alarm topic, CloudTrail, audit buckets) and
 * the account id, read from the key's own ARN so that planning needs no `aws_caller_identity` lookup.
 *
 * The key is created with KMS's default policy (the account's IAM policies decide), then `aws_kms_key_policy`
 * replaces it with that same account statement plus one grant per AWS service that encrypts with the key. Modules
 * add their grants with `grant()`; resources that need a grant in place depend on `policy`.
 */
import { Construct } from "constructs";
import { Fn, Lazy, TerraformLocal } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { RESOURCE_ID } from "../../stacks/base";
import { policyDocument, type PolicyStatement } from "./policy";

/** Position of the account id in an ARN (`arn:partition:service:region:account:resource`). */
const ARN_ACCOUNT_FIELD = 4;

export interface AuditKeyProps {
  readonly envName: string;
  readonly partition: string;
}

export class AuditKey extends Construct {
  readonly key: KmsKey;
  readonly policy: KmsKeyPolicy;
  /** The deploying account's id (a Terraform expression, known after the key exists). */
  readonly accountId: string;
  private readonly grants: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: AuditKeyProps) {
    super(scope, id);
    this.key = new KmsKey(this, RESOURCE_ID, {
      description: `egress6 ${props.envName}: flow logs, DNS query logs, CloudTrail, alarms`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
    });
    new KmsAlias(this, "alias", { name: `alias/${props.envName}-egress6-observability`, targetKeyId: this.key.keyId });
    this.accountId = new TerraformLocal(this, "account-id", Fn.element(Fn.split(":", this.key.arn), ARN_ACCOUNT_FIELD)).asString;

    const account: PolicyStatement = {
      Sid: "AccountAdministersKeyThroughIam",
      Effect: "Allow",
      Principal: { AWS: `arn:${props.partition}:iam::${this.accountId}:root` },
      Action: "kms:*",
      Resource: "*",
    };
    this.policy = new KmsKeyPolicy(this, "policy", {
      keyId: this.key.keyId,
      policy: Lazy.stringValue({ produce: () => policyDocument([account, ...this.grants]) }),
    });
  }

  /** Lets an AWS service use the key (Resource is the key itself, written `*` in a key policy). */
  grant(statement: Omit<PolicyStatement, "Effect" | "Resource">): void {
    this.grants.push({ ...statement, Effect: "Allow", Resource: "*" });
  }
}
