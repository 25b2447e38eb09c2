/**
 * The egress policy as one versioned bundle: squid.conf, the allowlist Squid reads from a file, and the nftables
 * ruleset, in the container format the policy agent splits (modules/proxy/policy-agent.ts), under a first line that
 * names its version (`POLICY_VERSION_PREFIX` + `policyVersionOf(rest).id`).
 *
 * The bundle is the same for every proxy of an environment (squid.conf names no AZ), so the tier stores one object.
 * The VPC /56 may be a Terraform reference: the text is then a Terraform template with that one interpolation
 * (`terraformTemplate`, escaped with `escapeTemplateExcept`). The version is computed over the bundle with the /56
 * written as VPC_CIDR_PLACEHOLDER, whatever was given: the /56 of an environment never changes, and so the id of a
 * policy does not depend on how the reference is spelled (a cdktf token at synth) and anyone can recompute it from
 * the configuration (`renderPolicyBundle({ ..., vpcIpv6Cidr: VPC_CIDR_PLACEHOLDER })`).
 */
import { policyVersionOf, POLICY_VERSION_PREFIX } from "../../lib/proxy-signals";
import { BUNDLE_END_MARK, BUNDLE_FILE_MARK, BUNDLE_FILES, CURRENT_LINK, DEFAULT_POLICY_DIR } from "./policy-agent";
import { renderSquidConf, VPC_CIDR_PLACEHOLDER, type SquidPaths, type SquidPolicy } from "./squid-conf";
import { escapeTemplateExcept, renderInterceptRuleset, squidConfPathOverrides } from "./user-data";

export interface PolicyBundleProps {
  /** The egress policy and the proxy's listeners. */
  readonly policy: SquidPolicy;
  /** The VPC's IPv6 /56: a Terraform reference at synth, a literal in tests. */
  readonly vpcIpv6Cidr: string;
  /** Where the agent keeps the policies on the proxy. @default DEFAULT_POLICY_DIR */
  readonly policyDir?: string;
  /** Squid's file locations. @default DEFAULT_SQUID_PATHS (with decryption, the certificate database on its tmpfs) */
  readonly paths?: Partial<SquidPaths>;
}

export interface PolicyBundle {
  /** The bundle as the proxies read it (the /56 as given: a reference stays a reference). */
  readonly text: string;
  /** The bundle as a Terraform string: every `${` and `%{` escaped but the /56's reference. */
  readonly terraformTemplate: string;
  /** The version: `id` in the first line, `metricValue` what the proxies publish as PolicyVersion. */
  readonly version: { readonly id: string; readonly metricValue: number };
  /** The files, by name. */
  readonly files: Readonly<Record<string, string>>;
}

/** Renders the bundle. Throws when a file would contain a line the agent would take for a marker. */
export function renderPolicyBundle(props: PolicyBundleProps): PolicyBundle {
  const { vpcIpv6Cidr } = props;
  const { rest, files } = renderBody(props);
  const version = policyVersionOf(
    vpcIpv6Cidr === VPC_CIDR_PLACEHOLDER ? rest : renderBody({ ...props, vpcIpv6Cidr: VPC_CIDR_PLACEHOLDER }).rest,
  );
  const text = `${POLICY_VERSION_PREFIX}${version.id}\n${rest}`;
  return { text, terraformTemplate: escapeTemplateExcept(text, vpcIpv6Cidr), version, files };
}

function renderBody(props: PolicyBundleProps): { rest: string; files: Record<string, string> } {
  const { policy, vpcIpv6Cidr } = props;
  const policyDir = props.policyDir ?? DEFAULT_POLICY_DIR;
  const allowlistFile = `${policyDir}/${CURRENT_LINK}/${BUNDLE_FILES.allowlist}`;
  const squidConf = renderSquidConf(policy, {
    vpcIpv6Cidr,
    allowlistFile,
    ...squidConfPathOverrides(policy),
    ...(props.paths ? { paths: { ...squidConfPathOverrides(policy).paths, ...props.paths } } : {}),
  });
  const files: Record<string, string> = {
    [BUNDLE_FILES.squidConf]: squidConf,
    [BUNDLE_FILES.allowlist]: policy.domains.map((d) => `${d}\n`).join(""),
    [BUNDLE_FILES.intercept]: renderInterceptRuleset({
      vpcIpv6Cidr,
      ports: policy.ports,
      interceptHttpPort: policy.interceptHttpPort,
      interceptHttpsPort: policy.interceptHttpsPort,
    }),
  };
  const body: string[] = [];
  for (const [name, content] of Object.entries(files)) {
    for (const line of content.split("\n")) {
      if (line.startsWith(BUNDLE_FILE_MARK) || line === BUNDLE_END_MARK || line.startsWith(POLICY_VERSION_PREFIX))
        throw new Error(`policy bundle: ${name} has a line the agent would take for a marker: ${line}`);
    }
    body.push(`${BUNDLE_FILE_MARK}${name}\n${content.endsWith("\n") || content === "" ? content : `${content}\n`}`);
  }
  body.push(`${BUNDLE_END_MARK}\n`);
  return { rest: body.join(""), files };
}
