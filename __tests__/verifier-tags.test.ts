/**
 * The verifier keeps its own copy of the tag contract (verifier/tags.ts: it imports nothing of the app). This test
 * holds the copy to the app's: the same tag keys as lib/names.ts (and lib/proxy-signals.ts for the failover group),
 * and the role and tier values the synthesized stacks really write.
 */
import * as names from "../lib/names";
import * as signals from "../lib/proxy-signals";
import * as tags from "../verifier/tags";
import { demoConfig, resources, synthStack } from "./helpers";

describe("verifier/tags.ts agrees with lib/names.ts", () => {
  test("every tag key the verifier reads has the app's value", () => {
    const keys = Object.keys(tags).filter((k) => k.startsWith("TAG_"));
    expect(keys.sort()).toEqual(["TAG_AZ", "TAG_FAILOVER_GROUP", "TAG_ROLE", "TAG_TIER"]);
    const app = { ...names, ...signals } as Record<string, unknown>;
    for (const key of keys) {
      expect([key, (tags as Record<string, unknown>)[key]]).toEqual([key, app[key]]);
    }
  });

  test("the tier and role values are the ones the stacks write", () => {
    expect(names.TIERS).toContain(tags.TIER_WORKLOAD);
    const roles = (tf: ReturnType<typeof synthStack>, type: string) =>
      Object.values(resources(tf, type)).map((r: { tags?: Record<string, string> }) => r.tags?.[names.TAG_ROLE]);
    const config = demoConfig({ inspection: { mode: "firewall-proxy" } });
    expect(roles(synthStack(config, "workload"), "aws_instance")).toContain(tags.ROLE_WORKLOAD);
    expect(roles(synthStack(config, "inspection"), "aws_instance")).toContain(tags.ROLE_PROXY);
  });
});
