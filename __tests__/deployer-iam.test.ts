/**
 * The deployer's IAM actions (tooling/deployer-iam.ts, docs/iam.md) cover every resource and data source type the
 * stacks synthesize: the app is synthesized in every inspection mode and with each option that adds resources, and
 * each type found must have an entry (and each entry must still be synthesized somewhere). docs/iam.md must be what
 * `npm run docs:iam` writes.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { INSPECTION_MODES } from "../config/modes";
import {
  actionsByService,
  examplePolicies,
  GENERAL_ACTIONS,
  MANAGED_POLICY_MAX_CHARS,
  policySize,
  RESOURCE_ACTIONS,
  SERVICE_NAMES,
} from "../tooling/deployer-iam";
import { IAM_REFERENCE } from "../tooling/iam-reference";
import { checkLine } from "../tooling/generated-docs";
import { demoConfig, synthAll, tempDir } from "./helpers";
import { makeTestCa } from "./support/test-ca";

const ROOT = path.join(__dirname, "..");

/** A CA certificate for the TLS decryption variants (openssl, as the other TLS tests make theirs). */
function caCertificate(): string {
  return makeTestCa(tempDir("iam-ca"), "egress6 iam test CA", { file: "ca" }).certPem;
}

/** Every mode, and every option that adds or removes resource types. */
function variants(): Record<string, unknown> {
  const ca = caCertificate();
  const modes = Object.fromEntries(INSPECTION_MODES.map((mode) => [mode, { inspection: { mode } }]));
  return {
    ...modes,
    "s3 state, parquet flow logs, alarm e-mail, IPAM": {
      backend: { type: "s3", bucket: "demo-egress6-tfstate", region: "us-east-1", kmsKeyId: "alias/other" },
      vpc: { ipv6: { source: "ipam", poolId: "ipam-pool-0123456789abcdef0", netmask: 56 } },
      observability: { flowLogs: { s3Parquet: true }, alarmEmail: "ops@example.com" },
    },
    "decryption at the proxy, with ICAP": {
      inspection: {
        mode: "firewall-proxy",
        tlsInspection: {
          caCertificatePem: ca,
          caPrivateKey: {
            secretArn: "arn:aws:secretsmanager:us-east-1:111122223333:secret:egress6/ca-key-AbCdEf",
            kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/0123abcd-12ab-34cd-56ef-1234567890ab",
          },
          icap: { requestUri: "icap://[2600:1f18:1234:5600::10]/reqmod" },
        },
      },
    },
    "decryption at the firewall, example DLP rules": {
      inspection: {
        mode: "firewall-igw",
        tlsInspection: {
          caCertificatePem: ca,
          caCertificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/0123abcd-12ab-34cd-56ef-1234567890ab",
          exampleDlpRules: true,
        },
      },
    },
    "account services off": {
      observability: {
        guardDuty: { create: false },
        cloudTrail: { create: false, existingLogGroupName: "aws-cloudtrail-logs" },
        configRecorder: { create: false },
        inspector: { create: false },
        dnsFirewall: { enabled: false },
      },
    },
  };
}

/** type -> where it was seen (`variant: stack`); data sources as `data.<type>`. */
const seen = new Map<string, string[]>();
beforeAll(() => {
  for (const [name, overrides] of Object.entries(variants())) {
    for (const [stack, tf] of Object.entries(synthAll(demoConfig(overrides)))) {
      const types = [...Object.keys(tf.resource ?? {}), ...Object.keys(tf.data ?? {}).map((t) => `data.${t}`)];
      for (const type of types) seen.set(type, [...(seen.get(type) ?? []), `${name}: ${stack}`]);
    }
  }
}, 120_000);

describe("the deployer's IAM actions", () => {
  test("cover every resource and data source type the stacks synthesize", () => {
    expect(seen.size).toBeGreaterThan(50);
    // Every type in the output, AWS's and Terraform's own (terraform_remote_state) alike.
    const uncovered = [...seen.keys()].filter((t) => !(t in RESOURCE_ACTIONS)).map((t) => `${t} (${seen.get(t)![0]})`);
    expect(uncovered).toEqual([]);
    expect([...seen.keys()].filter((t) => /^(data\.)?aws_/.test(t)).length).toBeGreaterThan(50);
  });

  test("hold no type that no synth produces", () => {
    expect(Object.keys(RESOURCE_ACTIONS).filter((t) => !seen.has(t))).toEqual([]);
  });

  test("are well-formed IAM actions of known services, each listed once per type", () => {
    const all = [...Object.values(RESOURCE_ACTIONS), ...GENERAL_ACTIONS.map((g) => g.actions)];
    for (const actions of all) {
      expect(actions.filter((a) => !/^[a-z0-9-]+:[A-Z][A-Za-z0-9]+$/.test(a))).toEqual([]);
      expect(actions.filter((a) => !(a.split(":")[0] in SERVICE_NAMES))).toEqual([]);
      expect(new Set(actions).size).toBe(actions.length);
    }
    expect(Object.keys(SERVICE_NAMES).filter((s) => !actionsByService().has(s))).toEqual([]);
  });

  test("the example policies grant every action, fit IAM's managed policy size and pass roles only to egress6's services", () => {
    const policies = examplePolicies();
    for (const p of policies) expect(policySize(p)).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
    const granted = new Set(policies.flatMap((p) => p.Statement.flatMap((s) => s.Action)));
    const needed = [...actionsByService().values()].flatMap((actions) => [...actions.keys()]);
    expect(needed.filter((a) => !granted.has(a))).toEqual([]);
    const passRole = policies.flatMap((p) => p.Statement).filter((s) => s.Action.includes("iam:PassRole"));
    expect(passRole).toHaveLength(1);
    expect(passRole[0].Action).toEqual(["iam:PassRole"]);
    expect(passRole[0].Condition?.StringEquals["iam:PassedToService"]).toContain("lambda.amazonaws.com");
  });

  test("docs/iam.md is what npm run docs:iam writes (run it when this fails), and cites its source", () => {
    const committed = fs.readFileSync(path.join(ROOT, IAM_REFERENCE.file), "utf8");
    expect(checkLine(IAM_REFERENCE, committed).line).toBe("docs/iam.md: up to date");
    expect(committed).toContain("Service Authorization Reference");
    for (const actions of Object.values(RESOURCE_ACTIONS)) for (const a of actions) expect(committed).toContain(`\`${a}\``);
  });
});
