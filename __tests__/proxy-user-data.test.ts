/**
 * Proxy user data run through bash (syntax, the OpenSSL check under pipefail, the MTU commands): child processes, so
 * app layer. What the script says is tested in __tests__/unit/modules/proxy/user-data.test.ts.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { interfaceMtuCommands, renderProxyUserData } from "../modules/proxy/user-data";
import { squidPolicyOf } from "../stacks/proxy-policy";
import { asDelivered, config } from "./support/proxy-user-data";

describe("proxy user data", () => {
  const script = renderProxyUserData({
    policy: squidPolicyOf(config()),
    policySource: { bucket: "${aws_s3_bucket.policy.bucket}", key: "egress6/policy-bundle", rank: 0, stepSeconds: 120 },
    region: config().region,
    az: "b",
  });

  test("is valid bash once Terraform has rendered it", () => {
    const r = spawnSync("bash", ["-n"], { input: asDelivered(script), encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("the OpenSSL check survives pipefail when squid -v writes more than grep -q reads (no SIGPIPE)", () => {
    // The lines of the boot script from the `squid -v` call to the end of its `if`, run as the script runs them.
    const lines = asDelivered(script).split("\n");
    const from = lines.findIndex((l) => l.includes("squid -v"));
    const to = lines.findIndex((l, i) => i > from && l === "fi");
    expect(from).toBeGreaterThanOrEqual(0);
    const check = lines.slice(from, to + 1).join("\n");
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-squid-"));
    // A stand-in for squid -v: the configure options first, then far more than a pipe buffer (64 KiB) of text, so
    // a reader that stops at the first match leaves the writer to die of SIGPIPE.
    const fakeSquid = (flags: string) =>
      fs.writeFileSync(
        path.join(bin, "squid"),
        `#!/bin/bash\necho "configure options: ${flags}"\nfor i in $(seq 1 20000); do echo "padding line $i of the version banner"; done\n`,
        { mode: 0o755 },
      );
    const run = () =>
      spawnSync("bash", ["-euo", "pipefail", "-c", `${check}\necho passed`], {
        env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
        encoding: "utf8",
      });
    fakeSquid("'--with-openssl' '--enable-ssl-crtd'");
    const ok = run();
    expect(ok.stdout.trim()).toBe("passed");
    expect(ok.status).toBe(0);
    fakeSquid("'--without-openssl'");
    const refused = run();
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/FATAL: this Squid is not built with OpenSSL/);
    fs.rmSync(bin, { recursive: true, force: true });
  });
});

describe("interface MTU", () => {
  test("finds the interface of the IPv6 default route and sets its MTU", () => {
    // A stand-in for `ip` that answers the route query as AL2023 does and records what it is asked to set.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-ip-"));
    const log = path.join(bin, "calls");
    fs.writeFileSync(
      path.join(bin, "ip"),
      `#!/bin/bash\nif [ "$*" = "-6 route show default" ]; then echo "default via fe80::1:2ff:fe3a:4b5c dev ens5 proto ra metric 1024 expires 1799sec pref medium"; else echo "$*" >> ${log}; fi\n`,
      { mode: 0o755 },
    );
    const r = spawnSync("bash", ["-euo", "pipefail", "-c", interfaceMtuCommands(8500).join("\n")], {
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      encoding: "utf8",
    });
    expect(r.stderr).toBe("");
    expect(fs.readFileSync(log, "utf8")).toBe("link set dev ens5 mtu 8500\n");
    fs.rmSync(bin, { recursive: true, force: true });
  });
});
