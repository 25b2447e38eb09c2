/** One of preflight's AWS checks, run by cli/preflight/aws.ts in the order it prints; read calls only (../clients.ts). */
import { DescribeVpcsCommand, type DescribeVpcsCommandOutput } from "@aws-sdk/client-ec2";
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  type GetAWSDefaultServiceQuotaCommandOutput,
  type GetServiceQuotaCommandOutput,
  type ServiceQuotasClient,
} from "@aws-sdk/client-service-quotas";
import { interfaceEndpointsOf } from "../../../config/tls-inspection";
import { modeHasFirewall } from "../../../config/modes";
import { AwsCallError, listAll, send, type Check, type CheckContext } from "../clients";
import { ok, problem } from "../result";

/**
 * Service Quotas codes (service code, quota code). Not read from an AWS page: taken from the Service Quotas console
 * naming used across public configurations; a code that does not exist makes its check "could not check".
 */
export const QUOTAS = {
  vpcsPerRegion: { service: "vpc", code: "L-F678F1CE", name: "VPCs per Region" },
  interfaceEndpointsPerVpc: { service: "vpc", code: "L-29B6F2EB", name: "Interface VPC endpoints per VPC" },
  firewallsPerRegion: { service: "network-firewall", code: "L-DE163D32", name: "Firewalls per account per Region" },
} as const;

/**
 * The quota's applied value; for a quota never raised, GetServiceQuota may answer NoSuchResourceException (the API
 * reference: "If the applied quota value is not available for a quota, the quota is not retrieved"), and the
 * quota's value is then its AWS default (GetAWSDefaultServiceQuota, a read call).
 */
async function quotaValue(
  client: ServiceQuotasClient,
  quota: { service: string; code: string },
): Promise<{ value: number; source: string }> {
  const input = { ServiceCode: quota.service, QuotaCode: quota.code };
  let out: GetServiceQuotaCommandOutput | GetAWSDefaultServiceQuotaCommandOutput;
  let source = "";
  try {
    out = await send<GetServiceQuotaCommandOutput>(client, new GetServiceQuotaCommand(input));
  } catch (e) {
    if (!(e instanceof AwsCallError) || e.code !== "NoSuchResourceException") throw e;
    out = await send<GetAWSDefaultServiceQuotaCommandOutput>(client, new GetAWSDefaultServiceQuotaCommand(input));
    source = " (the quota's AWS default: it has no applied value)";
  }
  const value = out.Quota?.Value;
  if (typeof value !== "number")
    throw new AwsCallError("NoQuotaValue", source === "" ? "servicequotas:GetServiceQuota" : "servicequotas:GetAWSDefaultServiceQuota");
  return { value, source };
}

/** aws:quota:*: the Service Quotas egress6 adds to (VPCs, interface endpoints per VPC, firewalls) have room. */
export function quotaChecks({ config, c, countFirewalls }: CheckContext): Check[] {
  const region = config.region;
  const firewall = modeHasFirewall(config.inspection.mode);
  const checks: Check[] = [];
  checks.push({
    id: "aws:quota:vpcs",
    what: `that ${QUOTAS.vpcsPerRegion.name} has room for one more`,
    async run() {
      const { value: limit, source } = await quotaValue(c.quotas, QUOTAS.vpcsPerRegion);
      const vpcs = await listAll(
        c.ec2,
        (t) => new DescribeVpcsCommand({ NextToken: t }),
        (o: DescribeVpcsCommandOutput) => o.Vpcs ?? [],
      );
      if (vpcs.length + 1 > limit)
        return [
          problem(
            "aws:quota:vpcs",
            `${vpcs.length} of ${limit} VPCs exist in ${region}${source}; egress6 needs one more`,
            `request an increase of ${QUOTAS.vpcsPerRegion.name} (${QUOTAS.vpcsPerRegion.code}) or delete an unused VPC`,
          ),
        ];
      return [ok("aws:quota:vpcs", `${vpcs.length} of ${limit} VPCs used in ${region}${source}; egress6 adds 1`)];
    },
  });
  checks.push({
    id: "aws:quota:interface-endpoints",
    what: `that ${QUOTAS.interfaceEndpointsPerVpc.name} fits the configured endpoints`,
    async run() {
      const { value: limit, source } = await quotaValue(c.quotas, QUOTAS.interfaceEndpointsPerVpc);
      const n = interfaceEndpointsOf(config).length;
      if (n > limit)
        return [
          problem(
            "aws:quota:interface-endpoints",
            `the VPC would have ${n} interface endpoints; the quota is ${limit}${source}`,
            `request an increase of ${QUOTAS.interfaceEndpointsPerVpc.code} or list fewer workload.interfaceEndpoints`,
          ),
        ];
      return [ok("aws:quota:interface-endpoints", `${n} interface endpoints per VPC, quota ${limit}${source}`)];
    },
  });
  if (firewall) {
    checks.push({
      id: "aws:quota:firewalls",
      what: `that ${QUOTAS.firewallsPerRegion.name} has room for one more`,
      async run() {
        const { value: limit, source } = await quotaValue(c.quotas, QUOTAS.firewallsPerRegion);
        const n = await countFirewalls();
        if (n + 1 > limit)
          return [
            problem(
              "aws:quota:firewalls",
              `${n} of ${limit} Network Firewall firewalls exist in ${region}${source}; egress6 needs one more`,
              `request an increase of ${QUOTAS.firewallsPerRegion.code} or delete an unused firewall`,
            ),
          ];
        return [ok("aws:quota:firewalls", `${n} of ${limit} firewalls used in ${region}${source}; egress6 adds 1`)];
      },
    });
  }
  return checks;
}
