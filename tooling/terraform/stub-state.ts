/**
 * A stand-in for a producer stack's state: a Terraform state file (format version 4) holding only outputs, with the
 * values an apply would plausibly give them. Consumers read it through their `terraform_remote_state` data
 * sources, so `terraform plan` runs with no AWS account and no producer deployed.
 *
 * Each output expression is evaluated for real where it can be: configured attributes are read from the
 * producer's resources, `cidrsubnet()` and friends are computed (ipaddr.js), and only attributes that exist after
 * apply (`id`, `arn`, the VPC's /56) are generated, with the shape AWS gives them (stub-values.ts).
 *
 * Expressions are read with the verifier's parser (verifier/expr/parse.ts). The evaluation here is not the
 * verifier's: the verifier reasons about values known after apply as symbols, a stub has to give them concrete,
 * plausible values.
 */
import * as path from "node:path";
import { ExpressionError, parseTemplate, type Expr } from "../../verifier/expr/parse";
import type { TerraformJson } from "./synthesized";
import {
  arnOf,
  cidrHost,
  cidrSubnet,
  cidrSubnets,
  digest,
  idOf,
  STUB_ACCOUNT_ID,
  stubName,
  stubUuid,
  stubVpcIpv6Cidr,
  valueForName,
  type StubSubject,
} from "./stub-values";

/** The Terraform state format version the stub is written in (Terraform 0.12 and later read version 4). */
const STATE_FORMAT_VERSION = 4;

/** A value known only after apply; `at` gives the value of one of its attributes or elements. */
class Unknown {
  constructor(
    readonly attribute: string,
    readonly seed: string,
    readonly type?: string,
    readonly shape: "scalar" | "list" | "map" = "scalar",
    private readonly element?: (key: string | number) => Value,
  ) {}

  at(key: string | number): Value {
    if (this.element) return this.element(key);
    const attribute = typeof key === "string" && this.shape === "scalar" ? key : this.attribute;
    return new Unknown(attribute, `${this.seed}.${key}`, typeof key === "string" ? undefined : this.type);
  }
}

/** A resource or data source (or one instance of it, with `key`). */
export class ResourceRef {
  constructor(
    readonly mode: "managed" | "data",
    readonly type: string,
    readonly name: string,
    readonly key?: string | number,
  ) {}

  get address(): string {
    const base = `${this.mode === "data" ? "data." : ""}${this.type}.${this.name}`;
    return this.key === undefined ? base : `${base}[${JSON.stringify(this.key)}]`;
  }
}

/** A name that is not a value by itself: `var`, `local`, `data`, `data.aws_region`, `aws_subnet`, `count`, `each`. */
class Namespace {
  constructor(
    readonly kind: "var" | "local" | "data" | "dataType" | "resourceType" | "count" | "each" | "path" | "terraform",
    readonly type?: string,
  ) {}
}

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };
type Value = string | number | boolean | null | Value[] | { [key: string]: Value } | Unknown | ResourceRef | Namespace;

/** The expression refers to something the configuration does not have, or applies an operation to the wrong kind. */
class EvaluationError extends Error {}

type Scope = ReadonlyMap<string, Value>;
const SPLAT_ITEM = "[*]";

/** Meta-arguments: configuration of Terraform itself, never an attribute of the resource. */
const META_ARGUMENTS = new Set(["//", "count", "for_each", "provider", "depends_on", "lifecycle", "provisioner", "connection"]);

/** Attributes that name a resource, in the order they are looked for. */
const NAME_ATTRIBUTES = ["name", "bucket", "function_name", "name_prefix", "bucket_prefix", "alias"];

/** Attributes that are another name for the id (`aws_kms_key.key_id` is its id). */
const ID_ALIASES: Readonly<Record<string, string>> = { aws_kms_key: "key_id", aws_guardduty_detector: "detector_id" };

/** Attributes of network interfaces and instances that hold IPv6 addresses. */
const IPV6_ADDRESS_ATTRIBUTES = new Set(["ipv6_address", "primary_ipv6_address", "ipv6_addresses", "ipv6_address_list"]);

function isPlainObject(v: unknown): v is Record<string, Value> {
  return (
    v !== null &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    !(v instanceof Unknown) &&
    !(v instanceof ResourceRef) &&
    !(v instanceof Namespace)
  );
}

/**
 * What the stubs of one app share: the IPv6 prefixes of the subnets and VPCs earlier stubs generated, by id, so that
 * an interface another stack places in a subnet (given by remote state) gets an address inside that subnet.
 */
export class StubRegistry {
  readonly subnetIpv6 = new Map<string, string>();
  readonly vpcIpv6 = new Map<string, string>();
}

export interface StubOptions {
  /** The producer stack's name (part of every generated value's seed, so stacks never share a stub value). */
  readonly stack: string;
  /** The region of the producer's default AWS provider, when it does not set one. */
  readonly defaultRegion: string;
  /**
   * The outputs of a stack this producer itself reads through `data.terraform_remote_state.<dataName>`, as an
   * earlier stub gave them; `undefined` when unknown (the references then become shaped stand-ins).
   */
  readonly remoteOutputs?: (dataName: string) => Record<string, unknown> | undefined;
  /** Shared with the stubs of the other stacks of the same app; this stub adds its subnets and VPCs. */
  readonly registry?: StubRegistry;
}

export interface StubOutput {
  readonly value: Plain;
  readonly type: unknown;
  readonly sensitive?: boolean;
}

export interface StubState {
  readonly version: number;
  readonly terraform_version: string;
  readonly serial: number;
  readonly lineage: string;
  readonly outputs: Record<string, StubOutput>;
  readonly resources: readonly never[];
}

export interface StubResult {
  readonly state: StubState;
  /** Outputs whose expression could not be evaluated, and what was used instead (one line each). */
  readonly notes: readonly string[];
}

/** Evaluates a stack's outputs into a stub state. */
export function stubState(json: TerraformJson, options: StubOptions, terraformVersion = "1.11.4"): StubResult {
  const evaluator = new StackEvaluator(json, options);
  const outputs: Record<string, StubOutput> = {};
  const notes: string[] = [];
  for (const [name, output] of Object.entries(json.output ?? {}).sort(([a], [b]) => a.localeCompare(b))) {
    let value: Plain;
    try {
      value = evaluator.materialize(evaluator.evaluateConfig(output.value, new Map(), `output.${name}`), name, `output.${name}`);
    } catch (e) {
      if (!(e instanceof ExpressionError || e instanceof EvaluationError)) throw e;
      const subject = { attribute: name, seed: `${options.stack}/output.${name}`, region: evaluator.region };
      value = valueForName(subject, () => evaluator.firstVpcIpv6Cidr()) ?? stubName(subject);
      notes.push(`${options.stack}: output ${name}: ${e.message}; stub value ${JSON.stringify(value)} chosen from its name`);
    }
    if (value === null) continue; // Terraform does not store null outputs.
    outputs[name] = { value, type: ctyType(value), ...(output.sensitive ? { sensitive: true } : {}) };
  }
  if (options.registry) evaluator.register(options.registry);
  const state: StubState = {
    version: STATE_FORMAT_VERSION,
    terraform_version: terraformVersion,
    serial: 1,
    lineage: stubUuid(`${options.stack}/lineage`),
    outputs,
    resources: [],
  };
  return { state, notes };
}

/** Terraform's JSON type notation for a value (state file `outputs.<name>.type`). */
export function ctyType(value: Plain): unknown {
  if (typeof value === "string") return "string";
  if (typeof value === "number") return "number";
  if (typeof value === "boolean") return "bool";
  if (value === null) return "dynamic";
  if (Array.isArray(value)) {
    const types = value.map(ctyType);
    const first = JSON.stringify(types[0]);
    if (types.length > 0 && types.every((t) => JSON.stringify(t) === first) && typeof types[0] === "string") return ["list", types[0]];
    return ["tuple", types];
  }
  return ["object", Object.fromEntries(Object.entries(value).map(([k, v]) => [k, ctyType(v)]))];
}

export class StackEvaluator {
  readonly region: string;
  private readonly memo = new Map<string, Value>();
  private readonly inProgress = new Set<string>();
  /** Generated ids and the resource they belong to (an ENI's address is taken from its subnet's /64). */
  private readonly ids = new Map<string, ResourceRef>();
  private readonly parsed = new Map<string, Expr>();

  constructor(
    private readonly json: TerraformJson,
    private readonly options: StubOptions,
  ) {
    const providers = json.provider?.aws;
    const list = Array.isArray(providers) ? providers : providers ? [providers] : [];
    const main = list.find((p) => p.alias === undefined) ?? list[0];
    this.region = typeof main?.region === "string" && !main.region.includes("${") ? main.region : options.defaultRegion;
  }

  /** Evaluates a configuration value: a string is a template, arrays and objects are evaluated member by member. */
  evaluateConfig(raw: unknown, scope: Scope, where: string): Value {
    if (typeof raw === "string") return this.evaluate(this.parse(raw), scope, where);
    if (Array.isArray(raw)) return raw.map((item, i) => this.evaluateConfig(item, scope, `${where}[${i}]`));
    if (raw !== null && typeof raw === "object") {
      return Object.fromEntries(
        Object.entries(raw)
          .filter(([k]) => k !== "//")
          .map(([k, v]) => [k, this.evaluateConfig(v, scope, `${where}.${k}`)]),
      );
    }
    return raw as Value;
  }

  private parse(text: string): Expr {
    let expr = this.parsed.get(text);
    if (expr === undefined) {
      expr = parseTemplate(text);
      this.parsed.set(text, expr);
    }
    return expr;
  }

  /** The /56 of the first VPC in the stack or in an earlier stub (or a stand-in), for values known only by name. */
  firstVpcIpv6Cidr(): string {
    const vpcs = Object.keys(this.json.resource?.aws_vpc ?? {});
    if (vpcs.length > 0) {
      const value = this.attributeOf(new ResourceRef("managed", "aws_vpc", vpcs[0]), "ipv6_cidr_block");
      if (typeof value === "string") return value;
    }
    const [earlier] = this.options.registry?.vpcIpv6.values() ?? [];
    return earlier ?? stubVpcIpv6Cidr(`${this.options.stack}/vpc`);
  }

  /** Records the IPv6 prefix of every VPC and (uncounted) subnet of this stack under its stub id. */
  register(registry: StubRegistry): void {
    const record = (type: "aws_vpc" | "aws_subnet", into: Map<string, string>) => {
      for (const [name, config] of Object.entries(this.json.resource?.[type] ?? {})) {
        if (config.count !== undefined || config.for_each !== undefined) continue;
        const ref = new ResourceRef("managed", type, name);
        try {
          const id = this.attributeOf(ref, "id");
          const cidr = this.attributeOf(ref, "ipv6_cidr_block");
          if (typeof id === "string" && typeof cidr === "string") into.set(id, cidr);
        } catch (e) {
          if (!(e instanceof ExpressionError || e instanceof EvaluationError)) throw e;
        }
      }
    };
    record("aws_vpc", registry.vpcIpv6);
    record("aws_subnet", registry.subnetIpv6);
  }

  /**
   * The value an apply would give one attribute of a resource instance, followed down `path` (list indexes, map
   * keys, object attributes), as plain JSON: the same value every expression of this app reading that attribute
   * gets from this evaluator, so that generated states and stub outputs agree. Undefined when it cannot be evaluated.
   */
  valueAt(ref: ResourceRef, attribute: string, path: readonly (string | number)[] = []): unknown {
    try {
      let value = this.attributeOf(ref, attribute);
      for (const step of path) {
        // A nested block with at most one element: cdktf writes it as an object, the schema as a one-element list.
        if (step === 0 && isPlainObject(value)) continue;
        value = value instanceof Unknown ? value.at(step) : this.index(value, step, `${ref.address}.${attribute}`);
      }
      return this.materialize(value, value instanceof Unknown ? value.attribute : attribute, `${ref.address}.${attribute}`);
    } catch (e) {
      if (e instanceof ExpressionError || e instanceof EvaluationError) return undefined;
      throw e;
    }
  }

  /** Turns a value into plain JSON, giving every unknown part a value of the right shape. */
  materialize(value: Value, name: string, seed: string): Plain {
    if (value instanceof Unknown) {
      if (value.shape === "map") return { stub: this.materialize(value.at("stub"), name, `${seed}.stub`) };
      if (value.shape === "list") return [this.materialize(value.at(0), name, `${seed}[0]`)];
      const region = this.region;
      const subject: StubSubject = { type: value.type, attribute: value.attribute, seed: `${this.options.stack}/${value.seed}`, region };
      const byAttribute = valueForName(subject, () => this.firstVpcIpv6Cidr());
      if (byAttribute !== undefined) return byAttribute;
      const byName = valueForName({ ...subject, type: undefined, attribute: name }, () => this.firstVpcIpv6Cidr());
      return byName ?? stubName(subject);
    }
    if (value instanceof ResourceRef) {
      return { id: this.materialize(this.attributeOf(value, "id"), "id", `${seed}.id`) };
    }
    if (value instanceof Namespace) throw new EvaluationError(`${seed}: "${value.kind}" is not a value`);
    if (Array.isArray(value)) return value.map((v, i) => this.materialize(v, name, `${seed}[${i}]`));
    if (isPlainObject(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, this.materialize(v, k, `${seed}.${k}`)]));
    }
    return value as Plain;
  }

  private configOf(ref: ResourceRef): Record<string, unknown> {
    const blocks = ref.mode === "data" ? this.json.data : this.json.resource;
    const config = blocks?.[ref.type]?.[ref.name];
    if (config === undefined) throw new EvaluationError(`${ref.address} is not declared in stack ${this.options.stack}`);
    return config;
  }

  /** `count.index`, `each.key` and `each.value` for one instance of a resource. */
  private instanceScope(ref: ResourceRef, config: Record<string, unknown>): Map<string, Value> {
    const scope = new Map<string, Value>();
    if (ref.key === undefined) return scope;
    if (config.count !== undefined) scope.set("count.index", ref.key);
    if (config.for_each !== undefined) {
      const each = this.evaluateConfig(config.for_each, new Map(), `${ref.address}.for_each`);
      scope.set("each.key", ref.key);
      scope.set("each.value", isPlainObject(each) ? (each[String(ref.key)] ?? ref.key) : ref.key);
    }
    return scope;
  }

  private subjectOf(ref: ResourceRef, attribute: string): StubSubject {
    const config = this.configOf(ref);
    const scope = this.instanceScope(ref, config);
    let name: string | undefined;
    for (const attr of NAME_ATTRIBUTES) {
      if (config[attr] === undefined) continue;
      const value = this.evaluateConfig(config[attr], scope, `${ref.address}.${attr}`);
      if (typeof value === "string") name = attr.endsWith("_prefix") ? `${value}${digest(ref.address, 8)}` : value;
      break;
    }
    return { type: ref.type, attribute, seed: `${this.options.stack}/${ref.address}`, name, region: this.region };
  }

  /** The value of one attribute of a resource or data source: as configured, else as apply would give it. */
  attributeOf(ref: ResourceRef, attribute: string): Value {
    const key = `${ref.address}.${attribute}`;
    if (this.memo.has(key)) return this.memo.get(key)!;
    if (this.inProgress.has(key)) throw new EvaluationError(`${key} refers to itself`);
    this.inProgress.add(key);
    try {
      const value = this.computeAttribute(ref, attribute);
      this.memo.set(key, value);
      return value;
    } finally {
      this.inProgress.delete(key);
    }
  }

  private computeAttribute(ref: ResourceRef, attribute: string): Value {
    if (ref.mode === "data" && ref.type === "terraform_remote_state" && attribute === "outputs") {
      const outputs = this.options.remoteOutputs?.(ref.name);
      if (outputs !== undefined) return outputs as Value;
      return new Unknown("outputs", ref.address, undefined, "scalar", (k) => new Unknown(String(k), `${ref.address}.outputs.${k}`));
    }
    const config = this.configOf(ref);
    if (!META_ARGUMENTS.has(attribute) && config[attribute] !== undefined) {
      return this.evaluateConfig(config[attribute], this.instanceScope(ref, config), `${ref.address}.${attribute}`);
    }
    const subject = this.subjectOf(ref, attribute);
    if (ref.mode === "data") {
      const known = this.dataSourceAttribute(ref, attribute);
      if (known !== undefined) return known;
    }
    if (ID_ALIASES[ref.type] === attribute) return this.attributeOf(ref, "id");
    if (attribute === "id") {
      const id = idOf(subject);
      this.ids.set(id, ref);
      return id;
    }
    if (attribute === "arn") return arnOf(subject);
    if (attribute === "ipv6_cidr_block" && ref.type === "aws_vpc") return stubVpcIpv6Cidr(subject.seed);
    if (attribute === "tags_all")
      return config.tags === undefined ? {} : this.evaluateConfig(config.tags, new Map(), `${ref.address}.tags`);
    if (attribute === "owner_id") return STUB_ACCOUNT_ID;
    if (IPV6_ADDRESS_ATTRIBUTES.has(attribute)) {
      const address = this.ipv6AddressOf(ref, config, subject.seed);
      if (address !== undefined) return attribute.endsWith("es") || attribute.endsWith("_list") ? [address] : address;
    }
    return new Unknown(attribute, `${ref.address}.${attribute}`, ref.type);
  }

  /** Data sources that answer from the provider configuration alone. */
  private dataSourceAttribute(ref: ResourceRef, attribute: string): Value | undefined {
    if (ref.type === "aws_region" && ["name", "id", "region"].includes(attribute)) return this.region;
    if (ref.type === "aws_partition") {
      if (attribute === "partition" || attribute === "id") return "aws";
      if (attribute === "dns_suffix") return "amazonaws.com";
    }
    if (ref.type === "aws_caller_identity") {
      if (attribute === "account_id" || attribute === "id") return STUB_ACCOUNT_ID;
      if (attribute === "arn") return `arn:aws:iam::${STUB_ACCOUNT_ID}:user/stub`;
    }
    return undefined;
  }

  /** An address inside the /64 of the subnet an interface or instance is configured in. */
  private ipv6AddressOf(ref: ResourceRef, config: Record<string, unknown>, seed: string): string | undefined {
    if (config.subnet_id === undefined) return undefined;
    const subnetId = this.evaluateConfig(config.subnet_id, this.instanceScope(ref, config), `${ref.address}.subnet_id`);
    if (typeof subnetId !== "string") return undefined;
    const subnet = this.ids.get(subnetId);
    const cidr = subnet ? this.attributeOf(subnet, "ipv6_cidr_block") : this.options.registry?.subnetIpv6.get(subnetId);
    // Host numbers from 16 up: low addresses are left to what AWS reserves in a subnet.
    return typeof cidr === "string" ? cidrHost(cidr, 16 + Number.parseInt(digest(seed, 6), 16)) : undefined;
  }

  private evaluate(expr: Expr, scope: Scope, where: string): Value {
    switch (expr.kind) {
      case "literal":
        return expr.value;
      case "template":
        return expr.parts
          .map((part) => (typeof part === "string" ? part : this.stringOf(this.evaluate(part, scope, where), where)))
          .join("");
      case "name":
        return this.variable(expr.name, scope);
      case "item":
        return scope.get(SPLAT_ITEM) ?? null;
      case "attr":
        return this.attribute(this.evaluate(expr.target, scope, where), expr.name, scope, where);
      case "index": {
        const key = this.evaluate(expr.key, scope, where);
        if (typeof key !== "string" && typeof key !== "number")
          throw new EvaluationError(`${where}: an index must be a string or a number`);
        return this.index(this.evaluate(expr.target, scope, where), key, where);
      }
      case "splat": {
        const items = this.splatItems(this.evaluate(expr.source, scope, where));
        return items.map((item) => this.evaluate(expr.each, new Map([...scope, [SPLAT_ITEM, item]]), where));
      }
      case "call":
        if (expr.name === "try" || expr.name === "can") return this.tryCall(expr.name, expr.args, scope, where);
        return this.call(
          expr.name,
          expr.args.map((a) => this.evaluate(a, scope, where)),
          expr.spread,
          where,
        );
      case "tuple":
        return expr.items.map((item) => this.evaluate(item, scope, where));
      case "object": {
        const out: Record<string, Value> = {};
        for (const item of expr.items)
          out[this.stringOf(this.evaluate(item.key, scope, where), where)] = this.evaluate(item.value, scope, where);
        return out;
      }
      case "for":
        return this.forExpression(expr, scope, where);
      case "join":
        throw new EvaluationError(`${where}: template %{for} directives are not evaluated here`);
      case "cond": {
        const test = this.evaluate(expr.test, scope, where);
        // An unknown condition: take the first branch (both have to be valid anyway).
        return this.evaluate(test === false ? expr.otherwise : expr.then, scope, where);
      }
      case "unary": {
        const operand = this.evaluate(expr.operand, scope, where);
        if (operand instanceof Unknown) return operand;
        return expr.op === "!" ? !operand : -Number(operand);
      }
      case "binary":
        return this.binary(expr.op, this.evaluate(expr.left, scope, where), this.evaluate(expr.right, scope, where));
    }
  }

  private variable(name: string, scope: Scope): Value {
    if (scope.has(name)) return scope.get(name)!;
    switch (name) {
      case "var":
      case "local":
      case "data":
      case "count":
      case "each":
      case "path":
      case "terraform":
        return new Namespace(name);
      default:
        if (this.json.resource?.[name] !== undefined) return new Namespace("resourceType", name);
        throw new EvaluationError(`"${name}" is not declared in stack ${this.options.stack}`);
    }
  }

  private attribute(target: Value, name: string, scope: Scope, where: string): Value {
    if (target instanceof Namespace) {
      switch (target.kind) {
        case "var": {
          const variable = this.json.variable?.[name];
          if (variable === undefined) throw new EvaluationError(`var.${name} is not declared`);
          return variable.default === undefined ? new Unknown(name, `var.${name}`) : (variable.default as Value);
        }
        case "local": {
          if (this.json.locals?.[name] === undefined) throw new EvaluationError(`local.${name} is not declared`);
          const key = `local.${name}`;
          if (this.memo.has(key)) return this.memo.get(key)!;
          if (this.inProgress.has(key)) throw new EvaluationError(`${key} refers to itself`);
          this.inProgress.add(key);
          try {
            const value = this.evaluateConfig(this.json.locals[name], new Map(), key);
            this.memo.set(key, value);
            return value;
          } finally {
            this.inProgress.delete(key);
          }
        }
        case "data":
          return new Namespace("dataType", name);
        case "dataType":
          if (this.json.data?.[target.type!]?.[name] === undefined)
            throw new EvaluationError(`data.${target.type}.${name} is not declared`);
          return new ResourceRef("data", target.type!, name);
        case "resourceType":
          if (this.json.resource?.[target.type!]?.[name] === undefined) throw new EvaluationError(`${target.type}.${name} is not declared`);
          return new ResourceRef("managed", target.type!, name);
        case "count":
        case "each": {
          const key = `${target.kind}.${name}`;
          if (!scope.has(key))
            throw new EvaluationError(`${key} used outside a resource with ${target.kind === "count" ? "count" : "for_each"}`);
          return scope.get(key)!;
        }
        case "path":
          return ".";
        case "terraform":
          return name === "workspace" ? "default" : new Unknown(name, `terraform.${name}`);
      }
    }
    if (target instanceof ResourceRef) return this.attributeOf(target, name);
    if (target instanceof Unknown) return target.at(name);
    if (isPlainObject(target)) {
      if (!(name in target)) throw new EvaluationError(`${where}: the object has no attribute "${name}"`);
      return target[name];
    }
    throw new EvaluationError(`${where}: cannot read attribute "${name}" of ${Array.isArray(target) ? "a list" : JSON.stringify(target)}`);
  }

  private index(target: Value, key: string | number, where: string): Value {
    if (target instanceof ResourceRef && target.key === undefined) return new ResourceRef(target.mode, target.type, target.name, key);
    if (target instanceof Unknown) return target.at(key);
    if (Array.isArray(target)) {
      const i = Number(key);
      if (!Number.isInteger(i) || i < 0 || i >= target.length) throw new EvaluationError(`${where}: index ${key} is out of range`);
      return target[i];
    }
    if (isPlainObject(target)) {
      if (!(String(key) in target)) throw new EvaluationError(`${where}: the map has no element "${key}"`);
      return target[String(key)];
    }
    if (target instanceof Namespace) return this.attribute(target, String(key), new Map(), where);
    throw new EvaluationError(`${where}: cannot index ${JSON.stringify(target)}`);
  }

  private splatItems(source: Value): Value[] {
    if (source instanceof ResourceRef && source.key === undefined) {
      const config = this.configOf(source);
      const count = config.count === undefined ? undefined : this.evaluateConfig(config.count, new Map(), `${source.address}.count`);
      if (typeof count === "number")
        return Array.from({ length: count }, (_, i) => new ResourceRef(source.mode, source.type, source.name, i));
      if (config.for_each !== undefined) {
        const each = this.evaluateConfig(config.for_each, new Map(), `${source.address}.for_each`);
        const keys = Array.isArray(each) ? each.map(String) : isPlainObject(each) ? Object.keys(each) : ["stub"];
        return keys.map((k) => new ResourceRef(source.mode, source.type, source.name, k));
      }
      return [source];
    }
    if (source === null) return [];
    if (Array.isArray(source)) return source;
    if (source instanceof Unknown) return [source.at(0)];
    return [source];
  }

  private forExpression(expr: Extract<Expr, { kind: "for" }>, scope: Scope, where: string): Value {
    if (expr.group) throw new EvaluationError(`${where}: grouping for expressions (k => v...) are not evaluated here`);
    const bind = (key: Value, value: Value): Map<string, Value> => {
      const inner = new Map(scope);
      if (expr.keyVar !== undefined) inner.set(expr.keyVar, key);
      inner.set(expr.valueVar, value);
      return inner;
    };
    const collection = this.evaluate(expr.collection, scope, where);
    if (collection instanceof Unknown) {
      // Elements known only after apply: the result is a stand-in whose element `k` is the value expression
      // evaluated for element `k` of the collection.
      const element = (k: string | number) => this.evaluate(expr.valueExpr, bind(k, collection.at(k)), where);
      return new Unknown(collection.attribute, `${collection.seed}{for}`, collection.type, expr.object ? "map" : "list", element);
    }
    const pairs: [Value, Value][] = Array.isArray(collection)
      ? collection.map((v, i) => [i, v])
      : isPlainObject(collection)
        ? Object.keys(collection)
            .sort()
            .map((k) => [k, collection[k]])
        : [];
    const kept = pairs.filter(([k, v]) => expr.condition === undefined || this.evaluate(expr.condition, bind(k, v), where) !== false);
    if (!expr.object) return kept.map(([k, v]) => this.evaluate(expr.valueExpr, bind(k, v), where));
    const out: Record<string, Value> = {};
    for (const [k, v] of kept) {
      const inner = bind(k, v);
      out[this.stringOf(this.evaluate(expr.keyExpr!, inner, where), where)] = this.evaluate(expr.valueExpr, inner, where);
    }
    return out;
  }

  /** `try()` returns its first argument that evaluates; `can()` says whether its argument does. */
  private tryCall(name: "try" | "can", args: readonly Expr[], scope: Scope, where: string): Value {
    for (const arg of args) {
      try {
        const value = this.evaluate(arg, scope, where);
        return name === "can" ? true : value;
      } catch (e) {
        if (!(e instanceof EvaluationError)) throw e;
      }
    }
    if (name === "can") return false;
    throw new EvaluationError(`${where}: no argument of try() could be evaluated`);
  }

  private binary(op: string, left: Value, right: Value): Value {
    if (left instanceof Unknown) return left;
    if (right instanceof Unknown) return right;
    switch (op) {
      case "||":
        return Boolean(left) || Boolean(right);
      case "&&":
        return Boolean(left) && Boolean(right);
      case "==":
        return JSON.stringify(left) === JSON.stringify(right);
      case "!=":
        return JSON.stringify(left) !== JSON.stringify(right);
      case "<":
        return Number(left) < Number(right);
      case "<=":
        return Number(left) <= Number(right);
      case ">":
        return Number(left) > Number(right);
      case ">=":
        return Number(left) >= Number(right);
      case "+":
        return Number(left) + Number(right);
      case "-":
        return Number(left) - Number(right);
      case "*":
        return Number(left) * Number(right);
      case "/":
        return Number(left) / Number(right);
      case "%":
        return Number(left) % Number(right);
      default:
        throw new EvaluationError(`operator ${op} is not supported`);
    }
  }

  /** A value in string context (templates, string functions); unknown parts get their stub value. */
  private stringOf(value: Value, where: string): string {
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    if (value instanceof Unknown) return String(this.materialize(value, value.attribute, where));
    throw new EvaluationError(`${where}: a ${Array.isArray(value) ? "list" : "map"} cannot be used as a string`);
  }

  private call(name: string, rawArgs: Value[], spread: boolean, where: string): Value {
    const args =
      spread && Array.isArray(rawArgs[rawArgs.length - 1])
        ? [...rawArgs.slice(0, -1), ...(rawArgs[rawArgs.length - 1] as Value[])]
        : rawArgs;
    const fn = name.replace(/^provider::[^:]+::/, "");
    // Functions of values known only after apply: a stand-in for the first unknown argument.
    const unknown = args.find((a): a is Unknown => a instanceof Unknown);
    const str = (v: Value) => this.stringOf(v, where);
    const list = (v: Value): Value[] => {
      if (Array.isArray(v)) return v;
      if (isPlainObject(v)) return Object.values(v);
      throw new EvaluationError(`${where}: ${fn}() expects a list`);
    };
    switch (fn) {
      case "cidrsubnet":
        if (unknown) return new Unknown("ipv6_cidr_block", `${unknown.seed}/cidrsubnet(${args.slice(1).join(",")})`);
        try {
          return cidrSubnet(str(args[0]), Number(args[1]), Number(args[2]));
        } catch (e) {
          throw new EvaluationError(`${where}: ${(e as Error).message}`);
        }
      case "cidrhost":
        if (unknown) return new Unknown("ipv6_address", `${unknown.seed}/cidrhost(${String(args[1])})`);
        return cidrHost(str(args[0]), Number(args[1]));
      case "cidrsubnets":
        if (unknown) return new Unknown(unknown.attribute, `${unknown.seed}/cidrsubnets`, undefined, "list");
        return cidrSubnets(str(args[0]), args.slice(1).map(Number));
      case "tolist":
      case "toset": {
        if (unknown) return args[0];
        const items = list(args[0]);
        return fn === "toset" ? [...new Map(items.map((i) => [JSON.stringify(i), i])).values()] : items;
      }
      case "tomap":
      case "tostring":
      case "tonumber":
      case "tobool":
      case "sensitive":
      case "nonsensitive":
        if (fn === "tostring" && !unknown && args[0] !== null) return str(args[0]);
        if (fn === "tonumber" && !unknown && args[0] !== null) return Number(args[0]);
        return args[0];
      case "element": {
        if (args[0] instanceof Unknown) return args[0].at(Number(args[1]));
        const items = list(args[0]);
        if (items.length === 0) throw new EvaluationError(`${where}: element() of an empty list`);
        return items[Number(args[1]) % items.length];
      }
      case "length":
        if (unknown) return 1;
        if (typeof args[0] === "string") return args[0].length;
        return list(args[0]).length;
      case "lookup": {
        if (args[0] instanceof Unknown) return args[0].at(str(args[1]));
        const map = args[0];
        if (!isPlainObject(map)) throw new EvaluationError(`${where}: lookup() expects a map`);
        const key = str(args[1]);
        if (key in map) return map[key];
        if (args.length > 2) return args[2];
        throw new EvaluationError(`${where}: lookup() found no "${key}"`);
      }
      case "concat":
        return args.flatMap((a) => (a instanceof Unknown ? [a.at(0)] : list(a)));
      case "flatten": {
        const flat = (v: Value): Value[] => (Array.isArray(v) ? v.flatMap(flat) : [v]);
        return flat(args[0]);
      }
      case "distinct":
        return unknown ? args[0] : [...new Map(list(args[0]).map((i) => [JSON.stringify(i), i])).values()];
      case "compact":
        return unknown ? args[0] : list(args[0]).filter((v) => v !== null && v !== "");
      case "merge": {
        const out: Record<string, Value> = {};
        for (const a of args) if (isPlainObject(a)) Object.assign(out, a);
        return out;
      }
      case "keys":
        return isPlainObject(args[0]) ? Object.keys(args[0]).sort() : new Unknown("keys", `${where}/keys`, undefined, "list");
      case "values":
        return isPlainObject(args[0])
          ? Object.keys(args[0])
              .sort()
              .map((k) => (args[0] as Record<string, Value>)[k])
          : args[0];
      case "zipmap": {
        const keys = list(args[0]).map(str);
        const values = list(args[1]);
        return Object.fromEntries(keys.map((k, i) => [k, values[i]]));
      }
      case "join":
        return list(args[1]).map(str).join(str(args[0]));
      case "split":
        return str(args[1]).split(str(args[0]));
      case "format": {
        let i = 1;
        return str(args[0]).replace(/%(%|[-+# 0-9.]*[sdvfqt])/g, (_m, spec: string) => (spec === "%" ? "%" : str(args[i++])));
      }
      case "lower":
        return str(args[0]).toLowerCase();
      case "upper":
        return str(args[0]).toUpperCase();
      case "trimprefix":
        return str(args[0]).startsWith(str(args[1])) ? str(args[0]).slice(str(args[1]).length) : str(args[0]);
      case "trimsuffix":
        return str(args[0]).endsWith(str(args[1])) ? str(args[0]).slice(0, -str(args[1]).length || undefined) : str(args[0]);
      case "replace":
        return str(args[0]).split(str(args[1])).join(str(args[2]));
      case "substr":
        return str(args[0]).substr(Number(args[1]), Number(args[2]) < 0 ? undefined : Number(args[2]));
      case "jsonencode":
        return JSON.stringify(this.materialize(args[0], "json", where));
      case "coalesce":
        return args.find((a) => a !== null && a !== "") ?? null;
      case "one":
        if (unknown) return unknown.at(0);
        return list(args[0])[0] ?? null;
      case "contains":
        return unknown ? false : list(args[0]).some((v) => JSON.stringify(v) === JSON.stringify(args[1]));
      case "range": {
        const [start, end] = args.length === 1 ? [0, Number(args[0])] : [Number(args[0]), Number(args[1])];
        return Array.from({ length: Math.max(0, end - start) }, (_, i) => start + i);
      }
      case "sort":
        return unknown ? args[0] : list(args[0]).map(str).sort();
      default:
        throw new EvaluationError(`${where}: function ${name}() is not supported by the stub generator`);
    }
  }
}

/** Where the stub of `producer` is written inside a check's work folder. */
export function stubStatePath(workDir: string, producer: string): string {
  return path.join(workDir, "remote-state", `${producer}.tfstate`);
}
