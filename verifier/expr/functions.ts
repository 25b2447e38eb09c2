/**
 * Terraform's built-in functions, as far as the verifier evaluates them: on known values exactly, on values known
 * only after apply Unknown (or, where Terraform's result does not depend on them, the result anyway). A function not
 * here is a problem naming it.
 */
import * as zlib from "node:zlib";
import { Prefix } from "../model/prefix";
import {
  FirewallEndpointId,
  ModuleObject,
  Opaque,
  ResourceObject,
  Unknown,
  UnorderedSet,
  isObjectValue,
  isSymbolic,
  sameValue,
  setOf,
  showValue,
  type Value,
} from "./values";

/**
 * The value of a call: `spread` expands the last argument (`f(xs...)`); `problem` records a function the verifier
 * does not evaluate and gives its Unknown.
 */
export function callFunction(name: string, args: Value[], spread: boolean, problem: (text: string) => Unknown): Value {
  if (spread && args.length > 0) {
    const last = args[args.length - 1];
    if (!Array.isArray(last)) return new Unknown(`${name}(...) with a spread that is not a list`);
    args = [...args.slice(0, -1), ...last];
  }
  const bare = name.replace(/^provider::[^:]+::/, "");
  const fn = FUNCTIONS[bare];
  if (!fn) return problem(`function ${name}() is not evaluated by the verifier`);
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

/** Thrown by a function whose result depends on what is not known: the result is Unknown, not an error. */
class UnknownResult extends Error {
  constructor(readonly unknown: Unknown) {
    super(unknown.reason);
  }
}

function unknownResult(reason: string): never {
  throw new UnknownResult(new Unknown(reason));
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
