import { Construct } from "constructs";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import type { ITerraformDependable } from "cdktf";
import { RESOURCE_ID } from "../../lib/names";

/** Name, retention and key of an EncryptedLogGroup. */
export interface EncryptedLogGroupProps {
  /** The log group's name. */
  readonly name: string;
  /** Days CloudWatch Logs keeps events (a value the API accepts: 1, 3, 5, 7, 14, 30, ...). */
  readonly retentionDays: number;
  /** ARN of the customer-managed KMS key that encrypts the group. */
  readonly kmsKeyArn: string;
  /** The key policy that lets CloudWatch Logs use the key: it must exist before the group. */
  readonly keyPolicy: ITerraformDependable;
}

/** A CloudWatch Logs group encrypted with a customer-managed key, with a fixed retention. */
export class EncryptedLogGroup extends Construct {
  /** The log group. */
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: EncryptedLogGroupProps) {
    super(scope, id);
    this.logGroup = new CloudwatchLogGroup(this, RESOURCE_ID, {
      name: props.name,
      retentionInDays: props.retentionDays,
      kmsKeyId: props.kmsKeyArn,
      dependsOn: [props.keyPolicy],
    });
  }
}
