import type { Zone } from "../lib/zone";
import type { Egress6Config } from "./schema";

/** The configured availability zones, in order, each with its suffix (`us-east-1a` -> `a`). */
export function zonesOf(config: Pick<Egress6Config, "region" | "availabilityZones">): Zone[] {
  return config.availabilityZones.map((name, index) => ({ name, suffix: name.slice(config.region.length), index }));
}
