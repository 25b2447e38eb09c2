/**
 * Reference resolution: what a name in an expression stands for. `var.x` is the module call's argument or the
 * variable's default, `local.x` the local evaluated in its module, `data.t.n` and `t.n` a resource block (one
 * instance, a list for count, a map for for_each), `module.m` a module call's outputs; stepping into a value follows
 * attributes and indexes, into resources, module outputs and other stacks' remote state.
 */
import type { Expr } from "./parse";
import {
  FirewallEndpointId,
  ModuleObject,
  Opaque,
  RemoteOutputs,
  ResourceObject,
  Unknown,
  UnorderedSet,
  isObjectValue,
  isSymbolic,
  showValue,
  type Value,
} from "./values";
import { Literal, isRecord, type StackSource } from "../input/source";
import type { Env, ResourceWorld } from "./world";

/** The references of one expression in one module instance of one stack; `evalExpr` evaluates an index or a root expression. */
export class References {
  constructor(
    private readonly world: ResourceWorld,
    private readonly stack: StackSource,
    private readonly where: string,
    private readonly module: string,
    private readonly evalExpr: (e: Expr, env: Env) => Value,
  ) {}

  /** `root.step.step[...]`: resources, data sources, modules, variables, locals, count/each, for/splat variables. */
  traversal(e: Expr, env: Env): Value {
    const steps: ({ attr: string } | { index: Expr })[] = [];
    let root: Expr = e;
    while (root.kind === "attr" || root.kind === "index") {
      steps.unshift(root.kind === "attr" ? { attr: root.name } : { index: root.key });
      root = root.target;
    }
    if (root.kind !== "name") return this.applySteps(this.evalExpr(root, env), steps, env);
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

  problem(text: string): Unknown {
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
      const key: Value = "attr" in step ? step.attr : this.evalExpr(step.index, env);
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
}
