import { spawnSync } from "node:child_process";
import {
  ALIVE_STATUS,
  HEARTBEAT_HOST,
  HEARTBEAT_SCRIPT,
  HEARTBEAT_UNIT,
  heartbeatCheckCommand,
  heartbeatCommands,
  heartbeatMetricData,
  renderHeartbeatScript,
  squidHeartbeatLines,
} from "../../../../modules/proxy/heartbeat";
import { renderProxyUserData } from "../../../../modules/proxy/user-data";
import { renderSquidConf } from "../../../../modules/proxy/squid-conf";
import { PROXY_METRIC_NAMESPACE } from "../../../../lib/proxy-signals";
import { HEARTBEAT } from "../../../../lib/proxy-failover";

const PROPS = { env: "dev", region: "eu-west-1", slot: "a-2", explicitPort: 3128 };

describe("heartbeat", () => {
  test("the check asks Squid on ::1 at the explicit port for a .invalid name, with a timeout, printing the status", () => {
    expect(heartbeatCheckCommand(3128)).toBe(
      "curl --silent --output /dev/null --write-out '%{http_code}' --max-time 3 --noproxy '' --proxy 'http://[::1]:3128' 'http://heartbeat.egress6.invalid/'",
    );
    expect(HEARTBEAT_HOST.endsWith(".invalid")).toBe(true);
    expect(ALIVE_STATUS).toBe("403");
  });

  test("the datum: Healthy = 1, high resolution, dimensions Environment and Proxy (the slot)", () => {
    expect(JSON.parse(heartbeatMetricData("dev", "b-1"))).toEqual([
      {
        MetricName: "Healthy",
        Value: 1,
        Unit: "Count",
        StorageResolution: 1,
        Dimensions: [
          { Name: "Environment", Value: "dev" },
          { Name: "Proxy", Value: "b-1" },
        ],
      },
    ]);
  });

  test("the script publishes only after Squid's own 403, to the dual-stack endpoint, in the proxies' namespace, every 10 s", () => {
    const script = renderHeartbeatScript(PROPS);
    expect(script).toContain(`if [ "$code" = 403 ]; then`);
    expect(script).toContain("--endpoint-url https://monitoring.eu-west-1.api.aws");
    expect(script).toContain(`--namespace '${PROXY_METRIC_NAMESPACE}'`);
    expect(script).toContain("--region eu-west-1");
    expect(script).toContain(`sleep $((${HEARTBEAT.intervalSeconds} - elapsed))`);
    // The only put-metric-data call is inside the 403 branch.
    const publish = script.indexOf("put-metric-data");
    expect(publish).toBeGreaterThan(script.indexOf(`if [ "$code" = 403 ]`));
    expect(publish).toBeLessThan(script.indexOf("  else\n"));
    expect(script.split("put-metric-data")).toHaveLength(2);
  });

  test("the script is valid bash", () => {
    const r = spawnSync("bash", ["-n"], { input: renderHeartbeatScript(PROPS), encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
  });

  test("a quote in the environment or slot is refused (the datum sits in single quotes)", () => {
    expect(() => renderHeartbeatScript({ ...PROPS, env: "it's" })).toThrow(/contains a quote/);
  });

  test("the boot lines write the script and a unit that restarts it, with IMDS over IPv6, started after Squid", () => {
    const lines = heartbeatCommands(PROPS);
    expect(lines).toContain(`cat > ${HEARTBEAT_SCRIPT} <<'EGRESS6_HEARTBEAT'`);
    expect(lines).toContain("Environment=AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6");
    expect(lines).toContain("Restart=always");
    expect(lines).toContain("After=network-online.target squid.service");
    expect(lines[lines.length - 1]).toBe(`systemctl enable --now ${HEARTBEAT_UNIT}`);
  });

  test("squid.conf keeps the heartbeat out of the access log: from ::1 and for the heartbeat name only", () => {
    expect(squidHeartbeatLines().filter((l) => !l.startsWith("#"))).toEqual([
      "acl egress6_heartbeat_source src ::1",
      "acl egress6_heartbeat_host dstdomain -n heartbeat.egress6.invalid",
      "access_log none egress6_heartbeat_source egress6_heartbeat_host",
    ]);
  });

  test("the proxy boot script runs the heartbeat of its slot (slot 1 by default), and squid.conf excludes it before any log line", () => {
    const policy = {
      env: "dev",
      domains: ["example.com"],
      ports: [443],
      explicitPort: 3128,
      interceptHttpPort: 3129,
      interceptHttpsPort: 3130,
    };
    const script = (slot?: number) =>
      renderProxyUserData({
        policy,
        policySource: { bucket: "egress6-policy", key: "egress6/policy-bundle", rank: 0, stepSeconds: 120 },
        region: "eu-west-1",
        az: "b",
        ...(slot ? { slot } : {}),
      });
    expect(script()).toContain('{"Name":"Proxy","Value":"b-1"}');
    expect(script(2)).toContain('{"Name":"Proxy","Value":"b-2"}');
    expect(script(2)).toContain(`systemctl enable --now ${HEARTBEAT_UNIT}`);
    const conf = renderSquidConf(policy, { vpcIpv6Cidr: "2001:db8::/56" });
    const none = conf.indexOf("access_log none egress6_heartbeat_source");
    expect(none).toBeGreaterThan(0);
    expect(none).toBeLessThan(conf.indexOf("access_log stdio:"));
  });
});
