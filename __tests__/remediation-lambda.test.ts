/**
 * The remediation Lambda against a mocked EC2 API (aws-sdk-client-mock). A small in-memory EC2 model answers the
 * calls, so a remediation really changes what the next delivery of the same event sees.
 */
import {
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupRulesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  EC2ServiceException,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroupRule,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { createHandler, handler as lambdaHandler, settingsFromEnv } from "../lambda/remediation/index";
import { QUARANTINE_TAG } from "../lambda/remediation/remediate";

const VPC = "vpc-0aaaaaaaaaaaaaaa1";
const OTHER_VPC = "vpc-0bbbbbbbbbbbbbbb2";
const QUARANTINE = "sg-09999999999999999";
const GROUP = "sg-0123456789abcdef0";
const INSTANCE = "i-0123456789abcdef0";
const FINDING_ID = "a2c4e6f8a2c4e6f8a2c4e6f8a2c4e6f8";

// ---- a tiny EC2 model -------------------------------------------------------------------------------------------

interface FakeGroup {
  vpcId: string;
  rules: SecurityGroupRule[];
}
interface FakeInstance {
  vpcId: string;
  state: string;
  enis: { id: string; groups: string[] }[];
  tags: Record<string, string>;
}

function ec2Error(code: string, message = code): EC2ServiceException {
  return new EC2ServiceException({ name: code, $fault: "client", $metadata: { httpStatusCode: 400 }, message });
}

function rule(id: string, over: Partial<SecurityGroupRule>): SecurityGroupRule {
  return { SecurityGroupRuleId: id, GroupId: GROUP, IsEgress: false, IpProtocol: "tcp", FromPort: 22, ToPort: 22, ...over };
}

class FakeEc2 {
  readonly groups = new Map<string, FakeGroup>();
  readonly instances = new Map<string, FakeInstance>();
  readonly mock = mockClient(EC2Client);
  /** Errors to throw, in order, from the next calls of a command (before the model is consulted). */
  private readonly failures = new Map<string, Error[]>();

  constructor() {
    this.mock.onAnyCommand().rejects(new Error("unexpected EC2 command"));
    this.answer(DescribeSecurityGroupsCommand, ({ GroupIds }) => {
      const id = GroupIds[0];
      const group = this.groups.get(id);
      if (!group) throw ec2Error("InvalidGroup.NotFound", `The security group '${id}' does not exist`);
      return { SecurityGroups: [{ GroupId: id, VpcId: group.vpcId }] };
    });
    this.answer(DescribeSecurityGroupRulesCommand, ({ Filters }) => {
      const id = Filters[0].Values[0];
      return { SecurityGroupRules: [...(this.groups.get(id)?.rules ?? [])] };
    });
    this.answer(RevokeSecurityGroupIngressCommand, ({ GroupId, SecurityGroupRuleIds }) => {
      const group = this.groups.get(GroupId);
      if (!group) throw ec2Error("InvalidGroup.NotFound");
      const missing = SecurityGroupRuleIds.filter((id: string) => !group.rules.some((r) => r.SecurityGroupRuleId === id));
      // All or nothing, like EC2.
      if (missing.length > 0) throw ec2Error("InvalidSecurityGroupRuleId.NotFound", `${missing.join(",")} not found`);
      group.rules = group.rules.filter((r) => !SecurityGroupRuleIds.includes(r.SecurityGroupRuleId));
      return { Return: true };
    });
    this.answer(DescribeInstancesCommand, ({ InstanceIds }) => {
      const id = InstanceIds[0];
      const i = this.instances.get(id);
      if (!i) throw ec2Error("InvalidInstanceID.NotFound", `The instance ID '${id}' does not exist`);
      return {
        Reservations: [
          {
            Instances: [
              {
                InstanceId: id,
                VpcId: i.vpcId,
                State: { Name: i.state },
                Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
                NetworkInterfaces: i.enis.map((e) => ({ NetworkInterfaceId: e.id, Groups: e.groups.map((GroupId) => ({ GroupId })) })),
              },
            ],
          },
        ],
      };
    });
    this.answer(ModifyNetworkInterfaceAttributeCommand, ({ NetworkInterfaceId, Groups }) => {
      const eni = [...this.instances.values()].flatMap((i) => i.enis).find((e) => e.id === NetworkInterfaceId);
      if (!eni) throw ec2Error("InvalidNetworkInterfaceID.NotFound");
      eni.groups = [...Groups];
      return {};
    });
    this.answer(CreateTagsCommand, ({ Resources, Tags }) => {
      for (const id of Resources) {
        const i = this.instances.get(id);
        if (!i) throw ec2Error("InvalidInstanceID.NotFound");
        for (const t of Tags) i.tags[t.Key] = t.Value;
      }
      return {};
    });
  }

  /** Answers `command` from the model, unless a failure was queued for it with `failNext`. */
  private answer(command: { name: string }, respond: (input: any) => unknown) {
    this.mock.on(command as never).callsFake((input: unknown) => {
      const queued = this.failures.get(command.name)?.shift();
      if (queued) throw queued;
      return respond(input);
    });
  }

  /** The next call of `command` fails with `error`; the one after is answered normally again. */
  failNext(command: { name: string }, error: Error) {
    this.failures.set(command.name, [...(this.failures.get(command.name) ?? []), error]);
  }

  calls(command: Parameters<typeof this.mock.commandCalls>[0]) {
    return this.mock.commandCalls(command).map((c) => c.args[0].input);
  }

  /** Changes made so far: revocations, ENI security group changes, tags. */
  writes() {
    return [
      ...this.calls(RevokeSecurityGroupIngressCommand),
      ...this.calls(ModifyNetworkInterfaceAttributeCommand),
      ...this.calls(CreateTagsCommand),
    ];
  }
}

// ---- events -------------------------------------------------------------------------------------------------------

function configEvent(over: { complianceType?: string; resourceType?: string; resourceId?: string } = {}) {
  const resourceType = over.resourceType ?? "AWS::EC2::SecurityGroup";
  const resourceId = over.resourceId ?? GROUP;
  return {
    version: "0",
    id: "11111111-2222-3333-4444-555555555555",
    "detail-type": "Config Rules Compliance Change",
    source: "aws.config",
    account: "123456789012",
    time: "2026-01-01T00:00:00Z",
    region: "us-east-1",
    resources: [],
    detail: {
      resourceId,
      awsRegion: "us-east-1",
      awsAccountId: "123456789012",
      configRuleName: "restricted-ssh",
      messageType: "ComplianceChangeNotification",
      resourceType,
      newEvaluationResult: {
        evaluationResultIdentifier: { evaluationResultQualifier: { configRuleName: "restricted-ssh", resourceType, resourceId } },
        complianceType: over.complianceType ?? "NON_COMPLIANT",
      },
    },
  };
}

function guardDutyEvent(over: { severity?: number; instanceId?: string | null; resourceType?: string; sample?: boolean } = {}) {
  return {
    version: "0",
    id: "66666666-7777-8888-9999-000000000000",
    "detail-type": "GuardDuty Finding",
    source: "aws.guardduty",
    account: "123456789012",
    time: "2026-01-01T00:00:00Z",
    region: "us-east-1",
    resources: [],
    detail: {
      schemaVersion: "2.0",
      id: FINDING_ID,
      type: "Backdoor:EC2/C&CActivity.B!DNS",
      severity: over.severity ?? 8,
      resource: {
        resourceType: over.resourceType ?? "Instance",
        instanceDetails: over.instanceId === null ? {} : { instanceId: over.instanceId ?? INSTANCE },
      },
      service: { archived: false, ...(over.sample ? { additionalInfo: { sample: true } } : {}) },
    },
  };
}

// ---- setup ---------------------------------------------------------------------------------------------------------

let ec2: FakeEc2;
let logLines: Record<string, unknown>[];
let handle: ReturnType<typeof createHandler>;

beforeEach(() => {
  ec2 = new FakeEc2();
  logLines = [];
  handle = createHandler({
    ec2: new EC2Client({ region: "us-east-1" }),
    vpcId: VPC,
    quarantineSecurityGroupId: QUARANTINE,
    logger: (base) => {
      const emit =
        (level: string) =>
        (message: string, fields: Record<string, unknown> = {}) => {
          logLines.push({ level, message, ...base, ...fields });
        };
      return { info: emit("info"), warn: emit("warn"), error: emit("error") };
    },
  });
});

afterEach(() => ec2.mock.restore());

function openGroup() {
  ec2.groups.set(GROUP, {
    vpcId: VPC,
    rules: [
      rule("sgr-0open4ssh000000001", { CidrIpv4: "0.0.0.0/0" }),
      rule("sgr-0open6ssh000000002", { CidrIpv6: "::/0" }),
      rule("sgr-0open6all000000003", { IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv6: "::/0" }),
      rule("sgr-0narrow60000000004", { FromPort: 443, ToPort: 443, CidrIpv6: "2600:1f18:1:2300::/64" }),
      rule("sgr-0fromsg00000000005", { FromPort: 443, ToPort: 443, ReferencedGroupInfo: { GroupId: "sg-0fedcba9876543210" } }),
      rule("sgr-0egress6000000006", { IsEgress: true, IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv6: "::/0" }),
      rule("sgr-0egress4000000007", { IsEgress: true, IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0" }),
    ],
  });
}

/** Rules open to the internet that open no connection: Path MTU discovery and ICMP, and rules naming no CIDR. */
const KEPT_OPEN_RULES = [
  rule("sgr-0ptb6000000000011", { IpProtocol: "icmpv6", FromPort: 2, ToPort: 0, CidrIpv6: "::/0" }),
  rule("sgr-0ptb6num00000012", { IpProtocol: "58", FromPort: 2, ToPort: -1, CidrIpv6: "::/0" }),
  rule("sgr-0icmp4000000013", { IpProtocol: "icmp", FromPort: 3, ToPort: 4, CidrIpv4: "0.0.0.0/0" }),
  rule("sgr-0prefixlist00014", { FromPort: 443, ToPort: 443, PrefixListId: "pl-0123456789abcdef0" }),
];

function runningInstance(over: Partial<FakeInstance> = {}) {
  ec2.instances.set(INSTANCE, {
    vpcId: VPC,
    state: "running",
    enis: [
      { id: "eni-0primary000000001", groups: ["sg-0aaaaaaaaaaaaaaa2"] },
      { id: "eni-0secondary0000002", groups: ["sg-0aaaaaaaaaaaaaaa3", "sg-0aaaaaaaaaaaaaaa4"] },
    ],
    tags: { Name: "demo-workload-a-1" },
    ...over,
  });
}

const remainingRuleIds = () => ec2.groups.get(GROUP)!.rules.map((r) => r.SecurityGroupRuleId);

// ---- security group remediation ------------------------------------------------------------------------------------

describe("a NON_COMPLIANT security group from AWS Config", () => {
  test("loses exactly its ingress rules open to 0.0.0.0/0 or ::/0, in one revoke call", async () => {
    openGroup();
    const outcome = await handle(configEvent(), { awsRequestId: "req-1" });
    expect(outcome).toEqual({
      action: "revoked",
      groupId: GROUP,
      ruleIds: ["sgr-0open4ssh000000001", "sgr-0open6ssh000000002", "sgr-0open6all000000003"],
    });
    expect(ec2.calls(RevokeSecurityGroupIngressCommand)).toEqual([
      { GroupId: GROUP, SecurityGroupRuleIds: ["sgr-0open4ssh000000001", "sgr-0open6ssh000000002", "sgr-0open6all000000003"] },
    ]);
    expect(remainingRuleIds()).toEqual([
      "sgr-0narrow60000000004",
      "sgr-0fromsg00000000005",
      "sgr-0egress6000000006",
      "sgr-0egress4000000007",
    ]);
    expect(ec2.calls(DescribeSecurityGroupRulesCommand)[0]).toEqual({ Filters: [{ Name: "group-id", Values: [GROUP] }] });
  });

  test("writes one structured log line naming the group and the revoked rules", async () => {
    openGroup();
    await handle(configEvent(), { awsRequestId: "req-1" });
    const line = logLines.find((l) => l.message === "revoked ingress open to the internet");
    expect(line).toMatchObject({ level: "info", requestId: "req-1", eventId: configEvent().id, groupId: GROUP });
    expect(line!.rules).toContainEqual({ id: "sgr-0open6ssh000000002", protocol: "tcp", from: 22, to: 22, source: "::/0" });
  });

  test("a repeated delivery of the same event changes nothing and says so", async () => {
    openGroup();
    await handle(configEvent());
    const second = await handle(configEvent());
    expect(second.action).toBe("already-done");
    expect(ec2.calls(RevokeSecurityGroupIngressCommand)).toHaveLength(1);
    expect(logLines.at(-1)).toMatchObject({ message: "no ingress open to the internet; nothing to do", groupId: GROUP });
  });

  test("keeps ICMPv6 Packet Too Big, ICMP, and rules naming a prefix list or a group; revokes tcp, udp and all-protocol rules", async () => {
    ec2.groups.set(GROUP, {
      vpcId: VPC,
      rules: [
        ...KEPT_OPEN_RULES,
        rule("sgr-0udp6open0000015", { IpProtocol: "udp", FromPort: 53, ToPort: 53, CidrIpv6: "::/0" }),
        rule("sgr-0tcp6num00000016", { IpProtocol: "6", FromPort: 80, ToPort: 80, CidrIpv6: "::/0" }),
        rule("sgr-0all4open0000017", { IpProtocol: "-1", FromPort: -1, ToPort: -1, CidrIpv4: "0.0.0.0/0" }),
      ],
    });
    const outcome = await handle(configEvent());
    expect(outcome).toEqual({
      action: "revoked",
      groupId: GROUP,
      ruleIds: ["sgr-0udp6open0000015", "sgr-0tcp6num00000016", "sgr-0all4open0000017"],
    });
    expect(remainingRuleIds()).toEqual(KEPT_OPEN_RULES.map((r) => r.SecurityGroupRuleId));
  });

  test("a group whose only open rules are Path MTU discovery and ICMP is left alone (no flapping with the next apply)", async () => {
    ec2.groups.set(GROUP, { vpcId: VPC, rules: [...KEPT_OPEN_RULES] });
    expect((await handle(configEvent())).action).toBe("already-done");
    expect(ec2.writes()).toEqual([]);
  });

  test("a group with only narrow ingress is left alone", async () => {
    ec2.groups.set(GROUP, { vpcId: VPC, rules: [rule("sgr-0narrow60000000004", { CidrIpv6: "2600:1f18:1:2300::/64" })] });
    expect((await handle(configEvent())).action).toBe("already-done");
    expect(ec2.writes()).toEqual([]);
  });

  test("a deleted group counts as done (InvalidGroup.NotFound)", async () => {
    const outcome = await handle(configEvent());
    expect(outcome).toEqual({ action: "already-done", reason: `security group ${GROUP} no longer exists` });
    expect(ec2.writes()).toEqual([]);
  });

  test("a rule deleted between describe and revoke does not block the others (InvalidSecurityGroupRuleId.NotFound)", async () => {
    openGroup();
    // Someone removes the first open rule right after our describe call.
    ec2.mock.on(DescribeSecurityGroupRulesCommand).callsFakeOnce(() => {
      const rules = [...ec2.groups.get(GROUP)!.rules];
      ec2.groups.get(GROUP)!.rules = rules.filter((r) => r.SecurityGroupRuleId !== "sgr-0open4ssh000000001");
      return { SecurityGroupRules: rules };
    });
    const outcome = await handle(configEvent());
    expect(outcome.action).toBe("revoked");
    expect(remainingRuleIds()).toEqual([
      "sgr-0narrow60000000004",
      "sgr-0fromsg00000000005",
      "sgr-0egress6000000006",
      "sgr-0egress4000000007",
    ]);
    // The batch failed, then each rule was revoked on its own.
    expect(ec2.calls(RevokeSecurityGroupIngressCommand).map((c) => c.SecurityGroupRuleIds)).toEqual([
      ["sgr-0open4ssh000000001", "sgr-0open6ssh000000002", "sgr-0open6all000000003"],
      ["sgr-0open4ssh000000001"],
      ["sgr-0open6ssh000000002"],
      ["sgr-0open6all000000003"],
    ]);
  });

  test("a group in another VPC is not touched", async () => {
    openGroup();
    ec2.groups.get(GROUP)!.vpcId = OTHER_VPC;
    const outcome = await handle(configEvent());
    expect(outcome.action).toBe("out-of-scope");
    expect(ec2.writes()).toEqual([]);
    expect(remainingRuleIds()).toHaveLength(7);
  });

  test("all rule pages are read before revoking", async () => {
    openGroup();
    const [first, ...rest] = ec2.groups.get(GROUP)!.rules;
    const tokens: unknown[] = []; // recorded at call time: the paginator reuses one input object
    ec2.mock.on(DescribeSecurityGroupRulesCommand).callsFake(({ NextToken }) => {
      tokens.push(NextToken);
      return NextToken === undefined ? { SecurityGroupRules: [first], NextToken: "page-2" } : { SecurityGroupRules: rest };
    });
    await handle(configEvent());
    expect(tokens).toEqual([undefined, "page-2"]);
    expect(ec2.calls(RevokeSecurityGroupIngressCommand)[0].SecurityGroupRuleIds).toEqual([
      "sgr-0open4ssh000000001",
      "sgr-0open6ssh000000002",
      "sgr-0open6all000000003",
    ]);
  });
});

// ---- instance isolation --------------------------------------------------------------------------------------------

describe("a high-severity GuardDuty finding naming an EC2 instance", () => {
  test("moves every network interface into the quarantine group only and tags the instance", async () => {
    runningInstance();
    const outcome = await handle(guardDutyEvent());
    expect(outcome).toEqual({
      action: "isolated",
      instanceId: INSTANCE,
      networkInterfaceIds: ["eni-0primary000000001", "eni-0secondary0000002"],
      tagged: true,
    });
    expect(ec2.calls(ModifyNetworkInterfaceAttributeCommand)).toEqual([
      { NetworkInterfaceId: "eni-0primary000000001", Groups: [QUARANTINE] },
      { NetworkInterfaceId: "eni-0secondary0000002", Groups: [QUARANTINE] },
    ]);
    expect(ec2.instances.get(INSTANCE)!.enis.map((e) => e.groups)).toEqual([[QUARANTINE], [QUARANTINE]]);
    expect(ec2.instances.get(INSTANCE)!.tags[QUARANTINE_TAG]).toBe(FINDING_ID);
  });

  test("critical severity (9 and above) isolates too", async () => {
    runningInstance();
    expect((await handle(guardDutyEvent({ severity: 9.5 }))).action).toBe("isolated");
  });

  test("a repeated delivery of the same finding changes nothing and says so", async () => {
    runningInstance();
    await handle(guardDutyEvent());
    const writesAfterFirst = ec2.writes().length;
    const second = await handle(guardDutyEvent());
    expect(second).toEqual({ action: "already-done", reason: `instance ${INSTANCE} is already isolated` });
    expect(ec2.writes()).toHaveLength(writesAfterFirst);
    expect(logLines.at(-1)).toMatchObject({ level: "info", message: "instance is already isolated; nothing to do", instanceId: INSTANCE });
  });

  test("a retry after a failed tag call finishes the job without touching the interfaces again", async () => {
    runningInstance();
    ec2.failNext(CreateTagsCommand, ec2Error("RequestLimitExceeded", "Request limit exceeded."));
    await expect(handle(guardDutyEvent())).rejects.toThrow("Request limit exceeded.");
    const retry = await handle(guardDutyEvent());
    expect(retry).toEqual({ action: "isolated", instanceId: INSTANCE, networkInterfaceIds: [], tagged: true });
    expect(ec2.calls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(2);
    expect(ec2.instances.get(INSTANCE)!.tags[QUARANTINE_TAG]).toBe(FINDING_ID);
  });

  test("an instance that no longer exists counts as done (InvalidInstanceID.NotFound)", async () => {
    expect(await handle(guardDutyEvent())).toEqual({ action: "already-done", reason: `instance ${INSTANCE} is gone` });
    expect(ec2.writes()).toEqual([]);
  });

  test("a terminated instance counts as done", async () => {
    runningInstance({ state: "terminated", enis: [] });
    expect((await handle(guardDutyEvent())).action).toBe("already-done");
    expect(ec2.writes()).toEqual([]);
  });

  test("an interface that vanished mid-way (InvalidNetworkInterfaceID.NotFound) is skipped, the others isolated", async () => {
    runningInstance();
    ec2.failNext(ModifyNetworkInterfaceAttributeCommand, ec2Error("InvalidNetworkInterfaceID.NotFound"));
    const outcome = await handle(guardDutyEvent());
    expect(outcome).toMatchObject({ action: "isolated", networkInterfaceIds: ["eni-0secondary0000002"] });
    expect(logLines).toContainEqual(expect.objectContaining({ level: "warn", networkInterfaceId: "eni-0primary000000001" }));
  });

  test("an instance in another VPC is not touched", async () => {
    runningInstance({ vpcId: OTHER_VPC });
    expect((await handle(guardDutyEvent())).action).toBe("out-of-scope");
    expect(ec2.writes()).toEqual([]);
  });
});

// ---- events the function does not act on --------------------------------------------------------------------------

describe("events the function does not understand are ignored with a log line", () => {
  const cases: [string, unknown][] = [
    ["not an object", "hello"],
    ["null", null],
    ["an array", [configEvent()]],
    ["another source", { source: "aws.ec2", "detail-type": "EC2 Instance State-change Notification", detail: {} }],
    ["Config with no detail", { source: "aws.config", "detail-type": "Config Rules Compliance Change" }],
    ["Config COMPLIANT", configEvent({ complianceType: "COMPLIANT" })],
    ["Config about an instance", configEvent({ resourceType: "AWS::EC2::Instance", resourceId: INSTANCE })],
    ["Config with a malformed group id", configEvent({ resourceId: "default" })],
    ["GuardDuty medium severity", guardDutyEvent({ severity: 5 })],
    ["GuardDuty severity as a string", { ...guardDutyEvent(), detail: { ...guardDutyEvent().detail, severity: "8" } }],
    ["GuardDuty about an access key", guardDutyEvent({ resourceType: "AccessKey" })],
    ["GuardDuty naming no instance", guardDutyEvent({ instanceId: null })],
    ["GuardDuty sample finding", guardDutyEvent({ sample: true })],
  ];

  test.each(cases)("%s", async (_name, event) => {
    const outcome = await handle(event);
    expect(outcome.action).toBe("ignored");
    expect(ec2.mock.calls()).toHaveLength(0);
    expect(logLines).toHaveLength(1);
    expect(logLines[0]).toMatchObject({ level: "info", message: "event ignored", reason: expect.any(String) });
  });
});

// ---- errors --------------------------------------------------------------------------------------------------------

describe("AWS API errors are thrown, so Lambda retries the event and finally sends it to the dead-letter queue", () => {
  test("a failed revoke is thrown with its error code logged", async () => {
    openGroup();
    ec2.mock
      .on(RevokeSecurityGroupIngressCommand)
      .rejects(ec2Error("UnauthorizedOperation", "You are not authorized to perform this operation."));
    await expect(handle(configEvent())).rejects.toMatchObject({ name: "UnauthorizedOperation" });
    expect(logLines.at(-1)).toMatchObject({ level: "error", errorCode: "UnauthorizedOperation" });
    expect(remainingRuleIds()).toHaveLength(7);
  });

  test("a failed describe is thrown", async () => {
    ec2.mock.on(DescribeInstancesCommand).rejects(ec2Error("InternalError", "An internal error has occurred"));
    await expect(handle(guardDutyEvent())).rejects.toThrow("An internal error has occurred");
  });

  test("a failed interface change is thrown and the instance is not tagged as isolated", async () => {
    runningInstance();
    ec2.mock.on(ModifyNetworkInterfaceAttributeCommand).rejects(ec2Error("UnauthorizedOperation"));
    await expect(handle(guardDutyEvent())).rejects.toMatchObject({ name: "UnauthorizedOperation" });
    expect(ec2.calls(CreateTagsCommand)).toEqual([]);
  });

  test("EC2 answering Return=false to a revoke is an error, not success", async () => {
    openGroup();
    ec2.mock.on(RevokeSecurityGroupIngressCommand).resolves({ Return: false });
    await expect(handle(configEvent())).rejects.toThrow(/refused to revoke/);
  });

  test("a retry after a transient failure completes the remediation", async () => {
    openGroup();
    ec2.failNext(DescribeSecurityGroupRulesCommand, ec2Error("RequestLimitExceeded"));
    await expect(handle(configEvent())).rejects.toMatchObject({ name: "RequestLimitExceeded" });
    expect((await handle(configEvent())).action).toBe("revoked");
  });
});

describe("the Lambda entry point", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  test("names each missing environment variable", () => {
    expect(() => settingsFromEnv({})).toThrow("environment variable(s) QUARANTINE_SECURITY_GROUP_ID, VPC_ID not set");
    expect(() => settingsFromEnv({ VPC_ID: VPC })).toThrow(/QUARANTINE_SECURITY_GROUP_ID not set$/);
  });

  test("reads its settings from the environment and writes JSON lines to stdout", async () => {
    process.env.VPC_ID = VPC;
    process.env.QUARANTINE_SECURITY_GROUP_ID = QUARANTINE;
    process.env.AWS_REGION = "us-east-1";
    const written: string[] = [];
    const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
    try {
      runningInstance();
      const outcome = await lambdaHandler(guardDutyEvent(), { awsRequestId: "req-9" } as never);
      expect(outcome.action).toBe("isolated");
    } finally {
      spy.mockRestore();
    }
    const lines = written.map((w) => JSON.parse(w));
    expect(lines.at(-1)).toMatchObject({
      level: "info",
      message: "isolated instance",
      requestId: "req-9",
      instanceId: INSTANCE,
      quarantineSecurityGroupId: QUARANTINE,
    });
    expect(typeof lines[0].time).toBe("string");
  });
});
