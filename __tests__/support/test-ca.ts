/**
 * A certificate authority made with the real openssl for the TLS tests: EC P-256, `CA:TRUE`, allowed to sign
 * certificates. A configuration takes its certificate; its key stays in the test's folder (and must never reach
 * the synthesized output). openssl failing is an error, not a skip: the suites that need it fail under CI=true.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface TestCa {
  /** The certificate's file (PEM). */
  readonly certFile: string;
  /** The private key's file (PEM, unencrypted). */
  readonly keyFile: string;
  /** The certificate itself (PEM). */
  readonly certPem: string;
}

/**
 * Makes a CA called `commonName` in `dir`, as `<file>.crt` and `<file>.key`.
 * @param days how long the certificate is valid (default 30)
 * @param file the files' base name (default: the common name with every run of other characters than letters and
 *   digits replaced by `-`)
 */
export function makeTestCa(dir: string, commonName: string, options: { days?: number; file?: string } = {}): TestCa {
  const file = options.file ?? commonName.replace(/[^A-Za-z0-9]+/g, "-");
  const certFile = path.join(dir, `${file}.crt`);
  const keyFile = path.join(dir, `${file}.key`);
  const args = ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  args.push("-days", String(options.days ?? 30), "-subj", `/CN=${commonName}`);
  args.push("-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
  args.push("-keyout", keyFile, "-out", certFile);
  const r = spawnSync("openssl", args, { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`openssl: ${r.error?.message ?? r.stderr}`);
  return { certFile, keyFile, certPem: fs.readFileSync(certFile, "utf8") };
}
