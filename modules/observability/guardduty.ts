/** The account's GuardDuty detector, publishing findings every 15 minutes, with the optional protection plans. */
import { Construct } from "constructs";
import { GuarddutyDetector } from "@cdktf/provider-aws/lib/guardduty-detector";
import { GuarddutyDetectorFeature } from "@cdktf/provider-aws/lib/guardduty-detector-feature";
import { RESOURCE_ID } from "../../lib/names";

/** The shortest interval for updates to existing findings (new findings are always published at once). */
export const FINDING_PUBLISHING_FREQUENCY = "FIFTEEN_MINUTES";

/** Which GuardDuty protection plans are ENABLED (each is otherwise set DISABLED explicitly). */
export interface GuardDutyFeatures {
  /** S3 Protection: CloudTrail data events on S3. */
  readonly s3DataEvents: boolean;
  /** Malware Protection for EC2: scans EBS volumes of instances with a finding. */
  readonly ebsMalwareProtection: boolean;
  /** Runtime Monitoring, with the EC2 agent managed by GuardDuty. */
  readonly runtimeMonitoring: boolean;
}

/** The detector and its three protection plans, as `features` says. */
export class GuardDuty extends Construct {
  /** The account's detector. */
  readonly detector: GuarddutyDetector;

  constructor(
    scope: Construct,
    id: string,
    props: {
      /** Which protection plans are ENABLED; each plan not enabled is set DISABLED explicitly. */
      readonly features: GuardDutyFeatures;
    },
  ) {
    super(scope, id);
    this.detector = new GuarddutyDetector(this, RESOURCE_ID, { enable: true, findingPublishingFrequency: FINDING_PUBLISHING_FREQUENCY });
    const status = (on: boolean) => (on ? "ENABLED" : "DISABLED");
    const f = props.features;
    new GuarddutyDetectorFeature(this, "s3-data-events", {
      detectorId: this.detector.id,
      name: "S3_DATA_EVENTS",
      status: status(f.s3DataEvents),
    });
    new GuarddutyDetectorFeature(this, "ebs-malware-protection", {
      detectorId: this.detector.id,
      name: "EBS_MALWARE_PROTECTION",
      status: status(f.ebsMalwareProtection),
    });
    new GuarddutyDetectorFeature(this, "runtime-monitoring", {
      detectorId: this.detector.id,
      name: "RUNTIME_MONITORING",
      status: status(f.runtimeMonitoring),
      // GuardDuty installs and manages the security agent on EC2 instances itself.
      additionalConfiguration: f.runtimeMonitoring ? [{ name: "EC2_AGENT_MANAGEMENT", status: "ENABLED" }] : undefined,
    });
  }
}
