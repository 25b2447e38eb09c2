/** One of preflight's AWS checks, run by cli/preflight/aws.ts in the order it prints; read calls only (../clients.ts). */
import { DescribeAvailabilityZonesCommand, type AvailabilityZone, type DescribeAvailabilityZonesCommandOutput } from "@aws-sdk/client-ec2";
import { send, type Check, type CheckContext } from "../clients";
import { ok, problem } from "../result";

/** aws:availability-zones: each configured AZ exists in the region and is available. */
export function availabilityZoneChecks({ config, c }: CheckContext): Check[] {
  const region = config.region;
  const azs = config.availabilityZones;
  const checks: Check[] = [];

  checks.push({
    id: "aws:availability-zones",
    what: `that ${azs.join(", ")} exist in ${region}`,
    async run() {
      const out = await send<DescribeAvailabilityZonesCommandOutput>(c.ec2, new DescribeAvailabilityZonesCommand({}));
      const zones = (out.AvailabilityZones ?? []).filter((z) => (z.ZoneType ?? "availability-zone") === "availability-zone");
      const byName = new Map<string | undefined, AvailabilityZone>(zones.map((z) => [z.ZoneName, z]));
      const have = zones.map((z) => `${z.ZoneName} (${z.ZoneId})`).join(", ");
      const missing = azs.filter((az) => !byName.has(az));
      const unavailable = azs.filter((az) => byName.has(az) && byName.get(az)?.State !== "available");
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
            `${unavailable.map((az) => `${az} is ${byName.get(az)?.State}`).join("; ")}`,
            "choose AZs whose state is available",
          ),
        ];
      }
      return [ok("aws:availability-zones", `${azs.map((az) => `${az} (${byName.get(az)?.ZoneId})`).join(", ")} exist and are available`)];
    },
  });
  return checks;
}
