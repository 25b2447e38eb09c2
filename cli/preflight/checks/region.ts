/** One of preflight's AWS checks, run by cli/preflight/aws.ts in the order it prints; read calls only (../clients.ts). */
import { DescribeRegionsCommand, type DescribeRegionsCommandOutput } from "@aws-sdk/client-ec2";
import { AwsCallError, homeRegion, send, type Check, type CheckContext } from "../clients";
import { ok, problem } from "../result";

/** aws:region: the configured region exists in the account's partition and is enabled (every other AWS check waits for it). */
export function regionCheck({ config, c }: CheckContext): Check {
  const region = config.region;
  const regionCheck: Check = {
    id: "aws:region",
    what: `that ${region} exists and is enabled`,
    async run() {
      // Asked in the partition's always-enabled region, which can answer for a disabled one; an account whose policies
      // deny that region is asked in the configured region instead (which answers only if it is enabled).
      let out: DescribeRegionsCommandOutput;
      try {
        out = await send<DescribeRegionsCommandOutput>(c.home, new DescribeRegionsCommand({ AllRegions: true }));
      } catch (e) {
        if (!(e instanceof AwsCallError) || homeRegion(region) === region) throw e;
        out = await send<DescribeRegionsCommandOutput>(c.ec2, new DescribeRegionsCommand({ AllRegions: true }));
      }
      const found = (out.Regions ?? []).find((r) => r.RegionName === region);
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
  return regionCheck;
}
