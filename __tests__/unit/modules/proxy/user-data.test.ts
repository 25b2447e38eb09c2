import { logGroupNames } from "../../../../lib/names";
import { POLICY_AGENT_LOG, renderPolicyAgentScript } from "../../../../modules/proxy/policy-agent";
import {
  FIREWALL_ENDPOINT_MTU,
  escapeTemplateExcept,
  interfaceMtuCommands,
  renderInterceptRuleset,
  renderProxyUserData,
  type ProxyUserDataProps,
} from "../../../../modules/proxy/user-data";
import { squidPolicyOf } from "../../../../stacks/proxy-policy";
import { asDelivered, config, REF, VPC } from "../../../support/proxy-user-data";

/** The body of the heredoc `<<'MARKER'` in `script`. */
function heredoc(script: string, marker: string): string {
  const start = script.indexOf(`<<'${marker}'\n`);
  const end = script.indexOf(`\n${marker}\n`, start);
  if (start < 0 || end < 0) throw new Error(`no heredoc ${marker}`);
  return script.slice(start + marker.length + 5, end + 1);
}

const BUCKET = "${aws_s3_bucket.policy_store_ABC.bucket}";
const source = { bucket: BUCKET, key: "egress6/policy-bundle", rank: 0, stepSeconds: 120 };
const render = (overrides: Partial<ProxyUserDataProps> = {}) =>
  renderProxyUserData({ policy: squidPolicyOf(config()), policySource: source, region: config().region, az: "b", ...overrides });

describe("proxy user data", () => {
  const script = render();

  test("leaves exactly one Terraform interpolation: the policy bucket (the VPC /56 is in the policy bundle)", () => {
    const interpolations = script.match(/(?<!\$)\$\{[^}]*\}/g) ?? [];
    expect(new Set(interpolations)).toEqual(new Set([BUCKET]));
    expect(script).not.toMatch(/(?<!%)%\{/);
  });

  test("holds no egress policy: the allowlist and the ports do not change a byte of it", () => {
    const other = renderProxyUserData({
      policy: squidPolicyOf(config({ egress: { domains: ["other.example", ".more.example"], ports: [443, 8443] } as never })),
      policySource: source,
      region: config().region,
      az: "b",
    });
    expect(other).toBe(script);
    expect(script).not.toContain("<<'EGRESS6_SQUID_CONF'");
    expect(script).not.toContain("<<'EGRESS6_NFT'");
    expect(script).not.toContain("tproxy to");
  });

  test("squid.conf is a link to the running policy's, and Squid starts only once there is one", () => {
    const delivered = asDelivered(script);
    expect(delivered).toMatch(/^ln -sfn \/etc\/egress6\/policy\/current\/squid.conf \/etc\/squid\/squid.conf$/m);
    expect(heredoc(delivered, "EGRESS6_SQUID_UNIT")).toMatch(/^ConditionPathExists=\/etc\/egress6\/policy\/current\/squid.conf$/m);
    expect(delivered).not.toMatch(/enable --now squid/);
    expect(delivered).not.toMatch(/squid -k parse -f \/etc\/squid\/squid.conf/);
  });

  test("installs the policy agent as the renderer writes it, with its settings, and starts it last", () => {
    const delivered = asDelivered(script);
    expect(heredoc(delivered, "EGRESS6_POLICY_AGENT")).toBe(renderPolicyAgentScript());
    const env = heredoc(delivered, "EGRESS6_POLICY_AGENT_ENV");
    expect(env).toContain(`EGRESS6_POLICY_BUCKET=${BUCKET}\n`);
    expect(env).toContain("EGRESS6_POLICY_KEY=egress6/policy-bundle\n");
    expect(env).toContain("EGRESS6_S3_ENDPOINT=https://s3.dualstack.us-east-1.amazonaws.com\n");
    expect(env).toContain("EGRESS6_MONITORING_ENDPOINT=https://monitoring.us-east-1.api.aws\n");
    expect(env).toContain("EGRESS6_PROXY_SLOT=b-1\n");
    expect(env).toContain("EGRESS6_ROLLOUT_DELAY_SECONDS=0\n");
    expect(env).toContain("EGRESS6_LISTEN_PORTS=3128,3129,3130\n");
    expect(heredoc(delivered, "EGRESS6_POLICY_AGENT_AWS")).toContain("addressing_style = path");
    expect(delivered.trimEnd().split("\n").slice(-2)[0]).toBe("systemctl enable --now egress6-policy-agent.service");
  });

  test("the slot and the rollout rank are parameters: a standby is <az>-2, rank n waits n steps", () => {
    const env = heredoc(render({ slot: 2, policySource: { ...source, rank: 3, stepSeconds: 45 } }), "EGRESS6_POLICY_AGENT_ENV");
    expect(env).toContain("EGRESS6_PROXY_SLOT=b-2\n");
    expect(env).toContain("EGRESS6_ROLLOUT_DELAY_SECONDS=135\n");
    expect(() => render({ slot: 0 })).toThrow(/slot must be a whole number >= 1/);
    expect(() => render({ policySource: { ...source, rank: -1 } })).toThrow(/rank must be a whole number >= 0/);
  });

  test("installs Squid and the AWS CLI, and refuses to continue when Squid lacks OpenSSL (SslBump)", () => {
    expect(script).toMatch(/^dnf install -y .*\bsquid\b.*\bnftables\b.*\bamazon-cloudwatch-agent\b.*\bawscli-2\b/m);
    expect(script).toMatch(/squid -v/);
    expect(script).toMatch(/grep -q -- '--with-openssl'/);
  });

  test("intercepts with TPROXY and a policy route, never forwards, and starts interception before Squid", () => {
    const delivered = asDelivered(script);
    expect(heredoc(delivered, "EGRESS6_INTERCEPT")).toMatch(
      /^if \[ -f \/etc\/egress6\/policy\/current\/intercept.nft \]; then nft -f \/etc\/egress6\/policy\/current\/intercept.nft; fi$/m,
    );
    expect(heredoc(delivered, "EGRESS6_INTERCEPT")).toMatch(/^ip -6 rule add priority 100 fwmark 0x1\/0x1 lookup 100$/m);
    expect(heredoc(delivered, "EGRESS6_INTERCEPT")).toMatch(/^ip -6 route replace local ::\/0 dev lo table 100$/m);
    expect(heredoc(delivered, "EGRESS6_SQUID_UNIT")).toMatch(/Requires=egress6-intercept.service\nAfter=egress6-intercept.service/);
    expect(heredoc(delivered, "EGRESS6_SYSCTL")).toMatch(/^net.ipv6.conf.all.forwarding = 0$/m);
    expect(script.indexOf("systemctl enable --now egress6-intercept.service")).toBeLessThan(
      script.indexOf("systemctl enable squid.service"),
    );
  });

  test("ships the access log and the policy agent's log to the proxy log group named in lib/names.ts, over IPv6 IMDS", () => {
    const agent = JSON.parse(heredoc(asDelivered(script), "EGRESS6_CWAGENT"));
    expect(agent.agent.region).toBe("us-east-1");
    expect(agent.logs.logs_collected.files.collect_list).toEqual([
      expect.objectContaining({
        file_path: "/var/log/squid/access.log",
        log_group_name: logGroupNames("demo").proxyAccess,
        log_stream_name: "proxy-b/{instance_id}",
      }),
      expect.objectContaining({
        file_path: POLICY_AGENT_LOG,
        log_group_name: logGroupNames("demo").proxyAccess,
        log_stream_name: "proxy-b-1/{instance_id}/policy",
      }),
    ]);
    expect(heredoc(script, "EGRESS6_CWAGENT_UNIT")).toMatch(/^Environment=AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6$/m);
  });

  test("gives the SSM agent IMDS over IPv6 too (a systemd drop-in), and restarts it with that before the long install", () => {
    expect(script).toContain("cat > /etc/systemd/system/amazon-ssm-agent.service.d/egress6.conf <<'EGRESS6_SSM_AGENT_UNIT'");
    expect(heredoc(script, "EGRESS6_SSM_AGENT_UNIT")).toBe("[Service]\nEnvironment=AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6\n");
    const restart = script.indexOf("systemctl restart amazon-ssm-agent.service");
    expect(restart).toBeGreaterThan(script.indexOf("EGRESS6_SSM_AGENT_UNIT\n[Service]"));
    expect(restart).toBeLessThan(script.indexOf("dnf install"));
  });
});

describe("interface MTU", () => {
  test("the proxy lowers its interface MTU to what a firewall endpoint carries, at every boot before Squid", () => {
    const delivered = asDelivered(render({ az: "a" }));
    expect(FIREWALL_ENDPOINT_MTU).toBe(8500);
    expect(heredoc(delivered, "EGRESS6_INTERCEPT")).toContain(interfaceMtuCommands(FIREWALL_ENDPOINT_MTU).join("\n"));
  });
});

describe("interception ruleset", () => {
  test("port 80 goes to the HTTP listener, every other allowlisted port to the TLS listener, only from the VPC", () => {
    const rules = renderInterceptRuleset({ vpcIpv6Cidr: VPC, ports: [443, 80, 8443], interceptHttpPort: 3129, interceptHttpsPort: 3130 });
    expect(rules.split("\n").filter((l) => l.includes("tproxy to"))).toEqual([
      `    ip6 saddr ${VPC} tcp dport 80 tproxy to :3129 meta mark set 0x1 accept`,
      `    ip6 saddr ${VPC} tcp dport { 443, 8443 } tproxy to :3130 meta mark set 0x1 accept`,
    ]);
    expect(rules).toMatch(/chain forward \{[^}]*policy drop;/);
  });

  test("without port 80 nothing goes to the HTTP listener", () => {
    const rules = renderInterceptRuleset({ vpcIpv6Cidr: VPC, ports: [443], interceptHttpPort: 3129, interceptHttpsPort: 3130 });
    expect(rules).not.toMatch(/:3129/);
    expect(rules).toMatch(/tcp dport \{ 443 \} tproxy to :3130/);
  });
});

describe("Terraform template escaping", () => {
  test("escapes ${ and %{ everywhere except in the reference", () => {
    expect(escapeTemplateExcept(`a \${x} %{y} ${REF} \${z}`, REF)).toBe(`a $\${x} %%{y} ${REF} $\${z}`);
    expect(escapeTemplateExcept("no refs ${x}", VPC)).toBe("no refs $${x}");
    expect(escapeTemplateExcept(`\${a} ${REF} \${b} ${BUCKET} %{c}`, REF, BUCKET)).toBe(`$\${a} ${REF} $\${b} ${BUCKET} %%{c}`);
  });
});
