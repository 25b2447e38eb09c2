/** One of preflight's AWS checks, run by cli/preflight/aws.ts in the order it prints; read calls only (../clients.ts). */
import { DescribeInstanceTypeOfferingsCommand, type DescribeInstanceTypeOfferingsCommandOutput } from "@aws-sdk/client-ec2";
import { send, type Check, type CheckContext, type Tier } from "../clients";
import { ok, problem } from "../result";

/** aws:instance-type:<tier>: the tier's instance type is offered in every configured AZ. */
export function instanceTypeChecks({ config, c }: CheckContext, t: Tier): Check[] {
  const azs = config.availabilityZones;
  const checks: Check[] = [];
  checks.push({
    id: `aws:instance-type:${t.tier}`,
    what: `that ${t.instanceType} is offered in ${azs.join(", ")}`,
    async run() {
      const out = await send<DescribeInstanceTypeOfferingsCommandOutput>(
        c.ec2,
        new DescribeInstanceTypeOfferingsCommand({
          LocationType: "availability-zone",
          Filters: [
            { Name: "instance-type", Values: [t.instanceType] },
            { Name: "location", Values: [...azs] },
          ],
        }),
      );
      const offered = new Set((out.InstanceTypeOfferings ?? []).map((o) => o.Location));
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
  return checks;
}
