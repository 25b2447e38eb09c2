import { Testing } from "cdktf";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { SecurityGroup } from "@cdktf/provider-aws/lib/security-group";
import {
  ENDPOINT_SERVICES,
  InterfaceEndpoints,
  endpointServiceSupport,
  onlyThisRole,
  thisAccountOnly,
  type InterfaceEndpointsProps,
} from "../../../../modules/endpoints/interface-endpoints";
import { UserError } from "../../../../lib/errors";
import { type Resources } from "../../support/synth";

const CLIENT = { ipv6Cidr: "2600:1f18:abcd:ef00::/64", description: "workload a" };
const PROXY = { ipv6Cidr: "2600:1f18:abcd:ef10::/64", description: "proxy a" };
const props: InterfaceEndpointsProps = {
  envName: "dev",
  region: "eu-west-1",
  vpcId: "vpc-0123456789abcdef0",
  services: ["ssm", "ssmmessages", "logs"],
  subnetIds: ["subnet-a", "subnet-b"],
  clients: [CLIENT],
};
const RESTRICTED: InterfaceEndpointsProps["restricted"] = {
  secretsmanager: {
    actions: ["secretsmanager:GetSecretValue"],
    resources: ["arn:aws:secretsmanager:eu-west-1:111122223333:secret:ca-key"],
    principalRoleName: "dev-proxy",
    clients: [PROXY],
  },
};
/** `${aws_security_group.test_<id>_resource_<hash>.<attr>}` */
const sgRef = (id: string, attr: string) => new RegExp(`^\\$\\{aws_security_group\\.test_${id}_resource_[0-9A-F]+\\.${attr}\\}$`);

function synth(p: InterfaceEndpointsProps = props): { json: string; r: Resources; locals: Record<string, string> } {
  const json = Testing.synthScope((scope) => {
    new InterfaceEndpoints(scope, "test", p);
  });
  const parsed = JSON.parse(json);
  return { json, r: parsed.resource, locals: parsed.locals ?? {} };
}

/** The endpoints by service short name (the last label of service_name). */
function endpoints(r: Resources): Record<string, any> {
  return Object.fromEntries(Object.values(r.aws_vpc_endpoint ?? {}).map((e: any) => [e.service_name.split(".").pop(), e]));
}

function groups(r: Resources): Record<string, any> {
  return Object.fromEntries(Object.values(r.aws_security_group ?? {}).map((g: any) => [g.name, g]));
}

describe("InterfaceEndpoints", () => {
  it("creates one IPv6-only interface endpoint per service, with AAAA private DNS, in the endpoint subnets", () => {
    const { json, r } = synth();
    expect(Object.keys(endpoints(r)).sort()).toEqual(["logs", "ssm", "ssmmessages"]);
    for (const service of props.services) {
      expect(json).toHaveResourceWithProperties(VpcEndpoint, {
        vpc_id: "vpc-0123456789abcdef0",
        service_name: `com.amazonaws.eu-west-1.${service}`,
        vpc_endpoint_type: "Interface",
        subnet_ids: ["subnet-a", "subnet-b"],
        ip_address_type: "ipv6",
        dns_options: { dns_record_ip_type: "ipv6" },
        private_dns_enabled: true,
        tags: { Name: `dev-endpoint-${service}`, "egress6:role": "endpoint" },
      });
    }
  });

  it("puts every endpoint behind one security group: HTTPS in from each client /64 only, nothing out", () => {
    const { json, r } = synth({ ...props, clients: [CLIENT, PROXY] });
    expect(json).toHaveResourceWithProperties(SecurityGroup, {
      vpc_id: "vpc-0123456789abcdef0",
      name: "dev-endpoints",
      egress: [],
      revoke_rules_on_delete: true,
      tags: { Name: "dev-endpoints", "egress6:role": "endpoint" },
    });
    const group = groups(r)["dev-endpoints"];
    expect(group.ingress).toEqual(
      [CLIENT, PROXY].map((c) =>
        expect.objectContaining({ protocol: "tcp", from_port: 443, to_port: 443, ipv6_cidr_blocks: [c.ipv6Cidr], cidr_blocks: [] }),
      ),
    );
    expect(Object.keys(groups(r))).toEqual(["dev-endpoints"]);
    for (const endpoint of Object.values(endpoints(r)))
      expect(endpoint.security_group_ids).toEqual([expect.stringMatching(sgRef("security-group", "id"))]);
  });

  it("gives each service that evaluates endpoint policies a this-account-only policy, and the Session Manager channels none", () => {
    const { r, locals } = synth();
    const e = endpoints(r);
    expect(e.ssmmessages.policy).toBeUndefined();
    for (const service of ["ssm", "logs"]) {
      const policy = JSON.parse(e[service].policy);
      expect(policy).toEqual({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "ThisAccountsPrincipalsOnly",
            Effect: "Allow",
            Principal: "*",
            Action: "*",
            Resource: "*",
            Condition: { StringEquals: { "aws:PrincipalAccount": expect.stringMatching(/^\$\{local\.test_account-id_[0-9A-F]+\}$/) } },
          },
        ],
      });
    }
    // The account id is field 4 of the endpoints' own security group ARN: no aws_caller_identity lookup.
    expect(Object.values(locals)).toEqual([
      expect.stringMatching(/^\$\{element\(split\(":", aws_security_group\.test_security-group_resource_[0-9A-F]+\.arn\), 4\)\}$/),
    ]);
  });

  it("restricted defaults to none: no partition local, no per-service security group", () => {
    const { r, locals } = synth();
    expect(Object.keys(locals)).toHaveLength(1);
    expect(Object.keys(r.aws_security_group)).toHaveLength(1);
  });

  it("a restricted endpoint gets its own security group, admitting only its own clients", () => {
    const { r } = synth({ ...props, services: ["ssm", "secretsmanager"], restricted: RESTRICTED });
    const g = groups(r);
    expect(Object.keys(g).sort()).toEqual(["dev-endpoint-secretsmanager", "dev-endpoints"]);
    expect(g["dev-endpoint-secretsmanager"]).toMatchObject({
      egress: [],
      tags: { Name: "dev-endpoint-secretsmanager", "egress6:role": "endpoint" },
    });
    expect(g["dev-endpoint-secretsmanager"].ingress).toEqual([
      expect.objectContaining({ from_port: 443, to_port: 443, ipv6_cidr_blocks: [PROXY.ipv6Cidr] }),
    ]);
    const e = endpoints(r);
    expect(e.secretsmanager.security_group_ids).toEqual([expect.stringMatching(sgRef("secretsmanager-security-group", "id"))]);
    expect(e.ssm.security_group_ids).toEqual([expect.stringMatching(sgRef("security-group", "id"))]);
  });

  it("a restricted endpoint's policy allows only the listed actions on the listed resources, to the one role", () => {
    const { r, locals } = synth({ ...props, services: ["secretsmanager"], restricted: RESTRICTED });
    const statements = JSON.parse(endpoints(r).secretsmanager.policy).Statement;
    expect(statements).toEqual([
      {
        Sid: "OnlyThisRoleOnlyTheseCalls",
        Effect: "Allow",
        Principal: "*",
        Action: "secretsmanager:GetSecretValue",
        Resource: "arn:aws:secretsmanager:eu-west-1:111122223333:secret:ca-key",
        Condition: {
          StringEquals: {
            "aws:PrincipalArn": expect.stringMatching(
              /^arn:\$\{local\.test_partition_[0-9A-F]+\}:iam::\$\{local\.test_account-id_[0-9A-F]+\}:role\/dev-proxy$/,
            ),
          },
        },
      },
    ]);
    const partition = Object.entries(locals).find(([k]) => k.startsWith("test_partition_"))?.[1];
    expect(partition).toMatch(/^\$\{element\(split\(":", aws_security_group\.test_security-group_resource_[0-9A-F]+\.arn\), 1\)\}$/);
  });

  it("refuses to restrict a service that takes no endpoint policy", () => {
    const restricted = { ssmmessages: RESTRICTED.secretsmanager };
    expect(() => synth({ ...props, services: ["ssmmessages"], restricted })).toThrow(
      "InterfaceEndpoints: ssmmessages takes no endpoint policy; it cannot be restricted",
    );
  });

  it("refuses a service not known to take IPv6-only endpoints, before creating any endpoint", () => {
    Testing.synthScope((scope) => {
      expect(() => new InterfaceEndpoints(scope, "test", { ...props, services: ["ssm", "s3"] })).toThrow(UserError);
      expect(scope.node.findAll().filter((c) => c instanceof VpcEndpoint)).toEqual([]);
    });
    expect(() => synth({ ...props, services: ["s3"] })).toThrow(/"s3" is not known to support IPv6-only interface endpoints/);
  });

  it("exposes the endpoints by service and the shared and restricted security groups", () => {
    Testing.synthScope((scope) => {
      const construct = new InterfaceEndpoints(scope, "test", { ...props, services: ["ssm", "secretsmanager"], restricted: RESTRICTED });
      expect(Object.keys(construct.endpoints).sort()).toEqual(["secretsmanager", "ssm"]);
      expect(construct.endpoints.ssm).toBeInstanceOf(VpcEndpoint);
      expect(construct.securityGroup.group).toBeInstanceOf(SecurityGroup);
      expect(Object.keys(construct.restrictedSecurityGroups)).toEqual(["secretsmanager"]);
    });
  });
});

describe("endpointServiceSupport", () => {
  it("returns the table entry of a known service", () => {
    expect(endpointServiceSupport("kms")).toBe(ENDPOINT_SERVICES.kms);
  });

  it("names the supported services when it refuses one", () => {
    expect(() => endpointServiceSupport("s3")).toThrow(
      /supported: ssm, ssmmessages, ec2messages, logs, monitoring, kms, sts, ec2, secretsmanager, acm-pca$/,
    );
  });
});

describe("endpoint policies", () => {
  it("onlyThisRole lists several actions and resources as arrays", () => {
    const policy = JSON.parse(onlyThisRole({ actions: ["a:X", "a:Y"], resources: ["r1", "r2"] }, "arn:aws:iam::1:role/x"));
    expect(policy.Statement[0]).toMatchObject({ Action: ["a:X", "a:Y"], Resource: ["r1", "r2"] });
  });

  it("thisAccountOnly conditions on the principal's account", () => {
    expect(JSON.parse(thisAccountOnly("111122223333")).Statement[0].Condition).toEqual({
      StringEquals: { "aws:PrincipalAccount": "111122223333" },
    });
  });
});
