/**
 * A customer-managed KMS key with rotation, an alias, and a key policy that keeps KMS's default account statement
 * (the account's IAM policies decide) plus one statement per AWS service that encrypts with the key.
 * The account id is read from the key's own ARN, so planning needs no `aws_caller_identity` lookup.
 *
 * The key is created with KMS's default policy, then `aws_kms_key_policy` replaces it with that same account
 * statement plus the grants. Callers and modules add their grants with `grant()`; resources that need a grant in
 * place depend on `policy`.
 */
import { Construct } from "constructs";
import { Fn, Lazy, TerraformLocal } from "cdktf";
import { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import { KmsAlias } from "@cdktf/provider-aws/lib/kms-alias";
import { KmsKeyPolicy } from "@cdktf/provider-aws/lib/kms-key-policy";
import { RESOURCE_ID } from "../../lib/names";
import { policyDocument, type PolicyStatement } from "./policy";

/** Position of the account id in an ARN (`arn:partition:service:region:account:resource`). */
const ARN_ACCOUNT_FIELD = 4;
/** KMS's longest waiting period before a scheduled deletion (KMS developer guide, "Deleting keys"). */
export const DELETION_WINDOW_DAYS = 30;

/** The account id of a key, read from its ARN: a Terraform local named `id` in `scope`. */
export function keyAccountId(scope: Construct, id: string, keyArn: string): string {
  return new TerraformLocal(scope, id, Fn.element(Fn.split(":", keyArn), ARN_ACCOUNT_FIELD)).asString;
}

/** KMS's default key policy statement: the account administers the key, and its IAM policies decide who uses it. */
export function accountAdministersKey(partition: string, accountId: string): PolicyStatement {
  return {
    Sid: "AccountAdministersKeyThroughIam",
    Effect: "Allow",
    Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
    Action: "kms:*",
    Resource: "*",
  };
}

/** What a CustomerKey is for and where its account principal lives. */
export interface CustomerKeyProps {
  /** What the key encrypts, for its description. */
  readonly description: string;
  /** The alias is `alias/<aliasName>`. */
  readonly aliasName: string;
  /** The AWS partition (`aws`, `aws-cn`, `aws-us-gov`) for the account principal's ARN. */
  readonly partition: string;
}

/** A rotating customer-managed KMS key, its alias and its key policy (see the file comment). */
export class CustomerKey extends Construct {
  /** The KMS key: encrypt with `key.arn`. */
  readonly key: KmsKey;
  /** The key policy: depend on it where a service must already be allowed to use the key. */
  readonly policy: KmsKeyPolicy;
  /** The deploying account's id (a Terraform expression, known after the key exists). */
  readonly accountId: string;
  private readonly grants: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: CustomerKeyProps) {
    super(scope, id);
    this.key = new KmsKey(this, RESOURCE_ID, {
      description: props.description,
      enableKeyRotation: true,
      deletionWindowInDays: DELETION_WINDOW_DAYS,
    });
    new KmsAlias(this, "alias", { name: `alias/${props.aliasName}`, targetKeyId: this.key.keyId });
    this.accountId = keyAccountId(this, "account-id", this.key.arn);
    const account = accountAdministersKey(props.partition, this.accountId);
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
