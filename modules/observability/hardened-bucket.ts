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

export interface HardenedBucketProps {
  /** Terraform appends a unique suffix (bucket names are global); at most 37 characters. */
  readonly namePrefix: string;
  readonly kmsKeyArn: string;
  /** Days a noncurrent (overwritten or deleted) object version is kept. @default 365 */
  readonly noncurrentVersionDays?: number;
}

export class HardenedBucket extends Construct {
  readonly bucket: S3Bucket;
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

  get arn(): string {
    return this.bucket.arn;
  }

  /** Adds a statement for a writer (CloudTrail, Config, log delivery). */
  allow(statement: Omit<PolicyStatement, "Effect">): void {
    this.statements.push({ ...statement, Effect: "Allow" });
  }
}
