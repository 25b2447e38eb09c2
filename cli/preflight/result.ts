/**
 * What each preflight check reports, the verdict over all of them, and the two ways of printing them.
 *
 * A check is `ok`, a `problem` (with the fix), `skipped` (it could not apply: no credentials, no DNS server, a
 * wildcard; the line says why) or `unchecked` (it should have run and could not: access denied, a throttled call).
 * An unchecked check is never counted as ok.
 */
export type CheckStatus = "ok" | "problem" | "skipped" | "unchecked";

export interface CheckResult {
  /** Stable identifier, `<area>:<subject>` (`dns:github.com`, `aws:amis`). */
  readonly id: string;
  readonly status: CheckStatus;
  /** One line: what was found. */
  readonly message: string;
  /** For a problem: what to change. */
  readonly fix?: string;
}

export interface Verdict {
  readonly exitCode: 0 | 1;
  readonly summary: string;
  readonly counts: Readonly<Record<CheckStatus, number>>;
}

export const ok = (id: string, message: string): CheckResult => ({ id, status: "ok", message });
export const problem = (id: string, message: string, fix: string): CheckResult => ({ id, status: "problem", message, fix });
export const skipped = (id: string, message: string): CheckResult => ({ id, status: "skipped", message });
export const unchecked = (id: string, message: string): CheckResult => ({ id, status: "unchecked", message });

/** Exit 0 only when nothing is wrong and nothing that should have been checked went unchecked; skipped checks say why. */
export function verdictOf(results: readonly CheckResult[]): Verdict {
  const counts: Record<CheckStatus, number> = { ok: 0, problem: 0, skipped: 0, unchecked: 0 };
  for (const r of results) counts[r.status]++;
  const parts = [`${counts.ok} ok`, `${counts.problem} problem${counts.problem === 1 ? "" : "s"}`, `${counts.unchecked} could not be checked`, `${counts.skipped} skipped`];
  const bad = counts.problem > 0 || counts.unchecked > 0;
  const head = bad ? "NOT READY" : counts.skipped > 0 ? "READY as far as checked" : "READY";
  return { exitCode: bad ? 1 : 0, summary: `${head}: ${parts.join(", ")}`, counts };
}

const LABEL: Record<CheckStatus, string> = { ok: "ok", problem: "PROBLEM", skipped: "skipped", unchecked: "UNCHECKED" };

/** One line per check, then the verdict. */
export function renderText(header: string, results: readonly CheckResult[]): string {
  const width = Math.max(...Object.values(LABEL).map((l) => l.length));
  const lines = [header];
  for (const r of results) {
    lines.push(`${LABEL[r.status].padEnd(width)}  ${r.id}: ${r.message}${r.fix ? `. Fix: ${r.fix}` : ""}`);
  }
  lines.push(`verdict: ${verdictOf(results).summary}`);
  return `${lines.join("\n")}\n`;
}

/** The machine-readable form (`--json`). */
export function renderJson(meta: Record<string, unknown>, results: readonly CheckResult[]): string {
  const verdict = verdictOf(results);
  return `${JSON.stringify({ ...meta, checks: results, verdict: { exitCode: verdict.exitCode, summary: verdict.summary, counts: verdict.counts } }, null, 2)}\n`;
}
