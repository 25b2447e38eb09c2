/**
 * `npm run --silent squid-config -- [--config FILE] [--az a] [--vpc-ipv6-cidr CIDR]`: prints the squid.conf the
 * proxy of one AZ runs, so operators can read and diff it. The VPC's /56 is assigned by AWS when the network
 * stack is applied; until it is given with --vpc-ipv6-cidr the file says VPC_IPV6_CIDR where it goes.
 */
import { parseArgs } from "node:util";
import * as ipaddr from "ipaddr.js";
import { UserError } from "../../config/load";
import { environmentOrProblems } from "../../app/environment";
import { zonesOf } from "../../config/zones";
import { argumentProblem, runCli } from "../shared/run-cli";
import { squidPolicyOf } from "../../stacks/proxy-policy";
import { renderSquidConf, VPC_CIDR_PLACEHOLDER } from "../../modules/proxy/squid-conf";
import { squidConfPathOverrides } from "../../modules/proxy/user-data";

export const USAGE = "usage: npm run --silent squid-config -- [--config FILE] [--az a] [--vpc-ipv6-cidr CIDR] [--json]";

/** The squid.conf for `argv`; throws UserError listing every problem with the flags or the config. */
export function squidConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, say: (line: string) => void = () => {}): string {
  let values: { config?: string; az?: string; "vpc-ipv6-cidr"?: string; json?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        config: { type: "string" },
        az: { type: "string" },
        "vpc-ipv6-cidr": { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean" },
      },
      allowPositionals: false,
      strict: true,
    }));
  } catch (e) {
    const problem = argumentProblem(e, USAGE);
    throw problem === undefined ? e : new UserError([problem]);
  }
  if (values.help) return `${USAGE}\n`;

  const problems: string[] = [];
  if (values.config === "") problems.push("--config: got an empty file name; expected a .json, .yaml or .yml file");
  const cidr = values["vpc-ipv6-cidr"];
  if (cidr !== undefined && !isVpcCidr(cidr)) {
    problems.push(`--vpc-ipv6-cidr: got ${JSON.stringify(cidr)}; expected the VPC's IPv6 /56 such as 2600:1f18:1234:5600::/56`);
  }
  const environment = environmentOrProblems(values.config, problems, env);
  const config = environment?.config;
  const line = environment?.line ?? "";
  let az: string | undefined;
  if (config) {
    const suffixes = zonesOf(config).map((z) => z.suffix);
    az = values.az ?? suffixes[0];
    if (!suffixes.includes(az))
      problems.push(`--az: got ${JSON.stringify(az)}; accepted: ${suffixes.join(", ")} (the suffixes of availabilityZones)`);
  }
  if (problems.length > 0 || !config) throw new UserError(problems);
  if (!values.json) say(line);
  const policy = squidPolicyOf(config);
  // The same paths as the proxies' boot script (with decryption the certificate database is on a tmpfs).
  const squidConf = renderSquidConf(policy, { vpcIpv6Cidr: cidr ?? VPC_CIDR_PLACEHOLDER, az, ...squidConfPathOverrides(policy) });
  if (!values.json) return squidConf;
  return `${JSON.stringify({ environment: config.name, az, vpcIpv6Cidr: cidr ?? null, squidConf }, null, 2)}\n`;
}

/** An IPv6 network address with a /56 prefix (what Amazon and the IPAM option give a VPC). */
function isVpcCidr(value: string): boolean {
  if (!ipaddr.IPv6.isValidCIDR(value)) return false;
  const [address, prefix] = ipaddr.IPv6.parseCIDR(value);
  return prefix === 56 && ipaddr.IPv6.networkAddressFromCIDR(value).toString() === address.toString();
}

if (require.main === module) {
  runCli(USAGE, () => {
    process.stdout.write(squidConfig(process.argv.slice(2), process.env, (line) => process.stderr.write(`${line}\n`)));
    return 0;
  });
}
