/**
 * The synthesized output of config/demo.json in every inspection mode, byte for byte, against the digests committed
 * in __tests__/golden/synth-digests.json (npm run golden -- --update rewrites them after a deliberate change).
 */
import { compareDigests, computeDigests, readGolden } from "../tooling/golden";

test("the synth of every inspection mode matches the golden digests", () => {
  const golden = readGolden();
  const current = computeDigests();
  expect(Object.keys(current).length).toBeGreaterThanOrEqual(3);
  expect(compareDigests(golden, current)).toEqual([]);
});

test("a changed, missing or new file is named", () => {
  const golden = { proxy: { "manifest.json": "a", "stacks/network/cdk.tf.json": "b" } };
  const current = { proxy: { "manifest.json": "a", "stacks/network/cdk.tf.json": "c", "stacks/extra/cdk.tf.json": "d" } };
  expect(compareDigests(golden, current)).toEqual([
    "proxy: stacks/extra/cdk.tf.json: new file, not in the golden",
    "proxy: stacks/network/cdk.tf.json: content differs",
  ]);
  expect(compareDigests(golden, { proxy: { "manifest.json": "a" } })).toEqual(["proxy: stacks/network/cdk.tf.json: no longer written"]);
  expect(compareDigests(golden, {})).toEqual(["proxy: in the golden file but not synthesized"]);
});
