/** One of preflight's AWS checks, run by cli/preflight/aws.ts in the order it prints; read calls only (../clients.ts). */
import { DescribeVpcEndpointServicesCommand, type DescribeVpcEndpointServicesCommandOutput, type ServiceDetail } from "@aws-sdk/client-ec2";
import { interfaceEndpointsOf } from "../../../config/tls-inspection";
import { AwsCallError, send, type Check, type CheckContext } from "../clients";
import { ok, problem } from "../result";

/** aws:endpoint:<service>: each interface endpoint service exists, takes IPv6-only endpoints and is in every AZ. */
export function interfaceEndpointChecks({ config, c }: CheckContext): Check[] {
  const region = config.region;
  const azs = config.availabilityZones;
  const checks: Check[] = [];
  for (const service of interfaceEndpointsOf(config)) {
    const id = `aws:endpoint:${service}`;
    const serviceName = `com.amazonaws.${region}.${service}`;
    checks.push({
      id,
      what: `that ${serviceName} accepts IPv6-only endpoints in ${azs.join(", ")}`,
      async run() {
        let details: ServiceDetail[];
        try {
          details =
            (
              await send<DescribeVpcEndpointServicesCommandOutput>(
                c.ec2,
                new DescribeVpcEndpointServicesCommand({ ServiceNames: [serviceName] }),
              )
            ).ServiceDetails ?? [];
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
  return checks;
}
