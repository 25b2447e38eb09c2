/**
 * Where the proxies' egress policy lives: one S3 object (the policy bundle, modules/proxy/policy-bundle.ts) in a
 * bucket of its own. The bucket gets what every egress6 bucket of durable data gets (modules/shared/bucket-protection.ts:
 * versioning, noncurrent versions expired after `noncurrentVersionDays`, SSE-KMS with the given key and the bucket
 * key on, public access blocked, ACLs disabled) and a TLS-only bucket policy. Versioning is what makes a rollback
 * one step: every change of the policy is a new object version, and the proxies apply the version S3 calls current
 * (S3 user guide, "Retaining multiple versions of objects with S3 Versioning"; restoring = copying an older
 * version over the current one, or re-applying the older configuration).
 *
 * Why S3 and not SSM Parameter Store: an advanced parameter holds at most 8 KB (a standard one 4 KB; Systems Manager
 * user guide, "Managing parameter tiers"), and a policy of 10,000 names is about 250 KB (squid.conf reads the
 * allowlist from a file, which alone is 10,000 lines). An S3 object holds 5 TB, carries a VersionId the proxies can
 * name exactly, and is encrypted with the customer-managed key like everything else of the inspection stack.
 *
 * The proxies' access (`readStatements`): GetObject/GetObjectVersion on that one key (HeadObject is authorised as
 * GetObject; no ListBucket: the object always exists, and without it a missing object reads as 403, which the agent
 * treats like any failed fetch), and kms:Decrypt only through S3 for this bucket
 * (`kms:ViaService` and the encryption context S3 sets: with the bucket key on, the bucket's ARN; the object's ARN
 * is admitted too in case the bucket key is ever turned off; S3 user guide, "Reducing the cost of SSE-KMS with
 * Amazon S3 Bucket Keys", encryption context).
 */
import { Construct } from "constructs";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3Object } from "@cdktf/provider-aws/lib/s3-object";
import type { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { RESOURCE_ID } from "../../lib/names";
import { dnsSuffixOf } from "../../lib/partition";
import { protectVersionedBucket } from "../shared/bucket-protection";
import { denyInsecureTransport, policyDocument, type PolicyStatement } from "../shared/policy";

/** The bundle's key in the bucket. */
export const POLICY_OBJECT_KEY = "egress6/policy-bundle";

export interface PolicyStoreProps {
  /** Terraform appends a unique suffix (bucket names are global); at most 37 characters. */
  readonly namePrefix: string;
  /** The customer-managed KMS key that encrypts the bundle (SSE-KMS, bucket key on). */
  readonly kmsKeyArn: string;
  /** The bundle, as a Terraform string (policy-bundle.ts `terraformTemplate`). */
  readonly bundle: string;
  /**
   * Days an overwritten policy version is kept: how far back a rollback by object version can reach.
   * @default 365
   */
  readonly noncurrentVersionDays?: number;
  /** Tags of the bucket and the object. @default none */
  readonly tags?: Readonly<Record<string, string>>;
}

/** The policy bucket and its one object (see the file comment). */
export class PolicyStore extends Construct {
  /** The bucket. */
  readonly bucket: S3Bucket;
  /** The bundle object: every policy change is a new version of it. */
  readonly object: S3Object;
  /** The bucket policy (TLS only). */
  readonly policy: S3BucketPolicy;
  private readonly kmsKeyArn: string;

  constructor(scope: Construct, id: string, props: PolicyStoreProps) {
    super(scope, id);
    if (props.namePrefix.length > 37) throw new Error(`PolicyStore: namePrefix ${props.namePrefix} is longer than 37 characters`);
    this.kmsKeyArn = props.kmsKeyArn;
    this.bucket = new S3Bucket(this, RESOURCE_ID, { bucketPrefix: props.namePrefix, ...(props.tags ? { tags: { ...props.tags } } : {}) });
    const publicAccess = protectVersionedBucket(this, "", this.bucket.id, {
      kmsKeyArn: props.kmsKeyArn,
      noncurrentVersionDays: props.noncurrentVersionDays ?? 365,
    });
    this.policy = new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: policyDocument([denyInsecureTransport("s3:*", [this.bucket.arn, `${this.bucket.arn}/*`])]),
      dependsOn: [publicAccess],
    });
    this.object = new S3Object(this, "bundle", {
      bucket: this.bucket.id,
      key: POLICY_OBJECT_KEY,
      content: props.bundle,
      contentType: "text/plain; charset=utf-8",
      serverSideEncryption: "aws:kms",
      kmsKeyId: props.kmsKeyArn,
      bucketKeyEnabled: true,
      ...(props.tags ? { tags: { ...props.tags } } : {}),
      // Versioning must be on before the first version is written, or that version has the null VersionId.
      dependsOn: [publicAccess, this.policy, this.node.findChild("versioning") as S3BucketVersioningA],
    });
  }

  /** ARN of the bundle object (every version of it). */
  get objectArn(): string {
    return `${this.bucket.arn}/${POLICY_OBJECT_KEY}`;
  }

  /** What a reader of the bundle needs (the proxies' role), and nothing more. */
  readStatements(region: string): PolicyStatement[] {
    return [
      {
        Sid: "ReadThePolicyBundle",
        Effect: "Allow",
        Action: ["s3:GetObject", "s3:GetObjectVersion"],
        Resource: this.objectArn,
      },
      {
        Sid: "DecryptThePolicyBundleOnly",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: this.kmsKeyArn,
        Condition: {
          StringEquals: {
            "kms:ViaService": `s3.${region}.${dnsSuffixOf(region)}`,
            "kms:EncryptionContext:aws:s3:arn": [this.bucket.arn, this.objectArn],
          },
        },
      },
    ];
  }
}
