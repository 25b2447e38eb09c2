#!/usr/bin/env node
/**
 * `npm run docs:iam` writes, `npm run docs:iam -- --check` checks, the generated part of docs/iam.md: the deployer's
 * IAM actions grouped by service (with the Terraform types that need each group) and the example policies, all from
 * tooling/deployer-iam.ts.
 */
import { cell, docGeneratorMain, type GeneratedDoc } from "./generated-docs";
import { actionsByService, examplePolicies, GENERAL_ACTIONS, policySize, SERVICE_NAMES } from "./deployer-iam";

const code = (text: string) => `\`${text}\``;

/** What needs an action: Terraform types by name, the general purposes by a short label; sorted. */
function needers(by: Iterable<string>): string[] {
  return [...by].sort().map((b) => (b.startsWith("general:") ? GENERAL_LABELS[Number(b.slice("general:".length))] : code(b)));
}
const GENERAL_LABELS = ["the provider's account check", "the S3 backend"];

export function iamReferenceBody(): string {
  if (GENERAL_LABELS.length !== GENERAL_ACTIONS.length) throw new Error("iam reference: a general action group has no label");
  const byService = actionsByService();
  const lines = [
    "<!-- Generated from tooling/deployer-iam.ts; edit it, then run npm run docs:iam. -->",
    "",
    "| service | actions | needed by |",
    "|---|---|---|",
  ];
  for (const [service, actions] of byService) {
    const users = new Set<string>();
    for (const by of actions.values()) for (const n of by) users.add(n);
    const name = SERVICE_NAMES[service];
    if (!name) throw new Error(`iam reference: no service name for the action prefix ${service}`);
    lines.push(`| ${name} (${code(service)}) | ${cell([...actions.keys()].map(code).join(", "))} | ${cell(needers(users).join(", "))} |`);
  }
  lines.push("", "Not tied to one resource type:", "");
  for (const g of GENERAL_ACTIONS) lines.push(`- ${g.purpose}: ${g.actions.map(code).join(", ")}`);
  const policies = examplePolicies();
  lines.push(
    "",
    `### Example policies`,
    "",
    `${policies.length} customer managed ${policies.length === 1 ? "policy" : "policies"} (IAM takes at most 6,144 characters in one, whitespace not counted; ` +
      `these hold ${policies.map((p) => policySize(p).toLocaleString("en-US")).join(" and ")}). Attach ${policies.length === 1 ? "it" : "all of them"} to the deployer's role or user:`,
  );
  policies.forEach((p, i) => {
    lines.push("", `\`egress6-deployer-${i + 1}\`:`, "", "```json", JSON.stringify(p, null, 2), "```");
  });
  return lines.join("\n");
}

export const IAM_REFERENCE: GeneratedDoc = { file: "docs/iam.md", command: "npm run docs:iam", body: iamReferenceBody };

if (require.main === module) docGeneratorMain(IAM_REFERENCE);
