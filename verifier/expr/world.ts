/**
 * Evaluates every stack's configuration symbolically, across stacks: a `terraform_remote_state` output is the
 * producing stack's output expression evaluated in that stack, so a route in one stack that names a route table
 * through remote state lands on the very `aws_route_table` of the other.
 *
 * What apply would compute is modelled only where the analysis needs it: the VPC's IPv6 /56 (a synthetic
 * documentation prefix per VPC), and a Network Firewall's `firewall_status` (one sync state per subnet mapping,
 * in that subnet's AZ, whose endpoint id names the firewall and the subnet). Everything else after apply is an
 * `Opaque` that remembers which resource attribute it is.
 *
 * This file is the resource world: every stack's resources, module instances and outputs, looked up and evaluated
 * on demand, and which stack a remote state reads. The text of an expression is evaluated by World (evaluate.ts),
 * with the expression rules (rules.ts).
 */
import { ExpressionError, parseTemplate, type Expr } from "./parse";
import {
  FirewallEndpointId,
  Opaque,
  RemoteOutputs,
  Unknown,
  UnorderedSet,
  showValue,
  isObjectValue,
  isSymbolic,
  resourceKey,
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

export type Env = ReadonlyMap<string, Value>;

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

/** The resource world; `evaluateExpression`, the expression rules, is World's (evaluate.ts). */
export abstract class ResourceWorld {
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
            // each.value is evaluated only for an expression that can read it (`each` other than `each.key`): a
            // for_each map may hold values this expression never reads, and the verifier cannot evaluate them all.
            /\beach\b(?!\s*\.\s*key\b)/.test(raw),
          ),
        ]);
      return this.evaluateExpression(stack, expr, where, scope, resource?.module ?? module ?? "");
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

  /** The value of a parsed expression in one module instance of one stack, `env` holding its variables. */
  protected abstract evaluateExpression(stack: StackSource, expr: Expr, where: string, env: Env, module: string): Value;

  /** `count.index` or `each.key`/`each.value` of one instance. */
  repetitionEnv(
    stack: StackSource,
    repetition: "count" | "for_each" | undefined,
    index: number | string | undefined,
    eachValue: unknown,
    where: string,
    module = "",
    needsValue = true,
  ): [string, Value][] {
    if (index === undefined) return [];
    if (repetition === "count" || (repetition === undefined && typeof index === "number")) return [["count", { index }]];
    let value: Value;
    if (!needsValue) value = new Unknown(`each.value of ${where}, which this expression does not read`);
    else if (eachValue instanceof EachValue) {
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
