/**
 * How one stack reads another's outputs: a `terraform_remote_state` data source on the producer's backend.
 * Stacks never share construct objects, so each stack's Terraform stands alone (exported HCL, Atlantis).
 */
import { Construct } from "constructs";
import { DataTerraformRemoteStateLocal, DataTerraformRemoteStateS3, TerraformRemoteState } from "cdktf";
import type { Egress6Config } from "../config/schema";
import type { StackName } from "../lib/names";
import { backendIdentity, localStatePath, s3StateKey } from "./base";

/** A `terraform_remote_state` data source named `<producer>` reading the producer stack's state. */
export function remoteState(scope: Construct, config: Egress6Config, producer: StackName): TerraformRemoteState {
  if (config.backend.type === "s3") {
    return new DataTerraformRemoteStateS3(scope, producer, {
      bucket: config.backend.bucket,
      key: s3StateKey(config, producer),
      region: config.backend.region,
      encrypt: true,
      kmsKeyId: config.backend.kmsKeyId,
      ...backendIdentity(config),
    });
  }
  return new DataTerraformRemoteStateLocal(scope, producer, { path: localStatePath(config.name, producer) });
}
