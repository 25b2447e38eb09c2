/**
 * What the verifier reads, whatever it came from: one Terraform configuration per stack, as JSON values whose
 * strings may be templates (`"${aws_vpc.vpc.id}"`). Both loaders (cdktf.out and plan JSON) produce this shape.
 */

export interface RawResource {
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  /** The resource's arguments and blocks, unevaluated. */
  readonly config: Readonly<Record<string, unknown>>;
}

/** Where a stack keeps its state: how a remote-state reader is matched to the stack that produces it. */
export type BackendId =
  | { readonly type: "local"; readonly path: string }
  | { readonly type: "s3"; readonly bucket: string; readonly key: string }
  | { readonly type: "other"; readonly text: string };

export interface StackSource {
  /** The stack's name: its directory under cdktf.out/stacks, or the plan file's name without `.plan.json`. */
  readonly name: string;
  /** The file it was read from, for messages. */
  readonly origin: string;
  /** The directory Terraform runs in, against which relative local-state paths resolve (cdktf.out only). */
  readonly workingDirectory?: string;
  readonly backend?: BackendId;
  readonly resources: readonly RawResource[];
  /** Output name -> unevaluated value. */
  readonly outputs: Readonly<Record<string, unknown>>;
  /** Variable name -> default value. */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly locals: Readonly<Record<string, unknown>>;
  /** The AWS provider's `default_tags`, merged under every resource's own tags. */
  readonly defaultTags: Readonly<Record<string, unknown>>;
}

/** Input the verifier cannot use: each problem is one line for the user. Exit code 2. */
export class InputError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "InputError";
  }
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A Terraform JSON block value may be one object or a list of them. */
export function blockList(value: unknown): Record<string, unknown>[] {
  if (Array.isArray(value)) return value.filter(isRecord);
  return isRecord(value) ? [value] : [];
}
