/**
 * What every egress6 stack shares: the AWS provider with default tags, the state backend, and readable
 * Terraform addresses (`aws_subnet.workload_a`, not `aws_subnet.vpc_workloada_1A2B3C4D`).
 */
import * as path from "node:path";
import { Construct, Node } from "constructs";
import { LocalBackend, S3Backend, TerraformElement, TerraformStack, type S3BackendConfig } from "cdktf";
import { AwsProvider, type AwsProviderConfig } from "@cdktf/provider-aws/lib/provider";
import type { Egress6Config } from "../config/schema";
import { RESOURCE_ID, TAG_ENVIRONMENT, TAG_STACK, stateKeyAlias, type StackName } from "../lib/names";

/**
 * Where the demo's local state lives, relative to a stack's directory (`<outdir>/stacks/<stack>`):
 * beside the output folder, so that a new synth (which replaces the output folder) never touches state.
 */
export function localStatePath(env: string, stack: StackName): string {
  return path.posix.join("..", "..", "..", ".state", env, `${stack}.tfstate`);
}

/** The S3 key of a stack's state: `<keyPrefix><env>/<stack>.tfstate`. */
export function s3StateKey(config: Egress6Config, stack: StackName): string {
  const prefix = config.backend.type === "s3" ? (config.backend.keyPrefix ?? "") : "";
  return `${prefix}${config.name}/${stack}.tfstate`;
}

/**
 * The provider's account guard and identity from the config: `allowed_account_ids` (the provider refuses to run
 * against any other account), `profile` and one `assume_role` block (hashicorp/aws provider docs).
 */
export function providerIdentity(config: Egress6Config): Pick<AwsProviderConfig, "allowedAccountIds" | "profile" | "assumeRole"> {
  return {
    ...(config.accountId !== undefined ? { allowedAccountIds: [config.accountId] } : {}),
    ...(config.profile !== undefined ? { profile: config.profile } : {}),
    ...(config.assumeRole !== undefined
      ? {
          assumeRole: [
            { roleArn: config.assumeRole.roleArn, sessionName: config.assumeRole.sessionName, externalId: config.assumeRole.externalId },
          ],
        }
      : {}),
  };
}

/** The same identity for the S3 backend and the remote state that reads it (Terraform S3 backend docs: `profile`, `assume_role`). */
export function backendIdentity(config: Egress6Config): Pick<S3BackendConfig, "profile" | "assumeRole"> {
  return {
    ...(config.profile !== undefined ? { profile: config.profile } : {}),
    ...(config.assumeRole !== undefined
      ? {
          assumeRole: {
            roleArn: config.assumeRole.roleArn,
            sessionName: config.assumeRole.sessionName,
            externalId: config.assumeRole.externalId,
          },
        }
      : {}),
  };
}

/**
 * `terraform.required_version` of every stack: S3-native locking (`use_lockfile`) is generally available from
 * Terraform 1.11 (experimental in 1.10), and 1.11 is the first release whose S3 backend is confirmed to take a KMS
 * alias as kms_key_id.
 */
export const REQUIRED_TERRAFORM_VERSION = ">= 1.11.0";

export interface Egress6StackProps {
  /**
   * The validated egress6 configuration: the AWS provider's region and default tags (config.tags plus the environment
   * and stack tags), the state backend, and what the stack builds.
   */
  readonly config: Egress6Config;
  /**
   * Use local state even when the config names an S3 backend (the bootstrap stack creates the bucket).
   * @default false
   */
  readonly forceLocalState?: boolean;
  /**
   * The AWS provider's region (the bootstrap stack creates the state bucket where the S3 backend looks for it).
   * @default config.region
   */
  readonly providerRegion?: string;
}

export class Egress6Stack extends TerraformStack {
  readonly config: Egress6Config;
  readonly stackName: StackName;

  constructor(scope: Construct, stackName: StackName, props: Egress6StackProps) {
    super(scope, stackName);
    this.config = props.config;
    this.stackName = stackName;
    const { config } = props;

    new AwsProvider(this, "aws", {
      region: props.providerRegion ?? config.region,
      defaultTags: [{ tags: { ...config.tags, [TAG_ENVIRONMENT]: config.name, [TAG_STACK]: stackName } }],
      ...providerIdentity(config),
    });
    // Terraform itself refuses to run below this version: S3-native state locking (use_lockfile) is generally available from 1.11.
    this.addOverride("terraform.required_version", REQUIRED_TERRAFORM_VERSION);

    if (config.backend.type === "s3" && !props.forceLocalState) {
      new S3Backend(this, {
        bucket: config.backend.bucket,
        key: s3StateKey(config, stackName),
        region: config.backend.region,
        // With encrypt and no kms_key_id the backend asks S3 for SSE-S3 (AES256) on every write, which overrides the
        // bucket's KMS default (hashicorp/terraform internal/backend/remote-state/s3/client.go, Put): name the key,
        // the bootstrap stack's own unless the config gives another.
        encrypt: true,
        kmsKeyId: config.backend.kmsKeyId ?? stateKeyAlias(config.name),
        ...backendIdentity(config),
      });
      // S3-native locking (Terraform >= 1.11); cdktf 0.21's S3Backend has no property for it.
      this.addOverride("terraform.backend.s3.use_lockfile", true);
    } else {
      new LocalBackend(this, { path: localStatePath(config.name, stackName) });
    }
  }

  /**
   * Logical id = the construct path below the stack joined with `_` (unique because construct paths are),
   * leaving out `resource`, the id a module gives its main resource: `aws_vpc.vpc`, `aws_network_acl.workload_acl`.
   */
  protected allocateLogicalId(element: TerraformElement | Node): string {
    const node = element instanceof TerraformElement ? element.node : element;
    const parts = node.scopes
      .slice(2)
      .map((scope) => scope.node.id)
      .filter((id, _i, all) => id !== RESOURCE_ID || all.length === 1);
    const id = parts.join("_").replace(/[^A-Za-z0-9_]/g, "_");
    return /^[A-Za-z_]/.test(id) ? id : `_${id}`;
  }
}
