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

/** An AWS-managed IAM policy's ARN: `arn:<partition>:iam::aws:policy/<name>`. */
export function managedPolicyArn(region: string, name: string): string {
  return `arn:${partitionOf(region)}:iam::aws:policy/${name}`;
}
