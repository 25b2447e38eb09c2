/**
 * The verifier on the plan corpus (issue 10): stored `terraform show -json` plans of Terraform configurations
 * written by hand (HCL and a few in JSON syntax), each with the verdict a correct verifier must give and why
 * (__tests__/fixtures/plan-corpus/README.md). The plans are stored gzipped, so this suite never runs terraform;
 * `npm run corpus:plan` re-plans them.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as os from "node:os";
import * as zlib from "node:zlib";
import { InputError, readConfigSource, stackFromPlan, verifyStacks, type ConfigSource, type Report, type Result } from "../verifier";

const CORPUS = path.join(__dirname, "fixtures", "plan-corpus");
const PLAN = "plan.json.gz";
const INVARIANTS = ["R1", "R2", "R3", "L1", "DNS64", "MAIN-RT"] as const;
const VERDICTS = ["HOLDS", "HOLDS BY POLICY", "UNKNOWN", "VIOLATED", "N/A"];
/** The whole corpus, compressed, stays well under this. */
const MAX_CORPUS_BYTES = 2 * 1024 * 1024;

interface Expect {
  readonly why: string;
  readonly exit: 0 | 1 | 2;
  readonly verdicts?: Readonly<Record<string, string>>;
  /** Per invariant: substrings that its violations (subject, message and counterexample path) must contain. */
  readonly messages?: Readonly<Record<string, readonly string[]>>;
  /** For exit 2: what the one-line problem must name. */
  readonly error?: { readonly resource: string; readonly attribute: string };
  readonly ports?: readonly number[];
  /** Module sources that are not committed (public modules): path in the case -> environment variable naming a copy. */
  readonly plan?: { readonly modules?: Readonly<Record<string, string>> };
}

type Outcome = { readonly exit: 0 | 1; readonly report: Report } | { readonly exit: 2; readonly problems: readonly string[] };

const cases = fs
  .readdirSync(CORPUS, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

function readExpect(name: string): Expect {
  return JSON.parse(fs.readFileSync(path.join(CORPUS, name, "expect.json"), "utf8")) as Expect;
}

/**
 * The verifier in process, as `npm run verify -- plan.json --ports ...` would run it (exit 2 = InputError): the
 * plan's own directory holds its configuration, which the verifier reads for values unknown until apply.
 */
async function verifyCase(name: string, expect: Expect, configDir = path.join(CORPUS, name)): Promise<Outcome> {
  const file = path.join(CORPUS, name, PLAN);
  const plan: unknown = JSON.parse(zlib.gunzipSync(fs.readFileSync(file)).toString("utf8"));
  try {
    const source: ConfigSource = await readConfigSource(configDir);
    const report = verifyStacks([stackFromPlan(name, file, plan, source)], [file], expect.ports ? { ports: expect.ports } : {});
    return { exit: report.exitCode, report };
  } catch (e) {
    if (e instanceof InputError) return { exit: 2, problems: e.problems };
    throw e;
  }
}

/** Everything a violation of `result` says: subjects, messages and counterexample paths. */
function violationText(result: Result): string {
  return result.findings
    .filter((f) => f.verdict === "VIOLATED")
    .map((f) => [f.subject, f.message, ...(f.path ?? []).map((p) => p.text)].join("\n"))
    .join("\n");
}

function summary(outcome: Outcome): string {
  if (outcome.exit === 2) return `exit 2: ${outcome.problems.join(" | ")}`;
  return `exit ${outcome.exit}: ${outcome.report.results
    .filter((r) => (INVARIANTS as readonly string[]).includes(r.id) || r.verdict === "VIOLATED")
    .map((r) => `${r.id}=${r.verdict}`)
    .join(" ")}`;
}

test("the corpus has at least 32 cases", () => {
  expect(cases.length).toBeGreaterThanOrEqual(32);
});

test("every case has a configuration, a stored plan and an expect.json that says why", () => {
  const problems: string[] = [];
  for (const name of cases) {
    const dir = path.join(CORPUS, name);
    const files = fs.readdirSync(dir);
    if (!files.some((f) => f.endsWith(".tf") || f.endsWith(".tf.json"))) problems.push(`${name}: no .tf or .tf.json file`);
    if (!files.includes(PLAN)) problems.push(`${name}: no ${PLAN} (run npm run corpus:plan -- ${name})`);
    if (!files.includes("expect.json")) {
      problems.push(`${name}: no expect.json`);
      continue;
    }
    const e = readExpect(name);
    if (typeof e.why !== "string" || e.why.trim().length < 20) problems.push(`${name}: expect.json has no real "why"`);
    if (![0, 1, 2].includes(e.exit)) problems.push(`${name}: exit ${JSON.stringify(e.exit)} is not 0, 1 or 2`);
    for (const [id, verdict] of Object.entries(e.verdicts ?? {})) {
      if (!(INVARIANTS as readonly string[]).includes(id)) problems.push(`${name}: verdict for unknown invariant ${id}`);
      if (!VERDICTS.includes(verdict)) problems.push(`${name}: ${id}: "${verdict}" is not a verdict`);
    }
    if (e.exit === 0 && INVARIANTS.some((id) => e.verdicts?.[id] === undefined))
      problems.push(`${name}: exit 0 must list every invariant's verdict`);
    if (e.exit === 0 && Object.values(e.verdicts ?? {}).includes("VIOLATED")) problems.push(`${name}: exit 0 with a VIOLATED verdict`);
    if (e.exit === 1 && !Object.values(e.verdicts ?? {}).includes("VIOLATED")) problems.push(`${name}: exit 1 names no VIOLATED invariant`);
    if (e.exit === 2 && (typeof e.error?.resource !== "string" || typeof e.error?.attribute !== "string"))
      problems.push(`${name}: exit 2 must name error.resource and error.attribute`);
    for (const id of Object.keys(e.messages ?? {}))
      if (e.verdicts?.[id] !== "VIOLATED") problems.push(`${name}: messages for ${id}, which is not expected VIOLATED`);
  }
  expect(problems).toEqual([]);
});

test("the stored plans stay small", () => {
  const total = cases.reduce((sum, name) => {
    const file = path.join(CORPUS, name, PLAN);
    return sum + (fs.existsSync(file) ? fs.statSync(file).size : 0);
  }, 0);
  expect(total).toBeLessThan(MAX_CORPUS_BYTES);
});

/**
 * A public module's code is never committed (only the plan of a configuration calling it). Where the environment
 * names a copy of it, the case is verified with it in place; where it does not, the verifier cannot evaluate the
 * module's expressions and must say so (exit 2 naming the module call), never guess.
 */
async function prepareModules(name: string, e: Expect): Promise<{ dir: string; missing: string[] }> {
  const modules = Object.entries(e.plan?.modules ?? {});
  const missing = modules.filter(([, env]) => !process.env[env]).map(([where, env]) => `${where} (${env})`);
  if (modules.length === 0 || missing.length > 0) return { dir: path.join(CORPUS, name), missing };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `egress6-corpus-${name}-`));
  fs.cpSync(path.join(CORPUS, name), dir, { recursive: true });
  for (const [where, env] of modules) fs.cpSync(process.env[env]!, path.join(dir, where), { recursive: true });
  return { dir, missing };
}

describe.each(cases)("corpus case %s", (name) => {
  test("gets the verdicts its expect.json states", async () => {
    const e = readExpect(name);
    // No silent skip: a case without a stored plan fails here too.
    expect(fs.existsSync(path.join(CORPUS, name, PLAN))).toBe(true);
    const { dir, missing } = await prepareModules(name, e);
    const outcome = await verifyCase(name, e, dir);
    if (missing.length > 0) {
      // Without the module's source the verdict cannot be exact: the verifier must refuse, naming the module call.
      expect({ exit: outcome.exit, text: outcome.exit === 2 ? outcome.problems.join("\n") : summary(outcome) }).toEqual({
        exit: 2,
        text: expect.stringMatching(/^module\.[a-z_]+: its source .* is not on disk/m),
      });
      return;
    }
    expect({ case: name, exit: outcome.exit, got: summary(outcome) }).toEqual({ case: name, exit: e.exit, got: expect.any(String) });
    if (outcome.exit === 2) {
      const text = outcome.problems.join("\n");
      expect(text).toContain(e.error!.resource);
      expect(text).toContain(e.error!.attribute);
      return;
    }
    const results = new Map(outcome.report.results.map((r) => [r.id, r]));
    for (const [id, verdict] of Object.entries(e.verdicts ?? {})) {
      expect({ id, verdict: results.get(id)?.verdict }).toEqual({ id, verdict });
    }
    for (const [id, needles] of Object.entries(e.messages ?? {})) {
      const text = violationText(results.get(id)!);
      for (const needle of needles) expect({ id, text }).toEqual({ id, text: expect.stringContaining(needle) });
    }
  });
});
