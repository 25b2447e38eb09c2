/**
 * Values of the symbolic evaluation. Known values are plain JSON values; what Terraform only learns at apply
 * time is a symbol that still says where it comes from (`aws_subnet.workload_a.id` in stack network), so that
 * two references to the same id are recognised as the same thing across stacks.
 */

/** Identifies one resource across all stacks: `network:aws_subnet.vpc_workload_a`. */
export type ResourceKey = string;

export function resourceKey(stack: string, address: string): ResourceKey {
  return `${stack}:${address}`;
}

/** An attribute only known after apply: `.id`, `.arn`, `default_route_table_id`... */
export class Opaque {
  constructor(
    readonly resource: ResourceKey,
    /** Attribute path below the resource, e.g. `id` or `network_interface[0].id`. */
    readonly path: string,
  ) {}
  toString(): string {
    return `(${this.resource}.${this.path}, known after apply)`;
  }
}

/**
 * A value the verifier cannot work out (an unsupported function, an unknown data source). `fails` is true when
 * Terraform itself would stop with an error there (a missing key, an index out of range): only then may `try()`
 * and `can()` move on, since any other Unknown may well be a value.
 */
export class Unknown {
  constructor(
    readonly reason: string,
    readonly fails = false,
  ) {}
  toString(): string {
    return `(unknown: ${this.reason})`;
  }
}

/** The id of a Network Firewall endpoint: firewall, the subnet it sits in, and that subnet's AZ. */
export class FirewallEndpointId {
  constructor(
    readonly firewall: ResourceKey,
    readonly subnet: Value,
    readonly availabilityZone: Value,
  ) {}
  toString(): string {
    return `(endpoint of ${this.firewall} in ${String(this.availabilityZone)})`;
  }
}

/** The `outputs` object of a `terraform_remote_state` data source, resolved lazily against the producing stack. */
export class RemoteOutputs {
  constructor(
    readonly stack: string,
    /** The data source instance's key. */
    readonly dataSource: ResourceKey,
  ) {}
  toString(): string {
    return `(outputs of ${this.dataSource})`;
  }
}

/** A whole resource instance (`aws_subnet.a`, `aws_subnet.a[0]`): its attributes are read when stepped into. */
export class ResourceObject {
  constructor(readonly resource: ResourceKey) {}
  toString(): string {
    return `(resource ${this.resource})`;
  }
}

/** A module instance's outputs (`module.net`, `module.net["a"]`): each output is evaluated when stepped into. */
export class ModuleObject {
  constructor(
    readonly stack: string,
    readonly path: string,
  ) {}
  toString(): string {
    return `(outputs of ${this.stack}:${this.path})`;
  }
}

/**
 * A set whose elements are known but whose order Terraform decides by hashing (the sync states of a firewall with
 * several subnets): iterating is exact, taking "element 0" is not.
 */
export class UnorderedSet {
  constructor(readonly items: readonly Value[]) {}
  toString(): string {
    return `(a set of ${this.items.length} elements in an order only Terraform knows)`;
  }
}

export type Symbolic = Opaque | Unknown | FirewallEndpointId | RemoteOutputs | ResourceObject | ModuleObject | UnorderedSet;

export type Value = null | boolean | number | string | readonly Value[] | { readonly [key: string]: Value } | Symbolic;

export function isSymbolic(v: unknown): v is Symbolic {
  return (
    v instanceof Opaque ||
    v instanceof Unknown ||
    v instanceof FirewallEndpointId ||
    v instanceof RemoteOutputs ||
    v instanceof ResourceObject ||
    v instanceof ModuleObject ||
    v instanceof UnorderedSet
  );
}

export function isObjectValue(v: unknown): v is { readonly [key: string]: Value } {
  return typeof v === "object" && v !== null && !Array.isArray(v) && !isSymbolic(v);
}

/** Same value, including symbols (the same resource attribute). */
export function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  if (a instanceof Opaque && b instanceof Opaque) return a.resource === b.resource && a.path === b.path;
  if (a instanceof FirewallEndpointId && b instanceof FirewallEndpointId) {
    return a.firewall === b.firewall && sameValue(a.subnet, b.subnet);
  }
  if (isSymbolic(a) || isSymbolic(b)) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

/** A short rendering for messages. */
export function showValue(v: Value | undefined): string {
  if (v === undefined) return "(not set)";
  if (isSymbolic(v)) return v.toString();
  return JSON.stringify(v, (_k, x) => (isSymbolic(x) ? x.toString() : x));
}

/** A list from iterating a set: in set order, so with more than one element, an UnorderedSet. */
export function setOf(items: Value[]): Value {
  return items.length > 1 ? new UnorderedSet(items) : items;
}
