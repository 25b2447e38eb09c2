/**
 * Saved Terraform plans for the commands that apply a narrow change to a deployed environment (`policy push`,
 * `workloads roll`): plan to a file, read it back with `terraform show -json`, refuse it unless every change is one the
 * command allows, then apply exactly that saved plan. terraform runs with the caller's environment (its AWS
 * credentials and backend settings): these commands act on the real account, unlike the offline checks of tooling/.
 */
import { spawn } from "node:child_process";

/** One entry of `resource_changes` in `terraform show -json` of a saved plan (the fields read here). */
export interface PlanResourceChange {
  readonly address: string;
  readonly type: string;
  readonly mode?: "managed" | "data";
  readonly change: { readonly actions: readonly string[]; readonly before?: unknown; readonly after?: unknown };
}

/** What a command does with one planned change: allow it, or refuse it and say why. */
export type ChangeVerdict = { readonly allowed: true } | { readonly allowed: false; readonly reason: string };

/** A planned change, in words: `create`, `update`, `delete`, `replace`. */
export type ChangeKind = "create" | "update" | "delete" | "replace";

export interface GatedChange {
  readonly address: string;
  readonly type: string;
  readonly kind: ChangeKind;
}

export interface GateResult {
  /** The changes the rule allows. */
  readonly allowed: readonly GatedChange[];
  /** The changes it refuses, each with the reason. */
  readonly refused: readonly (GatedChange & { readonly reason: string })[];
}

/** The kind of a change from its `actions`, or undefined for one that changes nothing (`no-op`, `read`). */
export function changeKind(actions: readonly string[]): ChangeKind | undefined {
  const set = new Set(actions);
  if (set.has("delete") && set.has("create")) return "replace";
  if (set.has("create")) return "create";
  if (set.has("delete")) return "delete";
  if (set.has("update")) return "update";
  return undefined;
}

/**
 * Reads the `resource_changes` of `terraform show -json <plan>`; throws (naming the field) on anything it cannot read
 * exactly: a gate that misreads a plan would let changes through.
 */
export function planChanges(json: unknown, where: string): PlanResourceChange[] {
  const fail = (what: string) => {
    throw new PlanReadError(`${where}: ${what}; cannot judge the plan`);
  };
  if (json === null || typeof json !== "object" || Array.isArray(json)) fail("not a JSON object");
  const plan = json as { format_version?: unknown; resource_changes?: unknown };
  if (typeof plan.format_version !== "string") fail("format_version is missing (not the output of terraform show -json)");
  if (plan.resource_changes === undefined) return [];
  if (!Array.isArray(plan.resource_changes)) fail("resource_changes is not a list");
  return (plan.resource_changes as unknown[]).map((rc, i) => {
    const r = rc as Partial<PlanResourceChange> | null;
    if (r === null || typeof r !== "object") fail(`resource_changes[${i}] is not an object`);
    if (typeof r!.address !== "string") fail(`resource_changes[${i}].address is not a string`);
    if (typeof r!.type !== "string") fail(`resource_changes[${i}] (${r!.address}).type is not a string`);
    const actions = (r!.change as { actions?: unknown } | undefined)?.actions;
    if (!Array.isArray(actions) || !actions.every((a) => typeof a === "string"))
      fail(`resource_changes[${i}] (${r!.address}).change.actions is not a list of strings`);
    return r as PlanResourceChange;
  });
}

/** A plan that cannot be read exactly (the commands exit 2 on it). */
export class PlanReadError extends Error {}

/** Sorts the changes of a plan into those `rule` allows and those it refuses; changes that change nothing are skipped. */
export function gatePlan(changes: readonly PlanResourceChange[], rule: (change: GatedChange) => ChangeVerdict): GateResult {
  const allowed: GatedChange[] = [];
  const refused: (GatedChange & { reason: string })[] = [];
  for (const rc of changes) {
    if (rc.mode === "data") continue;
    const kind = changeKind(rc.change.actions);
    if (kind === undefined) continue;
    const change = { address: rc.address, type: rc.type, kind };
    const verdict = rule(change);
    if (verdict.allowed) allowed.push(change);
    else refused.push({ ...change, reason: verdict.reason });
  }
  return { allowed, refused };
}

export interface TerraformRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** How a command runs terraform: injected so that tests run none. */
export type TerraformRunner = (args: readonly string[], cwd: string) => Promise<TerraformRun>;

/** Runs the `terraform` on PATH (or $TERRAFORM) in `cwd` with the caller's environment; never rejects for a non-zero exit. */
export function terraformRunner(env: NodeJS.ProcessEnv = process.env): TerraformRunner {
  const binary = env.TERRAFORM || "terraform";
  return (args, cwd) =>
    new Promise((resolve, reject) => {
      const child = spawn(binary, [...args], {
        cwd,
        env: { ...env, TF_IN_AUTOMATION: "1", TF_INPUT: "0" },
        stdio: ["ignore", "pipe", "pipe"],
      });
      const stdout: Buffer[] = [];
      const stderr: Buffer[] = [];
      child.stdout.on("data", (c: Buffer) => stdout.push(c));
      child.stderr.on("data", (c: Buffer) => stderr.push(c));
      child.on("error", reject);
      child.on("close", (code) =>
        resolve({ code, stdout: Buffer.concat(stdout).toString("utf8"), stderr: Buffer.concat(stderr).toString("utf8") }),
      );
    });
}

/** The last lines of terraform's error output, without colour escapes, for a one-line problem. */
export function terraformError(run: TerraformRun): string {
  const text = (run.stderr || run.stdout)
    // eslint-disable-next-line no-control-regex -- ESC on purpose: strips terraform's colour escapes
    .replace(/\x1b\[[0-9;]*m/g, "")
    .split("\n")
    .map((l) => l.replace(/^[│╷╵]\s?/, "").trim())
    .filter((l) => l !== "");
  return text.slice(-3).join(" / ") || `exit code ${String(run.code)}`;
}
