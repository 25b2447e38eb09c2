/**
 * The HCL export against real Terraform with TLS decryption on (at the proxies, and at the firewall): the stacks
 * that carry it are planned offline from the synthesized JSON and from the export, and each HCL plan must have
 * exactly the resource changes of the JSON plan. The same comparison without TLS decryption, in every inspection
 * mode, is export-hcl-terraform.test.ts.
 *
 * Needs terraform and a local hashicorp/aws mirror: without them this suite fails when CI=true and is skipped,
 * loudly, elsewhere.
 */
import * as fs from "node:fs";
import { DEMO_CONFIG } from "../config/demo";
import type { InspectionMode } from "../config/modes";
import { checkPrerequisites, planPath, runOfflineCheck, type OfflineCheckReport } from "../tooling/terraform/check";
import { formatReport } from "../tooling/terraform/report";
import { OFFLINE_CHECK_TIMEOUT_MS } from "./support/offline-check";
import * as path from "node:path";
import { movedAddresses, resourceChangeDifferences, synthesizeAsHcl } from "./support/hcl-check";
import { tempDir } from "./helpers";
import { makeTestCa } from "./support/test-ca";

const prerequisites = checkPrerequisites();

if (!prerequisites.ok) {
  const reason = prerequisites.problems.join("; ");
  if (process.env.CI === "true") {
    test("HCL export with TLS decryption against terraform: prerequisites", () => {
      throw new Error(`the HCL export's terraform tests cannot run: ${reason}`);
    });
  } else {
    console.warn(`skipped: HCL export with TLS decryption against terraform: ${reason}`);
    test.skip(`HCL export with TLS decryption against terraform (skipped: ${reason})`, () => undefined);
  }
} else {
  // With TLS decryption at the proxies, the boot scripts carry the CA and the CA key's location; at the firewall,
  // the TLS inspection scope lists 48 destinations (one dynamic block). The stacks that hold them are planned from
  // the JSON and from the export, and their resource changes compared.
  describe("exported HCL with TLS decryption on, planned offline, against the synthesized JSON", () => {
    const TLS_STACKS = ["inspection", "workload"];
    const CASES = [
      { mode: "firewall-proxy" as InspectionMode, stacks: TLS_STACKS },
      { mode: "firewall-igw" as InspectionMode, stacks: ["inspection"] },
    ];
    let jsonPlans: string;
    let hclPlans: string;
    let reports: OfflineCheckReport[];

    beforeAll(async () => {
      const ca = makeTestCa(tempDir("tls-ca"), "egress6 export test CA", { file: "ca" }).certPem;
      const tlsInspection = {
        "firewall-proxy": {
          caCertificatePem: ca,
          caPrivateKey: {
            secretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:egress6/demo/ca-key-AbCdEf",
            kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/0123abcd-12ab-34cd-56ef-1234567890ab",
          },
        },
        "firewall-igw": {
          decryptAt: "firewall",
          caCertificatePem: ca,
          caCertificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/0123abcd-12ab-34cd-56ef-1234567890ab",
          neverDecryptCidrs: ["2600:1f18:abcd::/48"],
        },
      };
      jsonPlans = tempDir("tls-json-plans");
      hclPlans = tempDir("tls-hcl-plans");
      // The four checks (JSON and HCL, two modes) at once: none reads another's plans.
      reports = await Promise.all(
        CASES.flatMap(({ mode, stacks }) => {
          const config = {
            ...DEMO_CONFIG,
            egress: { ...DEMO_CONFIG.egress, domains: [...DEMO_CONFIG.egress.domains, "secretsmanager.us-east-1.amazonaws.com"] },
            inspection: { mode, tlsInspection: tlsInspection[mode as keyof typeof tlsInspection] },
          };
          const common = { config, configSource: `(demo with TLS decryption, ${mode})`, modes: [mode], stacks, inDependencyOrder: false };
          return [
            runOfflineCheck({ ...common, plansDir: jsonPlans }),
            runOfflineCheck({ ...common, plansDir: hclPlans, synth: synthesizeAsHcl, keepWorkDir: true }),
          ];
        }),
      );
      console.log(`HCL export with TLS decryption, offline check:\n${reports.map(formatReport).join("\n")}`);
    }, 4 * OFFLINE_CHECK_TIMEOUT_MS);

    afterAll(() => {
      for (const r of reports ?? []) if (r.workDir) fs.rmSync(r.workDir, { recursive: true, force: true });
    });

    /** The moved blocks of an exported stack of the HCL check of `mode` (the odd reports are the HCL ones). */
    const movedOf = (mode: InspectionMode, stack: string) => {
      const report = reports[2 * CASES.findIndex((c) => c.mode === mode) + 1];
      return movedAddresses(path.join(report.workDir!, mode, "cdktf.out", "hcl", stack));
    };

    test("both plan, and each HCL plan has exactly the resource changes of the JSON plan (user data, the dynamic block included)", () => {
      expect(
        reports.flatMap((r) =>
          r.results.filter((x) => x.status === "failed").map((x) => `${x.mode}/${x.stack}: ${x.failure?.step}: ${x.failure?.message}`),
        ),
      ).toEqual([]);
      for (const { mode, stacks } of CASES) {
        for (const stack of stacks) {
          const a = JSON.parse(fs.readFileSync(planPath(jsonPlans, mode, stack), "utf8"));
          const b = JSON.parse(fs.readFileSync(planPath(hclPlans, mode, stack), "utf8"));
          expect((a.resource_changes ?? []).length).toBeGreaterThan(0);
          expect({ mode, stack, differences: resourceChangeDifferences(a, b, movedOf(mode, stack)) }).toEqual({
            mode,
            stack,
            differences: [],
          });
        }
      }
    });
  });
}
