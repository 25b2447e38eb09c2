/**
 * The bootstrap stack (local state): the S3 bucket and KMS key that hold every other stack's state
 * (modules/state/state-store.ts). Deploy it once per account, before anything else: `cdktf deploy bootstrap`. With an
 * S3 backend it is built in backend.region, where the other stacks' backends look for the bucket (and where the key
 * must be, for SSE-KMS).
 */
import { Construct } from "constructs";
import { TerraformOutput } from "cdktf";
import type { KmsKey } from "@cdktf/provider-aws/lib/kms-key";
import type { S3Bucket } from "@cdktf/provider-aws/lib/s3-bucket";
import { Egress6Stack } from "./base";
import type { Egress6Config } from "../config/schema";
import { partitionOf } from "../lib/partition";
import { createStateStore } from "../modules/state/state-store";

/** The state bucket's name: the configured S3 backend's bucket, or `<env>-egress6-tfstate` for a local-state config. */
export function stateBucketName(config: Egress6Config): string {
  return config.backend.type === "s3" ? config.backend.bucket : `${config.name}-egress6-tfstate`;
}

/** The bootstrap stack: the state store, and its bucket's name and key as outputs. */
export class BootstrapStack extends Egress6Stack {
  /** The state bucket. */
  readonly bucket: S3Bucket;
  /** The key the state is encrypted with. */
  readonly key: KmsKey;

  constructor(scope: Construct, config: Egress6Config) {
    const providerRegion = config.backend.type === "s3" ? config.backend.region : config.region;
    super(scope, "bootstrap", { config, forceLocalState: true, providerRegion });

    const store = createStateStore(this, {
      envName: config.name,
      bucketName: stateBucketName(config),
      partition: partitionOf(providerRegion),
    });
    this.bucket = store.bucket;
    this.key = store.key;

    new TerraformOutput(this, "state_bucket", { value: this.bucket.bucket, description: "State bucket name" });
    new TerraformOutput(this, "state_kms_key_arn", { value: this.key.arn, description: "KMS key for the state bucket" });
  }
}
