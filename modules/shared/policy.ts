/**
 * IAM and resource policy documents as typed values, rendered to JSON in one place. Terraform references inside
 * (an ARN not known until apply) survive JSON.stringify as cdktf tokens.
 */

/** An IAM condition block: operator (`StringEquals`, `ArnLike`, ...) to condition key to value or values. */
export type Condition = Record<string, Record<string, string | readonly string[]>>;

/** One statement of an IAM or resource policy, with IAM's own (capitalised) field names. */
export interface PolicyStatement {
  /** Statement id, unique within the document. @default none (the statement has no Sid) */
  readonly Sid?: string;
  /** Whether the statement allows or denies; an explicit Deny wins over any Allow. */
  readonly Effect: "Allow" | "Deny";
  /**
   * Who the statement applies to (resource policies only): everyone, AWS services, or AWS accounts or roles.
   * @default none (an identity policy: the principal is whoever holds the policy)
   */
  readonly Principal?: "*" | { readonly Service: string | readonly string[] } | { readonly AWS: string | readonly string[] };
  /** The action or actions (`s3:PutObject`, `kms:*`). */
  readonly Action: string | readonly string[];
  /** The ARN or ARNs the statement covers (`*` in a key policy means the key itself). */
  readonly Resource: string | readonly string[];
  /** When the statement applies. @default none (it always applies) */
  readonly Condition?: Condition;
}

/** `{"Version":"2012-10-17","Statement":[...]}` */
export function policyDocument(statements: readonly PolicyStatement[]): string {
  return JSON.stringify({ Version: "2012-10-17", Statement: statements });
}

/** A trust policy letting one AWS service assume the role, optionally only on behalf of `condition`. */
export function assumeRolePolicy(service: string, condition?: Condition): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { Service: service }, Action: "sts:AssumeRole", ...(condition ? { Condition: condition } : {}) },
    ],
  });
}

/** Denies every request to a bucket (or queue, topic) that does not use TLS. */
export function denyInsecureTransport(action: string, resources: readonly string[]): PolicyStatement {
  return {
    Sid: "DenyInsecureTransport",
    Effect: "Deny",
    Principal: "*",
    Action: action,
    Resource: resources,
    Condition: { Bool: { "aws:SecureTransport": "false" } },
  };
}
