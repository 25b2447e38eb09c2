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
  type _InstanceType,
} from "@aws-sdk/client-ec2";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { GuardDutyClient, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import { ConfigServiceClient, DescribeConfigurationRecordersCommand } from "@aws-sdk/client-config-service";
import { CloudTrailClient, DescribeTrailsCommand } from "@aws-sdk/client-cloudtrail";
import { CloudWatchLogsClient, DescribeResourcePoliciesCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, ServiceQuotasClient } from "@aws-sdk/client-service-quotas";
import { ListFirewallsCommand, NetworkFirewallClient } from "@aws-sdk/client-network-firewall";
import { ACMClient, DescribeCertificateCommand, GetCertificateCommand } from "@aws-sdk/client-acm";
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from "@aws-sdk/client-kms";
import { X509Certificate } from "node:crypto";
import { decryptionPointOf, interfaceEndpointsOf } from "../../config/tls-inspection";
import type { Egress6Config } from "../../config/load";
import { modeHasFirewall, modeHasProxies } from "../../config/modes";
import { VENDED_LOGS_PREFIX, vendedLogGroups } from "../../lib/names";
import { partitionOf } from "../../lib/partition";
import { ok, problem, skipped, unchecked, type CheckResult } from "./result";

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

/** The CA (in caCertificatePem and in ACM) should stay valid at least this long; less is a problem to act on. */
export const CA_EXPIRY_WARNING_DAYS = 30;

/**
 * Service Quotas codes (service code, quota code). Not read from an AWS page: taken from the Service Quotas console
 * naming used across public configurations; a code that does not exist makes its check "could not check".
 */
export const QUOTAS = {
  vpcsPerRegion: { service: "vpc", code: "L-F678F1CE", name: "VPCs per Region" },
  interfaceEndpointsPerVpc: { service: "vpc", code: "L-29B6F2EB", name: "Interface VPC endpoints per VPC" },
  firewallsPerRegion: { service: "network-firewall", code: "L-DE163D32", name: "Firewalls per account per Region" },
} as const;

/** CloudWatch Logs resource policies: at most 5,120 characters each, 10 per region (PutResourcePolicy API reference). */
export const LOGS_POLICY_MAX_CHARS = 5120;
export const LOGS_POLICIES_PER_REGION = 10;

export interface AwsOptions {
  /** Resolves credentials; default: the SDK's default provider chain. Tests pass their own. */
  readonly credentials?: () => Promise<unknown>;
}

/** A failed AWS call, as one line: `AccessDenied on ec2:DescribeImages`. */
export class AwsCallError extends Error {
  constructor(
    readonly code: string,
    readonly action: string,
  ) {
    super(`${code} on ${action}`);
  }
}

interface Clients {
  readonly ec2: EC2Client;
  readonly home: EC2Client;
  readonly ssm: SSMClient;
  readonly guardDuty: GuardDutyClient;
  readonly config: ConfigServiceClient;
  readonly cloudTrail: CloudTrailClient;
  readonly logs: CloudWatchLogsClient;
  readonly quotas: ServiceQuotasClient;
  readonly networkFirewall: NetworkFirewallClient;
  readonly acm: ACMClient;
  readonly secrets: SecretsManagerClient;
  readonly kms: KMSClient;
}

const IAM_PREFIX = new Map<string, string>([
  ["EC2Client", "ec2"],
  ["SSMClient", "ssm"],
  ["GuardDutyClient", "guardduty"],
  ["ConfigServiceClient", "config"],
  ["CloudTrailClient", "cloudtrail"],
  ["CloudWatchLogsClient", "logs"],
  ["ServiceQuotasClient", "servicequotas"],
  ["NetworkFirewallClient", "network-firewall"],
  ["ACMClient", "acm"],
  ["SecretsManagerClient", "secretsmanager"],
  ["KMSClient", "kms"],
]);

/** Sends one read command; any failure becomes an AwsCallError naming the code and the IAM action. */
async function send<O>(client: { send(command: any): Promise<any> }, command: { constructor: { name: string } }): Promise<O> {
  const action = `${IAM_PREFIX.get(client.constructor.name) ?? client.constructor.name}:${command.constructor.name.replace(/Command$/, "")}`;
  try {
    return (await client.send(command)) as O;
  } catch (e) {
    const err = e as { name?: string; code?: string; Code?: string; $metadata?: unknown };
    const code = (err.$metadata ? err.name : (err.code ?? err.name)) ?? err.Code ?? "Error";
    throw new AwsCallError(code === "Error" && e instanceof Error ? e.message.split("\n")[0] : code, action);
  }
}

/** The region whose EC2 endpoint every account can call, to ask about the configured one (which may be disabled). */
function homeRegion(region: string): string {
  switch (partitionOf(region)) {
    case "aws-cn":
      return "cn-north-1";
    case "aws-us-gov":
      return "us-gov-west-1";
    default:
      return "us-east-1";
  }
}

interface Check {
  readonly id: string;
  /** What the check covers, for the line that says it was skipped. */
  readonly what: string;
  run(): Promise<CheckResult[]>;
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
function awsChecks(config: Egress6Config, c: Clients): { all: Check[]; region: Check } {
  const region = config.region;
  const azs = config.availabilityZones;
  const firewall = modeHasFirewall(config.inspection.mode);
  const proxies = modeHasProxies(config.inspection.mode);
  const obs = config.observability;

  // ListFirewalls answers both "is Network Firewall offered here" and "how many firewalls exist": one listing, shared.
  let firewallCount: Promise<number> | undefined;
  const countFirewalls = () =>
    (firewallCount ??= listAll(
      c.networkFirewall,
      (t) => new ListFirewallsCommand({ NextToken: t }),
      (o: any) => o.Firewalls ?? [],
    ).then((l) => l.length));

  const regionCheck: Check = {
    id: "aws:region",
    what: `that ${region} exists and is enabled`,
    async run() {
      // Asked in the partition's always-enabled region, which can answer for a disabled one; an account whose policies
      // deny that region is asked in the configured region instead (which answers only if it is enabled).
      let out: any;
      try {
        out = await send<any>(c.home, new DescribeRegionsCommand({ AllRegions: true }));
      } catch (e) {
        if (!(e instanceof AwsCallError) || homeRegion(region) === region) throw e;
        out = await send<any>(c.ec2, new DescribeRegionsCommand({ AllRegions: true }));
      }
      const found = (out.Regions ?? []).find((r: any) => r.RegionName === region);
      if (!found)
        return [
          problem(
            "aws:region",
            `${region} is not a region of this account's partition (ec2:DescribeRegions)`,
            "set region to a region your account has",
          ),
        ];
      if (found.OptInStatus === "not-opted-in") {
        return [
          problem(
            "aws:region",
            `${region} exists but is not enabled for this account (opt-in region)`,
            `enable ${region} in the account's Regions settings, or choose an enabled region`,
          ),
        ];
      }
      return [ok("aws:region", `${region} exists and is enabled (${found.OptInStatus ?? "enabled"})`)];
    },
  };

  const checks: Check[] = [regionCheck];

  checks.push({
    id: "aws:availability-zones",
    what: `that ${azs.join(", ")} exist in ${region}`,
    async run() {
      const out = await send<any>(c.ec2, new DescribeAvailabilityZonesCommand({}));
      const zones = (out.AvailabilityZones ?? []).filter((z: any) => (z.ZoneType ?? "availability-zone") === "availability-zone");
      const byName = new Map<string, any>(zones.map((z: any) => [z.ZoneName, z]));
      const have = zones.map((z: any) => `${z.ZoneName} (${z.ZoneId})`).join(", ");
      const missing = azs.filter((az) => !byName.has(az));
      const unavailable = azs.filter((az) => byName.has(az) && byName.get(az).State !== "available");
      if (missing.length > 0) {
        return [
          problem(
            "aws:availability-zones",
            `${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not an AZ of this account in ${region}; it has ${have}`,
            "set availabilityZones to AZ names this account has",
          ),
        ];
      }
      if (unavailable.length > 0) {
        return [
          problem(
            "aws:availability-zones",
            `${unavailable.map((az) => `${az} is ${byName.get(az).State}`).join("; ")}`,
            "choose AZs whose state is available",
          ),
        ];
      }
      return [ok("aws:availability-zones", `${azs.map((az) => `${az} (${byName.get(az).ZoneId})`).join(", ")} exist and are available`)];
    },
  });

  if (firewall) {
    checks.push({
      id: "aws:network-firewall",
      what: `that Network Firewall is offered in ${region}`,
      async run() {
        // Only an answer from the service says it is offered. A failed call (a name that does not resolve, no
        // network, a refused connection) says nothing either way, so it makes this check "could not check" (guarded):
        // the same getaddrinfo error comes from a machine offline and from a region without the endpoint.
        const n = await countFirewalls();
        return [
          ok(
            "aws:network-firewall",
            `offered in ${region} (network-firewall:ListFirewalls answered; ${n} firewall${n === 1 ? "" : "s"} exist). Whether each AZ takes a firewall endpoint has no read API: an AZ without one fails at apply`,
          ),
        ];
      },
    });
  }

  const tiers: Array<{ tier: string; field: string; instanceType: string; ami: string }> = [
    { tier: "workload", field: "workload", instanceType: config.workload.instanceType, ami: config.workload.ami },
  ];
  if (proxies)
    tiers.push({
      tier: "proxy",
      field: "inspection.proxy",
      instanceType: config.inspection.proxy.instanceType,
      ami: config.inspection.proxy.ami,
    });
  for (const t of tiers) {
    const id = `aws:ami:${t.tier}`;
    const parameter = t.ami.replace(/^resolve:ssm:/, "");
    checks.push({
      id,
      what: `that ${t.field}.ami resolves to an image ${t.instanceType} can run`,
      async run() {
        let imageId: string | undefined;
        try {
          imageId = (await send<any>(c.ssm, new GetParameterCommand({ Name: parameter }))).Parameter?.Value;
        } catch (e) {
          if (e instanceof AwsCallError && e.code === "ParameterNotFound") {
            return [
              problem(
                id,
                `${t.field}.ami: the SSM parameter ${parameter} does not exist in ${region}`,
                `set ${t.field}.ami to a parameter that exists in ${region}`,
              ),
            ];
          }
          throw e;
        }
        if (!imageId) throw new AwsCallError("EmptyParameterValue", "ssm:GetParameter");
        const image = ((await send<any>(c.ec2, new DescribeImagesCommand({ ImageIds: [imageId] }))).Images ?? [])[0];
        if (!image)
          return [
            problem(
              id,
              `${t.field}.ami: ${parameter} names ${imageId}, which ec2:DescribeImages does not find in ${region}`,
              "point the parameter at an image available in the region",
            ),
          ];
        let types: any[];
        try {
          types =
            (await send<any>(c.ec2, new DescribeInstanceTypesCommand({ InstanceTypes: [t.instanceType as _InstanceType] })))
              .InstanceTypes ?? [];
        } catch (e) {
          if (e instanceof AwsCallError && e.code === "InvalidInstanceType") types = [];
          else throw e;
        }
        if (types.length === 0)
          return [
            problem(
              id,
              `${t.field}.instanceType ${t.instanceType} is not offered in ${region}`,
              `choose an instance type offered in ${region}`,
            ),
          ];
        const archs: string[] = types[0].ProcessorInfo?.SupportedArchitectures ?? [];
        if (!archs.includes(image.Architecture)) {
          return [
            problem(
              id,
              `${t.field}.ami resolves to ${imageId} (${image.Architecture}) but ${t.instanceType} runs ${archs.join("/") || "no listed architecture"}`,
              `choose an AMI parameter for ${archs[0] ?? "its architecture"} or another instance type`,
            ),
          ];
        }
        return [ok(id, `${parameter} resolves to ${imageId} (${image.Architecture}), which ${t.instanceType} runs`)];
      },
    });
    checks.push({
      id: `aws:instance-type:${t.tier}`,
      what: `that ${t.instanceType} is offered in ${azs.join(", ")}`,
      async run() {
        const out = await send<any>(
          c.ec2,
          new DescribeInstanceTypeOfferingsCommand({
            LocationType: "availability-zone",
            Filters: [
              { Name: "instance-type", Values: [t.instanceType] },
              { Name: "location", Values: [...azs] },
            ],
          }),
        );
        const offered = new Set((out.InstanceTypeOfferings ?? []).map((o: any) => o.Location));
        const missing = azs.filter((az) => !offered.has(az));
        if (missing.length > 0)
          return [
            problem(
              `aws:instance-type:${t.tier}`,
              `${t.field}.instanceType ${t.instanceType} is not offered in ${missing.join(", ")}`,
              "choose an instance type offered in every AZ, or other AZs",
            ),
          ];
        return [ok(`aws:instance-type:${t.tier}`, `${t.instanceType} is offered in ${azs.join(", ")}`)];
      },
    });
  }

  for (const service of interfaceEndpointsOf(config)) {
    const id = `aws:endpoint:${service}`;
    const serviceName = `com.amazonaws.${region}.${service}`;
    checks.push({
      id,
      what: `that ${serviceName} accepts IPv6-only endpoints in ${azs.join(", ")}`,
      async run() {
        let details: any[];
        try {
          details = (await send<any>(c.ec2, new DescribeVpcEndpointServicesCommand({ ServiceNames: [serviceName] }))).ServiceDetails ?? [];
        } catch (e) {
          if (e instanceof AwsCallError && e.code === "InvalidServiceName") details = [];
          else throw e;
        }
        const detail = details.find((d) => d.ServiceName === serviceName);
        if (!detail)
          return [
            problem(id, `${serviceName} is not an endpoint service in ${region}`, `remove ${service} from workload.interfaceEndpoints`),
          ];
        const types: string[] = detail.SupportedIpAddressTypes ?? [];
        if (!types.includes("ipv6")) {
          return [
            problem(
              id,
              `${serviceName} supports ${types.join(", ") || "no listed IP address type"}, not ipv6: an endpoint in IPv6-only subnets cannot be created`,
              `remove ${service} from workload.interfaceEndpoints`,
            ),
          ];
        }
        const missing = azs.filter((az) => !(detail.AvailabilityZones ?? []).includes(az));
        if (missing.length > 0)
          return [
            problem(
              id,
              `${serviceName} is not offered in ${missing.join(", ")}`,
              `remove ${service} from workload.interfaceEndpoints, or choose other AZs`,
            ),
          ];
        return [ok(id, `${serviceName} supports IPv6 (${types.join(", ")}) in ${azs.join(", ")}`)];
      },
    });
  }

  if (obs.guardDuty.create) {
    checks.push({
      id: "aws:guardduty",
      what: "that no GuardDuty detector exists yet",
      async run() {
        const ids: string[] = (await send<any>(c.guardDuty, new ListDetectorsCommand({}))).DetectorIds ?? [];
        if (ids.length > 0) {
          return [
            problem(
              "aws:guardduty",
              `a GuardDuty detector already exists in ${region} (${ids.join(", ")}); an account has one per region, so creating another fails`,
              "set observability.guardDuty.create: false to keep the existing one",
            ),
          ];
        }
        return [ok("aws:guardduty", `no GuardDuty detector in ${region} yet; egress6 creates it`)];
      },
    });
  }

  if (obs.configRecorder.create) {
    checks.push({
      id: "aws:config-recorder",
      what: "that no AWS Config recorder exists yet",
      async run() {
        const all: any[] = (await send<any>(c.config, new DescribeConfigurationRecordersCommand({}))).ConfigurationRecorders ?? [];
        // Service-linked recorders (servicePrincipal set) belong to other AWS services and do not block ours.
        const own = all.filter((r) => !r.servicePrincipal);
        if (own.length > 0) {
          return [
            problem(
              "aws:config-recorder",
              `an AWS Config recorder already exists in ${region} (${own.map((r) => r.name).join(", ")}); a region has one customer-managed recorder, so creating another fails`,
              "set observability.configRecorder.create: false to keep the existing one",
            ),
          ];
        }
        return [ok("aws:config-recorder", `no AWS Config recorder in ${region} yet; egress6 creates it`)];
      },
    });
  }

  if (obs.cloudTrail.create) {
    checks.push({
      id: "aws:cloudtrail",
      what: "that no trail already records this region",
      async run() {
        const trails: any[] = (await send<any>(c.cloudTrail, new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? [];
        const ours = `${config.name}-egress6`;
        const taken = trails.find((t) => t.Name === ours && t.HomeRegion === region);
        if (taken)
          return [
            problem(
              "aws:cloudtrail",
              `a trail named ${ours} already exists in ${region}`,
              "remove it, or set observability.cloudTrail.create: false and existingLogGroupName",
            ),
          ];
        const covering = trails.filter((t) => t.IsMultiRegionTrail || t.HomeRegion === region);
        if (covering.length > 0) {
          return [
            problem(
              "aws:cloudtrail",
              `${covering.length === 1 ? "a trail" : `${covering.length} trails`} already record${covering.length === 1 ? "s" : ""} ${region} (${covering.map((t) => t.Name).join(", ")}); a second trail of the same management events is charged`,
              "set observability.cloudTrail.create: false and existingLogGroupName to the existing trail's log group",
            ),
          ];
        }
        return [ok("aws:cloudtrail", `no trail records ${region} yet; egress6 creates ${ours}`)];
      },
    });
  }

  // The log groups AWS services deliver to for this config: the same record the stacks hand to Network Firewall's
  // logging configuration (modes with a firewall) and to Resolver query logging (DNS Firewall on).
  const groups = vendedLogGroups(config.name);
  const vended = [...(firewall ? Object.values(groups.firewall) : []), ...(obs.dnsFirewall.enabled ? [groups.resolverQueryLogs] : [])];
  checks.push({
    id: "aws:logs-resource-policy",
    what: "that the CloudWatch Logs resource policy has room",
    async run() {
      if (vended.length === 0)
        return [
          ok("aws:logs-resource-policy", "this config delivers no vended logs, so it adds nothing to the CloudWatch Logs resource policy"),
        ];
      const policies = await listAll(
        c.logs,
        (t) => new DescribeResourcePoliciesCommand({ nextToken: t }),
        (o: any) => o.resourcePolicies ?? [],
        "nextToken",
      );
      const accountLevel = policies.filter((p: any) => p.policyScope !== "RESOURCE");
      // Log delivery grants delivery.logs.amazonaws.com; each log group outside /aws/vendedlogs/ adds its ARN to that policy.
      const delivery = accountLevel.filter((p: any) => String(p.policyDocument ?? "").includes("delivery.logs.amazonaws.com"));
      const { growth, covered } = policyGrowth(
        vended,
        delivery.map((p: any) => String(p.policyDocument ?? "")),
        partitionOf(region),
        region,
      );
      if (delivery.length === 0) {
        if (accountLevel.length >= LOGS_POLICIES_PER_REGION) {
          return [
            problem(
              "aws:logs-resource-policy",
              `${accountLevel.length} resource policies exist in ${region} (at most ${LOGS_POLICIES_PER_REGION}) and none is a log-delivery policy, so log delivery cannot add one`,
              "delete an unused CloudWatch Logs resource policy",
            ),
          ];
        }
        return [
          ok(
            "aws:logs-resource-policy",
            `${accountLevel.length} of ${LOGS_POLICIES_PER_REGION} resource policies used; log delivery can add its own`,
          ),
        ];
      }
      const largest = Math.max(...delivery.map((p: any) => String(p.policyDocument).length));
      const adds =
        growth === 0
          ? `egress6's ${vended.length} log groups add nothing (${covered})`
          : `egress6's ${vended.length} log groups would add about ${growth} (${covered})`;
      if (largest + growth > LOGS_POLICY_MAX_CHARS) {
        return [
          problem(
            "aws:logs-resource-policy",
            `the log-delivery resource policy has ${largest} of ${LOGS_POLICY_MAX_CHARS} characters; ${adds}`,
            "remove stale log-group grants from the policy (or delete unused log deliveries) to make room",
          ),
        ];
      }
      return [
        ok("aws:logs-resource-policy", `the log-delivery resource policy has ${largest} of ${LOGS_POLICY_MAX_CHARS} characters; ${adds}`),
      ];
    },
  });

  checks.push({
    id: "aws:quota:vpcs",
    what: `that ${QUOTAS.vpcsPerRegion.name} has room for one more`,
    async run() {
      const { value: limit, source } = await quotaValue(c.quotas, QUOTAS.vpcsPerRegion);
      const vpcs = await listAll(
        c.ec2,
        (t) => new DescribeVpcsCommand({ NextToken: t }),
        (o: any) => o.Vpcs ?? [],
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
  checks.push(...tlsChecks(config, c));
  return { all: checks, region: regionCheck };
}

const DAY_MS = 24 * 60 * 60 * 1000;
const daysLeft = (notAfter: Date | string) => Math.floor((new Date(notAfter).getTime() - Date.now()) / DAY_MS);

/**
 * inspection.tlsInspection (docs/dlp.md): the CA's expiry; with firewall decryption, the ACM certificate (imported,
 * issued, not expiring, and the same CA the workloads trust); with proxy decryption, the secret (exists, encrypted
 * with the configured key) and that key (customer-managed, enabled, its policy lets IAM grant kms:Decrypt). Never
 * reads the secret's value.
 */
function tlsChecks(config: Egress6Config, c: Clients): Check[] {
  const tls = config.inspection.tlsInspection;
  if (!tls) return [];
  const point = decryptionPointOf(tls, config.inspection.mode);
  const ca = new X509Certificate(tls.caCertificatePem);
  const checks: Check[] = [
    {
      id: "tls:ca-expiry",
      what: "that the CA certificate (caCertificatePem) stays valid",
      async run() {
        const days = daysLeft(ca.validTo);
        if (days < CA_EXPIRY_WARNING_DAYS) {
          return [
            problem(
              "tls:ca-expiry",
              `the CA certificate expires on ${ca.validTo} (${days} days); workloads then refuse every decrypted connection`,
              "make a new CA, give it to the workloads and the inspection point (docs/dlp.md, rotating the CA)",
            ),
          ];
        }
        return [ok("tls:ca-expiry", `the CA certificate is valid until ${ca.validTo} (${days} days)`)];
      },
    },
  ];
  if (point === "firewall" && tls.caCertificateArn) {
    const arn = tls.caCertificateArn;
    checks.push({
      id: "tls:acm-certificate",
      what: `the ACM certificate ${arn} (imported, issued, the CA the workloads trust)`,
      async run() {
        const described = (await send<any>(c.acm, new DescribeCertificateCommand({ CertificateArn: arn }))).Certificate ?? {};
        const found: CheckResult[] = [];
        if (described.Type !== "IMPORTED")
          found.push(
            problem(
              "tls:acm-certificate",
              `${arn} is of type ${described.Type ?? "(none)"}; Network Firewall takes an imported CA certificate only`,
              "import your CA certificate and key into ACM (docs/dlp.md) and give that ARN",
            ),
          );
        if (described.Status !== "ISSUED")
          found.push(
            problem(
              "tls:acm-certificate",
              `${arn} has status ${described.Status ?? "(none)"}; expected ISSUED`,
              "re-import the CA into ACM",
            ),
          );
        if (described.NotAfter && daysLeft(described.NotAfter) < CA_EXPIRY_WARNING_DAYS) {
          found.push(
            problem(
              "tls:acm-certificate",
              `${arn} expires on ${new Date(described.NotAfter).toISOString()} (${daysLeft(described.NotAfter)} days)`,
              "re-import a renewed CA into ACM and give the workloads its certificate",
            ),
          );
        }
        const pem = (await send<any>(c.acm, new GetCertificateCommand({ CertificateArn: arn }))).Certificate;
        let same = false;
        try {
          same = pem !== undefined && new X509Certificate(pem).fingerprint256 === ca.fingerprint256;
        } catch {
          same = false;
        }
        if (!same) {
          found.push(
            problem(
              "tls:acm-certificate",
              `${arn} is not the CA in caCertificatePem (SHA-256 fingerprint ${ca.fingerprint256}): the firewall would sign with a CA the workloads do not trust`,
              "import the same CA into ACM, or put the ACM certificate's PEM in caCertificatePem",
            ),
          );
        }
        return found.length > 0
          ? found
          : [
              ok(
                "tls:acm-certificate",
                `${arn}: imported, issued, valid until ${described.NotAfter ? new Date(described.NotAfter).toISOString() : "(not said)"}, and the same CA as caCertificatePem`,
              ),
            ];
      },
    });
  }
  if (point === "proxy" && tls.caPrivateKey) {
    const { secretArn, kmsKeyArn } = tls.caPrivateKey;
    const keyId = kmsKeyArn.split("/").pop()!;
    checks.push({
      id: "tls:ca-key-secret",
      what: `the secret ${secretArn} (exists, encrypted with ${kmsKeyArn}); its value is never read`,
      async run() {
        const secret = await send<any>(c.secrets, new DescribeSecretCommand({ SecretId: secretArn }));
        if (secret.DeletedDate)
          return [
            problem(
              "tls:ca-key-secret",
              `${secretArn} is scheduled for deletion`,
              "restore the secret (secretsmanager restore-secret) or create a new one and give its ARN",
            ),
          ];
        if (secret.ARN !== undefined && secret.ARN !== secretArn)
          return [problem("tls:ca-key-secret", `${secretArn} answers as ${secret.ARN}`, "give the secret's full ARN")];
        const used = secret.KmsKeyId as string | undefined;
        if (used === undefined || !(used === kmsKeyArn || used === keyId || used.endsWith(`:key/${keyId}`))) {
          return [
            problem(
              "tls:ca-key-secret",
              `${secretArn} is encrypted with ${used ?? "the AWS-managed key aws/secretsmanager"}, not ${kmsKeyArn}; the proxies may decrypt only with the configured key`,
              `re-encrypt it: aws secretsmanager update-secret --secret-id ${secretArn} --kms-key-id ${kmsKeyArn}`,
            ),
          ];
        }
        return [ok("tls:ca-key-secret", `${secretArn} exists and is encrypted with ${kmsKeyArn}`)];
      },
    });
    checks.push({
      id: "tls:ca-key-kms",
      what: `the KMS key ${kmsKeyArn} (customer-managed, enabled, its key policy lets IAM grant kms:Decrypt)`,
      async run() {
        const meta = (await send<any>(c.kms, new DescribeKeyCommand({ KeyId: kmsKeyArn }))).KeyMetadata ?? {};
        if (meta.KeyManager !== "CUSTOMER")
          return [
            problem(
              "tls:ca-key-kms",
              `${kmsKeyArn} is not a customer-managed key (KeyManager ${meta.KeyManager ?? "not said"}); its key policy cannot be a second lock`,
              "encrypt the secret with a customer-managed key (docs/dlp.md)",
            ),
          ];
        if (meta.KeyState !== "Enabled")
          return [
            problem(
              "tls:ca-key-kms",
              `${kmsKeyArn} is ${meta.KeyState ?? "in an unknown state"}; the proxies cannot decrypt the secret`,
              "enable the key (kms enable-key), or cancel its deletion",
            ),
          ];
        const text = (await send<any>(c.kms, new GetKeyPolicyCommand({ KeyId: kmsKeyArn, PolicyName: "default" }))).Policy;
        const account = kmsKeyArn.split(":")[4];
        const role = `:role/${config.name}-proxy`;
        let statements: any[] = [];
        try {
          const doc = JSON.parse(text ?? "");
          statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
        } catch {
          return [
            unchecked("tls:ca-key-kms", `could not check: the key policy of ${kmsKeyArn} is not readable JSON`, "key policy not JSON"),
          ];
        }
        const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : v === undefined ? [] : [String(v)]);
        // An action pattern (IAM wildcards * and ?, case-insensitive) that covers kms:Decrypt.
        const coversDecrypt = (a: string) =>
          new RegExp(
            `^${a
              .replace(/[.+^${}()|[\]\\]/g, "\\$&")
              .replace(/\*/g, ".*")
              .replace(/\?/g, ".")}$`,
            "i",
          ).test("kms:Decrypt");
        const mentionsDecrypt = (st: any) =>
          list(st.Action).some(coversDecrypt) || (st.NotAction !== undefined && !list(st.NotAction).some(coversDecrypt));
        // Never fail open: a Deny that may cover kms:Decrypt, or an Allow that grants it only under conditions, is
        // something this check cannot evaluate (who the Deny or the conditions hit depends on the request).
        const denies = statements.filter((st) => st?.Effect === "Deny" && mentionsDecrypt(st));
        if (denies.length > 0) {
          return [
            unchecked(
              "tls:ca-key-kms",
              `could not check: the key policy of ${kmsKeyArn} has a Deny statement covering kms:Decrypt${denies[0].Sid ? ` (Sid ${denies[0].Sid})` : ""}; it may stop the proxies from decrypting the secret`,
              "key policy Deny on kms:Decrypt",
            ),
          ];
        }
        const matching = statements.filter((st) => {
          if (st?.Effect !== "Allow" || !mentionsDecrypt(st)) return false;
          const principals = list(st.Principal?.AWS ?? (st.Principal === "*" ? "*" : undefined));
          return principals.some(
            (p) => p === account || p === `arn:${partitionOf(config.region)}:iam::${account}:root` || p.endsWith(role),
          );
        });
        const grants = matching.some((st) => st.Condition === undefined && st.NotAction === undefined);
        if (!grants && matching.length > 0) {
          return [
            unchecked(
              "tls:ca-key-kms",
              `could not check: the key policy of ${kmsKeyArn} lets the account or the proxy role have kms:Decrypt only under conditions (or through NotAction)${matching[0].Sid ? ` (Sid ${matching[0].Sid})` : ""}; whether the proxies' requests meet them is not evaluated`,
              "key policy Allow with conditions",
            ),
          ];
        }
        if (!grants) {
          return [
            problem(
              "tls:ca-key-kms",
              `the key policy of ${kmsKeyArn} neither lets IAM policies of account ${account} grant kms:Decrypt (Principal ${account} root) nor names the role ${config.name}-proxy: the proxies could not decrypt the secret`,
              "add a statement allowing the account root (kms:*) or the proxy role (kms:Decrypt) (docs/dlp.md)",
            ),
          ];
        }
        return [
          ok("tls:ca-key-kms", `${kmsKeyArn} is customer-managed, enabled, and its key policy lets the proxy role be granted kms:Decrypt`),
        ];
      },
    });
  }
  return checks;
}

/**
 * How much the log-delivery resource policy grows for `vended` log groups, given the delivery policies' documents.
 * Each group outside /aws/vendedlogs/ is one more ARN entry; the groups under it share one `/aws/vendedlogs/*` entry,
 * which adds nothing when a policy already has it (CloudWatch Logs user guide, "Logs sent to CloudWatch Logs";
 * the exact text AWS writes into the policy is not documented, so the sizes are an estimate of its ARN entries).
 */
export function policyGrowth(
  vended: readonly string[],
  documents: readonly string[],
  partition: string,
  region: string,
): { growth: number; covered: string } {
  // An account ID is always 12 digits; which account does not change the length.
  const entry = (logGroup: string) => `"arn:${partition}:logs:${region}:123456789012:log-group:${logGroup}:log-stream:*",`.length;
  const prefixEntry = `${VENDED_LOGS_PREFIX}/*`;
  const under = vended.filter((n) => n.startsWith(`${VENDED_LOGS_PREFIX}/`));
  const outside = vended.filter((n) => !n.startsWith(`${VENDED_LOGS_PREFIX}/`));
  const hasPrefixEntry = documents.some((d) => d.includes(`log-group:${prefixEntry}`));
  let growth = outside.reduce((sum, n) => sum + entry(n), 0);
  const notes: string[] = [];
  if (under.length > 0) {
    if (hasPrefixEntry) notes.push(`${under.length} under ${VENDED_LOGS_PREFIX}/, which the policy's ${prefixEntry} entry already covers`);
    else {
      growth += entry(prefixEntry);
      notes.push(`${under.length} under ${VENDED_LOGS_PREFIX}/, one ${prefixEntry} entry for all of them`);
    }
  }
  if (outside.length > 0) notes.push(`${outside.length} outside ${VENDED_LOGS_PREFIX}/, one entry each`);
  return { growth, covered: notes.join("; ") };
}

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
  let out: any;
  let source = "";
  try {
    out = await send<any>(client, new GetServiceQuotaCommand(input));
  } catch (e) {
    if (!(e instanceof AwsCallError) || e.code !== "NoSuchResourceException") throw e;
    out = await send<any>(client, new GetAWSDefaultServiceQuotaCommand(input));
    source = " (the quota's AWS default: it has no applied value)";
  }
  const value = out.Quota?.Value;
  if (typeof value !== "number")
    throw new AwsCallError("NoQuotaValue", source === "" ? "servicequotas:GetServiceQuota" : "servicequotas:GetAWSDefaultServiceQuota");
  return { value, source };
}

/** Every item of a paged listing (at most 100 pages, so a misbehaving token cannot loop forever). */
async function listAll<T>(
  client: { send(command: any): Promise<any> },
  command: (token: string | undefined) => object,
  items: (out: unknown) => T[],
  tokenField = "NextToken",
): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < 100; page++) {
    const out = await send<any>(client, command(token) as { constructor: { name: string } });
    all.push(...items(out));
    token = out?.[tokenField];
    if (!token) return all;
  }
  throw new AwsCallError("TooManyPages", "listing");
}
