import * as fs from "node:fs";
import * as path from "node:path";
import { mockClient, type AwsStub } from "aws-sdk-client-mock";
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
import { GetParameterCommand, ParameterNotFound, SSMClient } from "@aws-sdk/client-ssm";
import { GuardDutyClient, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import { ConfigServiceClient, DescribeConfigurationRecordersCommand } from "@aws-sdk/client-config-service";
import { CloudTrailClient, DescribeTrailsCommand } from "@aws-sdk/client-cloudtrail";
import { CloudWatchLogsClient, DescribeResourcePoliciesCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  GetAWSDefaultServiceQuotaCommand,
  GetServiceQuotaCommand,
  NoSuchResourceException,
  ServiceQuotasClient,
} from "@aws-sdk/client-service-quotas";
import { ListFirewallsCommand, NetworkFirewallClient } from "@aws-sdk/client-network-firewall";
import * as os from "node:os";
import { ACMClient, DescribeCertificateCommand, GetCertificateCommand } from "@aws-sdk/client-acm";
import { DescribeSecretCommand, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { DescribeKeyCommand, GetKeyPolicyCommand, KMSClient } from "@aws-sdk/client-kms";
import { DEMO_CONFIG } from "../config/demo";
import { parseConfig } from "../config/load";
import { checkAws, READ_COMMANDS } from "../cli/preflight/aws";
import { policyGrowth } from "../cli/preflight/checks/logs-resource-policy";
import { QUOTAS } from "../cli/preflight/checks/quotas";
import { vendedLogGroups } from "../lib/names";
import type { CheckResult } from "../cli/preflight/result";
import { merge } from "./helpers";
import { makeTestCa } from "./support/test-ca";

const HAVE_CREDENTIALS = { credentials: async () => ({ accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" }) };
const NO_CREDENTIALS = {
  credentials: async () => {
    throw Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
  },
};

const config = parseConfig(merge(DEMO_CONFIG, { region: "eu-central-1", availabilityZones: ["eu-central-1a", "eu-central-1b"] }));
const ARM_AMI = "ami-0aaaaaaaaaaaaaaa1";

/** An AWS error as the SDK throws it: name is the error code, $metadata marks it as a service answer. */
function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

const mocks: Array<AwsStub<any, any, any>> = [];
let ec2: AwsStub<any, any, any>, ssm: AwsStub<any, any, any>, guardDuty: AwsStub<any, any, any>, configService: AwsStub<any, any, any>;
let cloudTrail: AwsStub<any, any, any>,
  logs: AwsStub<any, any, any>,
  quotas: AwsStub<any, any, any>,
  networkFirewall: AwsStub<any, any, any>;
let acm: AwsStub<any, any, any>, secrets: AwsStub<any, any, any>, kms: AwsStub<any, any, any>;

/** An account where everything egress6 needs is there and nothing is in the way. */
function healthyAccount(): void {
  ec2.on(DescribeRegionsCommand).resolves({
    Regions: [
      { RegionName: "eu-central-1", OptInStatus: "opt-in-not-required" },
      { RegionName: "us-east-1", OptInStatus: "opt-in-not-required" },
    ],
  });
  ec2.on(DescribeAvailabilityZonesCommand).resolves({
    AvailabilityZones: ["a", "b", "c"].map((l, i) => ({
      ZoneName: `eu-central-1${l}`,
      ZoneId: `euc1-az${i + 1}`,
      State: "available",
      ZoneType: "availability-zone",
    })),
  });
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: ARM_AMI } });
  ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: ARM_AMI, Architecture: "arm64" }] });
  ec2.on(DescribeInstanceTypesCommand).callsFake((input: any) => ({
    InstanceTypes: [{ InstanceType: input.InstanceTypes[0], ProcessorInfo: { SupportedArchitectures: ["arm64"] } }],
  }));
  ec2.on(DescribeInstanceTypeOfferingsCommand).callsFake((input: any) => ({
    InstanceTypeOfferings: ["eu-central-1a", "eu-central-1b"].map((Location) => ({
      InstanceType: input.Filters[0].Values[0],
      Location,
      LocationType: "availability-zone",
    })),
  }));
  ec2.on(DescribeVpcEndpointServicesCommand).callsFake((input: any) => ({
    ServiceDetails: [
      {
        ServiceName: input.ServiceNames[0],
        SupportedIpAddressTypes: ["ipv4", "ipv6"],
        AvailabilityZones: ["eu-central-1a", "eu-central-1b", "eu-central-1c"],
      },
    ],
  }));
  ec2.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: "vpc-1" }] });
  guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [] });
  configService.on(DescribeConfigurationRecordersCommand).resolves({ ConfigurationRecorders: [] });
  cloudTrail.on(DescribeTrailsCommand).resolves({ trailList: [] });
  logs.on(DescribeResourcePoliciesCommand).resolves({ resourcePolicies: [] });
  quotas.on(GetServiceQuotaCommand).callsFake((input: any) => ({
    Quota: {
      ServiceCode: input.ServiceCode,
      QuotaCode: input.QuotaCode,
      Value: input.ServiceCode === "vpc" ? (input.QuotaCode === QUOTAS.vpcsPerRegion.code ? 5 : 50) : 5,
    },
  }));
  networkFirewall.on(ListFirewallsCommand).resolves({ Firewalls: [] });
}

beforeAll(() => {
  ec2 = mockClient(EC2Client);
  ssm = mockClient(SSMClient);
  guardDuty = mockClient(GuardDutyClient);
  configService = mockClient(ConfigServiceClient);
  cloudTrail = mockClient(CloudTrailClient);
  logs = mockClient(CloudWatchLogsClient);
  quotas = mockClient(ServiceQuotasClient);
  networkFirewall = mockClient(NetworkFirewallClient);
  acm = mockClient(ACMClient);
  secrets = mockClient(SecretsManagerClient);
  kms = mockClient(KMSClient);
  mocks.push(ec2, ssm, guardDuty, configService, cloudTrail, logs, quotas, networkFirewall, acm, secrets, kms);
});
beforeEach(() => {
  for (const m of mocks) m.reset();
  healthyAccount();
});
afterAll(() => {
  for (const m of mocks) m.restore();
});

/** A log-delivery resource policy document of `filler` + 62 characters, with extra Resource text if given. */
const deliveryPolicy = (filler: number, resource = "") =>
  `{"Principal":{"Service":"delivery.logs.amazonaws.com"},"x":"${"a".repeat(filler)}"}${resource}`;

const byId = (results: CheckResult[], id: string) => {
  const found = results.find((r) => r.id === id);
  if (!found) throw new Error(`no result ${id} in ${results.map((r) => r.id).join(", ")}`);
  return found;
};
const sentCommands = () => mocks.flatMap((m) => m.calls().map((call) => (call.args[0] as object).constructor));

describe("preflight AWS checks (aws-sdk-client-mock)", () => {
  test("a healthy account: every check is ok, and every command sent is one of the read commands", async () => {
    const results = await checkAws(config, HAVE_CREDENTIALS);
    expect(results.filter((r) => r.status !== "ok")).toEqual([]);
    expect(results.map((r) => r.id)).toEqual([
      "aws:region",
      "aws:availability-zones",
      "aws:network-firewall",
      "aws:ami:workload",
      "aws:instance-type:workload",
      "aws:ami:proxy",
      "aws:instance-type:proxy",
      "aws:endpoint:ssm",
      "aws:endpoint:ssmmessages",
      "aws:endpoint:ec2messages",
      "aws:endpoint:logs",
      "aws:guardduty",
      "aws:config-recorder",
      "aws:cloudtrail",
      "aws:logs-resource-policy",
      "aws:quota:vpcs",
      "aws:quota:interface-endpoints",
      "aws:quota:firewalls",
    ]);
    expect(byId(results, "aws:availability-zones").message).toBe(
      "eu-central-1a (euc1-az1), eu-central-1b (euc1-az2) exist and are available",
    );
    const sent = sentCommands();
    expect(sent.length).toBeGreaterThan(15);
    for (const command of sent) expect(READ_COMMANDS as readonly unknown[]).toContain(command);
    // The SSM parameter asked for is the config's, without the resolve:ssm: prefix.
    expect(ssm.commandCalls(GetParameterCommand)[0].args[0].input).toEqual({
      Name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
    });
  });

  test("every command the code can send is a read call (List/Describe/Get), and the code imports no other command", () => {
    for (const command of READ_COMMANDS) expect(command.name).toMatch(/^(List|Describe|Get)[A-Za-z]+Command$/);
    // Every file of the command's folder, the check files under checks/ included.
    const dir = path.join(__dirname, "..", "cli", "preflight");
    const files = fs
      .readdirSync(dir, { recursive: true, encoding: "utf8" })
      .filter((f) => f.endsWith(".ts"))
      .map((f) => path.join(dir, f));
    expect(files).toContain(path.join(dir, "index.ts"));
    const imported = new Set<string>();
    for (const file of files) {
      const text = fs.readFileSync(file, "utf8");
      for (const m of text.matchAll(/import\s*{([^}]*)}\s*from\s*"@aws-sdk\/client-[a-z0-9-]+"/g)) {
        for (const name of m[1].split(",").map((s) => s.trim().replace(/^type\s+/, ""))) if (/Command$/.test(name)) imported.add(name);
      }
      expect(text).not.toMatch(/\.send\(\s*new\s+(?!(List|Describe|Get))[A-Z]\w*Command/);
    }
    expect([...imported].sort()).toEqual(READ_COMMANDS.map((c) => c.name).sort());
  });

  test("without credentials every check is skipped with the reason, one line each, and nothing is sent", async () => {
    const results = await checkAws(config, NO_CREDENTIALS);
    expect(results).toHaveLength(18);
    for (const r of results) {
      expect(r.status).toBe("skipped");
      expect(r.message).toMatch(
        /^no AWS credentials \(default provider chain: Could not load credentials from any providers\), so not checked /,
      );
      expect(r.reason).toBe("no AWS credentials (run with credentials, or --only dns)");
    }
    expect(sentCommands()).toEqual([]);
  });

  test("access denied on one call: that check says 'could not check: AccessDenied on ec2:DescribeImages', never ok; the rest still run", async () => {
    ec2.on(DescribeImagesCommand).rejects(awsError("AccessDenied", "User is not authorized to perform: ec2:DescribeImages"));
    const results = await checkAws(config, HAVE_CREDENTIALS);
    for (const tier of ["workload", "proxy"]) {
      expect(byId(results, `aws:ami:${tier}`)).toEqual({
        id: `aws:ami:${tier}`,
        status: "unchecked",
        message: expect.stringMatching(
          /^could not check: AccessDenied on ec2:DescribeImages \(needed to check that .*\.ami resolves to an image t4g\.(micro|small) can run\)$/,
        ),
        reason: "AccessDenied on ec2:DescribeImages",
      });
    }
    expect(results.filter((r) => r.status !== "ok").map((r) => r.id)).toEqual(["aws:ami:workload", "aws:ami:proxy"]);
  });

  test("a region the account has not enabled is a problem, and the region's other checks are skipped, not run", async () => {
    ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: "eu-central-1", OptInStatus: "not-opted-in" }] });
    const results = await checkAws(config, HAVE_CREDENTIALS);
    expect(results[0]).toMatchObject({
      id: "aws:region",
      status: "problem",
      message: "eu-central-1 exists but is not enabled for this account (opt-in region)",
    });
    expect(results.slice(1).every((r) => r.status === "skipped" && /region eu-central-1 is not usable/.test(r.message))).toBe(true);
    expect(sentCommands()).toEqual([DescribeRegionsCommand]);
  });

  test("a denied DescribeRegions in the home region is asked again in the configured region; denied there too, only aws:region is unchecked", async () => {
    let calls = 0;
    ec2.on(DescribeRegionsCommand).callsFake(() => {
      calls++;
      if (calls === 1) throw awsError("UnauthorizedOperation");
      return { Regions: [{ RegionName: "eu-central-1", OptInStatus: "opt-in-not-required" }] };
    });
    const results = await checkAws(config, HAVE_CREDENTIALS);
    expect(results.filter((r) => r.status !== "ok")).toEqual([]);
    expect(calls).toBe(2);

    ec2.on(DescribeRegionsCommand).rejects(awsError("UnauthorizedOperation"));
    const denied = await checkAws(config, HAVE_CREDENTIALS);
    expect(denied.filter((r) => r.status !== "ok")).toEqual([
      {
        id: "aws:region",
        status: "unchecked",
        message: expect.stringMatching(/^could not check: UnauthorizedOperation on ec2:DescribeRegions/),
        reason: "UnauthorizedOperation on ec2:DescribeRegions",
      },
    ]);
  });

  // Each problem: [name, how the account differs from the healthy one, check id, message pattern, other checks it also fails].
  const problems: Array<[string, () => void, string, RegExp, string[]?]> = [
    [
      "a region missing from the partition",
      () => ec2.on(DescribeRegionsCommand).resolves({ Regions: [{ RegionName: "us-east-1" }] }),
      "aws:region",
      /^eu-central-1 is not a region of this account's partition/,
    ],
    [
      "an AZ this account does not have",
      () =>
        ec2
          .on(DescribeAvailabilityZonesCommand)
          .resolves({ AvailabilityZones: [{ ZoneName: "eu-central-1a", ZoneId: "euc1-az2", State: "available" }] }),
      "aws:availability-zones",
      /^eu-central-1b is not an AZ of this account in eu-central-1; it has eu-central-1a \(euc1-az2\)$/,
    ],
    [
      "an impaired AZ",
      () =>
        ec2.on(DescribeAvailabilityZonesCommand).resolves({
          AvailabilityZones: [
            { ZoneName: "eu-central-1a", ZoneId: "euc1-az2", State: "available" },
            { ZoneName: "eu-central-1b", ZoneId: "euc1-az3", State: "impaired" },
          ],
        }),
      "aws:availability-zones",
      /^eu-central-1b is impaired$/,
    ],
    [
      "an AMI parameter that does not exist",
      () => ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: "not found", $metadata: {} })),
      "aws:ami:workload",
      /^workload\.ami: the SSM parameter \/aws\/service\/.* does not exist in eu-central-1$/,
      ["aws:ami:proxy"],
    ],
    [
      "an x86_64 image for an arm64 instance type",
      () => ec2.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: ARM_AMI, Architecture: "x86_64" }] }),
      "aws:ami:workload",
      /^workload\.ami resolves to ami-0aaaaaaaaaaaaaaa1 \(x86_64\) but t4g\.micro runs arm64$/,
      ["aws:ami:proxy"],
    ],
    [
      "an instance type the region does not offer",
      () => ec2.on(DescribeInstanceTypesCommand).rejects(awsError("InvalidInstanceType")),
      "aws:ami:workload",
      /^workload\.instanceType t4g\.micro is not offered in eu-central-1$/,
      ["aws:ami:proxy"],
    ],
    [
      "an instance type missing in one AZ",
      () =>
        ec2.on(DescribeInstanceTypeOfferingsCommand).callsFake((input: any) => ({
          InstanceTypeOfferings: [{ InstanceType: input.Filters[0].Values[0], Location: "eu-central-1a" }],
        })),
      "aws:instance-type:workload",
      /^workload\.instanceType t4g\.micro is not offered in eu-central-1b$/,
      ["aws:instance-type:proxy"],
    ],
    [
      "an endpoint service without IPv6",
      () =>
        ec2.on(DescribeVpcEndpointServicesCommand).callsFake((input: any) => ({
          ServiceDetails: [
            {
              ServiceName: input.ServiceNames[0],
              SupportedIpAddressTypes: ["ipv4"],
              AvailabilityZones: ["eu-central-1a", "eu-central-1b"],
            },
          ],
        })),
      "aws:endpoint:ssm",
      /^com\.amazonaws\.eu-central-1\.ssm supports ipv4, not ipv6: an endpoint in IPv6-only subnets cannot be created$/,
      ["aws:endpoint:ssmmessages", "aws:endpoint:ec2messages", "aws:endpoint:logs"],
    ],
    [
      "an endpoint service missing in one AZ",
      () =>
        ec2.on(DescribeVpcEndpointServicesCommand).callsFake((input: any) => ({
          ServiceDetails: [{ ServiceName: input.ServiceNames[0], SupportedIpAddressTypes: ["ipv6"], AvailabilityZones: ["eu-central-1a"] }],
        })),
      "aws:endpoint:logs",
      /^com\.amazonaws\.eu-central-1\.logs is not offered in eu-central-1b$/,
      ["aws:endpoint:ssm", "aws:endpoint:ssmmessages", "aws:endpoint:ec2messages"],
    ],
    [
      "an endpoint service that does not exist",
      () => ec2.on(DescribeVpcEndpointServicesCommand).rejects(awsError("InvalidServiceName")),
      "aws:endpoint:ec2messages",
      /^com\.amazonaws\.eu-central-1\.ec2messages is not an endpoint service in eu-central-1$/,
      ["aws:endpoint:ssm", "aws:endpoint:ssmmessages", "aws:endpoint:logs"],
    ],
    [
      "an existing GuardDuty detector",
      () => guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: ["12abc34d567e8fa901bc2d34e56789f0"] }),
      "aws:guardduty",
      /^a GuardDuty detector already exists in eu-central-1 \(12abc34d567e8fa901bc2d34e56789f0\)/,
    ],
    [
      "an existing Config recorder (a service-linked one does not count)",
      () =>
        configService.on(DescribeConfigurationRecordersCommand).resolves({
          ConfigurationRecorders: [{ name: "default" }, { name: "AWSConfigurationRecorderForX", servicePrincipal: "x.amazonaws.com" }],
        }),
      "aws:config-recorder",
      /^an AWS Config recorder already exists in eu-central-1 \(default\);/,
    ],
    [
      "an existing multi-region trail",
      () =>
        cloudTrail
          .on(DescribeTrailsCommand)
          .resolves({ trailList: [{ Name: "org-trail", HomeRegion: "us-east-1", IsMultiRegionTrail: true }] }),
      "aws:cloudtrail",
      /^a trail already records eu-central-1 \(org-trail\)/,
    ],
    [
      "a trail with egress6's name",
      () => cloudTrail.on(DescribeTrailsCommand).resolves({ trailList: [{ Name: "demo-egress6", HomeRegion: "eu-central-1" }] }),
      "aws:cloudtrail",
      /^a trail named demo-egress6 already exists in eu-central-1$/,
    ],
    [
      // 5,062 characters and no /aws/vendedlogs/* entry: the one entry egress6's groups need does not fit.
      "a log-delivery resource policy near its 5,120 characters without a /aws/vendedlogs/* entry",
      () =>
        logs
          .on(DescribeResourcePoliciesCommand)
          .resolves({ resourcePolicies: [{ policyName: "AWSLogDeliveryWrite", policyDocument: deliveryPolicy(5000) }] }),
      "aws:logs-resource-policy",
      /^the log-delivery resource policy has 5062 of 5120 characters; egress6's 4 log groups would add about 8\d \(4 under \/aws\/vendedlogs\/, one \/aws\/vendedlogs\/\* entry for all of them\)$/,
    ],
    [
      "ten resource policies and none for log delivery",
      () =>
        logs
          .on(DescribeResourcePoliciesCommand)
          .resolves({ resourcePolicies: Array.from({ length: 10 }, (_, i) => ({ policyName: `p${i}`, policyDocument: "{}" })) }),
      "aws:logs-resource-policy",
      /^10 resource policies exist in eu-central-1 \(at most 10\)/,
    ],
    [
      "a full VPC quota",
      () => ec2.on(DescribeVpcsCommand).resolves({ Vpcs: Array.from({ length: 5 }, (_, i) => ({ VpcId: `vpc-${i}` })) }),
      "aws:quota:vpcs",
      /^5 of 5 VPCs exist in eu-central-1; egress6 needs one more$/,
    ],
    [
      "a full firewall quota",
      () =>
        networkFirewall.on(ListFirewallsCommand).resolves({ Firewalls: Array.from({ length: 5 }, (_, i) => ({ FirewallName: `fw${i}` })) }),
      "aws:quota:firewalls",
      /^5 of 5 Network Firewall firewalls exist in eu-central-1; egress6 needs one more$/,
    ],
    [
      "an interface endpoint quota below the endpoint count",
      () =>
        quotas
          .on(GetServiceQuotaCommand, { ServiceCode: "vpc", QuotaCode: QUOTAS.interfaceEndpointsPerVpc.code })
          .resolves({ Quota: { Value: 3 } }),
      "aws:quota:interface-endpoints",
      /^the VPC would have 4 interface endpoints; the quota is 3$/,
    ],
  ];

  test.each(problems)("%s is a problem with a fix", async (_name, arrange, id, pattern, also = []) => {
    arrange();
    const results = await checkAws(config, HAVE_CREDENTIALS);
    const result = byId(results, id);
    expect(result.status).toBe("problem");
    expect(result.message).toMatch(pattern);
    expect(result.fix).toEqual(expect.any(String));
    // Only the checks this difference concerns fail; nothing else turns into a problem or goes unchecked.
    expect(
      results
        .filter((r) => r.status === "problem" || r.status === "unchecked")
        .map((r) => r.id)
        .sort(),
    ).toEqual([id, ...also].sort());
  });

  test("a network error on Network Firewall is 'could not check', never 'not offered' (offline looks the same as a missing endpoint)", async () => {
    networkFirewall
      .on(ListFirewallsCommand)
      .rejects(Object.assign(new Error("getaddrinfo ENOTFOUND network-firewall.eu-central-1.amazonaws.com"), { code: "ENOTFOUND" }));
    const results = await checkAws(config, HAVE_CREDENTIALS);
    expect(byId(results, "aws:network-firewall")).toEqual({
      id: "aws:network-firewall",
      status: "unchecked",
      message:
        "could not check: ENOTFOUND on network-firewall:ListFirewalls (needed to check that Network Firewall is offered in eu-central-1)",
      reason: "ENOTFOUND on network-firewall:ListFirewalls",
    });
    expect(results.filter((r) => r.status === "problem")).toEqual([]);
    expect(
      results
        .filter((r) => r.status === "unchecked")
        .map((r) => r.id)
        .sort(),
    ).toEqual(["aws:network-firewall", "aws:quota:firewalls"]);
  });

  test("the resource policy check counts the log groups the stacks deliver to, and a policy that already has the /aws/vendedlogs/* entry has room", async () => {
    // Near the limit, but the entry covering every group under /aws/vendedlogs/ is already there: nothing is added.
    const covered = deliveryPolicy(4900, `"arn:aws:logs:eu-central-1:111122223333:log-group:/aws/vendedlogs/*:log-stream:*"`);
    logs
      .on(DescribeResourcePoliciesCommand)
      .resolves({ resourcePolicies: [{ policyName: "AWSLogDeliveryWrite", policyDocument: covered }] });
    const result = byId(await checkAws(config, HAVE_CREDENTIALS), "aws:logs-resource-policy");
    expect(result).toEqual({
      id: "aws:logs-resource-policy",
      status: "ok",
      message: `the log-delivery resource policy has ${covered.length} of 5120 characters; egress6's 4 log groups add nothing (4 under /aws/vendedlogs/, which the policy's /aws/vendedlogs/* entry already covers)`,
    });
    expect(covered.length).toBeGreaterThan(5120 - 80);

    // The groups are the ones the stacks name: Network Firewall's three and Resolver query logging's.
    const groups = vendedLogGroups("demo");
    expect([...Object.values(groups.firewall), groups.resolverQueryLogs].every((n) => n.startsWith("/aws/vendedlogs/"))).toBe(true);
    // A group outside the prefix would cost an entry of its own.
    const outside = policyGrowth(["/egress6/demo/x"], [covered], "aws", "eu-central-1");
    expect(outside).toEqual({
      growth: `"arn:aws:logs:eu-central-1:123456789012:log-group:/egress6/demo/x:log-stream:*",`.length,
      covered: "1 outside /aws/vendedlogs/, one entry each",
    });
  });

  test("a quota never raised (GetServiceQuota: NoSuchResourceException) is read from its AWS default; a default that cannot be read is 'could not check'", async () => {
    quotas.on(GetServiceQuotaCommand).rejects(
      new NoSuchResourceException({
        message: "The request failed because the specified resource does not exist.",
        $metadata: { httpStatusCode: 400 },
      }),
    );
    quotas.on(GetAWSDefaultServiceQuotaCommand).callsFake((input: any) => ({
      Quota: {
        ServiceCode: input.ServiceCode,
        QuotaCode: input.QuotaCode,
        Value: input.QuotaCode === QUOTAS.vpcsPerRegion.code ? 5 : 50,
      },
    }));
    const results = await checkAws(config, HAVE_CREDENTIALS);
    expect(results.filter((r) => r.status !== "ok")).toEqual([]);
    expect(byId(results, "aws:quota:vpcs").message).toBe(
      "1 of 5 VPCs used in eu-central-1 (the quota's AWS default: it has no applied value); egress6 adds 1",
    );
    expect(quotas.commandCalls(GetAWSDefaultServiceQuotaCommand).map((c) => c.args[0].input)).toEqual(
      expect.arrayContaining([
        { ServiceCode: "vpc", QuotaCode: QUOTAS.vpcsPerRegion.code },
        { ServiceCode: "network-firewall", QuotaCode: QUOTAS.firewallsPerRegion.code },
      ]),
    );

    quotas.on(GetAWSDefaultServiceQuotaCommand).rejects(awsError("NoSuchResourceException"));
    const unknown = await checkAws(config, HAVE_CREDENTIALS);
    expect(byId(unknown, "aws:quota:vpcs")).toMatchObject({
      status: "unchecked",
      reason: "NoSuchResourceException on servicequotas:GetAWSDefaultServiceQuota",
    });
  });

  test("paged listings are read to the end (VPCs over two pages count as one list)", async () => {
    ec2
      .on(DescribeVpcsCommand)
      .resolvesOnce({ Vpcs: [{ VpcId: "vpc-1" }, { VpcId: "vpc-2" }], NextToken: "t1" })
      .resolves({ Vpcs: [{ VpcId: "vpc-3" }, { VpcId: "vpc-4" }, { VpcId: "vpc-5" }] });
    const results = await checkAws(config, HAVE_CREDENTIALS);
    expect(byId(results, "aws:quota:vpcs")).toMatchObject({
      status: "problem",
      message: "5 of 5 VPCs exist in eu-central-1; egress6 needs one more",
    });
    expect(ec2.commandCalls(DescribeVpcsCommand).map((c) => c.args[0].input)).toEqual([{ NextToken: undefined }, { NextToken: "t1" }]);
  });

  test("a proxy-only config does not ask about Network Firewall; singletons the config reuses are not checked", async () => {
    const proxyOnly = parseConfig(
      merge(DEMO_CONFIG, {
        region: "eu-central-1",
        availabilityZones: ["eu-central-1a"],
        inspection: { mode: "proxy" },
        observability: {
          guardDuty: { create: false },
          configRecorder: { create: false },
          cloudTrail: { create: false },
          dnsFirewall: { enabled: false },
        },
      }),
    );
    const results = await checkAws(proxyOnly, HAVE_CREDENTIALS);
    const ids = results.map((r) => r.id);
    expect(ids).not.toEqual(expect.arrayContaining(["aws:network-firewall"]));
    for (const absent of ["aws:network-firewall", "aws:quota:firewalls", "aws:guardduty", "aws:config-recorder", "aws:cloudtrail"])
      expect(ids).not.toContain(absent);
    expect(networkFirewall.calls()).toHaveLength(0);
    expect(byId(results, "aws:logs-resource-policy").message).toMatch(/delivers no vended logs/);
  });
});

describe("preflight TLS inspection checks (issue 19): the CA's expiry, the ACM certificate and its match with the CA the workloads trust, the secret, its key and key policy", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "egress6-preflight-tls-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const makeCa = (name: string, days: number) => makeTestCa(dir, name, { days }).certPem;
  const CA = makeCa("trusted", 365);
  const OTHER = makeCa("other", 365);
  const SOON = makeCa("soon", 10);
  const ACM_ARN = "arn:aws:acm:eu-central-1:111122223333:certificate/0123abcd-12ab-34cd-56ef-1234567890ab";
  const SECRET_ARN = "arn:aws:secretsmanager:eu-central-1:111122223333:secret:egress6/demo/ca-key-AbCdEf";
  const KEY_ARN = "arn:aws:kms:eu-central-1:111122223333:key/0123abcd-12ab-34cd-56ef-1234567890ab";
  const atFirewall = (pem = CA) =>
    parseConfig(
      merge(DEMO_CONFIG, {
        region: "eu-central-1",
        availabilityZones: ["eu-central-1a", "eu-central-1b"],
        inspection: { mode: "firewall-igw", tlsInspection: { caCertificatePem: pem, caCertificateArn: ACM_ARN } },
      }),
    );
  const atProxy = parseConfig(
    merge(DEMO_CONFIG, {
      region: "eu-central-1",
      availabilityZones: ["eu-central-1a", "eu-central-1b"],
      inspection: { mode: "proxy", tlsInspection: { caCertificatePem: CA, caPrivateKey: { secretArn: SECRET_ARN, kmsKeyArn: KEY_ARN } } },
    }),
  );
  const rootPolicy = JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      { Sid: "Enable IAM", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" },
    ],
  });
  const tlsResults = (results: CheckResult[]) => results.filter((r) => r.id.startsWith("tls:"));

  beforeEach(() => {
    acm.on(DescribeCertificateCommand).resolves({
      Certificate: { CertificateArn: ACM_ARN, Type: "IMPORTED", Status: "ISSUED", NotAfter: new Date(Date.now() + 300 * 86_400_000) },
    });
    acm.on(GetCertificateCommand).resolves({ Certificate: CA });
    secrets.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN, KmsKeyId: KEY_ARN });
    kms
      .on(DescribeKeyCommand)
      .resolves({ KeyMetadata: { KeyId: "0123abcd-12ab-34cd-56ef-1234567890ab", KeyManager: "CUSTOMER", KeyState: "Enabled" } });
    kms.on(GetKeyPolicyCommand).resolves({ Policy: rootPolicy });
  });

  test("all in order: ok at the firewall and at the proxies; the secret's value is never asked for", async () => {
    expect(tlsResults(await checkAws(atFirewall(), HAVE_CREDENTIALS)).map((r) => [r.id, r.status])).toEqual([
      ["tls:ca-expiry", "ok"],
      ["tls:acm-certificate", "ok"],
    ]);
    const proxy = await checkAws(atProxy, HAVE_CREDENTIALS);
    expect(tlsResults(proxy).map((r) => [r.id, r.status])).toEqual([
      ["tls:ca-expiry", "ok"],
      ["tls:ca-key-secret", "ok"],
      ["tls:ca-key-kms", "ok"],
    ]);
    expect(byId(proxy, "aws:endpoint:secretsmanager").status).toBe("ok");
    expect(sentCommands().map((c) => c.name)).not.toContain("GetSecretValueCommand");
    expect(kms.commandCalls(GetKeyPolicyCommand)[0].args[0].input).toEqual({ KeyId: KEY_ARN, PolicyName: "default" });
  });

  test("the ACM certificate is not the CA the workloads trust, or is not imported, or expires soon: one problem each", async () => {
    acm.on(GetCertificateCommand).resolves({ Certificate: OTHER });
    acm
      .on(DescribeCertificateCommand)
      .resolves({ Certificate: { Type: "AMAZON_ISSUED", Status: "ISSUED", NotAfter: new Date(Date.now() + 5 * 86_400_000) } });
    const found = tlsResults(await checkAws(atFirewall(), HAVE_CREDENTIALS))
      .filter((r) => r.status === "problem")
      .map((r) => r.message);
    expect(found).toEqual([
      expect.stringMatching(/is of type AMAZON_ISSUED; Network Firewall takes an imported CA certificate only$/),
      expect.stringMatching(/expires on .* \((4|5) days\)$/),
      expect.stringMatching(
        /is not the CA in caCertificatePem \(SHA-256 fingerprint .*\): the firewall would sign with a CA the workloads do not trust$/,
      ),
    ]);
  });

  test("a CA that expires within 30 days is a problem", async () => {
    acm.on(GetCertificateCommand).resolves({ Certificate: SOON });
    const r = byId(await checkAws(atFirewall(SOON), HAVE_CREDENTIALS), "tls:ca-expiry");
    expect(r.status).toBe("problem");
    expect(r.message).toMatch(/^the CA certificate expires on .* \((9|10) days\)/);
  });

  test("the secret encrypted with another key, a key managed by AWS, a disabled key, a key policy that grants nothing: each named", async () => {
    secrets.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN });
    expect(byId(await checkAws(atProxy, HAVE_CREDENTIALS), "tls:ca-key-secret").message).toMatch(
      /is encrypted with the AWS-managed key aws\/secretsmanager, not arn:aws:kms:/,
    );
    secrets.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN, KmsKeyId: "0123abcd-12ab-34cd-56ef-1234567890ab" });
    expect(byId(await checkAws(atProxy, HAVE_CREDENTIALS), "tls:ca-key-secret").status).toBe("ok");
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "k", KeyManager: "AWS", KeyState: "Enabled" } });
    expect(byId(await checkAws(atProxy, HAVE_CREDENTIALS), "tls:ca-key-kms").message).toMatch(
      / is not a customer-managed key \(KeyManager AWS\)/,
    );
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "k", KeyManager: "CUSTOMER", KeyState: "Disabled" } });
    expect(byId(await checkAws(atProxy, HAVE_CREDENTIALS), "tls:ca-key-kms").message).toMatch(
      /is Disabled; the proxies cannot decrypt the secret$/,
    );
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "k", KeyManager: "CUSTOMER", KeyState: "Enabled" } });
    kms.on(GetKeyPolicyCommand).resolves({
      Policy: JSON.stringify({
        Statement: [{ Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/admin" }, Action: "kms:*", Resource: "*" }],
      }),
    });
    const kmsResult = byId(await checkAws(atProxy, HAVE_CREDENTIALS), "tls:ca-key-kms");
    expect([kmsResult.status, kmsResult.message]).toEqual([
      "problem",
      expect.stringMatching(/neither lets IAM policies of account 111122223333 grant kms:Decrypt .* nor names the role demo-proxy/),
    ]);
    kms.on(GetKeyPolicyCommand).resolves({
      Policy: JSON.stringify({
        Statement: [
          { Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:role/demo-proxy" }, Action: ["kms:Decrypt"], Resource: "*" },
        ],
      }),
    });
    expect(byId(await checkAws(atProxy, HAVE_CREDENTIALS), "tls:ca-key-kms").status).toBe("ok");
  });

  test("a key policy with a Deny covering kms:Decrypt, or granting it only under conditions, is 'could not check', never ok", async () => {
    secrets.on(DescribeSecretCommand).resolves({ ARN: SECRET_ARN, KmsKeyId: "0123abcd-12ab-34cd-56ef-1234567890ab" });
    kms.on(DescribeKeyCommand).resolves({ KeyMetadata: { KeyId: "k", KeyManager: "CUSTOMER", KeyState: "Enabled" } });
    const root = { Sid: "Root", Effect: "Allow", Principal: { AWS: "arn:aws:iam::111122223333:root" }, Action: "kms:*", Resource: "*" };
    const kmsCheck = async (...statements: object[]) => {
      kms.on(GetKeyPolicyCommand).resolves({ Policy: JSON.stringify({ Statement: statements }) });
      const r = byId(await checkAws(atProxy, HAVE_CREDENTIALS), "tls:ca-key-kms");
      return [r.status, r.message];
    };
    expect((await kmsCheck(root))[0]).toBe("ok");
    for (const deny of [
      { Sid: "NoDecrypt", Effect: "Deny", Principal: "*", Action: "kms:Decrypt", Resource: "*" },
      {
        Sid: "NoDecrypt",
        Effect: "Deny",
        Principal: { AWS: "*" },
        Action: ["kms:*"],
        Resource: "*",
        Condition: { StringNotEquals: { "aws:SourceVpce": "vpce-1" } },
      },
      { Sid: "NoDecrypt", Effect: "Deny", Principal: "*", Action: "kms:De*", Resource: "*" },
      { Sid: "NoDecrypt", Effect: "Deny", Principal: "*", NotAction: "kms:Encrypt", Resource: "*" },
    ]) {
      expect(await kmsCheck(root, deny)).toEqual([
        "unchecked",
        expect.stringMatching(/^could not check: .* has a Deny statement covering kms:Decrypt \(Sid NoDecrypt\)/),
      ]);
    }
    // A Deny on other actions changes nothing.
    expect((await kmsCheck(root, { Effect: "Deny", Principal: "*", Action: "kms:ScheduleKeyDeletion", Resource: "*" }))[0]).toBe("ok");
    // The only matching Allow has conditions.
    expect(await kmsCheck({ ...root, Condition: { StringEquals: { "aws:PrincipalTag/team": "net" } } })).toEqual([
      "unchecked",
      expect.stringMatching(/^could not check: .* only under conditions/),
    ]);
    expect(
      await kmsCheck({
        Sid: "Proxy",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111122223333:role/demo-proxy" },
        Action: "kms:Decrypt",
        Resource: "*",
        Condition: { Bool: { "aws:SecureTransport": "true" } },
      }),
    ).toEqual(["unchecked", expect.stringMatching(/only under conditions \(or through NotAction\) \(Sid Proxy\)/)]);
  });

  test("a denied call makes its check 'could not check', never ok", async () => {
    secrets.on(DescribeSecretCommand).rejects(awsError("AccessDeniedException"));
    const r = byId(await checkAws(atProxy, HAVE_CREDENTIALS), "tls:ca-key-secret");
    expect([r.status, r.message]).toEqual([
      "unchecked",
      expect.stringMatching(/^could not check: AccessDeniedException on secretsmanager:DescribeSecret/),
    ]);
  });
});
