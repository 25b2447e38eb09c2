/**
 * A bucket that receives S3 server access logs of other buckets: SSE-S3 (server access log delivery writes only to
 * targets whose default encryption is SSE-S3: S3 user guide, "Enabling Amazon S3 server access logging"), public
 * access blocked, ACLs disabled, TLS-only, and a bucket policy that lets the S3 logging service write only the logs
 * of the buckets named with `logsFor`. Logs expire after `retentionDays`. It does not log itself (that would loop).
 *
 * Versioned (Checkov CKV_AWS_21), so a log deleted or overwritten by hand stays recoverable as a noncurrent version
 * for ACCESS_LOG_NONCURRENT_DAYS; one lifecycle rule bounds the cost. On a versioning-enabled bucket, expiring a
 * current version adds a delete marker and makes the log noncurrent; the noncurrent version is then removed after
 * ACCESS_LOG_NONCURRENT_DAYS, and S3 removes the delete marker left with no versions behind it by itself when the
 * rule expires current versions (S3 user guide, "Expiring objects" and "Managing delete markers"). So every log is
 * gone at most `retentionDays` + ACCESS_LOG_NONCURRENT_DAYS after it was written.
 */
import { Construct } from "constructs";
import { Lazy } from "cdktf";
import { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { S3BucketPolicy } from "@cdktf/provider-aws/lib/s3-bucket-policy";
import { S3BucketLoggingA } from "@cdktf/provider-aws/lib/s3-bucket-logging";
import { S3BucketLifecycleConfiguration } from "@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration";
import { S3BucketVersioningA } from "@cdktf/provider-aws/lib/s3-bucket-versioning";
import { RESOURCE_ID } from "../../lib/names";
import { denyInsecureTransport, policyDocument, type PolicyStatement } from "./policy";
import { ABORT_INCOMPLETE_UPLOAD_DAYS } from "./bucket-lifecycle";
import { closeBucketToThePublic } from "./bucket-access";

/** Days a deleted or expired access log is kept as a noncurrent version before S3 removes it. */
export const ACCESS_LOG_NONCURRENT_DAYS = 30;

/** Name, retention and owning account of an AccessLogBucket. */
export interface AccessLogBucketProps {
  /** Terraform appends a unique suffix (bucket names are global); at most 37 characters. */
  readonly namePrefix: string;
  /** Days a log stays current before it expires (it is then kept ACCESS_LOG_NONCURRENT_DAYS more as noncurrent). */
  readonly retentionDays: number;
  /** The account that owns the logged buckets (S3 logging's aws:SourceAccount). */
  readonly accountId: string;
}

/** The server access log bucket described in the file comment; `logsFor` adds each bucket it logs. */
export class AccessLogBucket extends Construct {
  /** The bucket the logs go to. */
  readonly bucket: S3Bucket;
  private readonly sources: { arn: string; prefix: string }[] = [];
  private readonly accountId: string;

  constructor(scope: Construct, id: string, props: AccessLogBucketProps) {
    super(scope, id);
    this.accountId = props.accountId;
    this.bucket = new S3Bucket(this, RESOURCE_ID, { bucketPrefix: props.namePrefix });
    new S3BucketServerSideEncryptionConfigurationA(this, "encryption", {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
    });
    const publicAccess = closeBucketToThePublic(this, this.bucket.id);
    const versioning = new S3BucketVersioningA(this, "versioning", {
      bucket: this.bucket.id,
      versioningConfiguration: { status: "Enabled" },
    });
    new S3BucketLifecycleConfiguration(this, "lifecycle", {
      bucket: this.bucket.id,
      // The provider's documentation for this resource: a versioned bucket's versioning is set before its lifecycle.
      dependsOn: [versioning],
      rule: [
        {
          id: "expire-access-logs",
          status: "Enabled",
          filter: [{}],
          expiration: [{ days: props.retentionDays }],
          noncurrentVersionExpiration: [{ noncurrentDays: ACCESS_LOG_NONCURRENT_DAYS }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: ABORT_INCOMPLETE_UPLOAD_DAYS }],
        },
      ],
    });
    new S3BucketPolicy(this, "policy", {
      bucket: this.bucket.id,
      policy: Lazy.stringValue({
        produce: () =>
          policyDocument([denyInsecureTransport("s3:*", [this.bucket.arn, `${this.bucket.arn}/*`]), ...this.deliveryStatements()]),
      }),
      dependsOn: [publicAccess],
    });
  }

  /** Turns on server access logging of `source` into this bucket, under `prefix` (ending in `/`). */
  logsFor(scope: Construct, id: string, source: { readonly id: string; readonly arn: string }, prefix: string): S3BucketLoggingA {
    this.sources.push({ arn: source.arn, prefix });
    return new S3BucketLoggingA(scope, id, { bucket: source.id, targetBucket: this.bucket.id, targetPrefix: prefix });
  }

  /** The S3 logging service writes each source's logs under its prefix only (S3 user guide, bucket policy for log delivery). */
  private deliveryStatements(): PolicyStatement[] {
    return this.sources.map((s, i) => ({
      Sid: `S3ServerAccessLogs${i + 1}`,
      Effect: "Allow",
      Principal: { Service: "logging.s3.amazonaws.com" },
      Action: "s3:PutObject",
      Resource: `${this.bucket.arn}/${s.prefix}*`,
      Condition: { ArnLike: { "aws:SourceArn": s.arn }, StringEquals: { "aws:SourceAccount": this.accountId } },
    }));
  }
}
