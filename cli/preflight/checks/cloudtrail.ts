/** One of preflight's AWS checks, run by cli/preflight/aws.ts in the order it prints; read calls only (../clients.ts). */
import { DescribeTrailsCommand, type DescribeTrailsCommandOutput, type Trail } from "@aws-sdk/client-cloudtrail";
import { send, type Check, type CheckContext } from "../clients";
import { ok, problem } from "../result";

/** aws:cloudtrail (when egress6 creates the trail): no trail records the region yet. */
export function cloudTrailChecks({ config, c }: CheckContext): Check[] {
  const region = config.region;
  const obs = config.observability;
  const checks: Check[] = [];
  if (obs.cloudTrail.create) {
    checks.push({
      id: "aws:cloudtrail",
      what: "that no trail already records this region",
      async run() {
        const trails: Trail[] =
          (await send<DescribeTrailsCommandOutput>(c.cloudTrail, new DescribeTrailsCommand({ includeShadowTrails: true }))).trailList ?? [];
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
  return checks;
}
