import { PROXY_METRIC, PROXY_METRIC_NAMESPACE } from "../../../../lib/proxy-signals";
import {
  HOLD_TABLE,
  POLICY_AGENT_ENV_FILE,
  POLICY_AGENT_PATH,
  POLICY_FAILURE_MARK,
  renderPolicyAgentEnv,
  renderPolicyAgentScript,
  renderPolicyAgentUnit,
  type PolicyAgentSettings,
} from "../../../../modules/proxy/policy-agent";

const settings: PolicyAgentSettings = {
  bucket: "${aws_s3_bucket.policy.bucket}",
  key: "egress6/policy-bundle",
  region: "eu-west-1",
  s3EndpointUrl: "https://s3.dualstack.eu-west-1.amazonaws.com",
  monitoringEndpointUrl: "https://monitoring.eu-west-1.api.aws",
  env: "dev",
  slot: "a-1",
  rolloutDelaySeconds: 240,
  explicitPort: 3128,
  listenPorts: [3128, 3129, 3130],
};

describe("renderPolicyAgentEnv", () => {
  test("one NAME=value line per setting", () => {
    expect(renderPolicyAgentEnv(settings).split("\n")).toEqual([
      "EGRESS6_POLICY_BUCKET=${aws_s3_bucket.policy.bucket}",
      "EGRESS6_POLICY_KEY=egress6/policy-bundle",
      "EGRESS6_REGION=eu-west-1",
      "EGRESS6_S3_ENDPOINT=https://s3.dualstack.eu-west-1.amazonaws.com",
      "EGRESS6_MONITORING_ENDPOINT=https://monitoring.eu-west-1.api.aws",
      "EGRESS6_ENV=dev",
      "EGRESS6_PROXY_SLOT=a-1",
      "EGRESS6_ROLLOUT_DELAY_SECONDS=240",
      "EGRESS6_EXPLICIT_PORT=3128",
      "EGRESS6_LISTEN_PORTS=3128,3129,3130",
      "",
    ]);
  });

  test("refuses a value the env file cannot carry, and a negative or fractional delay", () => {
    expect(() => renderPolicyAgentEnv({ ...settings, key: "a key" })).toThrow(/setting key has a character/);
    expect(() => renderPolicyAgentEnv({ ...settings, rolloutDelaySeconds: -1 })).toThrow(/rolloutDelaySeconds/);
    expect(() => renderPolicyAgentEnv({ ...settings, rolloutDelaySeconds: 1.5 })).toThrow(/rolloutDelaySeconds/);
  });
});

describe("renderPolicyAgentUnit", () => {
  test("a restarting service that reads the env file and runs the agent", () => {
    const unit = renderPolicyAgentUnit("A=1 B=2");
    expect(unit).toContain(`EnvironmentFile=${POLICY_AGENT_ENV_FILE}\n`);
    expect(unit).toContain("Environment=A=1 B=2\n");
    expect(unit).toContain(`ExecStart=${POLICY_AGENT_PATH}\n`);
    expect(unit).toContain("Restart=always\n");
  });
});

describe("renderPolicyAgentScript", () => {
  const script = renderPolicyAgentScript();

  test("polls the object's VersionId and fetches exactly that version", () => {
    expect(script).toContain('s3 head-object --bucket "$BUCKET" --key "$KEY" --query VersionId --output text');
    expect(script).toContain('s3 get-object --bucket "$BUCKET" --key "$KEY" --version-id "$vid"');
  });

  test("parses the staged config before switching, switches with one rename, then reconfigures", () => {
    const parse = script.indexOf('"$SQUID" -k parse -f "$STATE_DIR/parse.conf"');
    const nftCheck = script.indexOf('"$NFT" -c -f "$STAGE/intercept.nft"');
    const swap = script.indexOf('mv -Tf "$POLICY_DIR/.next" "$CURRENT"');
    const reconfigure = script.indexOf('"$SQUID" -k reconfigure -f "$SQUID_CONF"');
    expect(parse).toBeGreaterThan(0);
    expect(nftCheck).toBeGreaterThan(parse);
    expect(script.indexOf('mv -T "$STAGE" "$new"')).toBeGreaterThan(nftCheck);
    expect(swap).toBeGreaterThan(nftCheck);
    expect(reconfigure).toBeGreaterThan(0);
  });

  test("a failed fetch is retried at the next poll; a refused bundle is not", () => {
    const fetch = script.slice(script.indexOf("if ! s3 get-object"), script.indexOf("first=$(head -n 1"));
    expect(fetch).toMatch(/return 2\n/);
    expect(script).toContain('1) refused=$vid && echo "$vid" > "$STATE_DIR/refused" ;;');
  });

  test("holds new connections (SYNs from anywhere but loopback) while Squid reopens its listeners", () => {
    expect(script).toContain(`table inet ${HOLD_TABLE} {`);
    expect(script).toContain('iifname != "lo" tcp flags & (syn | ack) == syn drop');
    expect(script).toContain(`"$NFT" delete table inet ${HOLD_TABLE}`);
  });

  test("logs failures with the fixed mark and publishes the proxy metrics with Environment and Proxy", () => {
    expect(script).toContain(`log "FAILED: $*"`);
    expect(POLICY_FAILURE_MARK).toBe("egress6-policy: FAILED");
    expect(script).toContain(`--namespace '${PROXY_METRIC_NAMESPACE}'`);
    expect(script).toContain(`metric ${PROXY_METRIC.policyApplyFailed} 1`);
    expect(script).toContain(`metric ${PROXY_METRIC.policyVersion} "$value"`);
    expect(script).toContain('--dimensions Environment="$ENV_NAME",Proxy="$SLOT"');
  });

  test("never opens: nothing in the script allows traffic or starts Squid without a parsed policy", () => {
    expect(script).not.toMatch(/http_access allow all/);
    expect(script).not.toMatch(/nft flush ruleset/);
    // Squid is started only from reconfigure(), which runs after the switch to a parsed bundle.
    expect(script.indexOf("$SQUID_START")).toBeGreaterThan(script.indexOf("reconfigure() {"));
  });

  test("has no Terraform interpolation of its own", () => {
    expect(script).not.toMatch(/(?<!\\)\$\{TfToken/);
  });
});
