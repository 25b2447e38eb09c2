/**
 * Interface VPC endpoints for the AWS services the instances use (Systems Manager, CloudWatch Logs, ...), in the
 * IPv6-only endpoint subnets: IPv6 addresses and AAAA private DNS records (an IPv6-only subnet can host only an
 * IPv6 endpoint), behind a security group that admits HTTPS from the listed /64s and nothing else, and, where the
 * service takes one, an endpoint policy that admits this account's principals only.
 */
import { Construct } from "constructs";
import { Fn, TerraformLocal } from "cdktf";
import { VpcEndpoint } from "@cdktf/provider-aws/lib/vpc-endpoint";
import { ClosedSecurityGroup, SgRule } from "../shared/security-group";
import { TAG_ROLE } from "../../lib/names";
import { UserError } from "../../lib/errors";
import { policyDocument } from "../shared/policy";
import { HTTPS_PORT } from "../../lib/ports";

/** What egress6 knows about one AWS service's interface endpoint. */
export interface EndpointServiceSupport {
  /** The endpoint can be IPv6-only (`ip_address_type = "ipv6"`): the only kind an IPv6-only subnet can hold. */
  readonly ipv6Only: boolean;
  /**
   * Where the IPv6 support was confirmed, or `unconfirmed:` and why. Support differs by Region: the authority is
   * EC2 DescribeVpcEndpointServices, whose `SupportedIpAddressTypes` must contain `ipv6` for the Region
   * (`aws ec2 describe-vpc-endpoint-services --service-names com.amazonaws.<region>.<name>
   * --query 'ServiceDetails[].[ServiceName,SupportedIpAddressTypes,VpcEndpointPolicySupported]'`).
   */
  readonly ipv6Source: string;
  /** The service evaluates VPC endpoint policies. */
  readonly endpointPolicy: boolean;
}

/** The table of "AWS services that support IPv6" in the VPC user guide (its PrivateLink column). */
const VPC_IPV6_TABLE =
  "VPC user guide, AWS services that support IPv6: https://docs.aws.amazon.com/vpc/latest/userguide/aws-ipv6-support.html";
/** Said of services this project could not confirm from a readable page; `npm run preflight` asks the Region. */
const UNCONFIRMED = `unconfirmed: no readable AWS page row was found for this service (${VPC_IPV6_TABLE}); check SupportedIpAddressTypes in the Region`;

/**
 * The services whose interface endpoints egress6 can create, by short name (`com.amazonaws.<region>.<name>`), with
 * where each one's IPv6 support was confirmed. Endpoint policies are left off where egress6 has not confirmed that
 * the service evaluates them (the Session Manager channels ssmmessages and ec2messages): a policy the service ignores
 * would only look like a control. docs/known-limits.md lists the unconfirmed entries.
 */
export const ENDPOINT_SERVICES: Readonly<Record<string, EndpointServiceSupport>> = {
  ssm: { ipv6Only: true, ipv6Source: UNCONFIRMED, endpointPolicy: true },
  ssmmessages: { ipv6Only: true, ipv6Source: UNCONFIRMED, endpointPolicy: false },
  ec2messages: { ipv6Only: true, ipv6Source: UNCONFIRMED, endpointPolicy: false },
  logs: { ipv6Only: true, ipv6Source: UNCONFIRMED, endpointPolicy: true },
  monitoring: {
    ipv6Only: true,
    ipv6Source:
      "PrivateLink guide, Create a VPC endpoint (example output: SupportedIpAddressTypes ipv6, ipv4 for com.amazonaws.us-east-1.monitoring): https://docs.aws.amazon.com/vpc/latest/privatelink/create-interface-endpoint.html",
    endpointPolicy: true,
  },
  kms: {
    ipv6Only: true,
    ipv6Source:
      "KMS developer guide, IPv6 (PrivateLink over IPv4 and IPv6): https://docs.aws.amazon.com/kms/latest/developerguide/ipv6-kms.html",
    endpointPolicy: true,
  },
  sts: {
    ipv6Only: true,
    ipv6Source:
      "IAM user guide, dual-stack endpoint support (STS reachable through PrivateLink over IPv6): https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_dual-stack_endpoint_support.html",
    endpointPolicy: true,
  },
  ec2: { ipv6Only: true, ipv6Source: UNCONFIRMED, endpointPolicy: true },
  secretsmanager: { ipv6Only: true, ipv6Source: UNCONFIRMED, endpointPolicy: true },
  "acm-pca": { ipv6Only: true, ipv6Source: UNCONFIRMED, endpointPolicy: true },
};

/** The support entry of `service`; a service not known to take IPv6-only endpoints is refused (R1: IPv6-only subnets). */
export function endpointServiceSupport(service: string): EndpointServiceSupport {
  const support = ENDPOINT_SERVICES[service];
  if (!support?.ipv6Only) {
    throw new UserError([
      `workload.interfaceEndpoints: "${service}" is not known to support IPv6-only interface endpoints, and the endpoint subnets are IPv6-only (a dual-stack or IPv4 endpoint cannot be created there); supported: ${Object.keys(
        ENDPOINT_SERVICES,
      )
        .filter((k) => ENDPOINT_SERVICES[k].ipv6Only)
        .join(", ")}`,
    ]);
  }
  return support;
}

/** Field 4 of an ARN (`arn:partition:service:region:account:resource`) is the account id. */
const ARN_ACCOUNT_FIELD = 4;

export interface InterfaceEndpointsProps {
  /**
   * The environment name: the security groups are `<envName>-endpoints` and `<envName>-endpoint-<service>`, and it
   * prefixes every Name tag.
   */
  readonly envName: string;
  /** The AWS region the endpoints are in: each service name is `com.amazonaws.<region>.<service>`. */
  readonly region: string;
  /** The VPC the endpoints and their security groups are created in. */
  readonly vpcId: string;
  /** Service short names: `ssm` becomes `com.amazonaws.<region>.ssm`. */
  readonly services: readonly string[];
  /** The endpoint subnets (one per AZ). */
  readonly subnetIds: readonly string[];
  /** Who may connect: one /64 per entry. */
  readonly clients: readonly { readonly ipv6Cidr: string; readonly description: string }[];
  /**
   * Services whose endpoint exists for one role's few calls only (Secrets Manager for the proxies' CA key): the
   * endpoint gets a security group of its own admitting only `clients`, and a policy allowing only `actions` on
   * `resources` to the role named `principalRoleName` in this account (aws:PrincipalArn).
   * @default - none: every endpoint uses the shared security group and, where the service takes one, the
   * this-account-only policy
   */
  readonly restricted?: Readonly<Record<string, RestrictedEndpoint>>;
}

/** See InterfaceEndpointsProps.restricted. */
export interface RestrictedEndpoint {
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  readonly principalRoleName: string;
  readonly clients: readonly { readonly ipv6Cidr: string; readonly description: string }[];
}

export class InterfaceEndpoints extends Construct {
  readonly securityGroup: ClosedSecurityGroup;
  readonly endpoints: Record<string, VpcEndpoint> = {};
  /** The security groups of the restricted endpoints, by service. */
  readonly restrictedSecurityGroups: Record<string, ClosedSecurityGroup> = {};

  constructor(scope: Construct, id: string, props: InterfaceEndpointsProps) {
    super(scope, id);
    this.securityGroup = new ClosedSecurityGroup(this, "security-group", {
      vpcId: props.vpcId,
      name: `${props.envName}-endpoints`,
      description: "egress6 interface endpoints: HTTPS from the listed subnets only",
      ingress: props.clients.map((c) => SgRule.tcp(HTTPS_PORT, c.ipv6Cidr, c.description)),
      egress: [],
      tags: { Name: `${props.envName}-endpoints`, [TAG_ROLE]: "endpoint" },
    });
    const supports = props.services.map((service) => [service, endpointServiceSupport(service)] as const);
    // The account id from an ARN this module creates: no aws_caller_identity lookup, so planning needs no AWS.
    const accountId = new TerraformLocal(this, "account-id", Fn.element(Fn.split(":", this.securityGroup.group.arn), ARN_ACCOUNT_FIELD))
      .asString;
    // Field 1 of the same ARN, as a local too: a bare reference inside the JSON policy (no quoted function arguments).
    const partition = props.restricted
      ? new TerraformLocal(this, "partition", Fn.element(Fn.split(":", this.securityGroup.group.arn), 1)).asString
      : "";
    for (const [service, support] of supports) {
      const restricted = props.restricted?.[service];
      if (restricted && !support.endpointPolicy)
        throw new Error(`InterfaceEndpoints: ${service} takes no endpoint policy; it cannot be restricted`);
      const securityGroupId = restricted
        ? (this.restrictedSecurityGroups[service] = new ClosedSecurityGroup(this, `${service}-security-group`, {
            vpcId: props.vpcId,
            name: `${props.envName}-endpoint-${service}`,
            description: `egress6 ${service} interface endpoint: HTTPS from the listed subnets only`,
            ingress: restricted.clients.map((c) => SgRule.tcp(HTTPS_PORT, c.ipv6Cidr, c.description)),
            egress: [],
            tags: { Name: `${props.envName}-endpoint-${service}`, [TAG_ROLE]: "endpoint" },
          })).group.id
        : this.securityGroup.group.id;
      this.endpoints[service] = new VpcEndpoint(this, service, {
        vpcId: props.vpcId,
        serviceName: `com.amazonaws.${props.region}.${service}`,
        vpcEndpointType: "Interface",
        subnetIds: [...props.subnetIds],
        securityGroupIds: [securityGroupId],
        ipAddressType: "ipv6",
        dnsOptions: { dnsRecordIpType: "ipv6" },
        privateDnsEnabled: true,
        policy: restricted
          ? onlyThisRole(restricted, `arn:${partition}:iam::${accountId}:role/${restricted.principalRoleName}`)
          : support.endpointPolicy
            ? thisAccountOnly(accountId)
            : undefined,
        tags: { Name: `${props.envName}-endpoint-${service}`, [TAG_ROLE]: "endpoint" },
      });
    }
  }
}

/** An endpoint policy: anything the principals of this account may do (their IAM policies decide), nobody else. */
export function thisAccountOnly(accountId: string): string {
  return policyDocument([
    {
      Sid: "ThisAccountsPrincipalsOnly",
      Effect: "Allow",
      Principal: "*",
      Action: "*",
      Resource: "*",
      Condition: { StringEquals: { "aws:PrincipalAccount": accountId } },
    },
  ]);
}

/**
 * An endpoint policy for an endpoint that serves one role's few calls: only those actions on those resources, only
 * for that role (aws:PrincipalArn; an endpoint policy is a resource policy deciding which principals may use the
 * endpoint, on top of their IAM policies: PrivateLink guide, "Control access to VPC endpoints using endpoint policies",
 * https://docs.aws.amazon.com/vpc/latest/privatelink/vpc-endpoints-access.html).
 */
export function onlyThisRole(restricted: Pick<RestrictedEndpoint, "actions" | "resources">, roleArn: string): string {
  return policyDocument([
    {
      Sid: "OnlyThisRoleOnlyTheseCalls",
      Effect: "Allow",
      Principal: "*",
      Action: restricted.actions.length === 1 ? restricted.actions[0] : [...restricted.actions],
      Resource: restricted.resources.length === 1 ? restricted.resources[0] : [...restricted.resources],
      Condition: { StringEquals: { "aws:PrincipalArn": roleArn } },
    },
  ]);
}
