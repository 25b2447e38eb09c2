/**
 * What the verifier reads, whatever it came from: one Terraform configuration per stack, as JSON values whose
 * strings may be templates (`"${aws_vpc.vpc.id}"`). Both loaders (cdktf.out and plan JSON) produce this shape.
 */

export interface RawResource {
  readonly mode: "managed" | "data";
  readonly type: string;
  readonly name: string;
  /**
   * The resource's arguments and blocks, unevaluated: template strings, or `Literal` values read from a plan or a
   * state (never parsed), or `Unresolvable` where the input holds no exact expression for a value.
   */
  readonly config: Readonly<Record<string, unknown>>;
  /** The module instance it belongs to (`""` for the root module, `module.net`, `module.net["a"]`). @default "" */
  readonly module?: string;
  /** Its `count` index or `for_each` key, when the resource is repeated. */
  readonly index?: number | string;
  /** `each.value` of a `for_each` instance (unevaluated). */
  readonly eachValue?: unknown;
  /** How the resource is repeated: by `count` (a list of instances), `for_each` (a map), or not at all. */
  readonly repetition?: "count" | "for_each";
  /**
   * The `lifecycle` block as written (an object, or hcl2json's list of one object), `null` when the configuration
   * has none, and undefined when the input does not record it: `terraform show -json` keeps no lifecycle settings
   * in a plan's `configuration` (internal/command/jsonconfig/config.go, `resource`) nor in a state, so only a
   * JSON configuration (cdktf.out) or the HCL source given with `--config` says what `ignore_changes` holds.
   */
  readonly lifecycle?: unknown;
}

/** A value read from a plan or a state: known, used as it is (strings in it are not templates). */
export class Literal {
  constructor(readonly value: unknown) {}
}

/** A value the input does not give exactly: reading it is a problem (exit 2) naming the resource, the attribute and why. */
export class Unresolvable {
  constructor(readonly reason: string) {}
}

/**
 * A value the plan knows because it read a remote state at plan time (`data.terraform_remote_state.x.outputs.y`):
 * when the producing stack is among the inputs as a plan, its outputs are what apply will create, so the value is
 * linked through the expression to them; otherwise the value read is the value.
 */
export class RemoteLinked {
  constructor(
    readonly known: unknown,
    readonly expression: unknown,
    /** The remote-state data sources the expression reads (`data.terraform_remote_state.network`, in the resource's module). */
    readonly dataSources: readonly string[],
  ) {}
}

/**
 * A value the plan leaves unknown, with the expression the configuration gives for it. An optional argument the
 * provider also computes is unknown in the plan when the expression is null: then the provider's (apply-time)
 * value is meant, not null.
 */
export class Computed {
  constructor(readonly expression: unknown) {}
}

/** `each.value` of a `for_each` instance: the `for_each` expression (unevaluated) and the instance's key. */
export class EachValue {
  constructor(
    readonly forEach: unknown,
    readonly key: string,
  ) {}
}

/** A module instance of a stack: its inputs come from the call in its parent, its locals and outputs from its source. */
export interface ModuleInstance {
  /** `""` for the root module, else `module.net`, `module.net[0].module.sub`... */
  readonly path: string;
  /** The parent's path (undefined for the root). */
  readonly parent?: string;
  /** The call's arguments (unevaluated, in the parent's scope), by variable name. */
  readonly inputs: Readonly<Record<string, unknown>>;
  /** `count.index` / `each.key` / `each.value` of the call, for evaluating `inputs`. */
  readonly callIndex?: number | string;
  readonly callEachValue?: unknown;
  readonly callRepetition?: "count" | "for_each";
  /** Variable defaults, locals and outputs of the module's source (unevaluated). */
  readonly variables: Readonly<Record<string, unknown>>;
  readonly locals: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
  /**
   * Resource blocks the module's configuration declares (`aws_subnet.a`, `data.aws_vpc.x`) and how each is repeated:
   * one with no instance is an empty list or map.
   */
  readonly declared?: Readonly<Record<string, "count" | "for_each" | "single">>;
  /** Child calls: name -> how repeated (the instances are modules of the stack whose parent is this one). */
  readonly calls: Readonly<Record<string, "count" | "for_each" | "single">>;
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
  readonly defaultTags: unknown;
  /** Resource blocks of the root module and how each is repeated (see ModuleInstance.declared). */
  readonly declared?: Readonly<Record<string, "count" | "for_each" | "single">>;
  /** Child module instances (plans and states; cdktf.out has none). */
  readonly modules?: readonly ModuleInstance[];
  /** What the reader assumed or could not read exactly, for the report. */
  readonly notes?: readonly string[];
  /** `plan` or `state` for `terraform show -json` input; undefined for a JSON configuration. */
  readonly kind?: "plan" | "state";
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
