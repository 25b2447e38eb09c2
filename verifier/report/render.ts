/**
 * The report as text: one table per invariant with a row per workload subnet, one line per Checkov check, then
 * every violation with its counterexample path, hop by hop.
 */
import type { Finding, Report, Result } from "./types";

const VERDICT_WIDTH = 15;

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function findingLines(f: Finding, id: string): string[] {
  const lines = [`  ${id}  ${f.subject}: ${f.message}`];
  f.path?.forEach((hop, i) => {
    const mark = hop.ok === false ? "x" : " ";
    lines.push(`     ${mark} ${String(i + 1).padStart(2)}. ${hop.text}`);
  });
  return lines;
}

export function renderReport(report: Report): string {
  const out: string[] = [];
  out.push(`egress6 verify: ${report.inputs.join(" ")}`);
  out.push(`stacks: ${report.stacks.join(", ")}`);
  out.push("assumptions:");
  for (const a of report.assumptions) out.push(`  - ${a}`);
  out.push("");
  out.push(`hosts (${report.hosts.length}; every instance or interface not identified as a proxy is a workload):`);
  for (const h of report.hosts) out.push(`  - ${h.host} in ${h.subnet}: ${h.role} (${h.why})`);
  if (report.hosts.length === 0) out.push("  (none)");
  out.push("");

  const invariants = report.results.filter((r) => r.kind === "invariant");
  const checks = report.results.filter((r) => r.kind === "check");
  out.push("Invariants");
  for (const r of invariants) {
    out.push(`${pad(r.id, 8)}${pad(r.verdict, VERDICT_WIDTH + 2)}${r.title}`);
    const subjectWidth = Math.max(...r.subjects.map((s) => s.subject.length), 10) + 2;
    for (const s of r.subjects) out.push(`        ${pad(s.verdict, VERDICT_WIDTH + 2)}${pad(s.subject, subjectWidth)}${s.detail}`);
    for (const n of r.notes) out.push(`        note: ${n}`);
  }
  out.push("");
  out.push("Security checks (Checkov IDs, implemented for their intent)");
  for (const r of checks) {
    const na = r.subjects.filter((s) => s.verdict === "N/A").length;
    const suffix = r.subjects.length === 0 ? `  (${r.notes.join("; ")})` : na > 0 && r.verdict !== "N/A" ? `  (${na} N/A, see below)` : "";
    out.push(`${pad(r.id, 13)}${pad(r.verdict, VERDICT_WIDTH + 2)}${r.title}${suffix}`);
  }

  const policy = report.results.flatMap((r) => r.findings.filter((f) => f.verdict === "HOLDS BY POLICY").map((f) => ({ r, f })));
  if (policy.length > 0) {
    out.push("");
    out.push("Holds by policy (the path exists; a stateful rule set, not the network, refuses it)");
    for (const { r, f } of policy) out.push(...findingLines(f, r.id));
  }
  const notApplicable = report.results.flatMap((r) => r.findings.filter((f) => f.verdict === "N/A").map((f) => ({ r, f })));
  if (notApplicable.length > 0) {
    out.push("");
    out.push("Not applicable by design");
    for (const { r, f } of notApplicable) out.push(`  ${r.id}  ${f.subject}: ${f.message}`);
  }
  const unknown = report.results.flatMap((r) => r.findings.filter((f) => f.verdict === "UNKNOWN").map((f) => ({ r, f })));
  if (unknown.length > 0) {
    out.push("");
    out.push("Unknown (the answer depends on a hop the verifier cannot see through; never a pass)");
    for (const { r, f } of unknown) out.push(...findingLines(f, r.id));
  }
  const violations = report.results.flatMap((r: Result) => r.findings.filter((f) => f.verdict === "VIOLATED").map((f) => ({ r, f })));
  if (violations.length > 0) {
    out.push("");
    out.push("Violations (x marks the hop that breaks the guarantee)");
    for (const { r, f } of violations) out.push(...findingLines(f, r.id));
  }
  if (report.decryption && report.decryption.length > 0) {
    out.push("");
    out.push("TLS decryption (what each inspection point decrypts and what it splices; no verdict depends on it)");
    for (const d of report.decryption) out.push(`  ${d.point}  ${d.where}: ${d.text}`);
  }
  out.push("");
  const failed = report.results.filter((r) => r.verdict === "VIOLATED").map((r) => r.id);
  out.push(
    report.verdict === "HOLDS"
      ? `Result: HOLDS (${report.results.length} invariants and checks)`
      : `Result: VIOLATED: ${failed.join(", ")} (${failed.length} of ${report.results.length})`,
  );
  return `${out.join("\n")}\n`;
}
