/**
 * The expression rules: the value of each kind of expression node (templates, operators, conditionals, for
 * expressions, splats, tuples and objects, calls), Terraform's way, with a value known only after apply kept
 * symbolic or Unknown. Names are resolved by references.ts, functions computed by functions.ts.
 */
import type { Expr } from "./parse";
import { ModuleObject, ResourceObject, Unknown, UnorderedSet, isObjectValue, isSymbolic, setOf, type Value } from "./values";
import type { StackSource } from "../input/source";
import type { Env, ResourceWorld } from "./world";
import { References } from "./references";
import { callFunction } from "./functions";

/** One evaluation of one expression in one module instance of one stack. */
export class Evaluation {
  private readonly references: References;

  constructor(world: ResourceWorld, stack: StackSource, where: string, module: string) {
    this.references = new References(world, stack, where, module, (e, env) => this.eval(e, env));
  }

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
        return this.references.traversal(e, env);
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
        return callFunction(
          e.name,
          e.args.map((a) => this.eval(a, env)),
          e.spread,
          (text) => this.references.problem(text),
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
}
