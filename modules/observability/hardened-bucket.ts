/**
 * An S3 bucket for audit data: versioned, SSE-KMS with the audit key (bucket key on), every public access
 * setting blocked, ACLs disabled (bucket owner enforced), TLS-only, plus the service statements its writers need.
 */
import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { RESOURCE_ID } from "../../lib/names";
import { denyInsecureTransport, policyDocument, type PolicyStatement } from "../shared/policy";
import { protectVersionedBucket } from "../shared/bucket-protection";

/** Name, key and noncurrent-version lifetime of a HardenedBucket. */
export interface HardenedBucketProps {
  /** Terraform appends a unique suffix (bucket names are global); at most 37 characters. */
  readonly namePrefix: string;
  /** ARN of the customer-managed KMS key every object is encrypted with (SSE-KMS, bucket key on). */
  readonly kmsKeyArn: string;
  /** Days a noncurrent (overwritten or deleted) object version is kept; current versions never expire. @default 365 */
  readonly noncurrentVersionDays?: number;
}

/** The audit bucket described in the file comment; writers add their statements with `allow()`. */
export class HardenedBucket extends Construct {
  /** The bucket. */
  readonly bucket: S3Bucket;
  /** The bucket policy (TLS-only plus the writers' statements): depend on it where a writer must already be allowed. */
  readonly policy: S3BucketPolicy;
  private readonly statements: PolicyStatement[] = [];

  constructor(scope: Construct, id: string, props: HardenedBucketProps) {
    super(scope, id);
    this.bucket = new S3Bucket(this, RESOURCE_ID, { bucketPrefix: props.namePrefix });
    const publicAccess = protectVersionedBucket(this, "", this.bucket.id, {
      kmsKeyArn: props.kmsKeyArn,
      noncurrentVersionDays: props.noncurrentVersionDays ?? 365,
    });
    const tlsOnly = denyInsecureTransport("s3:*", [this.bucket.arn, `${this.bucket.arn}/*`]);
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: Lazy.stringValue({ produce: () => policyDocument([tlsOnly, ...this.statements]) }),
      dependsOn: [publicAccess],
    });
  }

  /** The bucket's ARN. */
  get arn(): string {
    return this.bucket.arn;
  }

  /** Adds a statement for a writer (CloudTrail, Config, log delivery). */
  allow(statement: Omit<PolicyStatement, "Effect">): void {
    this.statements.push({ ...statement, Effect: "Allow" });
  }
}
