/**
 * Checks against the AWS account and region a config names, before anything is applied. Read calls only
 * (List*, Describe*, Get*): READ_COMMANDS below is every command this file can send, and a test holds it to that.
 *
 * Credentials come from the AWS SDK's default provider chain (environment, shared config and SSO, container or
 * instance role). Without any, every check here is skipped with one line each saying so. A call that fails
 * (AccessDenied, throttling, no network) makes its check "could not check: <code> on <service>:<Action>", never ok.
 */
import {
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  DescribeRegionsCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { GuardDutyClient, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import { ConfigServiceClient, DescribeConfigurationRecordersCommand } from "@aws-sdk/client-config-service";
import { CloudTrailClient, DescribeTrailsCommand } from "@aws-sdk/client-cloudtrail";
import { CloudWatchLogsClient, DescribeResourcePoliciesCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { ListFirewallsCommand, NetworkFirewallClient, type ListFirewallsCommandOutput } from "@aws-sdk/client-network-firewall";
import { ACMClient, DescribeCertificateCommand, GetCertificateCommand } from "@aws-sdk/client-acm";
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from "@aws-sdk/client-kms";
import type { Egress6Config } from "../../config/load";
import { modeHasProxies } from "../../config/modes";
import { skipped, unchecked, type CheckResult } from "./result";
import { AwsCallError, homeRegion, listAll, type Check, type CheckContext, type Tier } from "./clients";
import { regionCheck } from "./checks/region";
import { availabilityZoneChecks } from "./checks/availability-zones";
import { networkFirewallChecks } from "./checks/network-firewall";
import { amiChecks } from "./checks/ami";
import { instanceTypeChecks } from "./checks/instance-type";
import { interfaceEndpointChecks } from "./checks/interface-endpoints";
import { guardDutyChecks } from "./checks/guardduty";
import { configRecorderChecks } from "./checks/config-recorder";
import { cloudTrailChecks } from "./checks/cloudtrail";
import { logsResourcePolicyChecks } from "./checks/logs-resource-policy";
import { quotaChecks } from "./checks/quotas";
import { tlsChecks } from "./checks/tls";

/** Every AWS command preflight can send. All are reads; __tests__/preflight-aws.test.ts checks this list and the imports above. */
export const READ_COMMANDS = [
  DescribeRegionsCommand,
  DescribeAvailabilityZonesCommand,
  DescribeImagesCommand,
  DescribeInstanceTypesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeVpcEndpointServicesCommand,
  DescribeVpcsCommand,
  GetParameterCommand,
  ListDetectorsCommand,
  DescribeConfigurationRecordersCommand,
  DescribeTrailsCommand,
  DescribeResourcePoliciesCommand,
  GetServiceQuotaCommand,
  GetAWSDefaultServiceQuotaCommand,
  ListFirewallsCommand,
  DescribeCertificateCommand,
  GetCertificateCommand,
  DescribeSecretCommand,
  DescribeKeyCommand,
  GetKeyPolicyCommand,
] as const;
export interface AwsOptions {
  /** Resolves credentials; default: the SDK's default provider chain. Tests pass their own. */
  readonly credentials?: () => Promise<unknown>;
}

/** Runs a check; a failed call makes it "could not check", never ok. */
async function guarded(check: Check): Promise<CheckResult[]> {
  try {
    return await check.run();
  } catch (e) {
    if (e instanceof AwsCallError) return [unchecked(check.id, `could not check: ${e.message} (needed to check ${check.what})`, e.message)];
    throw e;
  }
}

export async function checkAws(config: Egress6Config, options: AwsOptions = {}): Promise<CheckResult[]> {
  const region = config.region;
  const regional = { region, maxAttempts: 3 };
  const ec2 = new EC2Client(regional);
  const credentials = options.credentials ?? (ec2.config.credentials as () => Promise<unknown>);
  const checks = awsChecks(config, {
    ec2,
    home: new EC2Client({ ...regional, region: homeRegion(region) }),
    ssm: new SSMClient(regional),
    guardDuty: new GuardDutyClient(regional),
    config: new ConfigServiceClient(regional),
    cloudTrail: new CloudTrailClient(regional),
    logs: new CloudWatchLogsClient(regional),
    quotas: new ServiceQuotasClient(regional),
    networkFirewall: new NetworkFirewallClient(regional),
    acm: new ACMClient(regional),
    secrets: new SecretsManagerClient(regional),
    kms: new KMSClient(regional),
  });

  try {
    await credentials();
  } catch (e) {
    const why = (e as Error).message?.split("\n")[0] ?? String(e);
    return checks.all.map((c) =>
      skipped(
        c.id,
        `no AWS credentials (default provider chain: ${why}), so not checked ${c.what}`,
        "no AWS credentials (run with credentials, or --only dns)",
      ),
    );
  }

  const regionResults = await guarded(checks.region);
  // A region that does not exist or is not enabled makes every other answer meaningless; one that could not be
  // checked does not stop the rest (their own calls say whether they could run).
  if (regionResults.some((r) => r.status === "problem")) {
    const rest = checks.all.filter((c) => c !== checks.region);
    return [
      ...regionResults,
      ...rest.map((c) =>
        skipped(c.id, `the region ${region} is not usable (see aws:region), so not checked ${c.what}`, `region ${region} not usable`),
      ),
    ];
  }
  const rest = await Promise.all(checks.all.filter((c) => c !== checks.region).map(guarded));
  return [...regionResults, ...rest.flat()];
}

/** The checks that apply to `config`, in the order they print. */
function awsChecks(config: Egress6Config, c: CheckContext["c"]): { all: Check[]; region: Check } {
  // ListFirewalls answers both "is Network Firewall offered here" and "how many firewalls exist": one listing, shared.
  let firewallCount: Promise<number> | undefined;
  const countFirewalls = () =>
    (firewallCount ??= listAll(
      c.networkFirewall,
      (t) => new ListFirewallsCommand({ NextToken: t }),
      (o: ListFirewallsCommandOutput) => o.Firewalls ?? [],
    ).then((l) => l.length));
  const ctx: CheckContext = { config, c, countFirewalls };
  const proxies = modeHasProxies(config.inspection.mode);
  const region = regionCheck(ctx);
  const tiers: Tier[] = [{ tier: "workload", field: "workload", instanceType: config.workload.instanceType, ami: config.workload.ami }];
  if (proxies)
    tiers.push({
      tier: "proxy",
      field: "inspection.proxy",
      instanceType: config.inspection.proxy.instanceType,
      ami: config.inspection.proxy.ami,
    });
  const checks: Check[] = [
    region,
    ...availabilityZoneChecks(ctx),
    ...networkFirewallChecks(ctx),
    ...tiers.flatMap((t) => [...amiChecks(ctx, t), ...instanceTypeChecks(ctx, t)]),
    ...interfaceEndpointChecks(ctx),
    ...guardDutyChecks(ctx),
    ...configRecorderChecks(ctx),
    ...cloudTrailChecks(ctx),
    ...logsResourcePolicyChecks(ctx),
    ...quotaChecks(ctx),
    ...tlsChecks(ctx),
  ];
  return { all: checks, region };
}
