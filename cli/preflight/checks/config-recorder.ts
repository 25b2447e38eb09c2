/** One of preflight's AWS checks, run by cli/preflight/aws.ts in the order it prints; read calls only (../clients.ts). */
import {
  DescribeConfigurationRecordersCommand,
  type ConfigurationRecorder,
  type DescribeConfigurationRecordersCommandOutput,
} from "@aws-sdk/client-config-service";
import { send, type Check, type CheckContext } from "../clients";
import { ok, problem } from "../result";

/** aws:config-recorder (when egress6 creates the recorder): no customer-managed AWS Config recorder exists yet. */
export function configRecorderChecks({ config, c }: CheckContext): Check[] {
  const region = config.region;
  const obs = config.observability;
  const checks: Check[] = [];
  if (obs.configRecorder.create) {
    checks.push({
      id: "aws:config-recorder",
      what: "that no AWS Config recorder exists yet",
      async run() {
        const all: ConfigurationRecorder[] =
          (await send<DescribeConfigurationRecordersCommandOutput>(c.config, new DescribeConfigurationRecordersCommand({})))
            .ConfigurationRecorders ?? [];
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
  return checks;
}
