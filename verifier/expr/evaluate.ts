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
import { ExpressionError, parseTemplate, type Expr } from "./parse";
import {
  FirewallEndpointId,
  Opaque,
  RemoteOutputs,
  Unknown,
  isObjectValue,
  isSymbolic,
  resourceKey,
  type ResourceKey,
  type Value,
} from "./values";
import { Prefix } from "../model/prefix";
import { backendId } from "../input/cdktf-out";
import { isRecord, type BackendId, type RawResource, type StackSource } from "../input/source";

/**
 * The synthetic /56 given to the n-th VPC whose IPv6 block is allocated at apply: inside 2001:db8::/32, which
 * RFC 3849 reserves for documentation, so it cannot collide with a prefix written in a real configuration.
 */
export function syntheticVpcIpv6(n: number): string {
  return Prefix.parse(`2001:db8:${n.toString(16)}::/56`)!.toString();
}

/** Resource types whose IPv6 /56 is allocated by AWS at apply time when not given. */
const VPC_IPV6_HOLDERS = new Set(["aws_vpc", "aws_vpc_ipv6_cidr_block_association"]);

export interface ResourceRef {
  readonly key: ResourceKey;
  readonly stack: StackSource;
  readonly raw: RawResource;
  /** `aws_subnet.vpc_workload_a` (managed) or `data.terraform_remote_state.network`. */
  readonly address: string;
}

type Env = ReadonlyMap<string, Value>;

export class World {
  readonly stacks: ReadonlyMap<string, StackSource>;
  /** Problems that make the input unusable (an output no stack declares, an expression that cannot be read). */
  readonly problems: string[] = [];
  /** Statements about what was assumed, for the report. */
  readonly assumptions: string[] = [];
  private readonly refs = new Map<ResourceKey, ResourceRef>();
  private readonly attrCache = new Map<string, Value>();
  private readonly outputCache = new Map<string, Value>();
  private readonly inProgress = new Set<string>();
  private readonly parsed = new Map<string, Expr>();
  private readonly syntheticIpv6 = new Map<ResourceKey, string>();

  constructor(stacks: readonly StackSource[]) {
    this.stacks = new Map(stacks.map((s) => [s.name, s]));
    for (const stack of stacks) {
      for (const raw of stack.resources) {
        const address = raw.mode === "data" ? `data.${raw.type}.${raw.name}` : `${raw.type}.${raw.name}`;
        const key = resourceKey(stack.name, address);
        this.refs.set(key, { key, stack, raw, address });
      }
    }
    let n = 0;
    for (const ref of this.refs.values()) {
      if (ref.raw.mode !== "managed" || !VPC_IPV6_HOLDERS.has(ref.raw.type)) continue;
      const c = ref.raw.config;
      const generated = c.assign_generated_ipv6_cidr_block === true || c.ipv6_ipam_pool_id !== undefined || ref.raw.type !== "aws_vpc";
      if (c.ipv6_cidr_block === undefined && generated) {
        const prefix = syntheticVpcIpv6(n++);
        this.syntheticIpv6.set(ref.key, prefix);
        this.assumptions.push(
          `${ref.address} (${ref.stack.name}): its IPv6 /56 is allocated at apply; reasoned about as ${prefix} ` +
            `(RFC 3849 documentation prefix). Every subnet is cidrsubnet() of it, so results hold for any /56 AWS assigns.`,
        );
      }
    }
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
    if (!ref || !(name in ref.raw.config) || ref.raw.config[name] === null) return undefined;
    return this.attribute(key, name);
  }

  /** Tags of a managed resource: the provider's default tags under the resource's own. */
  tags(key: ResourceKey): Record<string, Value> {
    const ref = this.refs.get(key);
    if (!ref) return {};
    const own = this.attribute(key, "tags");
    const defaults = this.evaluate(ref.stack, ref.stack.defaultTags, `${ref.stack.name} provider default_tags`);
    return { ...(isObjectValue(defaults) ? defaults : {}), ...(isObjectValue(own) ? own : {}) };
  }

  private computeAttribute(ref: ResourceRef, name: string): Value {
    const config = ref.raw.config;
    const type = ref.raw.type;
    if (VPC_IPV6_HOLDERS.has(type) && name === "ipv6_cidr_block" && config.ipv6_cidr_block === undefined) {
      return this.syntheticIpv6.get(ref.key) ?? null;
    }
    if (type === "aws_networkfirewall_firewall" && name === "firewall_status") return this.firewallStatus(ref);
    if (name === "id") {
      if (type === "aws_default_route_table") return this.attribute(ref.key, "default_route_table_id");
      if (type === "aws_default_network_acl") return this.attribute(ref.key, "default_network_acl_id");
      if (type === "aws_default_security_group") {
        const vpc = this.attribute(ref.key, "vpc_id");
        return vpc instanceof Opaque && vpc.path === "id" ? new Opaque(vpc.resource, "default_security_group_id") : new Opaque(ref.key, "id");
      }
    }
    if (name in config) return this.evaluate(ref.stack, config[name], `${ref.address}.${name} (${ref.stack.name})`);
    if (type === "aws_default_security_group" && name === "vpc_id") return new Unknown("default security group of the default VPC");
    return new Opaque(ref.key, name);
  }

  /** What `firewall_status` becomes after apply: one sync state per subnet mapping, with the subnet's AZ. */
  private firewallStatus(ref: ResourceRef): Value {
    const mappings = this.attribute(ref.key, "subnet_mapping");
    const list = Array.isArray(mappings) ? mappings : isObjectValue(mappings) ? [mappings] : [];
    const syncStates = list.filter(isObjectValue).map((m) => {
      const subnetId = (m.subnet_id ?? null) as Value;
      const az = this.availabilityZoneOfSubnet(subnetId);
      return {
        availability_zone: az,
        attachment: [{ endpoint_id: new FirewallEndpointId(ref.key, subnetId, az), subnet_id: subnetId, status: "READY" }],
      };
    });
    return [{ sync_states: syncStates }];
  }

  /** The AZ of the subnet a subnet-id value names, or Unknown. */
  availabilityZoneOfSubnet(subnetId: Value): Value {
    if (subnetId instanceof Opaque && subnetId.path === "id") {
      const subnet = this.refs.get(subnetId.resource);
      if (subnet && subnet.raw.type === "aws_subnet") return this.attribute(subnet.key, "availability_zone");
    }
    return new Unknown("the AZ of a subnet outside the configuration");
  }

  /** An output of a stack, evaluated in that stack. */
  output(stackName: string, name: string): Value {
    const cacheKey = `${stackName}\u0000${name}`;
    if (this.outputCache.has(cacheKey)) return this.outputCache.get(cacheKey) as Value;
    const stack = this.stacks.get(stackName);
    if (!stack || !(name in stack.outputs)) return new Unknown(`stack ${stackName} has no output ${name}`);
    if (this.inProgress.has(`output:${cacheKey}`)) return new Unknown(`output ${name} refers to itself`);
    this.inProgress.add(`output:${cacheKey}`);
    let value: Value;
    try {
      value = this.evaluate(stack, stack.outputs[name], `output ${name} (${stackName})`);
    } finally {
      this.inProgress.delete(`output:${cacheKey}`);
    }
    this.outputCache.set(cacheKey, value);
    return value;
  }

  /**
   * The stack a remote-state data source reads: the stack whose backend is the data source's state location, or
   * else the only stack that declares the output, or else the one named like the data source.
   */
  producerOf(consumer: StackSource, dataSource: string, outputName: string): StackSource | string {
    const ref = this.refs.get(resourceKey(consumer.name, `data.terraform_remote_state.${dataSource}`));
    const where = `data.terraform_remote_state.${dataSource} (${consumer.name})`;
    if (!ref) return `${where} is not declared`;
    const backend = this.evaluate(consumer, ref.raw.config.backend, `${where}.backend`);
    const config = this.evaluate(consumer, ref.raw.config.config ?? {}, `${where}.config`);
    const id = typeof backend === "string" && isObjectValue(config) ? backendId(backend, config as Record<string, unknown>, consumer.workingDirectory) : undefined;
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
    const stateName = id && id.type !== "other" ? (id.type === "local" ? id.path : id.key).replace(/^.*\//, "").replace(/\.tfstate$/, "") : undefined;
    const named = declaring.filter((s) => s.name === dataSource || s.name === stateName);
    if (named.length === 1) return named[0];
    if (declaring.length === 0) return `${where} reads output "${outputName}", which no stack declares`;
    return `${where} reads output "${outputName}", which several stacks declare (${declaring.map((s) => s.name).join(", ")})`;
  }

  /** Deep-evaluates a configuration value: strings are templates, arrays and objects are walked. */
  evaluate(stack: StackSource, raw: unknown, where: string, env: Env = new Map()): Value {
    if (raw === undefined || raw === null) return null;
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
      return new Evaluation(this, stack, where).eval(expr, env);
    }
    if (typeof raw === "number" || typeof raw === "boolean") return raw;
    if (Array.isArray(raw)) return raw.map((x) => this.evaluate(stack, x, where, env));
    if (isRecord(raw)) {
      const out: Record<string, Value> = {};
      for (const [k, v] of Object.entries(raw)) if (k !== "//") out[k] = this.evaluate(stack, v, where, env);
      return out;
    }
    return new Unknown(`unexpected JSON value in ${where}`);
  }
}

function sameBackend(a: BackendId, b: BackendId): boolean {
  if (a.type === "local" && b.type === "local") return a.path === b.path;
  if (a.type === "s3" && b.type === "s3") return a.bucket === b.bucket && a.key === b.key;
  return a.type === "other" && b.type === "other" && a.text === b.text;
}

/** One evaluation of one expression in one stack. */
class Evaluation {
  constructor(
    private readonly world: World,
    private readonly stack: StackSource,
    private readonly where: string,
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
          if (v === null) return new Unknown("a string built from null");
          if (typeof v === "object") return new Unknown("a string built from a collection");
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
        if (isSymbolic(source)) return source instanceof Unknown ? source : new Unknown(`splat over ${source.toString()}`);
        const items = source === null ? [] : Array.isArray(source) ? source : [source];
        return items.map((item) => this.eval(e.each, new Map([...env, ["\u0000item", item]])));
      }
      case "call":
        return this.call(e.name, e.args.map((a) => this.eval(a, env)), e.spread);
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
      case "cond": {
        const t = this.eval(e.test, env);
        if (typeof t !== "boolean") return new Unknown("a condition known only after apply");
        return this.eval(t ? e.then : e.otherwise, env);
      }
      case "unary": {
        const v = this.eval(e.operand, env);
        if (e.op === "!" && typeof v === "boolean") return !v;
        if (e.op === "-" && typeof v === "number") return -v;
        return new Unknown(`${e.op} applied to a value known only after apply`);
      }
      case "binary":
        return this.binary(e.op, this.eval(e.left, env), this.eval(e.right, env));
    }
  }

  private binary(op: string, a: Value, b: Value): Value {
    if (op === "==" || op === "!=") {
      if (isSymbolic(a) || isSymbolic(b)) return new Unknown("a comparison with a value known only after apply");
      const eq = JSON.stringify(a) === JSON.stringify(b);
      return op === "==" ? eq : !eq;
    }
    if (op === "&&" || op === "||") {
      if (typeof a !== "boolean" || typeof b !== "boolean") return new Unknown(`${op} on non-booleans`);
      return op === "&&" ? a && b : a || b;
    }
    if (typeof a !== "number" || typeof b !== "number") return new Unknown(`${op} on values that are not known numbers`);
    switch (op) {
      case "+":
        return a + b;
      case "-":
        return a - b;
      case "*":
        return a * b;
      case "/":
        return a / b;
      case "%":
        return a % b;
      case "<":
        return a < b;
      case "<=":
        return a <= b;
      case ">":
        return a > b;
      case ">=":
        return a >= b;
      default:
        return new Unknown(`operator ${op}`);
    }
  }

  private forExpr(e: Extract<Expr, { kind: "for" }>, env: Env): Value {
    const coll = this.eval(e.collection, env);
    if (isSymbolic(coll)) return coll instanceof Unknown ? coll : new Unknown(`for over ${coll.toString()}`);
    let entries: [Value, Value][];
    if (Array.isArray(coll)) entries = coll.map((v, i) => [i, v]);
    else if (isObjectValue(coll)) entries = Object.entries(coll);
    else return new Unknown("for over a value that is not a collection");
    const list: Value[] = [];
    const obj: Record<string, Value> = {};
    for (const [k, v] of entries) {
      const inner = new Map(env);
      if (e.keyVar) inner.set(e.keyVar, k);
      inner.set(e.valueVar, v);
      if (e.condition) {
        const c = this.eval(e.condition, inner);
        if (typeof c !== "boolean") return new Unknown("a for condition known only after apply");
        if (!c) continue;
      }
      if (e.object) {
        const key = this.eval(e.keyExpr!, inner);
        if (typeof key !== "string" && typeof key !== "number") return new Unknown("a for key known only after apply");
        if (String(key) in obj) return new Unknown(`duplicate key "${String(key)}" in a for expression`);
        obj[String(key)] = this.eval(e.valueExpr, inner);
      } else list.push(this.eval(e.valueExpr, inner));
    }
    return e.object ? obj : list;
  }

  /** `root.step.step[...]`: resources, data sources, variables, locals, for/splat variables. */
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
    if (name === "var" && firstName) {
      const raw = this.stack.variables[firstName];
      return this.applySteps(this.world.evaluate(this.stack, raw, `var.${firstName}`), steps.slice(1), env);
    }
    if (name === "local" && firstName) {
      return this.applySteps(this.world.evaluate(this.stack, this.stack.locals[firstName], `local.${firstName}`), steps.slice(1), env);
    }
    if (name === "data") {
      const second = steps[1];
      if (!firstName || !second || !("attr" in second)) return new Unknown("an incomplete data source reference");
      const key = resourceKey(this.stack.name, `data.${firstName}.${second.attr}`);
      const ref = this.world.resource(key);
      if (!ref) {
        this.world.problems.push(`${this.where}: refers to data.${firstName}.${second.attr}, which stack ${this.stack.name} does not declare`);
        return new Unknown("undeclared data source");
      }
      const rest = steps.slice(2);
      if (firstName === "terraform_remote_state") {
        const attr = rest[0];
        if (!attr || !("attr" in attr) || attr.attr !== "outputs") return new Unknown("a remote state attribute other than outputs");
        return this.applySteps(new RemoteOutputs(this.stack.name, second.attr), rest.slice(1), env);
      }
      const attr = rest[0];
      if (!attr || !("attr" in attr)) return new Opaque(key, "");
      return this.applySteps(this.world.attribute(key, attr.attr), rest.slice(1), env);
    }
    if (["path", "terraform", "count", "each", "self", "module"].includes(name)) return new Unknown(`${name}.* references`);
    // A managed resource: type.name.attribute...
    if (!firstName) return new Unknown(`a bare name "${name}"`);
    const key = resourceKey(this.stack.name, `${name}.${firstName}`);
    if (!this.world.resource(key)) {
      this.world.problems.push(`${this.where}: refers to ${name}.${firstName}, which stack ${this.stack.name} does not declare`);
      return new Unknown("undeclared resource");
    }
    const attr = steps[1];
    if (!attr || !("attr" in attr)) return new Unknown(`the whole resource ${name}.${firstName}`);
    return this.applySteps(this.world.attribute(key, attr.attr), steps.slice(2), env);
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
    if (isSymbolic(key)) return new Unknown("an index known only after apply");
    if (v instanceof RemoteOutputs) {
      if (typeof key !== "string") return new Unknown("a remote state output by number");
      return this.remoteOutput(v, key);
    }
    if (v instanceof Opaque) {
      return new Opaque(v.resource, isAttr ? `${v.path}.${String(key)}` : `${v.path}[${JSON.stringify(key)}]`);
    }
    if (v instanceof FirewallEndpointId) return new Unknown("an attribute of an endpoint id");
    if (v === null) return new Unknown(`attribute "${String(key)}" of null`);
    if (Array.isArray(v)) {
      if (typeof key === "number") return v[key] ?? new Unknown(`index ${key} out of range`);
      return new Unknown(`attribute "${String(key)}" of a list`);
    }
    if (isObjectValue(v)) {
      // A block written as one object reads the same as a one-element list of it.
      if (key === 0 && !("0" in v)) return v;
      const k = String(key);
      if (k in v) return v[k];
      return new Unknown(`no key "${k}"`);
    }
    return new Unknown(`attribute "${String(key)}" of a primitive value`);
  }

  private remoteOutput(r: RemoteOutputs, name: string): Value {
    const consumer = this.world.stacks.get(r.stack)!;
    const producer = this.world.producerOf(consumer, r.dataSource, name);
    if (typeof producer === "string") {
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
    const unknownArg = args.find((a) => a instanceof Unknown);
    const fn = FUNCTIONS[name.replace(/^provider::[^:]+::/, "")];
    if (!fn) return new Unknown(`function ${name}()`);
    if (unknownArg && !LENIENT.has(name)) return unknownArg;
    try {
      return fn(args);
    } catch (e) {
      return new Unknown(`${name}(): ${(e as Error).message}`);
    }
  }
}

/** Functions that may get unknown arguments and still give a useful answer. */
const LENIENT = new Set(["can", "concat", "flatten", "tolist", "toset", "merge", "compact", "distinct", "length", "element", "lookup", "coalesce", "try"]);

function str(v: Value, fn: string): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw new Error(`${fn} needs a known string`);
}

function num(v: Value, fn: string): number {
  if (typeof v === "number") return v;
  if (typeof v === "string" && v.trim() !== "" && !Number.isNaN(Number(v))) return Number(v);
  throw new Error(`${fn} needs a known number`);
}

function list(v: Value): readonly Value[] {
  if (Array.isArray(v)) return v;
  throw new Error("needs a list");
}

function hasSymbols(v: Value): boolean {
  if (isSymbolic(v)) return true;
  if (Array.isArray(v)) return v.some(hasSymbols);
  if (isObjectValue(v)) return Object.values(v).some(hasSymbols);
  return false;
}

function known(v: Value, fn: string): Value {
  if (hasSymbols(v)) throw new Error(`${fn} of a value known only after apply`);
  return v;
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
  tobool: ([v]) => (typeof v === "boolean" ? v : v === "true" ? true : v === "false" ? false : (() => { throw new Error("not a bool"); })()),
  tolist: ([v]) => list(v),
  toset: ([v]) => list(v),
  tomap: ([v]) => v,
  concat: (args) => args.flatMap((a) => list(a)),
  flatten: ([v]) => {
    const flat = (x: Value): Value[] => (Array.isArray(x) ? x.flatMap(flat) : [x]);
    return flat(v);
  },
  compact: ([v]) => list(v).filter((x) => x !== null && x !== ""),
  distinct: ([v]) => list(v).filter((x, i, all) => all.findIndex((y) => JSON.stringify(y) === JSON.stringify(x)) === i),
  length: ([v]) => (Array.isArray(v) ? v.length : isObjectValue(v) ? Object.keys(v).length : str(v, "length").length),
  element: ([v, i]) => {
    const l = list(v);
    return l[num(i, "element") % l.length];
  },
  lookup: ([m, k, d]) => (isObjectValue(m) && str(k, "lookup") in m ? m[str(k, "lookup")] : d ?? (() => { throw new Error("no such key"); })()),
  merge: (args) => Object.assign({}, ...args.map((a) => (isObjectValue(a) ? a : {}))),
  keys: ([m]) => (isObjectValue(m) ? Object.keys(m).sort() : list(m).map((_, i) => i)),
  values: ([m]) => (isObjectValue(m) ? Object.keys(m).sort().map((k) => m[k]) : list(m)),
  zipmap: ([k, v]) => Object.fromEntries(list(k).map((key, i) => [str(key, "zipmap"), list(v)[i]])),
  coalesce: (args) => args.find((a) => a !== null && a !== "" && !(a instanceof Unknown)) ?? null,
  try: (args) => args.find((a) => !(a instanceof Unknown)) ?? new Unknown("try() with no usable argument"),
  one: ([v]) => (list(v).length === 0 ? null : list(v)[0]),
  join: ([sep, l]) => list(l).map((x) => str(x, "join")).join(str(sep, "join")),
  split: ([sep, s]) => str(s, "split").split(str(sep, "split")),
  lower: ([s]) => str(s, "lower").toLowerCase(),
  upper: ([s]) => str(s, "upper").toUpperCase(),
  replace: ([s, a, b]) => str(s, "replace").split(str(a, "replace")).join(str(b, "replace")),
  substr: ([s, o, l]) => str(s, "substr").substr(num(o, "substr"), num(l, "substr") < 0 ? undefined : num(l, "substr")),
  format: ([f, ...rest]) => {
    let i = 0;
    return str(f, "format").replace(/%[sdv]/g, () => str(rest[i++] ?? "", "format"));
  },
  jsonencode: ([v]) => JSON.stringify(known(v, "jsonencode")),
  jsondecode: ([s]) => JSON.parse(str(s, "jsondecode")) as Value,
  base64encode: ([s]) => Buffer.from(str(s, "base64encode"), "utf8").toString("base64"),
  base64decode: ([s]) => Buffer.from(str(s, "base64decode"), "base64").toString("utf8"),
  max: (args) => Math.max(...args.map((a) => num(a, "max"))),
  min: (args) => Math.min(...args.map((a) => num(a, "min"))),
  abs: ([a]) => Math.abs(num(a, "abs")),
  contains: ([l, v]) => list(l).some((x) => JSON.stringify(x) === JSON.stringify(known(v, "contains"))),
  can: ([v]) => !(v instanceof Unknown),
  startswith: ([s, p]) => str(s, "startswith").startsWith(str(p, "startswith")),
  endswith: ([s, p]) => str(s, "endswith").endsWith(str(p, "endswith")),
  trimspace: ([s]) => str(s, "trimspace").trim(),
};
