import { Testing } from "cdktf";
import { GuarddutyDetector } from "@cdktf/provider-aws/lib/guardduty-detector";
import { GuarddutyDetectorFeature } from "@cdktf/provider-aws/lib/guardduty-detector-feature";
import { GuardDuty, type GuardDutyFeatures } from "../../../../modules/observability/guardduty";

const ALL_ON: GuardDutyFeatures = { s3DataEvents: true, ebsMalwareProtection: true, runtimeMonitoring: true };
const ALL_OFF: GuardDutyFeatures = { s3DataEvents: false, ebsMalwareProtection: false, runtimeMonitoring: false };

function synth(features: GuardDutyFeatures): string {
  return Testing.synthScope((scope) => {
    new GuardDuty(scope, "test", { features });
  });
}

function features(json: string): Record<string, any> {
  const all = Object.values(JSON.parse(json).resource.aws_guardduty_detector_feature) as any[];
  return Object.fromEntries(all.map((f) => [f.name, f]));
}

describe("GuardDuty", () => {
  it("enables the detector, publishing finding updates every 15 minutes", () => {
    expect(synth(ALL_OFF)).toHaveResourceWithProperties(GuarddutyDetector, {
      enable: true,
      finding_publishing_frequency: "FIFTEEN_MINUTES",
    });
  });

  it("sets all three protection plans explicitly, ENABLED when asked", () => {
    const json = synth(ALL_ON);
    expect(json).toHaveResource(GuarddutyDetectorFeature);
    const f = features(json);
    expect(Object.keys(f).sort()).toEqual(["EBS_MALWARE_PROTECTION", "RUNTIME_MONITORING", "S3_DATA_EVENTS"]);
    for (const feature of Object.values(f)) {
      expect(feature.status).toBe("ENABLED");
      expect(feature.detector_id).toMatch(/^\$\{aws_guardduty_detector\.test_resource_[0-9A-F]+\.id\}$/);
    }
  });

  it("sets each plan DISABLED when not asked (not left to the account's setting)", () => {
    const f = features(synth(ALL_OFF));
    expect(Object.values(f).map((x) => x.status)).toEqual(["DISABLED", "DISABLED", "DISABLED"]);
  });

  it("follows each flag on its own", () => {
    const f = features(synth({ s3DataEvents: true, ebsMalwareProtection: false, runtimeMonitoring: false }));
    expect(f.S3_DATA_EVENTS.status).toBe("ENABLED");
    expect(f.EBS_MALWARE_PROTECTION.status).toBe("DISABLED");
    expect(f.RUNTIME_MONITORING.status).toBe("DISABLED");
  });

  it("with runtime monitoring, lets GuardDuty manage the EC2 agent; without, configures no agent", () => {
    expect(features(synth(ALL_ON)).RUNTIME_MONITORING.additional_configuration).toEqual([
      { name: "EC2_AGENT_MANAGEMENT", status: "ENABLED" },
    ]);
    expect(features(synth(ALL_OFF)).RUNTIME_MONITORING.additional_configuration).toBeUndefined();
  });
});
