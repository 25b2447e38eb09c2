/**
 * The override file that makes a synthesized stack plan offline, written beside its cdk.tf.json in a temporary
 * copy (Terraform merges `*_override.tf.json` files over the configuration; "Override Files" in the Terraform
 * language docs). The synthesized output itself never carries any of this.
 */
import type { TerraformJson } from "./synthesized";

/** Ends in `_override.tf.json`, so Terraform reads it as an override file. */
export const OVERRIDE_FILE_NAME = "zz_egress6_offline_override.tf.json";

/** Dummy credentials: the provider never uses them because every call that needs AWS is skipped. */
const DUMMY_ACCESS_KEY = "mock-access-key";
const DUMMY_SECRET_KEY = "mock-secret-key";

/** The AWS provider settings that keep `validate` and `plan` from calling AWS (hashicorp/aws provider docs). */
export const OFFLINE_AWS_PROVIDER = {
  skip_credentials_validation: true,
  skip_requesting_account_id: true,
  skip_metadata_api_check: true,
  skip_region_validation: true,
  access_key: DUMMY_ACCESS_KEY,
  secret_key: DUMMY_SECRET_KEY,
  // A data source that does call AWS then fails at once instead of retrying for minutes with no network.
  max_retries: 1,
  // The environment's identity (config profile / assumeRole) needs the shared config files and STS: not offline.
  // null unsets an argument in an override file; a nested block replaces the original ones, and the provider skips an
  // assume_role block whose role_arn is empty.
  profile: null,
  // With no account id requested the guard has nothing to compare and fails every plan ("AWS account ID not
  // allowed: ", hashicorp/aws 5.100.0 offline): the guard is for real runs only.
  allowed_account_ids: null,
  assume_role: [{ role_arn: "" }],
} as const;

export interface OfflineOverrideProps {
  /** Absolute path of the local state file that replaces the stack's backend. */
  readonly statePath: string;
  /** Absolute path of the stub state each `terraform_remote_state` data source reads instead, by data source name. */
  readonly remoteStates: ReadonlyMap<string, string>;
}

/** The override document for one stack. */
export function offlineOverride(json: TerraformJson, props: OfflineOverrideProps): Record<string, unknown> {
  const declared = json.provider?.aws;
  const blocks = Array.isArray(declared) ? declared : declared ? [declared] : [{}];
  const aws = blocks.map((block) =>
    typeof block.alias === "string" ? { alias: block.alias, ...OFFLINE_AWS_PROVIDER } : { ...OFFLINE_AWS_PROVIDER },
  );
  const doc: Record<string, unknown> = {
    terraform: { backend: { local: { path: props.statePath } } },
    provider: { aws },
  };
  if (props.remoteStates.size > 0) {
    doc.data = {
      terraform_remote_state: Object.fromEntries(
        [...props.remoteStates].map(([name, stub]) => [name, { backend: "local", config: { path: stub } }]),
      ),
    };
  }
  return doc;
}
