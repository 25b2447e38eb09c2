/** One of preflight's AWS checks, run by cli/preflight/aws.ts in the order it prints; read calls only (../clients.ts). */
import { ListDetectorsCommand, type ListDetectorsCommandOutput } from "@aws-sdk/client-guardduty";
import { send, type Check, type CheckContext } from "../clients";
import { ok, problem } from "../result";

/** aws:guardduty (when egress6 creates the detector): no GuardDuty detector exists in the region yet. */
export function guardDutyChecks({ config, c }: CheckContext): Check[] {
  const region = config.region;
  const obs = config.observability;
  const checks: Check[] = [];
  if (obs.guardDuty.create) {
    checks.push({
      id: "aws:guardduty",
      what: "that no GuardDuty detector exists yet",
      async run() {
        const ids: string[] = (await send<ListDetectorsCommandOutput>(c.guardDuty, new ListDetectorsCommand({}))).DetectorIds ?? [];
        if (ids.length > 0) {
          return [
            problem(
              "aws:guardduty",
              `a GuardDuty detector already exists in ${region} (${ids.join(", ")}); an account has one per region, so creating another fails`,
              "set observability.guardDuty.create: false to keep the existing one",
            ),
          ];
        }
        return [ok("aws:guardduty", `no GuardDuty detector in ${region} yet; egress6 creates it`)];
      },
    });
  }
  return checks;
}
