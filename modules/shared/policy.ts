/**
 * IAM and resource policy documents as typed values, rendered to JSON in one place. Terraform references inside
 * (an ARN not known until apply) survive JSON.stringify as cdktf tokens.
 */

export type Condition = Record<string, Record<string, string | readonly string[]>>;

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: "*" | { readonly Service: string | readonly string[] } | { readonly AWS: string | readonly string[] };
  readonly Action: string | readonly string[];
  readonly Resource: string | readonly string[];
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
