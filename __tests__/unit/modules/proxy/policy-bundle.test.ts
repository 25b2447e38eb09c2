import { policyVersionOf, POLICY_VERSION_PREFIX } from "../../../../lib/proxy-signals";
import { BUNDLE_END_MARK, BUNDLE_FILE_MARK } from "../../../../modules/proxy/policy-agent";
import { renderPolicyBundle } from "../../../../modules/proxy/policy-bundle";
import { VPC_CIDR_PLACEHOLDER, type SquidPolicy } from "../../../../modules/proxy/squid-conf";
import { renderInterceptRuleset } from "../../../../modules/proxy/user-data";

const REF = "${data.terraform_remote_state.network.outputs.vpc_ipv6_cidr}";
const VPC = "2600:1f18:abcd:ef00::/56";
const policy: SquidPolicy = {
  env: "dev",
  domains: [".example.com", "api.example.org"],
  ports: [443, 80],
  explicitPort: 3128,
  interceptHttpPort: 3129,
  interceptHttpsPort: 3130,
};

/** Splits a bundle the way the agent's awk does: marker lines start files, the end line ends the bundle. */
function split(text: string): { first: string; files: Record<string, string>; ended: boolean } {
  const [first, ...lines] = text.split("\n");
  const files: Record<string, string> = {};
  let current: string | undefined;
  let ended = false;
  for (const line of lines) {
    if (line === BUNDLE_END_MARK) {
      ended = true;
      break;
    }
    if (line.startsWith(BUNDLE_FILE_MARK)) {
      current = line.slice(BUNDLE_FILE_MARK.length);
      files[current] = "";
    } else if (current !== undefined) files[current] += `${line}\n`;
  }
  return { first, files, ended };
}

describe("renderPolicyBundle", () => {
  const bundle = renderPolicyBundle({ policy, vpcIpv6Cidr: VPC });

  test("three files in marker-delimited sections, then the end line; they split back to what was rendered", () => {
    const { first, files, ended } = split(bundle.text);
    expect(first).toBe(`${POLICY_VERSION_PREFIX}${bundle.version.id}`);
    expect(ended).toBe(true);
    expect(Object.keys(files)).toEqual(["squid.conf", "allowlist", "intercept.nft"]);
    expect(files).toEqual(bundle.files);
    expect(bundle.text.endsWith(`${BUNDLE_END_MARK}\n`)).toBe(true);
  });

  test("Squid reads the allowlist from the running policy's file, one entry a line; nothing inline", () => {
    const conf = bundle.files["squid.conf"];
    expect(conf).toContain('acl egress_domains dstdomain -n "/etc/egress6/policy/current/allowlist"');
    expect(conf).toContain('acl egress_sni ssl::server_name --client-requested "/etc/egress6/policy/current/allowlist"');
    expect(conf).not.toMatch(/api\.example\.org/);
    expect(bundle.files.allowlist).toBe(".example.com\napi.example.org\n");
    expect(renderPolicyBundle({ policy, vpcIpv6Cidr: VPC, policyDir: "/tmp/p" }).files["squid.conf"]).toContain(
      '"/tmp/p/current/allowlist"',
    );
  });

  test("the ruleset is the interception ruleset of the policy's ports", () => {
    expect(bundle.files["intercept.nft"]).toBe(
      renderInterceptRuleset({ vpcIpv6Cidr: VPC, ports: [443, 80], interceptHttpPort: 3129, interceptHttpsPort: 3130 }),
    );
  });

  test("the version is policyVersionOf the rest with the /56 written as the placeholder, however the /56 is given", () => {
    const placeholder = renderPolicyBundle({ policy, vpcIpv6Cidr: VPC_CIDR_PLACEHOLDER });
    expect(placeholder.version).toEqual(policyVersionOf(placeholder.text.slice(placeholder.text.indexOf("\n") + 1)));
    expect(renderPolicyBundle({ policy, vpcIpv6Cidr: REF }).version).toEqual(placeholder.version);
    expect(bundle.version).toEqual(placeholder.version);
    const added = renderPolicyBundle({ policy: { ...policy, domains: [...policy.domains, "new.example"] }, vpcIpv6Cidr: VPC });
    expect(added.version.id).not.toBe(bundle.version.id);
    expect(bundle.version.metricValue).toBe(parseInt(bundle.version.id.slice(0, 8), 16));
  });

  test("as a Terraform string, only the /56 reference is left to interpolate", () => {
    const t = renderPolicyBundle({ policy, vpcIpv6Cidr: REF }).terraformTemplate;
    expect(new Set(t.match(/(?<!\$)\$\{[^}]*\}/g))).toEqual(new Set([REF]));
    expect(t).not.toMatch(/(?<!%)%\{/);
  });

  test("a file line the agent would take for a marker is refused", () => {
    expect(() => renderPolicyBundle({ policy: { ...policy, domains: [`${BUNDLE_FILE_MARK}x`] }, vpcIpv6Cidr: VPC })).toThrow(
      /allowlist has a line the agent would take for a marker/,
    );
    expect(() => renderPolicyBundle({ policy: { ...policy, domains: [BUNDLE_END_MARK] }, vpcIpv6Cidr: VPC })).toThrow(/marker/);
  });
});
