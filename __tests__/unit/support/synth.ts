/**
 * What the unit tests share: a construct synthesized on its own in a test stack (`Testing.synthScope`), as the JSON
 * text cdktf's matchers take and as its resources by type, and the one resource of a type.
 */
import { Testing } from "cdktf";
import type { Construct } from "constructs";

/** Synthesized resources: type -> construct-derived name -> the resource's arguments. */
export type Resources = Record<string, Record<string, any>>;

/** Synthesizes what `build` adds to a test scope: the JSON text and its resources by type. */
export function synthResources(build: (scope: Construct) => void): { json: string; r: Resources } {
  const json = Testing.synthScope(build);
  return { json, r: (JSON.parse(json) as { resource: Resources }).resource };
}

/** The one resource of `type`: the test fails unless there is exactly one. */
export function only(r: Resources, type: string): any {
  const all = Object.values(r[type] ?? {});
  expect(all).toHaveLength(1);
  return all[0];
}
