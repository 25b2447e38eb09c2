/** The offline check's report as text: a table of mode, stack, resources to add and seconds, then the failures. */
import type { OfflineCheckReport, StackCheckResult } from "./check";

function resultText(r: StackCheckResult): string {
  if (r.status === "passed") return "ok";
  if (r.status === "same") return `same as ${r.sameAs}`;
  return r.sameAs !== undefined ? `FAILED (same as ${r.sameAs})` : `FAILED at ${r.failure?.step}`;
}

/** One line per stack, columns aligned. */
export function formatTable(results: readonly StackCheckResult[]): string {
  const rows = [
    ["mode", "stack", "to add", "seconds", "result"],
    ...results.map((r) => [
      r.mode,
      r.stack,
      r.resourcesToAdd === undefined ? "-" : String(r.resourcesToAdd),
      r.status === "same" || r.batched !== undefined ? "-" : r.seconds.toFixed(1),
      resultText(r),
    ]),
  ];
  const widths = rows[0].map((_, col) => Math.max(...rows.map((row) => row[col].length)));
  const numeric = [false, false, true, true, false];
  return rows
    .map((row) =>
      row
        .map((cell, col) => (numeric[col] ? cell.padStart(widths[col]) : cell.padEnd(widths[col])))
        .join("  ")
        .trimEnd(),
    )
    .join("\n");
}

/** The table, a summary line with the total time, the stub notes, and each failure with terraform's error text. */
export function formatReport(report: OfflineCheckReport): string {
  const planned = report.results.filter((r) => r.status !== "same" && r.sameAs === undefined).length;
  const failed = report.results.filter((r) => r.status === "failed");
  const lines = [
    formatTable(report.results),
    "",
    `${report.results.length} stack checks (${planned} planned, ${report.results.length - planned} same as another mode), ` +
      `${failed.length} failed; total ${report.totalSeconds.toFixed(1)} s ` +
      `(terraform ${report.terraformVersion}, hashicorp/aws ${report.mirror.versions.join(", ")} from ${report.mirror.source === "registry" ? `${report.mirror.root} (no mirror found; online)` : report.mirror.root})`,
  ];
  const batched = report.results.find((r) => r.batched !== undefined);
  if (batched !== undefined) lines.push(`${batched.batched} stacks planned as modules of one root, in ${batched.seconds.toFixed(1)} s`);
  for (const note of report.notes) lines.push(`note: ${note}`);
  for (const r of failed) {
    if (r.sameAs !== undefined) continue;
    lines.push(
      "",
      `FAILED ${r.mode} / ${r.stack}: terraform ${r.failure?.step}`,
      ...(r.failure?.message ?? "").split("\n").map((l) => `  ${l}`),
    );
  }
  return `${lines.join("\n")}\n`;
}

/** The progress line of one stack: `3/15 network [proxy] planned, 12.1 s`. */
export function progressLine(r: StackCheckResult, done: number, total: number): string {
  const what =
    r.status === "same"
      ? `same as ${r.sameAs}`
      : r.status === "passed"
        ? r.batched !== undefined
          ? `planned as one of ${r.batched} modules`
          : "planned"
        : `FAILED at ${r.failure?.step}`;
  return `${done}/${total} ${r.stack} [${r.mode}] ${what}, ${r.seconds.toFixed(1)} s`;
}

/** The report as one JSON document for CI (`npm run tf:check -- --json`). */
export function reportJson(report: OfflineCheckReport): string {
  const { results, passed, totalSeconds, terraformVersion, mirror, notes } = report;
  return `${JSON.stringify({ passed, totalSeconds, terraformVersion, provider: { versions: mirror.versions, mirror: mirror.root }, results, notes }, null, 2)}\n`;
}
