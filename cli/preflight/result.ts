/**
 * What each preflight check reports, the verdict over all of them, and the two ways of printing them.
 *
 * A check is `ok`, a `problem` (with the fix), `skipped` (it applies to this config but could not run: no
 * credentials, no DNS server answering, a region that is not usable; the line says why), `unchecked` (it ran and
 * could not get an answer: access denied, a throttled call, SERVFAIL) or `not-checkable` (nothing can check it: the
 * names under a wildcard cannot be listed). Neither `skipped` nor `unchecked` is ever counted as ok.
 */
export type CheckStatus = "ok" | "problem" | "skipped" | "unchecked" | "not-checkable";

export interface CheckResult {
  /** Stable identifier, `<area>:<subject>` (`dns:github.com`, `aws:amis`). */
  readonly id: string;
  readonly status: CheckStatus;
  /** One line: what was found. */
  readonly message: string;
  /** For a problem: what to change. */
  readonly fix?: string;
  /** For skipped and unchecked: why, in a few words the verdict groups by (`no AWS credentials`, `AccessDenied on ec2:DescribeImages`). */
  readonly reason?: string;
}

/**
 * 0 READY: every check that applies ran and passed. 1 NOT READY: a check found a problem. 2 INCOMPLETE: no problem
 * found, but some applicable check was skipped or could not check (2 is also "cannot run": bad flags or config).
 */
export type ExitCode = 0 | 1 | 2;

export interface Verdict {
  readonly exitCode: ExitCode;
  readonly summary: string;
  readonly counts: Readonly<Record<CheckStatus, number>>;
}

export const ok = (id: string, message: string): CheckResult => ({ id, status: "ok", message });
export const problem = (id: string, message: string, fix: string): CheckResult => ({ id, status: "problem", message, fix });
export const skipped = (id: string, message: string, reason: string): CheckResult => ({ id, status: "skipped", message, reason });
export const unchecked = (id: string, message: string, reason: string): CheckResult => ({ id, status: "unchecked", message, reason });
export const notCheckable = (id: string, message: string): CheckResult => ({ id, status: "not-checkable", message });

/** Exit 0 only when every check that applies ran and passed; a skipped or unchecked check is never counted as passed. */
export function verdictOf(results: readonly CheckResult[]): Verdict {
  const counts: Record<CheckStatus, number> = { ok: 0, problem: 0, skipped: 0, unchecked: 0, "not-checkable": 0 };
  for (const r of results) counts[r.status]++;
  const parts = [
    `${counts.ok} ok`,
    `${counts.problem} problem${counts.problem === 1 ? "" : "s"}`,
    `${counts.unchecked} could not be checked`,
    `${counts.skipped} skipped`,
  ];
  if (counts["not-checkable"] > 0) parts.push(`${counts["not-checkable"]} not checkable`);
  const notRun = counts.skipped + counts.unchecked;
  // Nothing that found an answer (every check n/a, or no check at all) is not READY either.
  const nothingChecked = counts.ok === 0 && counts.problem === 0;
  const exitCode: ExitCode = counts.problem > 0 ? 1 : notRun > 0 || nothingChecked ? 2 : 0;
  const head = exitCode === 1 ? "NOT READY" : exitCode === 2 ? "INCOMPLETE" : "READY";
  let summary = `${head}: ${parts.join(", ")}`;
  if (notRun > 0) {
    const why = new Map<string, number>();
    for (const r of results)
      if (r.status === "skipped" || r.status === "unchecked") why.set(r.reason ?? r.status, (why.get(r.reason ?? r.status) ?? 0) + 1);
    summary += `; ${notRun} check${notRun === 1 ? "" : "s"} did not run to an answer (${[...why].map(([reason, n]) => `${n}: ${reason}`).join("; ")})`;
  } else if (nothingChecked) {
    summary += "; nothing was checked";
  }
  return { exitCode, summary, counts };
}

const LABEL: Record<CheckStatus, string> = {
  ok: "ok",
  problem: "PROBLEM",
  skipped: "SKIPPED",
  unchecked: "UNCHECKED",
  "not-checkable": "n/a",
};

/** One line per check, then the verdict. */
export function renderText(header: string, results: readonly CheckResult[], notes: readonly string[] = []): string {
  const width = Math.max(...Object.values(LABEL).map((l) => l.length));
  const lines = [header];
  for (const r of results) {
    lines.push(`${LABEL[r.status].padEnd(width)}  ${r.id}: ${r.message}${r.fix ? `. Fix: ${r.fix}` : ""}`);
  }
  lines.push(...notes);
  lines.push(`verdict: ${verdictOf(results).summary}`);
  return `${lines.join("\n")}\n`;
}

/** The machine-readable form (`--json`). */
export function renderJson(meta: Record<string, unknown>, results: readonly CheckResult[]): string {
  const verdict = verdictOf(results);
  return `${JSON.stringify({ ...meta, checks: results, verdict: { exitCode: verdict.exitCode, summary: verdict.summary, counts: verdict.counts } }, null, 2)}\n`;
}
