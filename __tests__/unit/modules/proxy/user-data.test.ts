import { logGroupNames } from "../../../../lib/names";
import { renderSquidConf } from "../../../../modules/proxy/squid-conf";
import {
  FIREWALL_ENDPOINT_MTU,
  escapeTemplateExcept,
  interfaceMtuCommands,
  renderInterceptRuleset,
  renderProxyUserData,
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

describe("proxy user data", () => {
  const script = renderProxyUserData({ policy: squidPolicyOf(config()), region: config().region, az: "b", vpcIpv6Cidr: REF });

  test("leaves exactly one kind of Terraform interpolation: the VPC /56 reference", () => {
    const interpolations = script.match(/(?<!\$)\$\{[^}]*\}/g) ?? [];
    expect(new Set(interpolations)).toEqual(new Set([REF]));
    expect(script).not.toMatch(/(?<!%)%\{/);
  });

  test("writes the same squid.conf the renderer produces, with the VPC /56 as localnet", () => {
    const delivered = asDelivered(script);
    expect(heredoc(delivered, "EGRESS6_SQUID_CONF")).toBe(renderSquidConf(squidPolicyOf(config()), { vpcIpv6Cidr: VPC, az: "b" }));
  });

  test("installs Squid and refuses to continue when it lacks OpenSSL (SslBump)", () => {
    expect(script).toMatch(/^dnf install -y .*\bsquid\b.*\bnftables\b.*\bamazon-cloudwatch-agent\b/m);
    expect(script).toMatch(/squid -v/);
    expect(script).toMatch(/grep -q -- '--with-openssl'/);
    expect(script).toMatch(/^squid -k parse -f \/etc\/squid\/squid.conf$/m);
  });

  test("intercepts with TPROXY and a policy route, never forwards, and starts interception before Squid", () => {
    const delivered = asDelivered(script);
    expect(heredoc(delivered, "EGRESS6_NFT")).toBe(
      renderInterceptRuleset({ vpcIpv6Cidr: VPC, ports: [443, 80], interceptHttpPort: 3129, interceptHttpsPort: 3130 }),
    );
    expect(heredoc(delivered, "EGRESS6_INTERCEPT")).toMatch(/^ip -6 rule add priority 100 fwmark 0x1\/0x1 lookup 100$/m);
    expect(heredoc(delivered, "EGRESS6_INTERCEPT")).toMatch(/^ip -6 route replace local ::\/0 dev lo table 100$/m);
    expect(heredoc(delivered, "EGRESS6_SQUID_UNIT")).toMatch(/Requires=egress6-intercept.service\nAfter=egress6-intercept.service/);
    expect(heredoc(delivered, "EGRESS6_SYSCTL")).toMatch(/^net.ipv6.conf.all.forwarding = 0$/m);
    expect(script.indexOf("systemctl enable --now egress6-intercept.service")).toBeLessThan(
      script.indexOf("systemctl enable --now squid.service"),
    );
  });

  test("ships the access log to the proxy log group named in lib/names.ts, over IPv6 IMDS", () => {
    const agent = JSON.parse(heredoc(asDelivered(script), "EGRESS6_CWAGENT"));
    expect(agent.agent.region).toBe("us-east-1");
    expect(agent.logs.logs_collected.files.collect_list).toEqual([
      expect.objectContaining({
        file_path: "/var/log/squid/access.log",
        log_group_name: logGroupNames("demo").proxyAccess,
        log_stream_name: "proxy-b/{instance_id}",
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
    const delivered = asDelivered(
      renderProxyUserData({ policy: squidPolicyOf(config()), region: config().region, az: "a", vpcIpv6Cidr: REF }),
    );
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
  });
});
