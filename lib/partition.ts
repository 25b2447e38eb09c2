/**
 * ARN building blocks that follow from the region alone, so that no data source (and no AWS call) is needed
 * at plan time. Partitions: AWS General Reference, "Amazon Resource Names (ARNs)".
 */

/** The ARN partition of a region: `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, `aws-iso-b`. */
export function partitionOf(region: string): string {
  if (region.startsWith("cn-")) return "aws-cn";
  if (region.startsWith("us-gov-")) return "aws-us-gov";
  if (region.startsWith("us-isob-")) return "aws-iso-b";
  if (region.startsWith("us-iso-")) return "aws-iso";
  return "aws";
}

/**
 * The DNS suffix of a region's partition (AWS General Reference, "Service endpoints"): `amazonaws.com`, and
 * `amazonaws.com.cn` in China, `c2s.ic.gov` and `sc2s.sgov.gov` in the ISO partitions.
 */
export function dnsSuffixOf(region: string): string {
  switch (partitionOf(region)) {
    case "aws-cn":
      return "amazonaws.com.cn";
    case "aws-iso":
      return "c2s.ic.gov";
    case "aws-iso-b":
      return "sc2s.sgov.gov";
    default:
      return "amazonaws.com";
  }
}

/** A regional service principal such as CloudWatch Logs' `logs.<region>.<dns suffix>`. */
export function regionalServicePrincipal(service: string, region: string): string {
  return `${service}.${region}.${dnsSuffixOf(region)}`;
}

/** An AWS-managed IAM policy's ARN: `arn:<partition>:iam::aws:policy/<name>`. */
export function managedPolicyArn(region: string, name: string): string {
  return `arn:${partitionOf(region)}:iam::aws:policy/${name}`;
}
