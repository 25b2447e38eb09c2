/** One of preflight's AWS checks, run by cli/preflight/aws.ts in the order it prints; read calls only (../clients.ts). */
import {
  DescribeCertificateCommand,
  GetCertificateCommand,
  type CertificateDetail,
  type DescribeCertificateCommandOutput,
  type GetCertificateCommandOutput,
} from "@aws-sdk/client-acm";
import { DescribeSecretCommand, type DescribeSecretCommandOutput } from "@aws-sdk/client-secrets-manager";
import {
  DescribeKeyCommand,
  GetKeyPolicyCommand,
  type DescribeKeyCommandOutput,
  type GetKeyPolicyCommandOutput,
  type KeyMetadata,
} from "@aws-sdk/client-kms";
import { X509Certificate } from "node:crypto";
import { decryptionPointOf } from "../../../config/tls-inspection";
import { partitionOf } from "../../../lib/partition";
import { send, type Check, type CheckContext } from "../clients";
import { ok, problem, unchecked, type CheckResult } from "../result";

/** The CA (in caCertificatePem and in ACM) should stay valid at least this long; less is a problem to act on. */
export const CA_EXPIRY_WARNING_DAYS = 30;

const DAY_MS = 24 * 60 * 60 * 1000;
const daysLeft = (notAfter: Date | string) => Math.floor((new Date(notAfter).getTime() - Date.now()) / DAY_MS);

/** A key policy statement as the KMS check reads it: parsed JSON, so every field is checked before it is trusted. */
interface KeyPolicyStatement {
  readonly Sid?: unknown;
  readonly Effect?: unknown;
  readonly Action?: unknown;
  readonly NotAction?: unknown;
  readonly Principal?: unknown;
  readonly Condition?: unknown;
}

/**
 * inspection.tlsInspection (docs/dlp.md): the CA's expiry; with firewall decryption, the ACM certificate (imported,
 * issued, not expiring, and the same CA the workloads trust); with proxy decryption, the secret (exists, encrypted
 * with the configured key) and that key (customer-managed, enabled, its policy lets IAM grant kms:Decrypt). Never
 * reads the secret's value.
 */
export function tlsChecks({ config, c }: CheckContext): Check[] {
  const tls = config.inspection.tlsInspection;
  if (!tls) return [];
  const point = decryptionPointOf(tls, config.inspection.mode);
  const ca = new X509Certificate(tls.caCertificatePem);
  const checks: Check[] = [
    {
      id: "tls:ca-expiry",
      what: "that the CA certificate (caCertificatePem) stays valid",
      async run() {
        const days = daysLeft(ca.validTo);
        if (days < CA_EXPIRY_WARNING_DAYS) {
          return [
            problem(
              "tls:ca-expiry",
              `the CA certificate expires on ${ca.validTo} (${days} days); workloads then refuse every decrypted connection`,
              "make a new CA, give it to the workloads and the inspection point (docs/dlp.md, rotating the CA)",
            ),
          ];
        }
        return [ok("tls:ca-expiry", `the CA certificate is valid until ${ca.validTo} (${days} days)`)];
      },
    },
  ];
  if (point === "firewall" && tls.caCertificateArn) {
    const arn = tls.caCertificateArn;
    checks.push({
      id: "tls:acm-certificate",
      what: `the ACM certificate ${arn} (imported, issued, the CA the workloads trust)`,
      async run() {
        const described: CertificateDetail =
          (await send<DescribeCertificateCommandOutput>(c.acm, new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate ?? {};
        const found: CheckResult[] = [];
        if (described.Type !== "IMPORTED")
          found.push(
            problem(
              "tls:acm-certificate",
              `${arn} is of type ${described.Type ?? "(none)"}; Network Firewall takes an imported CA certificate only`,
              "import your CA certificate and key into ACM (docs/dlp.md) and give that ARN",
            ),
          );
        if (described.Status !== "ISSUED")
          found.push(
            problem(
              "tls:acm-certificate",
              `${arn} has status ${described.Status ?? "(none)"}; expected ISSUED`,
              "re-import the CA into ACM",
            ),
          );
        if (described.NotAfter && daysLeft(described.NotAfter) < CA_EXPIRY_WARNING_DAYS) {
          found.push(
            problem(
              "tls:acm-certificate",
              `${arn} expires on ${new Date(described.NotAfter).toISOString()} (${daysLeft(described.NotAfter)} days)`,
              "re-import a renewed CA into ACM and give the workloads its certificate",
            ),
          );
        }
        const pem = (await send<GetCertificateCommandOutput>(c.acm, new GetCertificateCommand({ CertificateArn: arn }))).Certificate;
        let same = false;
        try {
          same = pem !== undefined && new X509Certificate(pem).fingerprint256 === ca.fingerprint256;
        } catch {
          same = false;
        }
        if (!same) {
          found.push(
            problem(
              "tls:acm-certificate",
              `${arn} is not the CA in caCertificatePem (SHA-256 fingerprint ${ca.fingerprint256}): the firewall would sign with a CA the workloads do not trust`,
              "import the same CA into ACM, or put the ACM certificate's PEM in caCertificatePem",
            ),
          );
        }
        return found.length > 0
          ? found
          : [
              ok(
                "tls:acm-certificate",
                `${arn}: imported, issued, valid until ${described.NotAfter ? new Date(described.NotAfter).toISOString() : "(not said)"}, and the same CA as caCertificatePem`,
              ),
            ];
      },
    });
  }
  if (point === "proxy" && tls.caPrivateKey) {
    const { secretArn, kmsKeyArn } = tls.caPrivateKey;
    const keyId = kmsKeyArn.split("/").pop()!;
    checks.push({
      id: "tls:ca-key-secret",
      what: `the secret ${secretArn} (exists, encrypted with ${kmsKeyArn}); its value is never read`,
      async run() {
        const secret = await send<DescribeSecretCommandOutput>(c.secrets, new DescribeSecretCommand({ SecretId: secretArn }));
        if (secret.DeletedDate)
          return [
            problem(
              "tls:ca-key-secret",
              `${secretArn} is scheduled for deletion`,
              "restore the secret (secretsmanager restore-secret) or create a new one and give its ARN",
            ),
          ];
        if (secret.ARN !== undefined && secret.ARN !== secretArn)
          return [problem("tls:ca-key-secret", `${secretArn} answers as ${secret.ARN}`, "give the secret's full ARN")];
        const used = secret.KmsKeyId;
        if (used === undefined || !(used === kmsKeyArn || used === keyId || used.endsWith(`:key/${keyId}`))) {
          return [
            problem(
              "tls:ca-key-secret",
              `${secretArn} is encrypted with ${used ?? "the AWS-managed key aws/secretsmanager"}, not ${kmsKeyArn}; the proxies may decrypt only with the configured key`,
              `re-encrypt it: aws secretsmanager update-secret --secret-id ${secretArn} --kms-key-id ${kmsKeyArn}`,
            ),
          ];
        }
        return [ok("tls:ca-key-secret", `${secretArn} exists and is encrypted with ${kmsKeyArn}`)];
      },
    });
    checks.push({
      id: "tls:ca-key-kms",
      what: `the KMS key ${kmsKeyArn} (customer-managed, enabled, its key policy lets IAM grant kms:Decrypt)`,
      async run() {
        const meta: Partial<KeyMetadata> =
          (await send<DescribeKeyCommandOutput>(c.kms, new DescribeKeyCommand({ KeyId: kmsKeyArn }))).KeyMetadata ?? {};
        if (meta.KeyManager !== "CUSTOMER")
          return [
            problem(
              "tls:ca-key-kms",
              `${kmsKeyArn} is not a customer-managed key (KeyManager ${meta.KeyManager ?? "not said"}); its key policy cannot be a second lock`,
              "encrypt the secret with a customer-managed key (docs/dlp.md)",
            ),
          ];
        if (meta.KeyState !== "Enabled")
          return [
            problem(
              "tls:ca-key-kms",
              `${kmsKeyArn} is ${meta.KeyState ?? "in an unknown state"}; the proxies cannot decrypt the secret`,
              "enable the key (kms enable-key), or cancel its deletion",
            ),
          ];
        const text = (await send<GetKeyPolicyCommandOutput>(c.kms, new GetKeyPolicyCommand({ KeyId: kmsKeyArn, PolicyName: "default" })))
          .Policy;
        const account = kmsKeyArn.split(":")[4];
        const role = `:role/${config.name}-proxy`;
        let statements: KeyPolicyStatement[] = [];
        try {
          const doc = JSON.parse(text ?? "") as { Statement?: unknown };
          const all: unknown[] = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
          // A statement that is not an object (null, a string) has no Effect, so no rule below could match it.
          statements = all.filter((st): st is KeyPolicyStatement => typeof st === "object" && st !== null);
        } catch {
          return [
            unchecked("tls:ca-key-kms", `could not check: the key policy of ${kmsKeyArn} is not readable JSON`, "key policy not JSON"),
          ];
        }
        const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
        // An action pattern (IAM wildcards * and ?, case-insensitive) that covers kms:Decrypt.
        const coversDecrypt = (a: string) =>
          new RegExp(
            `^${a
              .replace(/[.+^${}()|[\]\\]/g, "\\$&")
              .replace(/\*/g, ".*")
              .replace(/\?/g, ".")}$`,
            "i",
          ).test("kms:Decrypt");
        const mentionsDecrypt = (st: KeyPolicyStatement) =>
          list(st.Action).some(coversDecrypt) || (st.NotAction !== undefined && !list(st.NotAction).some(coversDecrypt));
        // Never fail open: a Deny that may cover kms:Decrypt, or an Allow that grants it only under conditions, is
        // something this check cannot evaluate (who the Deny or the conditions hit depends on the request).
        const denies = statements.filter((st) => st.Effect === "Deny" && mentionsDecrypt(st));
        if (denies.length > 0) {
          return [
            unchecked(
              "tls:ca-key-kms",
              `could not check: the key policy of ${kmsKeyArn} has a Deny statement covering kms:Decrypt${denies[0].Sid ? ` (Sid ${denies[0].Sid})` : ""}; it may stop the proxies from decrypting the secret`,
              "key policy Deny on kms:Decrypt",
            ),
          ];
        }
        const matching = statements.filter((st) => {
          if (st.Effect !== "Allow" || !mentionsDecrypt(st)) return false;
          const aws = typeof st.Principal === "object" && st.Principal !== null ? (st.Principal as { AWS?: unknown }).AWS : undefined;
          const principals = list(aws ?? (st.Principal === "*" ? "*" : undefined));
          return principals.some(
            (p) => p === account || p === `arn:${partitionOf(config.region)}:iam::${account}:root` || p.endsWith(role),
          );
        });
        const grants = matching.some((st) => st.Condition === undefined && st.NotAction === undefined);
        if (!grants && matching.length > 0) {
          return [
            unchecked(
              "tls:ca-key-kms",
              `could not check: the key policy of ${kmsKeyArn} lets the account or the proxy role have kms:Decrypt only under conditions (or through NotAction)${matching[0].Sid ? ` (Sid ${matching[0].Sid})` : ""}; whether the proxies' requests meet them is not evaluated`,
              "key policy Allow with conditions",
            ),
          ];
        }
        if (!grants) {
          return [
            problem(
              "tls:ca-key-kms",
              `the key policy of ${kmsKeyArn} neither lets IAM policies of account ${account} grant kms:Decrypt (Principal ${account} root) nor names the role ${config.name}-proxy: the proxies could not decrypt the secret`,
              "add a statement allowing the account root (kms:*) or the proxy role (kms:Decrypt) (docs/dlp.md)",
            ),
          ];
        }
        return [
          ok("tls:ca-key-kms", `${kmsKeyArn} is customer-managed, enabled, and its key policy lets the proxy role be granted kms:Decrypt`),
        ];
      },
    });
  }
  return checks;
}
