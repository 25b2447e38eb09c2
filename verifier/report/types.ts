/**
 * The verifier's report: what `--json` prints and what `verifyDirectory`/`verifyPlans` return.
 */
import type { DecryptionLine } from "./decryption";

/**
 * `UNKNOWN`: the answer depends on a hop the verifier cannot see through (a Gateway Load Balancer appliance, a
 * network behind a transit gateway, a virtual private gateway...). A report with an UNKNOWN and no VIOLATED is
 * never a pass: the run stops with exit 2 naming each such route and target.
 */
export type Verdict = "HOLDS" | "HOLDS BY POLICY" | "UNKNOWN" | "VIOLATED" | "N/A";

const SEVERITY: Record<Verdict, number> = { "N/A": 0, HOLDS: 1, "HOLDS BY POLICY": 2, UNKNOWN: 3, VIOLATED: 4 };

/** The overall verdict of several: the worst one (N/A only when all are). */
export function worst(verdicts: readonly Verdict[]): Verdict {
  return verdicts.reduce<Verdict>((a, b) => (SEVERITY[b] > SEVERITY[a] ? b : a), "N/A");
}

/** One line of a counterexample path. `ok: false` marks the hop that breaks the guarantee. */
export interface PathLine {
  readonly text: string;
  readonly ok?: boolean;
}

export interface Finding {
  readonly verdict: Verdict;
  /** What it is about: a workload subnet, a proxy, a resource. */
  readonly subject: string;
  readonly message: string;
  /** A counterexample (or, for HOLDS BY POLICY, the path that the policy guards), hop by hop. */
  readonly path?: readonly PathLine[];
}

export interface SubjectResult {
  readonly subject: string;
  readonly verdict: Verdict;
  readonly detail: string;
}

export interface Result {
  /** `R1`, `R2`, `R3`, `L1`, `DNS64`, `MAIN-RT`, or a Checkov id such as `CKV2_AWS_11`. */
  readonly id: string;
  readonly kind: "invariant" | "check";
  readonly title: string;
  readonly verdict: Verdict;
  /** One row per workload subnet (and per proxy for R2); per resource for checks. */
  readonly subjects: readonly SubjectResult[];
  /** Violations with their counterexamples, and notes that qualify a HOLDS. */
  readonly findings: readonly Finding[];
  readonly notes: readonly string[];
}

export interface HostRow {
  readonly host: string;
  readonly subnet: string;
  readonly role: string;
  readonly why: string;
}

export interface Report {
  /** What was read: a cdktf.out directory or plan files. */
  readonly inputs: readonly string[];
  readonly stacks: readonly string[];
  /** What the verifier assumed (the synthetic /56, what it does not evaluate). */
  readonly assumptions: readonly string[];
  /** Every instance and network interface, with the role it was given and why (roles fail closed: not a proxy, a workload). */
  readonly hosts: readonly HostRow[];
  readonly results: readonly Result[];
  readonly verdict: "HOLDS" | "VIOLATED";
  /** 0 when everything holds, 1 when anything is violated. (2, unusable input, is thrown as InputError.) */
  readonly exitCode: 0 | 1;
  /** Which flows each inspection point decrypts and which it splices (report only; no verdict depends on it). */
  readonly decryption?: readonly DecryptionLine[];
}

export function result(
  id: string,
  kind: Result["kind"],
  title: string,
  subjects: SubjectResult[],
  findings: Finding[],
  notes: string[] = [],
): Result {
  const verdict = subjects.length > 0 ? worst(subjects.map((s) => s.verdict)) : worst(findings.map((f) => f.verdict));
  return { id, kind, title, verdict, subjects, findings, notes };
}
