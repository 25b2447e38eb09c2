import type { Egress6Config } from "./schema";

/** An availability zone as the stacks use it: the full name and the suffix that names resources (`a`, `b`). */
export interface Zone {
  readonly name: string;
  readonly suffix: string;
  /** Position in the config's AZ list; fixes each subnet's /64 index. */
  readonly index: number;
}

export function zonesOf(config: Pick<Egress6Config, "region" | "availabilityZones">): Zone[] {
  return config.availabilityZones.map((name, index) => ({ name, suffix: name.slice(config.region.length), index }));
}
