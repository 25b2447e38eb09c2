import { DEMO_CONFIG } from "../../../../config/demo";
import { parseConfig, type ConfigInput, type Egress6Config } from "../../../../config/load";
import { ACCESS_LOG_FIELDS, renderSquidConf, RESERVED_DESTINATIONS, type SquidConfOptions } from "../../../../modules/proxy/squid-conf";
import { squidPolicyOf } from "../../../../stacks/proxy-policy";

const VPC = "2600:1f18:abcd:ef00::/56";

function config(overrides: Partial<ConfigInput> = {}): Egress6Config {
  return parseConfig({ ...DEMO_CONFIG, ...overrides }, "test");
}

function render(c: Egress6Config = config(), options: Partial<SquidConfOptions> = {}): string {
  return renderSquidConf(squidPolicyOf(c), { vpcIpv6Cidr: VPC, az: "a", ...options });
}

/** The directive lines starting with `keyword`, comments and blanks dropped. */
function directives(conf: string, keyword: string): string[] {
  return conf.split("\n").filter((l) => l.startsWith(`${keyword} `));
}

/** Every line that carries a rule (acl, http_access, ssl_bump): what must not change with paths or listen address. */
function ruleLines(conf: string): string[] {
  return conf.split("\n").filter((l) => /^(acl|http_access|ssl_bump|spoof_client_ip|host_verify_strict|cache) /.test(l));
}

describe("squid.conf from the egress policy", () => {
  test("HTTPS is filtered on the SNI with peek, peek, splice, terminate: nothing is ever bumped", () => {
    expect(directives(render(), "ssl_bump")).toEqual([
      "ssl_bump peek step1",
      "ssl_bump peek step2 egress_sni",
      "ssl_bump splice step3 egress_sni",
      "ssl_bump terminate all",
    ]);
    expect(render()).not.toMatch(/^ssl_bump (bump|stare|client-first|server-first)/m);
  });

  test("every allowlisted domain is matched on the host and on the SNI, one entry per line, in normal form", () => {
    const c = config({ egress: { domains: ["Example.COM", "*.Wild.Example.org", "bücher.example", ".githubusercontent.com"] } });
    const expected = ["example.com", ".wild.example.org", "xn--bcher-kva.example", ".githubusercontent.com"];
    expect(directives(render(c), "acl").filter((l) => l.includes(" egress_domains dstdomain "))).toEqual(
      expected.map((d) => `acl egress_domains dstdomain -n ${d}`),
    );
    expect(directives(render(c), "acl").filter((l) => l.includes(" ssl::server_name "))).toEqual(
      expected.map((d) => `acl egress_sni ssl::server_name --client-requested ${d}`),
    );
  });

  test("only the allowlisted ports are allowed", () => {
    const c = config({ egress: { domains: ["example.com"], ports: [443, 8443] } });
    expect(directives(render(c), "acl").filter((l) => l.includes(" port "))).toEqual([
      "acl egress_ports port 443",
      "acl egress_ports port 8443",
    ]);
    expect(directives(render(c), "http_access")).toContain("http_access deny !egress_ports");
  });

  test("access rules: VPC clients only, allowlisted ports, no IP literals except an intercepted TLS connection's own address, default deny", () => {
    expect(directives(render(), "http_access")).toEqual([
      "http_access deny manager",
      "http_access deny !localnet",
      "http_access deny !egress_ports",
      "http_access allow tls_intercepted ip_literal !reserved_destinations",
      "http_access deny ip_literal",
      "http_access deny !egress_domains",
      "http_access deny reserved_destinations",
      "http_access allow localnet",
      "http_access deny all",
    ]);
    expect(directives(render(), "acl")).toEqual(
      expect.arrayContaining([
        "acl ip_literal dstdom_regex -n ^[0-9.]+$ :",
        `acl reserved_destinations dst ${RESERVED_DESTINATIONS.join(" ")} ${VPC}`,
        "acl tls_intercepted myportname intercept-https",
      ]),
    );
    // IMDS and link-local, the proxy itself (loopback, 0.0.0.0/8), and the VPC /56 as a destination.
    expect(RESERVED_DESTINATIONS).toEqual(
      expect.arrayContaining(["fd00:ec2::/32", "169.254.0.0/16", "fe80::/10", "::1", "127.0.0.0/8", "0.0.0.0/8"]),
    );
  });

  test("one access log; intercepted TLS whose SNI is not allowlisted is logged with TCP_DENIED (Squid says NONE_NONE)", () => {
    const conf = render();
    expect(directives(conf, "access_log")).toEqual([
      // The proxy's own heartbeat first: `none` ends logging for what it matches (modules/proxy/heartbeat.ts).
      "access_log none egress6_heartbeat_source egress6_heartbeat_host",
      "access_log stdio:/var/log/squid/access.log logformat=egress6 logged_as_is",
      "access_log stdio:/var/log/squid/access.log logformat=egress6_tls_refused !logged_as_is",
    ]);
    expect(directives(conf, "acl")).toEqual(
      expect.arrayContaining([
        "acl plain_listeners myportname explicit intercept-http",
        "acl logged_as_is any-of plain_listeners egress_sni",
      ]),
    );
    const [normal, refused] = directives(conf, "logformat").map((l) => l.split(" ").slice(2));
    expect(refused).toEqual(normal.map((f) => f.replace("%Ss/", "TCP_DENIED/")));
    expect(refused[ACCESS_LOG_FIELDS.indexOf("result")]).toBe("TCP_DENIED/%03>Hs");
  });

  test("localnet is the VPC /56 and nothing else; a Terraform reference passes through for apply time", () => {
    expect(directives(render(), "acl").filter((l) => l.startsWith("acl localnet "))).toEqual([`acl localnet src ${VPC}`]);
    const ref = "${data.terraform_remote_state.network.outputs.vpc_ipv6_cidr}";
    expect(directives(render(config(), { vpcIpv6Cidr: ref }), "acl")).toContain(`acl localnet src ${ref}`);
    expect(() => render(config(), { vpcIpv6Cidr: "10.0.0.0/16" })).toThrow(/vpcIpv6Cidr must be an IPv6 CIDR/);
    expect(() => render(config(), { vpcIpv6Cidr: `${VPC}\nhttp_access allow all` })).toThrow(/vpcIpv6Cidr/);
  });

  test("listeners: explicit, intercepted HTTP (tproxy) and intercepted TLS (tproxy, ssl-bump) on the configured ports", () => {
    const c = config({ inspection: { proxy: { explicitPort: 8888, interceptHttpPort: 8889, interceptHttpsPort: 8890 } } });
    expect(directives(render(c), "http_port")).toEqual(["http_port 8888 name=explicit", "http_port 8889 tproxy name=intercept-http"]);
    expect(directives(render(c), "https_port")).toEqual([
      expect.stringMatching(/^https_port 8890 tproxy ssl-bump name=intercept-https tls-cert=\S+ generate-host-certificates=on /),
    ]);
    expect(directives(render(c, { listenAddress: "[::1]" }), "http_port")[0]).toBe("http_port [::1]:8888 name=explicit");
    expect(() => render(c, { listenAddress: "localhost" })).toThrow(/listenAddress/);
  });

  test("no caching, and the outbound leg leaves from the proxy's own address", () => {
    const conf = render();
    expect(conf).toMatch(/^cache deny all$/m);
    expect(conf).not.toMatch(/^cache_dir /m);
    expect(conf).toMatch(/^spoof_client_ip deny all$/m);
    expect(conf).toMatch(/^host_verify_strict on$/m);
    expect(conf).toMatch(/^forwarded_for delete$/m);
  });

  test("file locations and the listen address change no rule", () => {
    const production = render();
    const relocated = render(config(), {
      listenAddress: "[::1]",
      paths: {
        pidFile: "/tmp/x/pid",
        accessLog: "/tmp/x/a.log",
        cacheLog: "/tmp/x/c.log",
        hostsFile: "/tmp/x/hosts",
        tlsCertificate: "/tmp/x/c.pem",
      },
    });
    expect(relocated).not.toEqual(production);
    expect(ruleLines(relocated)).toEqual(ruleLines(production));
    expect(relocated).toMatch(/^hosts_file \/tmp\/x\/hosts$/m);
    expect(() => render(config(), { paths: { accessLog: "/var/log/a b.log" } })).toThrow(/accessLog/);
  });

  test("the proxy names itself after the environment and AZ", () => {
    expect(render(config(), { az: "b" })).toMatch(/^visible_hostname egress6-demo-proxy-b$/m);
  });
});
