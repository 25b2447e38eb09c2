/**
 * Evaluates every stack's configuration symbolically, across stacks: a `terraform_remote_state` output is the
 * producing stack's output expression evaluated in that stack, so a route in one stack that names a route table
 * through remote state lands on the very `aws_route_table` of the other.
 *
 * What apply would compute is modelled only where the analysis needs it: the VPC's IPv6 /56 (a synthetic
 * documentation prefix per VPC), and a Network Firewall's `firewall_status` (one sync state per subnet mapping,
 * in that subnet's AZ, whose endpoint id names the firewall and the subnet). Everything else after apply is an
 * `Opaque` that remembers which resource attribute it is.
 */
import * as zlib from "node:zlib";
import { ExpressionError, parseTemplate, type Expr } from "./parse";
import {
  FirewallEndpointId,
  ModuleObject,
  Opaque,
  RemoteOutputs,
  ResourceObject,
  Unknown,
  UnorderedSet,
  showValue,
  isObjectValue,
  isSymbolic,
  resourceKey,
  sameValue,
  type ResourceKey,
  type Value,
} from "./values";
import { Prefix } from "../model/prefix";
import { backendId } from "../input/cdktf-out";
import {
  Computed,
  EachValue,
  Literal,
  RemoteLinked,
  Unresolvable,
  isRecord,
  type BackendId,
  type ModuleInstance,
  type RawResource,
  type StackSource,
} from "../input/source";

/**
 * The synthetic /56 given to the n-th VPC whose IPv6 block is allocated at apply: inside 2001:db8::/32, which
 * RFC 3849 reserves for documentation, so it cannot collide with a prefix written in a real configuration.
 */
export function syntheticVpcIpv6(n: number): string {
  return Prefix.parse(`2001:db8:${n.toString(16)}::/56`)!.toString();
}

/**
 * How many locals and module inputs and outputs one value may be reached through (`local.a` = `local.b` = ...).
 * Terraform has no such limit; the verifier's evaluation recurses, and near 600 levels Node's default stack runs
 * out, so it stops well before with one line. Real configurations chain a handful.
 */
export const MAX_REFERENCE_DEPTH = 250;

/** Resource types whose IPv6 /56 is allocated by AWS at apply time when not given. */
const VPC_IPV6_HOLDERS = new Set(["aws_vpc", "aws_vpc_ipv6_cidr_block_association"]);

export interface ResourceRef {
  readonly key: ResourceKey;
  readonly stack: StackSource;
  readonly raw: RawResource;
  /** Full address: `aws_subnet.vpc_workload_a`, `module.net.aws_subnet.work[0]`, `data.terraform_remote_state.network`. */
  readonly address: string;
  /** The module instance path (`""` for the root module). */
  readonly module: string;
}

type Env = ReadonlyMap<string, Value>;

/** All instances of one resource block in one module instance. */
interface ResourceGroup {
  readonly repetition: "count" | "for_each" | undefined;
  readonly instances: ResourceRef[];
}

/** `[0]`, `["a"]`: the instance key as Terraform writes it in an address. */
export function indexText(index: number | string): string {
  return typeof index === "number" ? `[${index}]` : `[${JSON.stringify(index)}]`;
}

/** The address of a resource instance. */
export function addressOf(raw: RawResource): string {
  const local = `${raw.mode === "data" ? "data." : ""}${raw.type}.${raw.name}${raw.index === undefined ? "" : indexText(raw.index)}`;
  return raw.module ? `${raw.module}.${local}` : local;
}

/** Turns a value read from a plan or state (plain JSON) into a Value: nothing in it is a template. */
function literal(v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (Array.isArray(v)) return v.map(literal);
  if (isRecord(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, literal(x)]));
  return new Unknown("an unexpected value in the input");
}

export class World {
  readonly stacks: ReadonlyMap<string, StackSource>;
  /** Problems that make the input unusable (an output no stack declares, an expression that cannot be read). */
  readonly problems: string[] = [];
  /** Statements about what was assumed, for the report. */
  readonly assumptions: string[] = [];
  private readonly refs = new Map<ResourceKey, ResourceRef>();
  private readonly groups = new Map<string, ResourceGroup>();
  private readonly modules = new Map<string, ModuleInstance>();
  private readonly byLiteralId = new Map<string, ResourceRef[]>();
  private byIdIndexed = false;
  private readonly attrCache = new Map<string, Value>();
  private readonly outputCache = new Map<string, Value>();
  private readonly inProgress = new Set<string>();
  private readonly parsed = new Map<string, Expr>();
  private readonly syntheticIpv6 = new Map<ResourceKey, string>();
  /** The locals and module inputs and outputs under evaluation, innermost last: to name a cycle. */
  private readonly chain: { readonly key: string; readonly label: string }[] = [];
  /** How many `evaluate` calls are under way: the outermost one turns an exhausted stack into a problem. */
  private evaluating = 0;

  constructor(stacks: readonly StackSource[]) {
    this.stacks = new Map(stacks.map((s) => [s.name, s]));
    for (const stack of stacks) {
      for (const m of stack.modules ?? []) this.modules.set(`${stack.name}\u0000${m.path}`, m);
      for (const raw of stack.resources) {
        const address = addressOf(raw);
        const key = resourceKey(stack.name, address);
        const ref: ResourceRef = { key, stack, raw, address, module: raw.module ?? "" };
        this.refs.set(key, ref);
        const gk = this.groupKey(stack.name, ref.module, raw.mode, raw.type, raw.name);
        const group = this.groups.get(gk) ?? { repetition: raw.repetition, instances: [] };
        group.instances.push(ref);
        this.groups.set(gk, group);
      }
      for (const note of stack.notes ?? []) this.assumptions.push(note);
    }
    let n = 0;
    for (const ref of this.refs.values()) {
      if (ref.raw.mode !== "managed" || !VPC_IPV6_HOLDERS.has(ref.raw.type)) continue;
      const c = ref.raw.config;
      const generated =
        ref.raw.type !== "aws_vpc" ||
        this.isSet(c.assign_generated_ipv6_cidr_block, true, ref) ||
        this.isSet(c.ipv6_ipam_pool_id, undefined, ref);
      if (!this.isSet(c.ipv6_cidr_block, undefined, ref) && generated) {
        const prefix = syntheticVpcIpv6(n++);
        this.syntheticIpv6.set(ref.key, prefix);
        this.assumptions.push(
          `${ref.address} (${ref.stack.name}): its IPv6 /56 is allocated at apply; reasoned about as ${prefix} ` +
            `(RFC 3849 documentation prefix). Every subnet is cidrsubnet() of it, so results hold for any /56 AWS assigns.`,
        );
      }
    }
  }

  /** Is a raw argument given (and, with `value`, equal to it)? Unresolvable counts as given. */
  private isSet(raw: unknown, value?: unknown, ref?: ResourceRef): boolean {
    if (raw instanceof Computed && ref) {
      const e = this.evaluate(ref.stack, raw.expression, `${ref.address} (${ref.stack.name})`, new Map(), ref);
      return e !== null && (value === undefined || e === value);
    }
    const v = raw instanceof Literal ? raw.value : raw;
    if (v === undefined || v === null) return false;
    if (v instanceof Unresolvable) return value === undefined;
    return value === undefined ? true : v === value;
  }

  private groupKey(stack: string, module: string, mode: string, type: string, name: string): string {
    return `${stack}\u0000${module}\u0000${mode}.${type}.${name}`;
  }

  resource(key: ResourceKey): ResourceRef | undefined {
    return this.refs.get(key);
  }

  /** Every managed resource of a type, in declaration order across stacks. */
  resourcesOfType(type: string): ResourceRef[] {
    return [...this.refs.values()].filter((r) => r.raw.mode === "managed" && r.raw.type === type);
  }

  allResources(): ResourceRef[] {
    return [...this.refs.values()];
  }

  /** Resources whose `id` is a known literal (read from a state): how ids written as text link up. */
  resourcesWithId(id: string): ResourceRef[] {
    if (!this.byIdIndexed) {
      this.byIdIndexed = true;
      for (const ref of this.refs.values()) {
        const raw = ref.raw.config.id;
        const v = raw instanceof Literal ? raw.value : undefined;
        if (typeof v === "string" && v !== "") this.byLiteralId.set(v, [...(this.byLiteralId.get(v) ?? []), ref]);
      }
    }
    return this.byLiteralId.get(id) ?? [];
  }

  /** The value of one attribute of a resource: its configured argument evaluated, or what apply would compute. */
  attribute(key: ResourceKey, name: string): Value {
    const cacheKey = `${key}\u0000${name}`;
    const cached = this.attrCache.get(cacheKey);
    if (cached !== undefined || this.attrCache.has(cacheKey)) return cached as Value;
    const ref = this.refs.get(key);
    if (!ref) return new Unknown(`no resource ${key}`);
    if (this.inProgress.has(cacheKey)) return new Unknown(`${ref.address}.${name} refers to itself`);
    this.inProgress.add(cacheKey);
    let value: Value;
    try {
      value = this.computeAttribute(ref, name);
    } finally {
      this.inProgress.delete(cacheKey);
    }
    this.attrCache.set(cacheKey, value);
    return value;
  }

  /** A configured argument, evaluated; undefined when the configuration does not set it (Terraform's default applies). */
  argument(key: ResourceKey, name: string): Value | undefined {
    const ref = this.refs.get(key);
    if (!ref || !(name in ref.raw.config)) return undefined;
    const raw = ref.raw.config[name];
    if (raw === null || raw === undefined || (raw instanceof Literal && (raw.value === null || raw.value === undefined))) return undefined;
    if (raw instanceof Computed) {
      const v = this.evaluate(ref.stack, raw.expression, `${ref.address} (${ref.stack.name}).${name}`, new Map(), ref);
      if (v === null) return undefined;
    }
    return this.attribute(key, name);
  }

  /** Tags of a managed resource: the provider's default tags under the resource's own (or, from a plan or state, `tags_all`). */
  tags(key: ResourceKey): Record<string, Value> {
    let tags = this.tagCache.get(key);
    if (!tags) {
      tags = this.computeTags(key);
      this.tagCache.set(key, tags);
    }
    return tags;
  }

  private readonly tagCache = new Map<ResourceKey, Record<string, Value>>();

  private computeTags(key: ResourceKey): Record<string, Value> {
    const ref = this.refs.get(key);
    if (!ref) return {};
    const all = ref.raw.config.tags_all;
    if (all instanceof Literal && isRecord(all.value)) return literal(all.value) as Record<string, Value>;
    const own = this.argument(key, "tags") ?? {};
    const defaults = this.evaluate(ref.stack, ref.stack.defaultTags, `${ref.stack.name} provider default_tags`);
    const problem = [own, defaults].find((v) => isSymbolic(v) || (v !== null && !isObjectValue(v)));
    if (problem) {
      this.problems.push(
        `${ref.address} (${ref.stack.name}).tags: cannot be worked out before apply (${String(problem)}); roles and tiers are read from tags`,
      );
      return {};
    }
    return { ...(isObjectValue(defaults) ? defaults : {}), ...(isObjectValue(own) ? own : {}) };
  }

  private computeAttribute(ref: ResourceRef, name: string): Value {
    const config = ref.raw.config;
    const type = ref.raw.type;
    const where = `${ref.address} (${ref.stack.name}).${name}`;
    if (type === "terraform_remote_state" && ref.raw.mode === "data" && name === "outputs")
      return new RemoteOutputs(ref.stack.name, ref.key);
    if (config[name] instanceof Computed) {
      // Unknown in the plan: the configuration's expression, unless it is null (then the provider computes it).
      const v = this.evaluate(ref.stack, (config[name] as Computed).expression, where, new Map(), ref);
      if (v !== null) return v;
    } else if (name in config && config[name] !== undefined) {
      const raw = config[name];
      const nullLiteral = raw instanceof Literal && raw.value === null;
      if (!(nullLiteral && (VPC_IPV6_HOLDERS.has(type) || name === "firewall_status")))
        return this.evaluate(ref.stack, raw, where, new Map(), ref);
    }
    if (ref.raw.mode === "managed" && VPC_IPV6_HOLDERS.has(type) && name === "ipv6_cidr_block") {
      return this.syntheticIpv6.get(ref.key) ?? null;
    }
    if (type === "aws_networkfirewall_firewall" && name === "firewall_status") return this.firewallStatus(ref);
    if (name === "id") {
      if (type === "aws_default_route_table") return this.attribute(ref.key, "default_route_table_id");
      if (type === "aws_default_network_acl") return this.attribute(ref.key, "default_network_acl_id");
      if (type === "aws_default_security_group") {
        const vpc = this.attribute(ref.key, "vpc_id");
        return vpc instanceof Opaque && vpc.path === "id"
          ? new Opaque(vpc.resource, "default_security_group_id")
          : new Opaque(ref.key, "id");
      }
    }
    if (type === "aws_default_security_group" && name === "vpc_id") return new Unknown("default security group of the default VPC");
    return new Opaque(ref.key, name);
  }

  /** What `firewall_status` becomes after apply: one sync state per subnet mapping, with the subnet's AZ. */
  private firewallStatus(ref: ResourceRef): Value {
    const mappings = this.attribute(ref.key, "subnet_mapping");
    const list = Array.isArray(mappings)
      ? mappings
      : isObjectValue(mappings)
        ? [mappings]
        : mappings instanceof UnorderedSet
          ? mappings.items
          : undefined;
    if (!list || list.some((m) => !isObjectValue(m))) return new Unknown(`the subnet mappings of ${ref.address} (${showValue(mappings)})`);
    const syncStates = (list as Record<string, Value>[]).map((m) => {
      const subnetId = (m.subnet_id ?? null) as Value;
      const az = this.availabilityZoneOfSubnet(subnetId);
      return {
        availability_zone: az,
        attachment: [{ endpoint_id: new FirewallEndpointId(ref.key, subnetId, az), subnet_id: subnetId, status: "READY" }],
      };
    });
    // AWS returns sync states as a set: with more than one, their order is Terraform's, not the configuration's.
    return [{ sync_states: syncStates.length > 1 ? new UnorderedSet(syncStates) : syncStates }];
  }

  /** The AZ of the subnet a subnet-id value names, or Unknown. */
  availabilityZoneOfSubnet(subnetId: Value): Value {
    if (subnetId instanceof Opaque && subnetId.path === "id") {
      const subnet = this.refs.get(subnetId.resource);
      if (subnet && subnet.raw.type === "aws_subnet") return this.attribute(subnet.key, "availability_zone");
    }
    if (typeof subnetId === "string") {
      const subnets = this.resourcesWithId(subnetId).filter((r) => r.raw.type === "aws_subnet");
      if (subnets.length === 1) return this.attribute(subnets[0].key, "availability_zone");
    }
    return new Unknown("the AZ of a subnet outside the configuration");
  }

  /** An output of a stack's root module, evaluated in that stack. */
  output(stackName: string, name: string): Value {
    const stack = this.stacks.get(stackName);
    if (!stack || !(name in stack.outputs)) return new Unknown(`stack ${stackName} has no output ${name}`);
    return this.cachedOutput(`${stackName}\u0000\u0000${name}`, () =>
      this.evaluate(stack, stack.outputs[name], `output ${name} (${stackName})`),
    );
  }

  /** An output of a module instance, evaluated in that module. */
  moduleOutput(stackName: string, path: string, name: string): Value {
    const stack = this.stacks.get(stackName)!;
    const m = this.modules.get(`${stackName}\u0000${path}`);
    if (!m) return new Unknown(`no module ${path} in stack ${stackName}`, true);
    if (!(name in m.outputs)) return new Unknown(`${path} has no output "${name}"`, true);
    return this.guarded(stackName, `${path}.output.${name}`, () =>
      this.cachedOutput(`${stackName}\u0000${path}\u0000${name}`, () =>
        this.evaluate(stack, m.outputs[name], `${path}.${name} (output, ${stackName})`, new Map(), undefined, path),
      ),
    );
  }

  private cachedOutput(cacheKey: string, compute: () => Value): Value {
    if (this.outputCache.has(cacheKey)) return this.outputCache.get(cacheKey) as Value;
    if (this.inProgress.has(`output:${cacheKey}`)) return new Unknown("an output that refers to itself");
    this.inProgress.add(`output:${cacheKey}`);
    let value: Value;
    try {
      value = compute();
    } finally {
      this.inProgress.delete(`output:${cacheKey}`);
    }
    this.outputCache.set(cacheKey, value);
    return value;
  }

  module(stackName: string, path: string): ModuleInstance | undefined {
    return this.modules.get(`${stackName}\u0000${path}`);
  }

  /** The instances of a resource block in a module instance, and how they are repeated. */
  group(stack: string, module: string, mode: "managed" | "data", type: string, name: string): ResourceGroup | undefined {
    return this.groups.get(this.groupKey(stack, module, mode, type, name));
  }

  private readonly collections = new Map<ResourceGroup, Value>();

  /** The value of a whole resource block (one instance, a list or a map of them), built once. */
  collection(group: ResourceGroup, build: () => Value): Value {
    let v = this.collections.get(group);
    if (v === undefined) {
      v = build();
      this.collections.set(group, v);
    }
    return v;
  }

  /** Module instances called `name` from `parent`. */
  moduleInstances(stack: string, parent: string, name: string): ModuleInstance[] {
    const prefix = `${parent ? `${parent}.` : ""}module.${name}`;
    return [...this.modules.values()].filter(
      (m) =>
        m.parent === parent && (m.path === prefix || m.path.startsWith(`${prefix}[`)) && this.modules.get(`${stack}\u0000${m.path}`) === m,
    );
  }

  /** Is the stack a remote-state data source reads among the inputs, and as what? */
  producerKind(consumer: StackSource, ds: ResourceRef): "plan" | "other" | "none" {
    const outputs = ds.raw.config.outputs;
    const names = outputs instanceof Literal && isRecord(outputs.value) ? Object.keys(outputs.value) : [];
    for (const n of names) {
      const p = this.producerOf(consumer, ds.key, n);
      if (typeof p !== "string") return p.kind === "plan" ? "plan" : "other";
    }
    return "none";
  }

  /**
   * The stack a remote-state data source reads: the stack whose backend is the data source's state location, or
   * else the only stack that declares the output, or else the one named like the data source.
   */
  producerOf(consumer: StackSource, dataSourceKey: ResourceKey, outputName: string): StackSource | string {
    const ref = this.refs.get(dataSourceKey);
    if (!ref) return `${dataSourceKey} is not declared`;
    const where = `${ref.address} (${consumer.name})`;
    const backend = this.evaluate(consumer, ref.raw.config.backend, `${where}.backend`, new Map(), ref);
    const config = this.evaluate(consumer, ref.raw.config.config ?? {}, `${where}.config`, new Map(), ref);
    const id =
      typeof backend === "string" && isObjectValue(config)
        ? backendId(backend, config as Record<string, unknown>, consumer.workingDirectory)
        : undefined;
    const others = [...this.stacks.values()].filter((s) => s !== consumer);
    const byBackend = id ? others.filter((s) => s.backend && sameBackend(s.backend, id)) : [];
    if (byBackend.length === 1) {
      const producer = byBackend[0];
      if (!(outputName in producer.outputs)) {
        return `${where} reads output "${outputName}" from stack ${producer.name}, which does not declare it`;
      }
      return producer;
    }
    const declaring = others.filter((s) => outputName in s.outputs);
    if (declaring.length === 1) return declaring[0];
    const stateName =
      id && id.type !== "other" ? (id.type === "local" ? id.path : id.key).replace(/^.*\//, "").replace(/\.tfstate$/, "") : undefined;
    const named = declaring.filter((s) => s.name === ref.raw.name || s.name === stateName);
    if (named.length === 1) return named[0];
    if (declaring.length === 0) return `${where} reads output "${outputName}", which no stack declares`;
    return `${where} reads output "${outputName}", which several stacks declare (${declaring.map((s) => s.name).join(", ")})`;
  }

  /**
   * Deep-evaluates a configuration value: strings are templates, arrays and objects are walked, `Literal` values
   * are taken as they are, `Unresolvable` ones are problems. `resource` gives `count.index`/`each` and the module;
   * `module` the module instance when there is no resource (outputs, locals, module inputs).
   */
  evaluate(stack: StackSource, raw: unknown, where: string, env: Env = new Map(), resource?: ResourceRef, module?: string): Value {
    if (this.evaluating > 0) return this.evaluateValue(stack, raw, where, env, resource, module);
    this.evaluating++;
    try {
      return this.evaluateValue(stack, raw, where, env, resource, module);
    } catch (e) {
      // A chain of references or values too deep for the stack: one problem naming where it started, not a trace.
      if (!(e instanceof RangeError) || !/call stack/i.test(e.message)) throw e;
      this.problems.push(`${where}: references or values nested too deeply for the verifier to follow (its stack ran out)`);
      return new Unknown("nested too deeply to evaluate");
    } finally {
      this.evaluating--;
    }
  }

  /**
   * Evaluates a local, a module input or a module output (`label`, as Terraform names it: `local.a`,
   * `module.net.var.x`, `module.net.output.id`) unless it is already under evaluation: then the configuration refers
   * to it through itself, a cycle Terraform refuses to plan ("Cycle: ..."), and that is a problem naming the cycle.
   */
  guarded(stack: string, label: string, compute: () => Value): Value {
    const key = `${stack}\u0000${label}`;
    const at = this.chain.findIndex((c) => c.key === key);
    if (at >= 0) {
      const cycle = this.chain.slice(at).map((c) => c.label);
      // Start the cycle at its first label in sort order, so that it is one line whichever member was read first.
      const first = cycle.indexOf([...cycle].sort()[0]);
      const named = [...cycle.slice(first), ...cycle.slice(0, first), cycle[first]].join(" -> ");
      const where = this.stacks.size > 1 ? ` in stack ${stack}` : "";
      this.problems.push(`${cycle[first]}${where}: refers to itself (${named}); Terraform refuses such a cycle`);
      return new Unknown(`a cycle: ${named}`);
    }
    if (this.chain.length >= MAX_REFERENCE_DEPTH) {
      this.problems.push(
        `${this.chain[0].label}: reaches ${label} through more than ${MAX_REFERENCE_DEPTH} locals and module inputs or outputs, more than the verifier follows`,
      );
      return new Unknown("references nested too deeply to follow");
    }
    this.chain.push({ key, label });
    try {
      return compute();
    } finally {
      this.chain.pop();
    }
  }

  private evaluateValue(
    stack: StackSource,
    raw: unknown,
    where: string,
    env: Env = new Map(),
    resource?: ResourceRef,
    module?: string,
  ): Value {
    if (raw === undefined || raw === null) return null;
    if (raw instanceof Literal) return literal(raw.value);
    if (raw instanceof RemoteLinked) {
      const viaProducer = raw.dataSources.some((d) => {
        const ds = this.refs.get(resourceKey(stack.name, `${resource?.module ? `${resource.module}.` : ""}${d}`));
        return ds !== undefined && this.producerKind(stack, ds) === "plan";
      });
      return viaProducer ? this.evaluate(stack, raw.expression, where, env, resource, module) : literal(raw.known);
    }
    if (raw instanceof Unresolvable) {
      this.problems.push(`${where}: ${raw.reason}`);
      return new Unknown(raw.reason);
    }
    if (typeof raw === "string") {
      let expr = this.parsed.get(raw);
      if (!expr) {
        try {
          expr = parseTemplate(raw);
        } catch (e) {
          if (!(e instanceof ExpressionError)) throw e;
          this.problems.push(`${where}: cannot read the expression: ${e.message}`);
          return new Unknown(e.message);
        }
        this.parsed.set(raw, expr);
      }
      let scope = env;
      if (resource && resource.raw.index !== undefined && !env.has("count") && !env.has("each"))
        scope = new Map([
          ...env,
          ...this.repetitionEnv(
            resource.stack,
            resource.raw.repetition,
            resource.raw.index,
            resource.raw.eachValue,
            resource.address,
            resource.module,
          ),
        ]);
      return new Evaluation(this, stack, where, resource?.module ?? module ?? "").eval(expr, scope);
    }
    if (typeof raw === "number" || typeof raw === "boolean") return raw;
    if (Array.isArray(raw)) return raw.map((x) => this.evaluate(stack, x, where, env, resource, module));
    if (isRecord(raw)) {
      const out: Record<string, Value> = {};
      for (const [k, v] of Object.entries(raw)) if (k !== "//") out[k] = this.evaluate(stack, v, where, env, resource, module);
      return out;
    }
    return new Unknown(`unexpected JSON value in ${where}`);
  }

  /** `count.index` or `each.key`/`each.value` of one instance. */
  repetitionEnv(
    stack: StackSource,
    repetition: "count" | "for_each" | undefined,
    index: number | string | undefined,
    eachValue: unknown,
    where: string,
    module = "",
  ): [string, Value][] {
    if (index === undefined) return [];
    if (repetition === "count" || (repetition === undefined && typeof index === "number")) return [["count", { index }]];
    let value: Value;
    if (eachValue instanceof EachValue) {
      const all = this.evaluate(stack, eachValue.forEach, `${where} for_each`, new Map(), undefined, module);
      value = isObjectValue(all)
        ? (all[eachValue.key] ?? new Unknown(`for_each of ${where} has no key "${eachValue.key}"`))
        : Array.isArray(all)
          ? eachValue.key
          : isSymbolic(all)
            ? all
            : new Unknown(`for_each of ${where} is not a map or set`);
    } else
      value =
        eachValue === undefined
          ? new Unknown(`each.value of ${where} is not in the input`)
          : this.evaluate(stack, eachValue, `${where} each.value`);
    return [["each", { key: index, value }]];
  }
}

function sameBackend(a: BackendId, b: BackendId): boolean {
  if (a.type === "local" && b.type === "local") return a.path === b.path;
  if (a.type === "s3" && b.type === "s3") return a.bucket === b.bucket && a.key === b.key;
  return a.type === "other" && b.type === "other" && a.text === b.text;
}

/** One evaluation of one expression in one module instance of one stack. */
class Evaluation {
  constructor(
    private readonly world: World,
    private readonly stack: StackSource,
    private readonly where: string,
    private readonly module: string,
  ) {}

  eval(e: Expr, env: Env): Value {
    switch (e.kind) {
      case "literal":
        return e.value;
      case "template": {
        let text = "";
        for (const part of e.parts) {
          if (typeof part === "string") {
            text += part;
            continue;
          }
          const v = this.eval(part, env);
          if (isSymbolic(v)) return v instanceof Unknown ? v : new Unknown(`a string built from ${v.toString()}`);
          if (v === null) return new Unknown("a string built from null", true);
          if (typeof v === "object") return new Unknown("a string built from a collection", true);
          text += String(v);
        }
        return text;
      }
      case "name":
      case "attr":
      case "index":
        return this.traversal(e, env);
      case "item":
        return env.get("\u0000item") ?? new Unknown("splat item outside a splat");
      case "splat": {
        const source = this.eval(e.source, env);
        if (source instanceof UnorderedSet)
          return setOf(source.items.map((item) => this.eval(e.each, new Map([...env, ["\u0000item", item]]))));
        if (source instanceof ResourceObject || source instanceof ModuleObject)
          return [this.eval(e.each, new Map([...env, ["\u0000item", source]]))];
        if (isSymbolic(source)) return source instanceof Unknown ? source : new Unknown(`splat over ${source.toString()}`);
        const items = source === null ? [] : Array.isArray(source) ? source : [source];
        return items.map((item) => this.eval(e.each, new Map([...env, ["\u0000item", item]])));
      }
      case "call":
        return this.call(
          e.name,
          e.args.map((a) => this.eval(a, env)),
          e.spread,
        );
      case "tuple":
        return e.items.map((i) => this.eval(i, env));
      case "object": {
        const out: Record<string, Value> = {};
        for (const item of e.items) {
          const k = this.eval(item.key, env);
          if (typeof k !== "string" && typeof k !== "number") return new Unknown("an object key known only after apply");
          out[String(k)] = this.eval(item.value, env);
        }
        return out;
      }
      case "for":
        return this.forExpr(e, env);
      case "join": {
        // A template's %{for}: each element is a string; a set's order (and its merging of equal strings) is not
        // what the directive's tuple would have, so a set is not joined.
        const items = this.eval(e.source, env);
        if (!Array.isArray(items))
          return items instanceof Unknown ? items : new Unknown("a template %{for} over a set or a value known only after apply");
        let text = "";
        for (const item of items) {
          if (typeof item !== "string")
            return item instanceof Unknown ? item : new Unknown("a template %{for} whose text is known only after apply");
          text += item;
        }
        return text;
      }
      case "cond": {
        const t = this.eval(e.test, env);
        if (typeof t !== "boolean") return t instanceof Unknown ? t : new Unknown("a condition known only after apply");
        return this.eval(t ? e.then : e.otherwise, env);
      }
      case "unary": {
        const v = this.eval(e.operand, env);
        if (e.op === "!" && typeof v === "boolean") return !v;
        if (e.op === "-" && typeof v === "number") return -v;
        return v instanceof Unknown ? v : new Unknown(`${e.op} applied to a value known only after apply`);
      }
      case "binary":
        return this.binary(e.op, this.eval(e.left, env), this.eval(e.right, env));
    }
  }

  private binary(op: string, a: Value, b: Value): Value {
    const unknown = [a, b].find((x) => x instanceof Unknown);
    if (unknown) return unknown;
    if (op === "==" || op === "!=") {
      if (isSymbolic(a) || isSymbolic(b)) return new Unknown("a comparison with a value known only after apply");
      const eq = JSON.stringify(a) === JSON.stringify(b);
      return op === "==" ? eq : !eq;
    }
    if (op === "&&" || op === "||") {
      if (typeof a !== "boolean" || typeof b !== "boolean") return new Unknown(`${op} on non-booleans`);
      return op === "&&" ? a && b : a || b;
    }
    const x = typeof a === "string" && /^-?[0-9.]+$/.test(a) ? Number(a) : a;
    const y = typeof b === "string" && /^-?[0-9.]+$/.test(b) ? Number(b) : b;
    if (typeof x !== "number" || typeof y !== "number") return new Unknown(`${op} on values that are not known numbers`);
    switch (op) {
      case "+":
        return x + y;
      case "-":
        return x - y;
      case "*":
        return x * y;
      case "/":
        return x / y;
      case "%":
        return x % y;
      case "<":
        return x < y;
      case "<=":
        return x <= y;
      case ">":
        return x > y;
      case ">=":
        return x >= y;
      default:
        return new Unknown(`operator ${op}`);
    }
  }

  private forExpr(e: Extract<Expr, { kind: "for" }>, env: Env): Value {
    const coll = this.eval(e.collection, env);
    let entries: [Value, Value][];
    let unordered = false;
    if (coll instanceof UnorderedSet) {
      // Iterating a set: each element is its own key (Terraform), and the order of the results is the set's.
      entries = coll.items.map((v) => [v, v]);
      unordered = true;
    } else if (isSymbolic(coll)) return coll instanceof Unknown ? coll : new Unknown(`for over ${coll.toString()}`);
    else if (Array.isArray(coll)) entries = coll.map((v, i) => [i, v]);
    else if (isObjectValue(coll))
      entries = Object.keys(coll)
        .sort()
        .map((k) => [k, coll[k]]);
    else return new Unknown("for over a value that is not a collection", true);
    const list: Value[] = [];
    const obj: Record<string, Value> = {};
    for (const [k, v] of entries) {
      const inner = new Map(env);
      if (e.keyVar) inner.set(e.keyVar, k);
      inner.set(e.valueVar, v);
      if (e.condition) {
        const c = this.eval(e.condition, inner);
        if (typeof c !== "boolean") return c instanceof Unknown ? c : new Unknown("a for condition known only after apply");
        if (!c) continue;
      }
      if (e.object) {
        const key = this.eval(e.keyExpr!, inner);
        if (typeof key !== "string" && typeof key !== "number")
          return key instanceof Unknown ? key : new Unknown("a for key known only after apply");
        if (e.group) {
          // `k => v...`: the values of each key, in the order of the collection.
          const group = obj[String(key)];
          obj[String(key)] = [...(Array.isArray(group) ? group : []), this.eval(e.valueExpr, inner)];
          continue;
        }
        if (String(key) in obj) return new Unknown(`duplicate key "${String(key)}" in a for expression`, true);
        obj[String(key)] = this.eval(e.valueExpr, inner);
      } else list.push(this.eval(e.valueExpr, inner));
    }
    if (e.object) return obj;
    return unordered ? setOf(list) : list;
  }

  /** `root.step.step[...]`: resources, data sources, modules, variables, locals, count/each, for/splat variables. */
  private traversal(e: Expr, env: Env): Value {
    const steps: ({ attr: string } | { index: Expr })[] = [];
    let root: Expr = e;
    while (root.kind === "attr" || root.kind === "index") {
      steps.unshift(root.kind === "attr" ? { attr: root.name } : { index: root.key });
      root = root.target;
    }
    if (root.kind !== "name") return this.applySteps(this.eval(root, env), steps, env);
    const name = root.name;
    if (env.has(name)) return this.applySteps(env.get(name) as Value, steps, env);
    const first = steps[0];
    const firstName = first && "attr" in first ? first.attr : undefined;
    if (name === "var" && firstName) return this.applySteps(this.variable(firstName), steps.slice(1), env);
    if (name === "local" && firstName) {
      const locals = this.module ? (this.world.module(this.stack.name, this.module)?.locals ?? {}) : this.stack.locals;
      if (!(firstName in locals))
        return this.problem(
          `refers to local.${firstName}, which ${this.module || "the root module"} of stack ${this.stack.name} does not define`,
        );
      const local = this.world.guarded(this.stack.name, `${this.module ? `${this.module}.` : ""}local.${firstName}`, () =>
        this.world.evaluate(
          this.stack,
          locals[firstName],
          `local.${firstName}${this.module ? ` (${this.module})` : ""}`,
          new Map(),
          undefined,
          this.module,
        ),
      );
      return this.applySteps(local, steps.slice(1), env);
    }
    if (name === "data") {
      const second = steps[1];
      if (!firstName || !second || !("attr" in second)) return new Unknown("an incomplete data source reference");
      return this.applySteps(this.resourceValue("data", firstName, second.attr), steps.slice(2), env);
    }
    if (name === "module" && firstName) return this.applySteps(this.moduleValue(firstName), steps.slice(1), env);
    if (name === "count") return this.problem("count.index outside a resource or module that uses count");
    if (name === "each") return this.problem("each.key or each.value outside a resource or module that uses for_each");
    if (["path", "terraform", "self"].includes(name)) return this.problem(`${name}.* references are not evaluated by the verifier`);
    // A managed resource: type.name...
    if (!firstName) return new Unknown(`a bare name "${name}"`);
    return this.applySteps(this.resourceValue("managed", name, firstName), steps.slice(1), env);
  }

  private problem(text: string): Unknown {
    this.world.problems.push(`${this.where}: ${text}`);
    return new Unknown(text);
  }

  /** `var.name` in this module: the call's argument (evaluated where the call is), else the variable's default. */
  private variable(name: string): Value {
    if (!this.module) {
      if (!(name in this.stack.variables)) return this.problem(`refers to var.${name}, which has no value in the input`);
      return this.world.evaluate(this.stack, this.stack.variables[name], `var.${name}`);
    }
    const m = this.world.module(this.stack.name, this.module);
    if (!m) return this.problem(`module ${this.module} is not in the input`);
    if (name in m.inputs) {
      const env = new Map(this.world.repetitionEnv(this.stack, m.callRepetition, m.callIndex, m.callEachValue, m.path, m.parent ?? ""));
      return this.world.guarded(this.stack.name, `${m.path}.var.${name}`, () =>
        this.world.evaluate(this.stack, m.inputs[name], `${m.path} input ${name}`, env, undefined, m.parent ?? ""),
      );
    }
    if (name in m.variables)
      return this.world.evaluate(this.stack, m.variables[name], `var.${name} default (${m.path})`, new Map(), undefined, m.path);
    return this.problem(`refers to var.${name}, which ${m.path} is not given and has no default`);
  }

  /** A resource block of this module: one instance, a list (count) or a map (for_each) of instances. */
  private resourceValue(mode: "managed" | "data", type: string, name: string): Value {
    const group = this.world.group(this.stack.name, this.module, mode, type, name);
    const address = `${mode === "data" ? "data." : ""}${type}.${name}`;
    if (!group) {
      // Declared with count or for_each and no instance: an empty list or map (count = 0, an empty for_each).
      const declared = (this.module ? this.world.module(this.stack.name, this.module)?.declared : this.stack.declared)?.[address];
      if (declared === "count") return [];
      if (declared === "for_each") return {};
    }
    if (!group)
      return this.problem(
        `refers to ${address}, which ${this.module ? `module ${this.module} of ` : ""}stack ${this.stack.name} does not declare`,
      );
    return this.world.collection(group, () => {
      if (group.repetition === undefined && group.instances.length === 1 && group.instances[0].raw.index === undefined)
        return new ResourceObject(group.instances[0].key);
      if (group.repetition === "for_each" || group.instances.some((r) => typeof r.raw.index === "string")) {
        const out: Record<string, Value> = {};
        for (const r of group.instances) out[String(r.raw.index)] = new ResourceObject(r.key);
        return out;
      }
      return [...group.instances].sort((a, b) => Number(a.raw.index) - Number(b.raw.index)).map((r) => new ResourceObject(r.key));
    });
  }

  /** A module call of this module: its outputs, or a list/map of them for count/for_each. */
  private moduleValue(name: string): Value {
    const m = this.world.module(this.stack.name, this.module);
    const repetition = this.module
      ? m?.calls[name]
      : ((this.stack.modules ?? []).find((x) => x.parent === "" && x.path.replace(/\[.*$/, "") === `module.${name}`)?.callRepetition ??
        "single");
    const instances = this.world.moduleInstances(this.stack.name, this.module, name);
    if (instances.length === 0 && repetition === undefined) return this.problem(`refers to module.${name}, which is not in the input`);
    if (!repetition || repetition === "single") {
      if (instances.length !== 1) return this.problem(`refers to module.${name}, which is not in the input`);
      return new ModuleObject(this.stack.name, instances[0].path);
    }
    if (repetition === "for_each")
      return Object.fromEntries(instances.map((i) => [String(i.callIndex), new ModuleObject(this.stack.name, i.path)]));
    return [...instances].sort((a, b) => Number(a.callIndex) - Number(b.callIndex)).map((i) => new ModuleObject(this.stack.name, i.path));
  }

  private applySteps(start: Value, steps: readonly ({ attr: string } | { index: Expr })[], env: Env): Value {
    let v = start;
    for (const step of steps) {
      const key: Value = "attr" in step ? step.attr : this.eval(step.index, env);
      v = this.step(v, key, "attr" in step);
    }
    return v;
  }

  private step(v: Value, key: Value, isAttr: boolean): Value {
    if (v instanceof Unknown) return v;
    if (key instanceof Unknown) return key;
    if (isSymbolic(key)) return new Unknown("an index known only after apply");
    if (v instanceof RemoteOutputs) {
      if (typeof key !== "string") return new Unknown("a remote state output by number", true);
      return this.remoteOutput(v, key);
    }
    if (v instanceof ResourceObject) {
      if (typeof key !== "string") return new Unknown(`index ${String(key)} of a resource that uses neither count nor for_each`, true);
      return this.world.attribute(v.resource, key);
    }
    if (v instanceof ModuleObject) {
      if (typeof key !== "string") return new Unknown(`index ${String(key)} of a module call that uses neither count nor for_each`, true);
      return this.world.moduleOutput(v.stack, v.path, key);
    }
    if (v instanceof UnorderedSet) {
      return new Unknown(`element ${showValue(key)} of ${v.toString()}: which one it is depends on Terraform's set order`);
    }
    if (v instanceof Opaque) {
      return new Opaque(v.resource, isAttr ? `${v.path}.${String(key)}` : `${v.path}[${JSON.stringify(key)}]`);
    }
    if (v instanceof FirewallEndpointId) return new Unknown("an attribute of an endpoint id");
    if (v === null) return new Unknown(`attribute "${String(key)}" of null`, true);
    if (Array.isArray(v)) {
      const i = typeof key === "string" && /^[0-9]+$/.test(key) ? Number(key) : key;
      if (typeof i === "number")
        return i >= 0 && i < v.length && Number.isInteger(i) ? v[i] : new Unknown(`index ${i} out of range (${v.length} elements)`, true);
      return new Unknown(`attribute "${String(key)}" of a list`, true);
    }
    if (isObjectValue(v)) {
      // A block written as one object (JSON configuration) reads the same as a one-element list of it.
      if (key === 0 && !("0" in v)) return v;
      const k = String(key);
      if (k in v) return v[k];
      return new Unknown(`no key "${k}"`, true);
    }
    return new Unknown(`attribute "${String(key)}" of a primitive value`, true);
  }

  private remoteOutput(r: RemoteOutputs, name: string): Value {
    const consumer = this.world.stacks.get(r.stack)!;
    const producer = this.world.producerOf(consumer, r.dataSource, name);
    if (typeof producer === "string") {
      // Not one of the stacks given: what the plan read from the state at plan time, if it read it.
      const ref = this.world.resource(r.dataSource);
      const read = ref?.raw.config.outputs;
      if (
        ref &&
        this.world.producerKind(consumer, ref) === "none" &&
        read instanceof Literal &&
        isRecord(read.value) &&
        name in read.value
      ) {
        this.world.assumptions.push(
          `${ref!.address} (${consumer.name}): output "${name}" is the value the plan read from that state (its stack is not among the inputs)`,
        );
        return this.world.evaluate(consumer, new Literal(read.value[name]), `${ref!.address}.outputs.${name}`);
      }
      this.world.problems.push(producer);
      return new Unknown(producer);
    }
    return this.world.output(producer.name, name);
  }

  private call(name: string, args: Value[], spread: boolean): Value {
    if (spread && args.length > 0) {
      const last = args[args.length - 1];
      if (!Array.isArray(last)) return new Unknown(`${name}(...) with a spread that is not a list`);
      args = [...args.slice(0, -1), ...last];
    }
    const bare = name.replace(/^provider::[^:]+::/, "");
    const fn = FUNCTIONS[bare];
    if (!fn) return this.problem(`function ${name}() is not evaluated by the verifier`);
    if (!LENIENT.has(bare)) {
      const unknownArg = args.find((a) => a instanceof Unknown);
      if (unknownArg) return unknownArg;
    }
    try {
      return fn(args);
    } catch (e) {
      if (e instanceof UnknownResult) return e.unknown;
      return new Unknown(`${name}(): ${(e as Error).message}`, true);
    }
  }
}

/** Thrown by a function whose result depends on what is not known: the result is Unknown, not an error. */
class UnknownResult extends Error {
  constructor(readonly unknown: Unknown) {
    super(unknown.reason);
  }
}

function unknownResult(reason: string): never {
  throw new UnknownResult(new Unknown(reason));
}

/** A list from iterating a set: in set order, so with more than one element, an UnorderedSet. */
function setOf(items: Value[]): Value {
  return items.length > 1 ? new UnorderedSet(items) : items;
}

/** Functions that decide themselves what an Unknown argument means (the others are Unknown when any argument is). */
const LENIENT = new Set([
  "can",
  "try",
  "coalesce",
  "concat",
  "length",
  "tolist",
  "toset",
  "one",
  "element",
  "compact",
  "distinct",
  "flatten",
]);

function str(v: Value, fn: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  if (isSymbolic(v)) unknownResult(`${fn}() of ${v.toString()}`);
  throw new Error(`${fn} needs a known string`);
}

function num(v: Value, fn: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  if (isSymbolic(v)) unknownResult(`${fn}() of ${v.toString()}`);
  throw new Error(`${fn} needs a known number`);
}

/** A list argument; a set whose order is unknown, or an unknown value, makes the result unknown. */
function list(v: Value, fn = "a function"): readonly Value[] {
  if (Array.isArray(v)) return v;
  if (v instanceof UnorderedSet) unknownResult(`${fn}() of ${v.toString()}`);
  if (isSymbolic(v)) unknownResult(`${fn}() of ${v.toString()}`);
  throw new Error("needs a list");
}

/** Elements of a list or set, order not needed. */
function elements(v: Value, fn: string): readonly Value[] {
  if (v instanceof UnorderedSet) return v.items;
  return list(v, fn);
}

function hasSymbols(v: Value): boolean {
  if (isSymbolic(v)) return true;
  if (Array.isArray(v)) return v.some(hasSymbols);
  if (isObjectValue(v)) return Object.values(v).some(hasSymbols);
  return false;
}

function known(v: Value, fn: string): Value {
  if (hasSymbols(v)) unknownResult(`${fn} of a value known only after apply`);
  return v;
}

function firstUnknown(args: readonly Value[]): Unknown | undefined {
  return args.find((a): a is Unknown => a instanceof Unknown);
}

/** An id-like value known after apply is never null or empty: the attribute names something AWS creates. */
function certainlyPresent(v: Value): boolean {
  if (v instanceof Opaque) return /(^|\.)(id|arn)$/.test(v.path);
  return v instanceof FirewallEndpointId || v instanceof ResourceObject || v instanceof ModuleObject;
}

const FUNCTIONS: Record<string, (args: Value[]) => Value> = {
  cidrsubnet: ([prefix, newBits, netNum]) => {
    const p = Prefix.parse(str(prefix, "cidrsubnet"));
    if (!p) throw new Error(`"${String(prefix)}" is not a CIDR`);
    const sub = p.subnet(num(newBits, "cidrsubnet"), num(netNum, "cidrsubnet"));
    if (!sub) throw new Error("the new prefix does not fit");
    return sub.toString();
  },
  cidrsubnets: ([prefix, ...sizes]) => {
    const p = Prefix.parse(str(prefix, "cidrsubnets"));
    if (!p) throw new Error(`"${String(prefix)}" is not a CIDR`);
    const out: string[] = [];
    let next = p.network;
    for (const s of sizes) {
      const length = p.length + num(s, "cidrsubnets");
      const size = 1n << BigInt(p.bits - length);
      next = ((next + size - 1n) / size) * size;
      out.push(Prefix.of(p.family, next, length).toString());
      next += size;
    }
    return out;
  },
  tostring: ([v]) => (v === null ? null : str(v, "tostring")),
  tonumber: ([v]) => (v === null ? null : num(v, "tonumber")),
  tobool: ([v]) =>
    typeof v === "boolean"
      ? v
      : v === "true"
        ? true
        : v === "false"
          ? false
          : (() => {
              throw new Error("not a bool");
            })(),
  tolist: ([v]) => (v instanceof UnorderedSet ? v : v instanceof Unknown ? v : list(v, "tolist")),
  toset: ([v]) => {
    if (v instanceof UnorderedSet || v instanceof Unknown) return v;
    const items = list(v, "toset").filter((x, i, all) => all.findIndex((y) => sameValue(x, y)) === i);
    // Terraform orders a set of known strings lexically; any other set in an order of its own.
    if (items.every((x) => typeof x === "string")) return [...items].sort();
    return setOf([...items]);
  },
  tomap: ([v]) => v,
  concat: (args) => firstUnknown(args) ?? args.flatMap((a) => list(a, "concat")),
  flatten: ([v]) => {
    const flat = (x: Value): Value[] => {
      if (Array.isArray(x)) return x.flatMap(flat);
      if (x instanceof Unknown || x instanceof UnorderedSet || (isSymbolic(x) && !certainlyPresent(x)))
        unknownResult(`flatten() of ${String(x)}, which may be a list`);
      return [x];
    };
    return flat(v);
  },
  compact: ([v]) => {
    const items = list(v, "compact");
    const open = items.find((x) => isSymbolic(x) && !certainlyPresent(x));
    if (open) unknownResult(`compact() of ${String(open)}, which may be empty`);
    return items.filter((x) => x !== null && x !== "");
  },
  distinct: ([v]) => {
    const items = list(v, "distinct");
    const open = items.find((x) => isSymbolic(x) && !(x instanceof Opaque || x instanceof FirewallEndpointId));
    if (open) unknownResult(`distinct() of ${String(open)}`);
    return items.filter((x, i, all) => all.findIndex((y) => sameValue(x, y)) === i);
  },
  length: ([v]) => {
    if (v instanceof Unknown) return v;
    if (v instanceof UnorderedSet) return v.items.length;
    return Array.isArray(v) ? v.length : isObjectValue(v) ? Object.keys(v).length : str(v, "length").length;
  },
  element: ([v, i]) => {
    if (v instanceof Unknown) return v;
    const l = list(v, "element");
    if (l.length === 0) throw new Error("element() of an empty list");
    return l[num(i, "element") % l.length];
  },
  lookup: ([m, k, d]) => {
    if (!isObjectValue(m))
      return isSymbolic(m)
        ? unknownResult(`lookup() in ${m.toString()}`)
        : (() => {
            throw new Error("lookup() needs a map");
          })();
    const key = str(k, "lookup");
    if (key in m) return m[key];
    if (d === undefined) throw new Error(`no key "${key}"`);
    return d;
  },
  merge: (args) => {
    const out: Record<string, Value> = {};
    for (const a of args) {
      if (a === null) continue;
      if (!isObjectValue(a))
        return isSymbolic(a)
          ? unknownResult(`merge() of ${a.toString()}`)
          : (() => {
              throw new Error("merge() needs maps or objects");
            })();
      Object.assign(out, a);
    }
    return out;
  },
  keys: ([m]) => (isObjectValue(m) ? Object.keys(m).sort() : unknownResult(`keys() of ${showValue(m)}`)),
  values: ([m]) =>
    isObjectValue(m)
      ? Object.keys(m)
          .sort()
          .map((k) => m[k])
      : unknownResult(`values() of ${showValue(m)}`),
  zipmap: ([k, v]) => {
    const ks = list(k, "zipmap");
    const vs = list(v, "zipmap");
    if (ks.length !== vs.length) throw new Error("zipmap() of lists of different lengths");
    return Object.fromEntries(ks.map((key, i) => [str(key, "zipmap"), vs[i]]));
  },
  coalesce: (args) => {
    for (const a of args) {
      if (a instanceof Unknown) return a;
      if (isSymbolic(a)) {
        if (certainlyPresent(a)) return a;
        return unknownResult(`coalesce() of ${a.toString()}, which may be empty`);
      }
      if (a !== null && a !== "") return a;
    }
    throw new Error("coalesce() with no non-null argument");
  },
  coalescelist: (args) => {
    for (const a of args) {
      const l = list(a, "coalescelist");
      if (l.length > 0) return l;
    }
    throw new Error("coalescelist() with no non-empty list");
  },
  try: (args) => {
    for (const a of args) {
      if (a instanceof Unknown && a.fails) continue;
      return a;
    }
    throw new Error("try() with no argument that succeeds");
  },
  can: ([v]) => (v instanceof Unknown ? (v.fails ? false : v) : true),
  one: ([v]) => {
    if (v instanceof Unknown) return v;
    const items = elements(v, "one");
    if (items.length > 1) throw new Error(`one() of ${items.length} elements`);
    return items.length === 0 ? null : items[0];
  },
  join: ([sep, l]) =>
    list(l, "join")
      .map((x) => str(x, "join"))
      .join(str(sep, "join")),
  split: ([sep, s]) => str(s, "split").split(str(sep, "split")),
  lower: ([s]) => str(s, "lower").toLowerCase(),
  upper: ([s]) => str(s, "upper").toUpperCase(),
  replace: ([s, a, b]) => {
    const pattern = str(a, "replace");
    if (pattern.length > 1 && pattern.startsWith("/") && pattern.endsWith("/")) unknownResult("replace() with a regular expression");
    return str(s, "replace").split(pattern).join(str(b, "replace"));
  },
  substr: ([s, o, l]) => str(s, "substr").substr(num(o, "substr"), num(l, "substr") < 0 ? undefined : num(l, "substr")),
  format: ([f, ...rest]) => {
    let i = 0;
    return str(f, "format").replace(/%(%|[^%]*?[a-zA-Z])/g, (m, verb: string) => {
      if (verb === "%") return "%";
      if (!/^[sdv]$/.test(verb)) unknownResult(`format() verb ${m}`);
      if (i >= rest.length) throw new Error("format() with too few arguments");
      return str(rest[i++], "format");
    });
  },
  jsonencode: ([v]) => JSON.stringify(known(v, "jsonencode")),
  jsondecode: ([s]) => JSON.parse(str(s, "jsondecode")) as Value,
  base64encode: ([s]) => Buffer.from(str(s, "base64encode"), "utf8").toString("base64"),
  base64decode: ([s]) => Buffer.from(str(s, "base64decode"), "base64").toString("utf8"),
  // gzip then base64, as Terraform's base64gzip(); the bytes differ from Terraform's, the text they decode to does not.
  base64gzip: ([s]) => zlib.gzipSync(Buffer.from(str(s, "base64gzip"), "utf8")).toString("base64"),
  max: (args) => Math.max(...args.map((a) => num(a, "max"))),
  min: (args) => Math.min(...args.map((a) => num(a, "min"))),
  abs: ([a]) => Math.abs(num(a, "abs")),
  contains: ([l, v]) => {
    const items = elements(l, "contains");
    const target = known(v, "contains");
    if (items.some((x) => !hasSymbols(x) && JSON.stringify(x) === JSON.stringify(target))) return true;
    if (items.some(hasSymbols)) unknownResult("contains() of a list with values known only after apply");
    return false;
  },
  startswith: ([s, p]) => str(s, "startswith").startsWith(str(p, "startswith")),
  endswith: ([s, p]) => str(s, "endswith").endsWith(str(p, "endswith")),
  trimspace: ([s]) => str(s, "trimspace").trim(),
  range: (args) => {
    const [a, b, st] = args.map((x) => num(x, "range"));
    const [from, to, step] = args.length === 1 ? [0, a, 1] : [a, b, st ?? 1];
    const out: number[] = [];
    for (let i = from; step > 0 ? i < to : i > to; i += step) out.push(i);
    return out;
  },
  slice: ([l, a, b]) => list(l, "slice").slice(num(a, "slice"), num(b, "slice")),
  reverse: ([l]) => [...list(l, "reverse")].reverse(),
  sort: ([l]) => [...list(l, "sort").map((x) => str(x, "sort"))].sort(),
  index: ([l, v]) => {
    const i = list(l, "index").findIndex((x) => sameValue(x, known(v, "index")));
    if (i < 0) throw new Error("index(): no such element");
    return i;
  },
  cidrhost: ([prefix, n]) => {
    const p = Prefix.parse(str(prefix, "cidrhost"));
    if (!p) throw new Error(`"${String(prefix)}" is not a CIDR`);
    const host = Prefix.host(p.family, p.network + BigInt(num(n, "cidrhost")));
    return host.toString().replace(/\/\d+$/, "");
  },
};
