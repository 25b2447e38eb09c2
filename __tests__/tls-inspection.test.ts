/**
 * inspection.tlsInspection: validation (one line per problem), what each mode synthesizes (the firewall's TLS
 * inspection configuration attached to its policy, the proxies' CA key access, the workloads' trust store), that the
 * CA's private key appears in no synthesized file, and offline `terraform plan` of the result in every firewall mode.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as ipaddr from "ipaddr.js";
import { buildApp } from "../app/build-app";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig, UserError } from "../config/load";
import { BUILT_IN_NEVER_DECRYPT, tlsPrerequisites } from "../config/tls-inspection";
import { complementOf } from "../modules/firewall/tls-inspection";
import { checkPrerequisites, runOfflineCheck } from "../tooling/terraform/check";
import { renderReport, verifyDirectory } from "../verifier";
import { makeTestCa } from "./support/test-ca";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-tls-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function openssl(args: string[]): void {
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl ${args.join(" ")}: ${r.error?.message ?? r.stderr}`);
}

/** A CA made here: its certificate goes into the configuration; its key must never reach the output. */
const testCa = makeTestCa(tmp, "egress6 test inspection CA", { file: "ca" });
const CA_PEM = testCa.certPem;
const CA_KEY = fs.readFileSync(testCa.keyFile, "utf8");

const ACM_ARN = "arn:aws:acm:us-east-1:111122223333:certificate/0123abcd-12ab-34cd-56ef-1234567890ab";
const SECRET_ARN = "arn:aws:secretsmanager:us-east-1:111122223333:secret:egress6/demo/ca-key-AbCdEf";
const KMS_KEY_ARN = "arn:aws:kms:us-east-1:111122223333:key/0123abcd-12ab-34cd-56ef-1234567890ab";

const proxyDecryption = {
  caCertificatePem: CA_PEM,
  caPrivateKey: { secretArn: SECRET_ARN, kmsKeyArn: KMS_KEY_ARN },
  neverDecrypt: ["pinned.example.net"],
  icap: { requestUri: "icap://[2600:1f18:1234:5600::10]/reqmod", responseUri: "icap://[2600:1f18:1234:5600::10]:1344/respmod" },
};
const firewallDecryption = {
  decryptAt: "firewall" as const,
  caCertificatePem: CA_PEM,
  caCertificateArn: ACM_ARN,
  neverDecryptCidrs: ["2600:1f18:abcd::/48"],
  exampleDlpRules: true,
};

const prerequisites = checkPrerequisites();

/** The proxies fetch the CA key from here at boot, through the Secrets Manager interface endpoint. */
const SECRETS_HOST = "secretsmanager.us-east-1.amazonaws.com";

function withTls(mode: string, tls: object): Record<string, unknown> {
  return { ...DEMO_CONFIG, inspection: { mode, tlsInspection: tls } };
}

function problems(input: unknown): string[] {
  try {
    parseConfig(input, "c.yaml");
  } catch (e) {
    if (e instanceof UserError) return [...e.problems];
    throw e;
  }
  return [];
}

type Json = Record<string, any>;

/** Outputs already synthesized in this file, by their input: the tests only read them, so one synth serves each input. */
const synthesized = new Map<string, string>();

function synth(input: unknown, name: string): string {
  const key = JSON.stringify(input);
  const done = synthesized.get(key);
  if (done !== undefined) return done;
  const outdir = path.join(tmp, name);
  buildApp(parseConfig(input, name), outdir).synth();
  synthesized.set(key, outdir);
  return outdir;
}
/** Each proxy's user data followed by the policy bundle it applies (squid.conf lives in the bundle object). */
const proxyScripts = (inspection: Json): string[] => {
  const bundle = (Object.values(inspection.resource.aws_s3_object ?? {}) as Json[]).map((o) => o.content as string).join("\n");
  return Object.entries(inspection.locals as Record<string, string>)
    .filter(([k]) => /^proxy_[a-z](_[0-9])?_user_data$/.test(k))
    .map(([, v]) => `${v}\n${bundle}`);
};

const stackJson = (outdir: string, stack: string): Json =>
  JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack, "cdk.tf.json"), "utf8"));

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

describe("tlsInspection configuration", () => {
  test("absent by default: nothing is decrypted", () => {
    expect(parseConfig(DEMO_CONFIG).inspection.tlsInspection).toBeUndefined();
  });

  test("defaults: decrypt at the proxy in the proxy modes, port 443, revocation REJECT, ICAP fail-closed", () => {
    const tls = parseConfig(withTls("firewall-proxy", proxyDecryption)).inspection.tlsInspection!;
    expect(tls.decryptAt).toBeUndefined();
    expect(tls.ports).toEqual([443]);
    expect(tls.icap!.failClosed).toBe(true);
    expect(tls.revocation).toEqual({ revokedStatusAction: "REJECT", unknownStatusAction: "REJECT" });
    expect(problems(withTls("firewall-igw", { ...firewallDecryption, decryptAt: undefined }))).toEqual([]);
  });

  test("each problem is one line naming the field, the value and what is accepted", () => {
    const bad = problems(
      withTls("firewall-igw", {
        decryptAt: "proxy",
        caCertificatePem: `${CA_PEM}${CA_KEY}`,
        caCertificateArn: "arn:aws:acm-pca:us-east-1:111122223333:certificate-authority/abc",
        ports: [80, 8443],
        neverDecrypt: ["https://x.example.com/"],
        icap: { requestUri: "icap://icap.internal:1344/reqmod" },
      }),
    );
    expect(bad).toEqual([
      expect.stringMatching(
        /^c\.yaml: inspection\.tlsInspection\.caCertificatePem: contains a private key; give only the CA certificate here/,
      ),
      expect.stringMatching(/^c\.yaml: inspection\.tlsInspection\.caCertificateArn: must be an ACM certificate ARN/),
      expect.stringMatching(/^c\.yaml: inspection\.tlsInspection\.icap\.requestUri: must be icap:\/\/\[IPv6 address\]:port\/path/),
      'c.yaml: inspection.tlsInspection.decryptAt: firewall-igw mode has no proxies; accepted here: "firewall", got "proxy"',
      expect.stringMatching(
        /^c\.yaml: inspection\.tlsInspection\.caPrivateKey: is required when the proxies decrypt: \{secretArn, kmsKeyArn\}/,
      ),
      expect.stringMatching(/^c\.yaml: inspection\.tlsInspection\.ports\[0\]: is plain HTTP; only TLS ports can be decrypted .*, got 80$/),
      expect.stringMatching(
        /^c\.yaml: inspection\.tlsInspection\.ports\[1\]: is not in egress\.ports \(443, 80\); only allowlisted ports are decrypted, got 8443$/,
      ),
      'c.yaml: inspection.tlsInspection.neverDecrypt[0]: is a URL or path; expected a bare domain such as example.com, got "https://x.example.com/"',
    ]);
    for (const line of bad) expect(line).not.toMatch(/PRIVATE KEY|BEGIN/);
    expect(bad.every((l) => !l.includes("\n"))).toBe(true);
  });

  test("cross-field problems: the mode, the decryption point, the ports, the ARNs' region, name exemptions at the firewall", () => {
    expect(problems(withTls("firewall-igw", { ...proxyDecryption, decryptAt: "proxy" }))).toEqual([
      'c.yaml: inspection.tlsInspection.decryptAt: firewall-igw mode has no proxies; accepted here: "firewall", got "proxy"',
    ]);
    expect(problems(withTls("proxy", { ...firewallDecryption }))).toEqual([
      'c.yaml: inspection.tlsInspection.decryptAt: proxy mode has no Network Firewall; accepted here: "proxy", got "firewall"',
    ]);
    expect(problems(withTls("proxy", { ...firewallDecryption, decryptAt: undefined }))).toEqual([
      expect.stringMatching(/^c\.yaml: inspection\.tlsInspection\.caPrivateKey: is required when the proxies decrypt/),
      expect.stringMatching(/^c\.yaml: inspection\.tlsInspection\.neverDecryptCidrs: applies only when the firewall decrypts/),
      expect.stringMatching(/^c\.yaml: inspection\.tlsInspection\.exampleDlpRules: needs the firewall to decrypt/),
    ]);
    expect(
      problems(
        withTls("firewall-proxy", {
          ...firewallDecryption,
          neverDecrypt: ["pinned.example.net"],
          caCertificateArn: ACM_ARN.replace("us-east-1", "eu-west-1"),
          ports: [80, 443, 8443],
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^c\.yaml: inspection\.tlsInspection\.neverDecrypt: cannot be honoured when the firewall decrypts: a Network Firewall TLS inspection scope selects flows by address and port, never by name/,
      ),
      expect.stringMatching(
        /^c\.yaml: inspection\.tlsInspection\.caCertificateArn: is in eu-west-1; it must be in the environment's region, us-east-1, got "arn:aws:acm:eu-west-1:/,
      ),
      expect.stringMatching(/^c\.yaml: inspection\.tlsInspection\.ports\[0\]: is plain HTTP; only TLS ports can be decrypted/),
      expect.stringMatching(/^c\.yaml: inspection\.tlsInspection\.ports\[2\]: is not in egress\.ports \(443, 80\)/),
    ]);
    expect(
      problems(
        withTls("proxy", {
          ...proxyDecryption,
          neverDecrypt: ["deb.debian.org", "x.archive.ubuntu.com", "x.example.org", "x.example.org"],
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^c\.yaml: inspection\.tlsInspection\.neverDecrypt\[0\]: is already in the built-in list/),
      expect.stringMatching(/^c\.yaml: inspection\.tlsInspection\.neverDecrypt\[1\]: is already covered by \.archive\.ubuntu\.com/),
      expect.stringMatching(/^c\.yaml: inspection\.tlsInspection\.neverDecrypt\[3\]: duplicates x\.example\.org/),
    ]);
    // AWS names are decrypted (DLP sees uploads to S3 and other AWS APIs) unless listed one at a time.
    expect(BUILT_IN_NEVER_DECRYPT.filter((d) => /amazonaws\.com$|api\.aws$/.test(d))).toEqual([]);
    expect(problems(withTls("proxy", { ...proxyDecryption, neverDecrypt: ["s3.dualstack.us-east-1.amazonaws.com"] }))).toEqual([]);
  });

  test("proxy decryption reaches Secrets Manager through an interface endpoint, never the allowlist: no allowlist entry is needed, none is added", () => {
    expect(problems(withTls("proxy", proxyDecryption))).toEqual([]);
    const outdir = synth(withTls("proxy", proxyDecryption), "secrets-endpoint");
    const endpoints = Object.values(stackJson(outdir, "workload").resource.aws_vpc_endpoint) as Json[];
    const secrets = endpoints.filter((e) => e.service_name === "com.amazonaws.us-east-1.secretsmanager");
    expect(secrets).toEqual([
      expect.objectContaining({ vpc_endpoint_type: "Interface", private_dns_enabled: true, ip_address_type: "ipv6" }),
    ]);
    // Only for the CA key: only the proxies' role, only GetSecretValue on that secret, only from the proxy subnets.
    const statements = JSON.parse(secrets[0].policy).Statement;
    expect(statements).toEqual([
      {
        Sid: "OnlyThisRoleOnlyTheseCalls",
        Effect: "Allow",
        Principal: "*",
        Action: "secretsmanager:GetSecretValue",
        Resource: SECRET_ARN,
        Condition: { StringEquals: { "aws:PrincipalArn": expect.stringMatching(/^arn:\$\{.*\}:iam::\$\{.*\}:role\/demo-proxy$/) } },
      },
    ]);
    const workloadStack = stackJson(outdir, "workload");
    const groups = workloadStack.resource.aws_security_group as Record<string, Json>;
    const [sgKey] = /aws_security_group\.([\w-]+)\.id/.exec(secrets[0].security_group_ids[0])!.slice(1);
    const group = groups[sgKey];
    expect(group.name).toBe("demo-endpoint-secretsmanager");
    const cidrs = group.ingress.flatMap((r: Json) => r.ipv6_cidr_blocks);
    expect(cidrs.length).toBeGreaterThan(0);
    for (const c of cidrs) expect(c).toMatch(/proxy/);
    expect(group.ingress.map((r: Json) => r.description).join("\n")).not.toMatch(/workload/);
    expect(group.egress).toEqual([]);
    // The other endpoints keep the shared group and the account-only policy.
    const ssm = endpoints.find((e) => e.service_name === "com.amazonaws.us-east-1.ssm")!;
    expect(ssm.security_group_ids).not.toEqual(secrets[0].security_group_ids);
    expect(JSON.parse(ssm.policy).Statement[0].Condition).toEqual({ StringEquals: { "aws:PrincipalAccount": expect.any(String) } });
    const obs = stackJson(outdir, "observability");
    const lists = obs.resource.aws_route53_resolver_firewall_domain_list as Record<string, Json>;
    expect(lists.dns_firewall_allowlist.domains).toContain(SECRETS_HOST);
    // Not through the proxies: Squid's allowlist does not name it, so a workload cannot reach another account's secrets.
    const inspection = stackJson(outdir, "inspection");
    for (const script of proxyScripts(inspection)) {
      expect(script).not.toMatch(/dstdomain -n [.]?(secretsmanager|amazonaws)/);
    }
    // Firewall decryption needs no key at the proxies: no endpoint is added.
    const fw = Object.values(
      stackJson(synth(withTls("firewall-igw", firewallDecryption), "no-secrets-endpoint"), "workload").resource.aws_vpc_endpoint,
    ) as Json[];
    expect(fw.map((e) => e.service_name)).not.toContain("com.amazonaws.us-east-1.secretsmanager");
  });

  test("ICAP rules that would not fit in the proxy tier's network ACL are refused on one line", () => {
    const ports = Array.from({ length: 12 }, (_, i) => 8000 + i);
    const input = {
      ...withTls("proxy", {
        ...proxyDecryption,
        ports: [443],
        icap: { requestUri: "icap://[2600:1f18:1234:5600::10]/req", responseUri: "icap://[2600:1f18:1234:5600::11]/resp" },
      }),
      egress: { ...DEMO_CONFIG.egress, ports: [443, ...ports] },
    };
    expect(problems(input)).toEqual([
      expect.stringMatching(
        /^c\.yaml: inspection\.tlsInspection\.icap: needs 2 more proxy network ACL rules beside the 13 port rules; at most 13 fit/,
      ),
    ]);
  });

  test("the synth says what must exist before apply: the key and the secret (proxies), the ACM import (firewall); nothing without decryption", () => {
    expect(tlsPrerequisites(parseConfig(withTls("proxy", proxyDecryption)))).toEqual([
      'TLS decryption at the proxies: before apply, these must exist (egress6 creates none of them; docs/dlp.md, "Setup"):',
      `  - the customer-managed KMS key ${KMS_KEY_ARN}, enabled, whose key policy lets IAM grant kms:Decrypt`,
      `  - the secret ${SECRET_ARN}, encrypted with that key, holding the CA's private key (PEM) as its SecretString`,
      "  check them with: npm run preflight",
    ]);
    expect(tlsPrerequisites(parseConfig(withTls("firewall-igw", firewallDecryption)))[1]).toBe(
      `  - the CA certificate and key imported into ACM as ${ACM_ARN}, the same CA as caCertificatePem`,
    );
    // Firewall decryption with policy-change protection on (the default): switching it on a deployed firewall fails.
    const fwLines = tlsPrerequisites(parseConfig(withTls("firewall-igw", firewallDecryption)));
    expect(fwLines.slice(-2)).toEqual([
      "  on a firewall already deployed without decryption (or to turn it off again), this apply fails while inspection.firewall.protection is true (policy-change protection):",
      "    set protection: false, apply, switch decryption, apply, then set protection back to true (docs/dlp.md)",
    ]);
    const unprotected = withTls("firewall-igw", firewallDecryption) as { inspection: Record<string, unknown> };
    unprotected.inspection.firewall = { protection: false };
    expect(tlsPrerequisites(parseConfig(unprotected)).join("\n")).not.toContain("policy-change protection");
    expect(tlsPrerequisites(parseConfig(DEMO_CONFIG))).toEqual([]);
  });

  test("a certificate that is not a CA is refused", () => {
    const leafKey = path.join(tmp, "leaf.key");
    const leaf = path.join(tmp, "leaf.crt");
    openssl([
      "req",
      "-x509",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:prime256v1",
      "-nodes",
      "-days",
      "2",
      "-subj",
      "/CN=not a ca",
      "-addext",
      "basicConstraints=critical,CA:FALSE",
      "-keyout",
      leafKey,
      "-out",
      leaf,
    ]);
    expect(problems(withTls("proxy", { ...proxyDecryption, caCertificatePem: fs.readFileSync(leaf, "utf8") }))).toEqual([
      expect.stringMatching(
        /^c\.yaml: inspection\.tlsInspection\.caCertificatePem: is not a CA certificate \(CN=not a ca lacks basicConstraints CA:TRUE\)/,
      ),
    ]);
  });
});

describe("what decryption synthesizes", () => {
  test("firewall modes: a TLS inspection configuration (the CA, revocation on, TCP to 443 from the workloads, exemptions as the complement) attached to the policy, and the example DLP group", () => {
    for (const mode of ["firewall-igw", "firewall-proxy"]) {
      const inspection = stackJson(synth(withTls(mode, firewallDecryption), `fw-${mode}`), "inspection");
      const configs = Object.values(inspection.resource.aws_networkfirewall_tls_inspection_configuration) as Json[];
      expect(configs).toHaveLength(1);
      const server = configs[0].tls_inspection_configuration[0].server_certificate_configuration[0];
      expect(server.certificate_authority_arn).toBe(ACM_ARN);
      expect(server.check_certificate_revocation_status).toEqual([{ revoked_status_action: "REJECT", unknown_status_action: "REJECT" }]);
      expect(server.scope).toHaveLength(1);
      expect(server.scope[0].protocols).toEqual([6]);
      expect(server.scope[0].destination_ports).toEqual([{ from_port: 443, to_port: 443 }]);
      expect(server.scope[0].source).toEqual([{ address_definition: expect.stringContaining("workload_tier_ipv6_cidr_block") }]);
      expect(server.scope[0].destination.map((d: Json) => d.address_definition)).toEqual(complementOf(["2600:1f18:abcd::/48"]));
      expect(configs[0].encryption_configuration[0].type).toBe("CUSTOMER_KMS");
      // AWS takes a TLS inspection configuration only on a new policy: decryption has a policy of its own (created
      // before the firewall moves to it, deleted only after the firewall moved back), beside the plain one.
      const policies = inspection.resource.aws_networkfirewall_firewall_policy as Record<string, Json>;
      const entries = Object.entries(policies);
      expect(entries).toHaveLength(2);
      const [tlsId, tlsPolicy] = entries.find(([, p]) => p.firewall_policy.tls_inspection_configuration_arn !== undefined)!;
      const [, plainPolicy] = entries.find(([id]) => id !== tlsId)!;
      expect(tlsPolicy.firewall_policy.tls_inspection_configuration_arn).toMatch(
        /^\$\{aws_networkfirewall_tls_inspection_configuration\.[^.]+\.arn\}$/,
      );
      expect(tlsPolicy.name).toBe("demo-egress6-policy-tls");
      expect(tlsPolicy.lifecycle).toEqual({ create_before_destroy: true });
      expect(plainPolicy.name).toBe("demo-egress6-policy");
      expect(plainPolicy.lifecycle).toBeUndefined();
      // The plain policy is byte for byte the policy of the same configuration without decryption.
      const off = stackJson(synth({ ...withTls(mode, firewallDecryption), inspection: { mode } }, `fw-off-${mode}`), "inspection");
      expect(Object.values(off.resource.aws_networkfirewall_firewall_policy)).toEqual([plainPolicy]);
      const [firewall] = Object.values(inspection.resource.aws_networkfirewall_firewall) as Json[];
      expect(firewall.firewall_policy_arn).toBe(`\${aws_networkfirewall_firewall_policy.${tlsId}.arn}`);
      const groups = Object.values(inspection.resource.aws_networkfirewall_rule_group) as Json[];
      expect(groups.find((g) => g.name.endsWith("-dlp-example"))!.rule_group.rules_source.rules_string).toMatch(/http\.request_body/);
      // Squid still splices everything: the firewall alone decrypts.
      if (mode === "firewall-proxy") {
        const locals = proxyScripts(inspection).join("\n");
        expect(locals).toContain("ssl_bump splice step3 egress_sni");
        expect(locals).not.toContain("ssl_bump bump");
      }
    }
  });

  test("firewall decryption: an alarm on the imported CA's DaysToExpiry (ACM does not renew imported certificates), missing data breaching", () => {
    const obs = stackJson(synth(withTls("firewall-igw", firewallDecryption), "acm-expiry"), "observability");
    const alarms = Object.values(obs.resource.aws_cloudwatch_metric_alarm) as Json[];
    expect(alarms.filter((a) => a.namespace === "AWS/CertificateManager")).toEqual([
      expect.objectContaining({
        metric_name: "DaysToExpiry",
        dimensions: { CertificateArn: ACM_ARN },
        statistic: "Minimum",
        period: 86400,
        threshold: 30,
        comparison_operator: "LessThanThreshold",
        treat_missing_data: "breaching",
      }),
    ]);
    const proxy = stackJson(synth(withTls("proxy", proxyDecryption), "acm-expiry-proxy"), "observability");
    expect(
      (Object.values(proxy.resource.aws_cloudwatch_metric_alarm) as Json[]).filter((a) => a.namespace === "AWS/CertificateManager"),
    ).toEqual([]);
  });

  test("docs/dlp.md: the 1 MB upload rule tests the Content-Length (not every POST); setup commands in order; the pass limit is stated", () => {
    const doc = fs.readFileSync(path.join(__dirname, "..", "docs", "dlp.md"), "utf8");
    const rule = doc.split("\n").find((l) => l.includes("upload over 1 MB"))!;
    expect(rule).toContain("http.content_len; byte_test:0,>,1048576,0,string,dec;");
    expect(rule).not.toContain("urilen");
    const order = [
      "openssl req -x509",
      "aws kms create-key",
      "aws secretsmanager create-secret",
      "aws acm import-certificate",
      "npm run preflight -- --config",
    ].map((c) => doc.indexOf(c));
    expect(order.every((i) => i > 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    expect(doc).toContain("Whether body rules fire after the allowlist's `pass` is not confirmed");
  });

  test("complementOf covers everything but the exempt ranges, with no overlap", () => {
    expect(complementOf(["8000::/1"])).toEqual(["::/1"]);
    expect(complementOf(["::/2"])).toEqual(["4000::/2", "8000::/1"]);
    const c = complementOf(["2600:1f18:abcd::/48", "2a05:d000::/25"]);
    expect(c).not.toContain("2600:1f18:abcd::/48");
    // An address of each exempt range is in no prefix; a neighbour of each is in exactly one.
    const inPrefix = (addr: bigint, cidr: string) => {
      const [a, l] = cidr.split("/");
      const base = BigInt(
        `0x${ipaddr.IPv6.parse(a)
          .toNormalizedString()
          .split(":")
          .map((g: string) => g.padStart(4, "0"))
          .join("")}`,
      );
      const shift = 128n - BigInt(l);
      return addr >> shift === base >> shift;
    };
    const v = (s: string) =>
      BigInt(
        `0x${ipaddr.IPv6.parse(s)
          .toNormalizedString()
          .split(":")
          .map((g: string) => g.padStart(4, "0"))
          .join("")}`,
      );
    for (const addr of ["2600:1f18:abcd::1", "2a05:d000::9"]) expect(c.filter((p) => inPrefix(v(addr), p))).toEqual([]);
    for (const addr of ["2600:1f18:abce::1", "2a05:d080::9", "::1", "ffff::1"])
      expect(c.filter((p) => inPrefix(v(addr), p))).toHaveLength(1);
  });

  test("proxy decryption: Squid bumps with the CA from a secret; the role reads that one secret and decrypts only through Secrets Manager; ICAP is opened; workloads trust the CA", () => {
    const outdir = synth(withTls("proxy", proxyDecryption), "proxy-decrypt");
    const inspection = stackJson(outdir, "inspection");
    const [rolePolicy] = Object.values(inspection.resource.aws_iam_role_policy) as Json[];
    expect(JSON.parse(rolePolicy.policy).Statement).toEqual([
      { Sid: "ReadTheCaKeySecret", Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: SECRET_ARN },
      {
        Sid: "DecryptTheCaKeySecretOnly",
        Effect: "Allow",
        Action: "kms:Decrypt",
        Resource: KMS_KEY_ARN,
        Condition: {
          StringEquals: { "kms:ViaService": "secretsmanager.us-east-1.amazonaws.com", "kms:EncryptionContext:SecretARN": SECRET_ARN },
        },
      },
    ]);
    const locals = proxyScripts(inspection);
    expect(locals.length).toBe(4); // two AZs, a primary and a standby proxy each
    for (const script of locals) {
      expect(script).toContain("ssl_bump bump step3 egress_sni");
      expect(script).toContain("acl never_decrypt ssl::server_name --client-requested pinned.example.net");
      for (const d of BUILT_IN_NEVER_DECRYPT) expect(script).toContain(`acl never_decrypt ssl::server_name --client-requested ${d}\n`);
      expect(script).toContain("icap_service egress6_reqmod reqmod_precache icap://[2600:1f18:1234:5600::10]:1344/reqmod bypass=off");
      expect(script).toContain("icap_service egress6_respmod respmod_precache icap://[2600:1f18:1234:5600::10]:1344/respmod bypass=off");
      expect(script).toContain(`--secret-id '${SECRET_ARN}'`);
      expect(script).toContain("Requires=egress6-intercept.service egress6-ca-key.service");
      expect(script).not.toMatch(/never_decrypt ssl::server_name --client-requested \.(amazonaws\.com|api\.aws)\n/);
    }
    const groups = Object.values(inspection.resource.aws_security_group) as Json[];
    for (const g of groups.filter((g) => g.name.includes("-proxy-"))) {
      expect(g.egress).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ from_port: 1344, to_port: 1344, ipv6_cidr_blocks: ["2600:1f18:1234:5600::10/128"] }),
        ]),
      );
    }
    const workload = stackJson(outdir, "workload");
    const templates = Object.values(workload.resource.aws_launch_template) as Json[];
    for (const t of templates) {
      const script = Buffer.from(t.user_data, "base64").toString("utf8");
      expect(script).toContain("/etc/pki/ca-trust/source/anchors/demo-egress6-inspection-ca.pem");
      expect(script).toContain("update-ca-trust extract");
      expect(script).toContain(CA_PEM.trim());
    }
  });

  test("the CA key: Secrets Manager at its regional name through the endpoint whatever the CLI version, retried with backoff, each failure logged, shipped and alarmed; the boot goes on", () => {
    const outdir = synth(withTls("proxy", { ...proxyDecryption, icap: { ...proxyDecryption.icap, failClosed: false } }), "ca-key-retry");
    const inspection = stackJson(outdir, "inspection");
    const scripts = Object.values(inspection.locals as Record<string, string>).filter((l) => l.includes("squid.conf"));
    expect(scripts).toHaveLength(4); // two AZs, a primary and a standby proxy each
    for (const script of scripts) {
      expect(script).toContain(`aws secretsmanager get-secret-value --region us-east-1 --endpoint-url https://${SECRETS_HOST} `);
      expect(script).not.toContain("AWS_USE_DUALSTACK_ENDPOINT");
      // Retries forever with a doubling, capped delay; every failure goes to the journal and to the shipped log.
      expect(script).toMatch(/until fetch; do\n {2}log "FAILED attempt \$attempt: \$reason; retrying in \$delay s"\n {2}sleep "\$delay"/);
      expect(script).toContain("delay=$((delay * 2 > 300 ? 300 : delay * 2))");
      expect(script).toContain(">> /var/log/egress6/ca-key.log");
      expect(script).toContain("TimeoutStartSec=infinity");
      expect(script).not.toContain("Restart=on-failure");
      // Neither the key unit nor Squid blocks the boot: the log shipping after them is configured either way.
      expect(script).toContain("systemctl start --no-block egress6-ca-key.service");
      expect(script).toContain("systemctl start --no-block squid.service");
      expect(script).not.toContain("systemctl enable --now egress6-ca-key.service");
      expect(script).not.toContain("systemctl enable --now squid.service");
      // The boot never parses squid.conf (it names the CA key, absent until the key unit fetches it: real Squid stops
      // with "No valid signing certificate configured"); Squid's unit parses it after the key unit, and the log
      // shipping and enabled units come before any step of the boot that could still fail.
      expect(script).not.toMatch(/^squid -k parse/m);
      const dropIn = /EGRESS6_SQUID_UNIT'\n([\s\S]*?)\nEGRESS6_SQUID_UNIT\n/.exec(script)![1];
      expect(dropIn).toContain("Requires=egress6-intercept.service egress6-ca-key.service");
      expect(dropIn).toContain("After=egress6-intercept.service egress6-ca-key.service");
      expect(dropIn).toContain("ExecStartPre=/usr/sbin/squid -k parse -f /etc/squid/squid.conf");
      const agentStart = script.indexOf("amazon-cloudwatch-agent-ctl -a fetch-config");
      expect(agentStart).toBeGreaterThan(0);
      expect(agentStart).toBeLessThan(script.indexOf("systemctl start egress6-intercept.service"));
      expect(agentStart).toBeLessThan(script.indexOf("systemctl enable egress6-intercept.service egress6-ca-key.service squid.service"));
      const agent = JSON.parse(/EGRESS6_CWAGENT'\n([\s\S]*?)\nEGRESS6_CWAGENT\n/.exec(script)![1]);
      const files = agent.logs.logs_collected.files.collect_list;
      expect(files).toEqual(
        expect.arrayContaining([
          expect.objectContaining({
            file_path: "/var/log/egress6/ca-key.log",
            log_group_name: "/egress6/demo/proxy/access",
            log_stream_name: expect.stringMatching(/\/ca-key$/),
          }),
          expect.objectContaining({
            file_path: "/var/log/squid/cache.log",
            filters: [{ type: "include", expression: "optional ICAP service is down" }],
          }),
        ]),
      );
      // The script itself is valid bash.
      const unit = /cat > \/usr\/local\/sbin\/egress6-ca-key <<'EGRESS6_CA_KEY'\n([\s\S]*?)\nEGRESS6_CA_KEY\n/
        .exec(script)![1]
        .replace(/\$\$\{/g, "${");
      expect(spawnSync("bash", ["-n"], { input: unit, encoding: "utf8" }).status).toBe(0);
    }
    const obs = stackJson(outdir, "observability");
    const filters = Object.values(obs.resource.aws_cloudwatch_log_metric_filter) as Json[];
    expect(filters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ log_group_name: "/egress6/demo/proxy/access", pattern: '"egress6-ca-key: FAILED"' }),
        expect.objectContaining({ log_group_name: "/egress6/demo/proxy/access", pattern: '"optional ICAP service is down"' }),
      ]),
    );
    // Fail-closed ICAP needs no bypass alarm; no decryption, no key alarm.
    const closed = Object.values(
      stackJson(synth(withTls("proxy", proxyDecryption), "ca-key-closed"), "observability").resource.aws_cloudwatch_log_metric_filter,
    ) as Json[];
    expect(closed.map((f) => f.pattern)).toContain('"egress6-ca-key: FAILED"');
    expect(closed.map((f) => f.pattern)).not.toContain('"optional ICAP service is down"');
  });

  test("Squid's certificate database (minted certificates and their keys) is on a tmpfs mounted before security_file_certgen -c, never on the root volume", () => {
    const inspection = stackJson(synth(withTls("proxy", proxyDecryption), "ssl-db"), "inspection");
    for (const script of proxyScripts(inspection)) {
      const db = "/var/lib/squid/egress6-tmpfs/ssl_db";
      expect(script).toContain(`sslcrtd_program /usr/lib64/squid/security_file_certgen -s ${db} -M 4MB`);
      const mount = script.indexOf(
        "mount -t tmpfs -o size=32m,mode=0750,uid=squid,gid=squid,nosuid,nodev,noexec egress6-ssl-db /var/lib/squid/egress6-tmpfs",
      );
      const create = script.indexOf(`security_file_certgen -c -s ${db} -M 4MB`);
      expect(mount).toBeGreaterThan(0);
      expect(create).toBeGreaterThan(mount);
      // Every -c in the script is on the tmpfs; the root-volume default is not created.
      expect([...script.matchAll(/security_file_certgen -c -s (\S+)/g)].map((m) => m[1])).toEqual([db]);
      expect(script).not.toContain("/var/lib/squid/ssl_db");
    }
  });

  test("npm run squid-config prints the squid.conf the decrypting proxies run: the certificate database on the tmpfs", () => {
    const file = path.join(tmp, "squid-config-decrypt.json");
    fs.writeFileSync(file, JSON.stringify(withTls("proxy", proxyDecryption)));
    const r = spawnSync(
      process.execPath,
      [
        "-r",
        path.join(__dirname, "..", "tooling", "built.js"),
        path.join(__dirname, "..", "dist", "cli", "squid-config", "index.js"),
        "--config",
        file,
        "--az",
        "b",
      ],
      { encoding: "utf8" },
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toContain("sslcrtd_program /usr/lib64/squid/security_file_certgen -s /var/lib/squid/egress6-tmpfs/ssl_db -M 4MB");
    expect(r.stdout).not.toContain("/var/lib/squid/ssl_db");
    // The same file as the boot script's, but for the /56 (a Terraform reference there, the placeholder here).
    // The bundle's squid.conf names no AZ and reads the allowlist from its file; the rest is the same.
    const [script] = proxyScripts(stackJson(synth(withTls("proxy", proxyDecryption), "squid-config-decrypt"), "inspection"));
    const delivered = /### egress6-bundle-file: squid\.conf\n([\s\S]*?)### egress6-bundle-file: /.exec(script)![1];
    const normalise = (conf: string) =>
      conf
        .split("\n")
        .filter((l) => !/localnet src|VPC_IPV6_CIDR|\$\{|\$\$\{|visible_hostname|acl egress_domains|acl egress_sni|^# Allowed: /.test(l))
        .join("\n");
    expect(normalise(r.stdout)).toBe(normalise(delivered));
  });

  test("firewall-proxy with decryptAt firewall: Squid refuses CONNECT tunnels on the explicit port (the firewall cannot see into them); plain HTTP stays", () => {
    const script = (mode: string, tls: object, name: string) => proxyScripts(stackJson(synth(withTls(mode, tls), name), "inspection"))[0];
    const fp = script("firewall-proxy", firewallDecryption, "tunnel-fp");
    expect(fp).toContain("acl explicit_listener myportname explicit\nhttp_access deny connect_method explicit_listener\n");
    expect(fp.indexOf("http_access deny connect_method explicit_listener")).toBeLessThan(fp.indexOf("http_access allow localnet"));
    expect(script("firewall-proxy", proxyDecryption, "tunnel-fp-px")).not.toContain("connect_method");
    expect(script("proxy", proxyDecryption, "tunnel-px")).not.toContain("connect_method");
  });

  test("Debian and Ubuntu workloads install the CA with update-ca-certificates", () => {
    for (const ami of [
      "resolve:ssm:/aws/service/debian/release/12/latest/arm64",
      "resolve:ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id",
    ]) {
      const outdir = synth({ ...withTls("proxy", proxyDecryption), workload: { ami } }, `ws-${ami.length}`);
      const [t] = Object.values(stackJson(outdir, "workload").resource.aws_launch_template) as Json[];
      const script = Buffer.from(t.user_data, "base64").toString("utf8");
      expect(script).toContain("/usr/local/share/ca-certificates/demo-egress6-inspection-ca.crt");
      expect(script).toMatch(/\nupdate-ca-certificates\n/);
    }
  });

  test("the CA's private key appears in no synthesized file, in any mode", () => {
    const keyBody = CA_KEY.split("\n").filter((l) => l && !l.startsWith("-----"));
    expect(keyBody.length).toBeGreaterThan(0);
    const outdirs = [
      synth(withTls("proxy", proxyDecryption), "key-proxy"),
      synth(withTls("firewall-proxy", proxyDecryption), "key-fp"),
      synth(withTls("firewall-proxy", firewallDecryption), "key-fp-fw"),
      synth(withTls("firewall-igw", firewallDecryption), "key-igw"),
    ];
    let checked = 0;
    for (const dir of outdirs) {
      for (const file of filesUnder(dir)) {
        const text = fs.readFileSync(file, "utf8");
        // Base64 of user data is decoded too: a key could hide there.
        const decoded = [...text.matchAll(/"user_data(?:_base64)?": "([A-Za-z0-9+/=]+)"/g)].map((m) =>
          Buffer.from(m[1], "base64").toString("utf8"),
        );
        for (const t of [text, ...decoded]) {
          expect(t).not.toMatch(/-----BEGIN [A-Z ]*PRIVATE KEY-----|PRIVATE KEY-----/);
          for (const line of keyBody) expect(t).not.toContain(line);
        }
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(20);
    // And the configuration refuses a key where the certificate goes, so it cannot be synthesized by mistake.
    expect(() => parseConfig(withTls("proxy", { ...proxyDecryption, caCertificatePem: CA_KEY }))).toThrow(/contains a private key/);
  });
});

describe("ICAP", () => {
  test("the proxy tier's network ACL admits exactly each ICAP service's /128 and port (replies: the ephemeral ingress rule), only with ICAP", () => {
    const icapRules = (input: unknown, name: string) => {
      const network = stackJson(synth(input, name), "network");
      const rules = Object.values(network.resource.aws_network_acl_rule) as Json[];
      return {
        egress: rules.filter((r) => r.network_acl_id.includes("proxy_acl") && r.egress && r.ipv6_cidr_block?.endsWith("/128")),
        ephemeralIn: rules.filter(
          (r) =>
            r.network_acl_id.includes("proxy_acl") &&
            !r.egress &&
            r.from_port === 1024 &&
            r.to_port === 65535 &&
            r.ipv6_cidr_block === "::/0",
        ),
      };
    };
    const withIcap = icapRules(withTls("proxy", proxyDecryption), "icap-acl");
    // requestUri and responseUri name the same service: one rule.
    expect(withIcap.egress).toEqual([
      expect.objectContaining({
        rule_number: 145,
        rule_action: "allow",
        protocol: "6",
        from_port: 1344,
        to_port: 1344,
        ipv6_cidr_block: "2600:1f18:1234:5600::10/128",
      }),
    ]);
    expect(withIcap.ephemeralIn).toHaveLength(1);
    const two = icapRules(
      withTls("firewall-proxy", {
        ...proxyDecryption,
        icap: { requestUri: "icaps://[2600:1f18:1234:5600::10]/req", responseUri: "icap://[2600:1f18:1234:5600::11]:1345/resp" },
      }),
      "icap-acl-2",
    );
    expect(two.egress.map((r) => [r.rule_number, r.from_port, r.ipv6_cidr_block])).toEqual([
      [145, 11344, "2600:1f18:1234:5600::10/128"],
      [146, 1345, "2600:1f18:1234:5600::11/128"],
    ]);
    expect(icapRules(withTls("proxy", { ...proxyDecryption, icap: undefined }), "no-icap-acl").egress).toEqual([]);
  });

  test("plain icap:// must be inside the VPC's /56: a precondition on every proxy instance, checked by Terraform when the /56 is known; icaps:// gets none", () => {
    const inspection = stackJson(synth(withTls("proxy", proxyDecryption), "icap-pre"), "inspection");
    const instances = Object.values(inspection.resource.aws_instance) as Json[];
    expect(instances.length).toBe(4); // two AZs, a primary and a standby proxy each
    for (const i of instances) {
      expect(i.lifecycle.precondition).toHaveLength(1);
      const { condition, error_message } = i.lifecycle.precondition[0];
      expect(error_message).toMatch(
        /^inspection\.tlsInspection\.icap: plain icap:\/\/ to \[2600:1f18:1234:5600::10\] is outside the VPC's IPv6 block; .* use icaps:\/\//,
      );
      // Evaluate the condition with terraform for a VPC that holds the service and one that does not.
      const expr = (vpc: string) =>
        condition
          .replace(/^\$\{/, "")
          .replace(/\}$/, "")
          .replace(/data\.terraform_remote_state\.[\w.-]+(?:\[[^\]]*\])*/g, `"${vpc}"`);
      expect(condition).toContain("data.terraform_remote_state.network.outputs.vpc_ipv6_cidr_block");
      if (prerequisites.ok) {
        const consoleEval = (e: string) => spawnSync("terraform", ["console"], { input: e, encoding: "utf8", cwd: tmp }).stdout.trim();
        expect(consoleEval(expr("2600:1f18:1234:5600::/56"))).toBe("true");
        expect(consoleEval(expr("2600:1f18:9999:ab00::/56"))).toBe("false");
      }
    }
    const secure = stackJson(
      synth(withTls("proxy", { ...proxyDecryption, icap: { requestUri: "icaps://[2a05:d000:77::10]/reqmod" } }), "icaps-pre"),
      "inspection",
    );
    for (const i of Object.values(secure.resource.aws_instance) as Json[]) expect(i.lifecycle).toBeUndefined();
  });
});

describe("the verifier's decryption section", () => {
  // The configured ports, as CI gives them (--ports): the proxies' ICAP rule names port 1344 toward a concrete address,
  // which the verifier would otherwise take for an allowlisted internet port.
  const verdicts = (dir: string) => verifyDirectory(dir, { ports: [443, 80] }).results.map((r) => [r.id, r.verdict]);

  test("per mode, which inspection point decrypts and what is spliced; R1-R3 and the checks are unchanged", () => {
    const plain = (mode: string) => synth({ ...DEMO_CONFIG, inspection: { mode } }, `plain-${mode}`);
    const cases: [string, object, RegExp[]][] = [
      [
        "proxy",
        proxyDecryption,
        [
          /^proxy {2}inspection: aws_s3_object\.proxy_policy_store_bundle: decrypts allowlisted TLS on port 443 with the customer CA; splices 6 never-decrypt names \(deb\.debian\.org, .*pinned\.example\.net\)/,
        ],
      ],
      ["firewall-proxy", proxyDecryption, [/^firewall {2}.*: decrypts nothing/, /^proxy {2}.*: decrypts allowlisted TLS on port 443/]],
      [
        "firewall-proxy",
        firewallDecryption,
        [
          new RegExp(
            `^firewall  .*tls_inspection_configuration.*: decrypts with CA ${ACM_ARN.replace(/[/.]/g, "\\$&")}: protocols \\[6\\], ports 443, from .*workload_tier_ipv6_cidr_block.*, to 48 destination prefixes \\(everything else is spliced\\); revocation check: revoked REJECT, unknown REJECT`,
          ),
          /^proxy {2}.*: decrypts nothing/,
        ],
      ],
      ["firewall-igw", firewallDecryption, [/^firewall {2}.*: decrypts with CA /]],
    ];
    for (const [mode, tls, expected] of cases) {
      const dir = synth(withTls(mode, tls), `verify-${mode}-${"decryptAt" in tls ? "fw" : "px"}`);
      const report = verifyDirectory(dir);
      const lines = report.decryption!.map((d) => `${d.point}  ${d.where}: ${d.text}`);
      for (const pattern of expected) expect(lines).toEqual(expect.arrayContaining([expect.stringMatching(pattern)]));
      expect(renderReport(report)).toContain("TLS decryption (what each inspection point decrypts and what it splices");
      expect(verdicts(dir)).toEqual(verdicts(plain(mode)));
    }
  });
});

const planTest = (name: string, fn: () => Promise<void>) => {
  if (prerequisites.ok) test(name, fn, 600_000);
  else if (process.env.CI === "true")
    test(name, () => {
      throw new Error(`the offline terraform check cannot run: ${prerequisites.problems.join("; ")}`);
    });
  else test.skip(`${name} [skipped: ${prerequisites.problems.join("; ")}]`, fn);
};

describe("offline terraform plan with decryption", () => {
  planTest("the TLS inspection configuration validates and plans in every firewall mode, attached to the policy", async () => {
    const report = await runOfflineCheck({
      config: withTls("firewall-igw", firewallDecryption),
      configSource: "tls test",
      modes: ["firewall-proxy", "firewall-igw"],
      stacks: ["inspection"],
    });
    expect(report.results.map((r) => [r.mode, r.stack, r.status, r.failure]).sort()).toEqual([
      ["firewall-igw", "inspection", "passed", undefined],
      ["firewall-proxy", "inspection", "passed", undefined],
    ]);
    for (const r of report.results) {
      expect(r.addedByType!.aws_networkfirewall_tls_inspection_configuration).toBe(1);
      expect(r.addedByType!.aws_networkfirewall_firewall_policy).toBe(2);
    }
  });

  planTest("proxy decryption (CA key role policy, user data) and the workloads' CA install validate and plan", async () => {
    // icaps://: the offline plan's stand-in VPC block is a documentation prefix, which no ICAP address may use.
    const icaps = { ...proxyDecryption, icap: { requestUri: "icaps://[2600:1f18:1234:5600::10]/reqmod" } };
    const report = await runOfflineCheck({
      config: withTls("proxy", icaps),
      configSource: "tls test",
      modes: ["proxy", "firewall-proxy"],
      stacks: ["inspection", "workload"],
    });
    // The workload stack is the same in both modes (planned once, reported "same").
    expect(report.results.map((r) => `${r.mode}/${r.stack} ${r.status}${r.failure ? ` ${r.failure.message}` : ""}`).sort()).toEqual([
      "firewall-proxy/inspection passed",
      "firewall-proxy/workload same",
      "proxy/inspection passed",
      "proxy/workload passed",
    ]);
    expect(report.results.filter((r) => r.stack === "inspection").map((r) => r.addedByType!.aws_iam_role_policy)).toEqual([2, 2]); // the CA key's and the heartbeat's
  });

  planTest("plain icap:// to an address outside the VPC's /56 fails the plan, naming the field", async () => {
    const report = await runOfflineCheck({
      config: withTls("proxy", proxyDecryption),
      configSource: "tls test",
      modes: ["proxy"],
      stacks: ["inspection"],
    });
    expect(report.results.map((r) => r.status)).toEqual(["failed"]);
    expect(report.results[0].failure!.message).toMatch(/Resource precondition failed/);
    expect(report.results[0].failure!.message.replace(/\s+/g, " ")).toContain(
      "inspection.tlsInspection.icap: plain icap:// to [2600:1f18:1234:5600::10] is outside the VPC's IPv6 block",
    );
  });
});
