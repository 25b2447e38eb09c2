/**
 * The AWS regions egress6 knows, and the AZ letters each one can have, so that a config naming a region or AZ that
 * does not exist is refused at synth instead of failing at apply.
 *
 * Where the table comes from: the AWS "Regions and Availability Zones" guide, page "AWS Availability Zones"
 * (https://docs.aws.amazon.com/global-infrastructure/latest/regions/aws-availability-zones.html), which lists every
 * AZ ID of every region; an AZ's name is the region code followed by a letter. Regions opened after November 2012
 * map AZ IDs to letters the same way in every account, so their letters run from `a`. In the older regions marked
 * `independent` below, each account created before November 2025 sees its own letters for the AZ IDs
 * ("Regions with independently mapped Availability Zones", az-ids.html), and some accounts see letters that
 * others do not (us-west-1 has two AZs, seen as a+b or b+c); the table holds every letter any account can see.
 * China (cn-*) and GovCloud (us-gov-*) come from the same guide's partition pages.
 *
 * This table is a plausibility check only; it cannot know which letters *this* account has, or a region opened after
 * it was written. `npm run preflight` checks both live (ec2:DescribeRegions, ec2:DescribeAvailabilityZones).
 * A region missing here is added here (one line), with the AZ letters from the page above.
 */
export interface RegionInfo {
  /** Every AZ letter an account can see in the region. */
  readonly letters: string;
  /** AZ letters differ between accounts (the region maps AZs independently per account). */
  readonly independent?: boolean;
}

export const REGIONS: Readonly<Record<string, RegionInfo>> = {
  // North America
  "us-east-1": { letters: "abcdef", independent: true },
  "us-east-2": { letters: "abc" },
  "us-west-1": { letters: "abc", independent: true },
  "us-west-2": { letters: "abcd", independent: true },
  "ca-central-1": { letters: "abd" },
  "ca-west-1": { letters: "abc" },
  "mx-central-1": { letters: "abc" },
  // South America
  "sa-east-1": { letters: "abc", independent: true },
  // Europe
  "eu-central-1": { letters: "abc" },
  "eu-central-2": { letters: "abc" },
  "eu-west-1": { letters: "abc", independent: true },
  "eu-west-2": { letters: "abc" },
  "eu-west-3": { letters: "abc" },
  "eu-south-1": { letters: "abc" },
  "eu-south-2": { letters: "abc" },
  "eu-north-1": { letters: "abc" },
  // Middle East and Africa
  "il-central-1": { letters: "abc" },
  "me-south-1": { letters: "abc" },
  "me-central-1": { letters: "abc" },
  "af-south-1": { letters: "abc" },
  // Asia Pacific
  "ap-east-1": { letters: "abc" },
  "ap-east-2": { letters: "abc" },
  "ap-south-1": { letters: "abc" },
  "ap-south-2": { letters: "abc" },
  "ap-northeast-1": { letters: "abcd", independent: true },
  "ap-northeast-2": { letters: "abcd" },
  "ap-northeast-3": { letters: "abc" },
  "ap-southeast-1": { letters: "abc", independent: true },
  "ap-southeast-2": { letters: "abc", independent: true },
  "ap-southeast-3": { letters: "abc" },
  "ap-southeast-4": { letters: "abc" },
  "ap-southeast-5": { letters: "abc" },
  "ap-southeast-6": { letters: "abc" },
  "ap-southeast-7": { letters: "abc" },
  // AWS GovCloud (US)
  "us-gov-west-1": { letters: "abc" },
  "us-gov-east-1": { letters: "abc" },
  // China
  "cn-north-1": { letters: "abd" },
  "cn-northwest-1": { letters: "abc" },
};

/** The known region closest in spelling to `region` (edit distance at most 3), for a "did you mean" hint. */
export function closestRegion(region: string): string | undefined {
  // Loaded only when a region is wrong.
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy on purpose: only a wrong region needs it
  const { distance } = require("fastest-levenshtein") as typeof import("fastest-levenshtein");
  let best: { name: string; d: number } | undefined;
  for (const name of Object.keys(REGIONS)) {
    const d = distance(region, name);
    if (d <= 3 && (!best || d < best.d)) best = { name, d };
  }
  return best?.name;
}

/** An AZ ID such as `euc1-az1` (AWS guide, "AZ IDs"): the same place in every account, but not an AZ name. */
export const AZ_ID = /^[a-z]{2,4}\d{1,2}-az\d{1,2}$/;
/** An AZ name's syntax (`us-east-1a`); entries that are neither this nor an AZ ID get the schema's own message. */
export const AZ_NAME = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}[a-z]$/;

/**
 * Problems with `availabilityZones` for `region`, as [index or undefined for the whole list, message, value]:
 * AZ IDs in one message for all of them, names of another region, letters the region does not have, duplicates.
 * Nothing is said about AZs when the region itself is unknown (its own message covers it).
 */
export function availabilityZoneProblems(
  region: string,
  zones: readonly string[],
): Array<{ index?: number; message: string; input: unknown }> {
  const problems: Array<{ index?: number; message: string; input: unknown }> = [];
  const info = Object.hasOwn(REGIONS, region) ? REGIONS[region] : undefined;
  const names = info ? [...info.letters].map((l) => `${region}${l}`) : [];
  const accepted = info
    ? `${names.join(", ")}${info.independent ? " (which of them your account has: aws ec2 describe-availability-zones)" : ""}`
    : "";
  const ids = zones.filter((z) => AZ_ID.test(z));
  if (ids.length > 0) {
    problems.push({
      message:
        `${ids.length === 1 ? "is an AZ ID" : `are AZ IDs`} (${ids.join(", ")}), not AZ names; ` +
        (info ? `give AZ names of ${region}: ${names.join(", ")}. ` : "give AZ names such as us-east-1a. ") +
        `aws ec2 describe-availability-zones shows ${info?.independent ? "which of them your account has and " : ""}which name each ID has in your account`,
      input: ids.length === 1 ? ids[0] : ids,
    });
  }
  if (!info) return problems;
  zones.forEach((az, i) => {
    if (AZ_ID.test(az) || !AZ_NAME.test(az)) return;
    if (!az.startsWith(region) || !/^[a-z]$/.test(az.slice(region.length))) {
      problems.push({ index: i, message: `must be an AZ of ${region}: ${accepted}`, input: az });
    } else if (!info.letters.includes(az.slice(region.length))) {
      problems.push({ index: i, message: `is not an AZ of ${region}; accepted: ${accepted}`, input: az });
    } else if (zones.indexOf(az) !== i) {
      problems.push({ index: i, message: "is listed twice", input: az });
    }
  });
  return problems;
}
