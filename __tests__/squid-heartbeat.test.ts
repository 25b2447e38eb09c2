/**
 * The heartbeat against the real Squid, with the generated squid.conf on loopback: the check gets Squid's own 403
 * quickly while Squid runs, and `000` when Squid is stopped (a crash) or frozen (a wedge); the heartbeat script
 * publishes (through a stand-in `aws` on PATH that records its arguments) only in the first case; and the heartbeat's
 * requests never reach the access log, which the proxy-denials alarm counts.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { renderSquidConf } from "../modules/proxy/squid-conf";
import { HEARTBEAT_HOST, heartbeatCheckCommand, renderHeartbeatScript } from "../modules/proxy/heartbeat";
import { freePort, squid, squidScratch, squidTest } from "./squid-helpers";

/** The VPC /56 the rules admit: loopback is outside it, as on a proxy (the heartbeat comes from ::1). */
const VPC = "2001:db8:0:100::/56";

let squidProcess: ChildProcess | undefined;
let scratch: ReturnType<typeof squidScratch> | undefined;
let port = 0;

function check(): { code: string; ms: number } {
  const started = Date.now();
  const r = spawnSync("bash", ["-c", heartbeatCheckCommand(port)], { encoding: "utf8" });
  return { code: r.stdout.trim(), ms: Date.now() - started };
}

/** Runs the heartbeat script for `seconds` with a stand-in `aws`; returns what it was called with. */
function runHeartbeat(seconds: number): string[] {
  const bin = path.join(scratch!.dir, "bin");
  fs.mkdirSync(bin, { recursive: true });
  const calls = path.join(scratch!.dir, "aws-calls");
  fs.rmSync(calls, { force: true });
  fs.writeFileSync(path.join(bin, "aws"), `#!/bin/bash\nprintf '%s\\n' "$*" >> ${calls}\n`, { mode: 0o755 });
  const script = path.join(scratch!.dir, "heartbeat.sh");
  fs.writeFileSync(script, renderHeartbeatScript({ env: "dev", region: "eu-west-1", slot: "a-2", explicitPort: port }), { mode: 0o755 });
  spawnSync("timeout", [String(seconds), "bash", script], {
    encoding: "utf8",
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  });
  return fs.existsSync(calls) ? fs.readFileSync(calls, "utf8").trim().split("\n") : [];
}

beforeAll(async () => {
  if (!squid) return;
  scratch = squidScratch(squid);
  const [explicitPort, interceptHttpPort, interceptHttpsPort] = [await freePort(), await freePort(), await freePort()];
  port = explicitPort;
  const policy = { env: "dev", domains: ["example.com"], ports: [443], explicitPort, interceptHttpPort, interceptHttpsPort };
  const file = path.join(scratch.dir, "squid.conf");
  fs.writeFileSync(file, renderSquidConf(policy, { vpcIpv6Cidr: VPC, az: "a", listenAddress: "[::1]", paths: scratch.paths }), {
    mode: 0o644,
  });
  squidProcess = spawn(squid.binary, ["-N", "-f", file], { stdio: "ignore" });
  const deadline = Date.now() + 15000;
  const listening = new RegExp(`Accepting HTTP Socket connections at \\S+ local=\\[::1\\]:${port} `);
  while (squidProcess.exitCode === null && Date.now() < deadline) {
    if (fs.existsSync(scratch.paths.cacheLog) && listening.test(fs.readFileSync(scratch.paths.cacheLog, "utf8"))) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  if (squidProcess.exitCode !== null || Date.now() > deadline) throw new Error(`squid did not start (exit ${squidProcess.exitCode})`);
}, 30000);

afterAll(async () => {
  // The last test kills Squid itself (then exitCode stays null and signalCode is set).
  if (squidProcess && squidProcess.exitCode === null && squidProcess.signalCode === null) {
    squidProcess.kill("SIGCONT");
    const exited = new Promise((r) => squidProcess!.once("exit", r));
    squidProcess.kill("SIGINT");
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
    if (squidProcess.exitCode === null) squidProcess.kill("SIGKILL");
  }
  scratch?.cleanup();
}, 15000);

describe("the heartbeat against the real Squid", () => {
  squidTest(
    "alive: Squid's own 403, quickly; the script publishes Healthy for its slot; nothing of it in the access log",
    () => {
      const { code, ms } = check();
      expect(code).toBe("403");
      expect(ms).toBeLessThan(2000);
      const calls = runHeartbeat(2);
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatch(
        /^cloudwatch put-metric-data --region eu-west-1 --endpoint-url https:\/\/monitoring\.eu-west-1\.api\.aws --namespace egress6\/Proxy --metric-data /,
      );
      expect(calls[0]).toContain('{"Name":"Proxy","Value":"a-2"}');
      // Another request from ::1 is refused and logged as usual: the exclusion is the heartbeat's name only.
      spawnSync("bash", ["-c", `curl -s -o /dev/null --max-time 3 --proxy 'http://[::1]:${port}' http://example.org/`]);
      const log = fs.readFileSync(scratch!.paths.accessLog, "utf8");
      expect(log).not.toContain(HEARTBEAT_HOST);
      expect(log).toMatch(/TCP_DENIED\/403 .* http:\/\/example\.org\//);
    },
    20000,
  );

  squidTest(
    "wedged (the process frozen): the check times out with 000, and nothing is published",
    () => {
      squidProcess!.kill("SIGSTOP");
      try {
        const { code, ms } = check();
        expect(code).toBe("000");
        expect(ms).toBeGreaterThanOrEqual(2900);
        expect(runHeartbeat(5)).toEqual([]);
      } finally {
        squidProcess!.kill("SIGCONT");
      }
    },
    30000,
  );

  squidTest(
    "crashed (the process gone): connection refused, 000, nothing published",
    async () => {
      const exited = new Promise((r) => squidProcess!.once("exit", r));
      squidProcess!.kill("SIGKILL");
      await exited;
      expect(check().code).toBe("000");
      expect(runHeartbeat(2)).toEqual([]);
    },
    20000,
  );
});
