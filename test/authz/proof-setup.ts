/**
 * Global setup of `make proof`: bundles the function zips that the synthesized example deploys (the
 * proof synthesizes it), without touching the records the test run left.
 */
// @ts-expect-error -- a plain ES module script without type declarations
import { bundleFunctions } from "../../scripts/bundle-functions.mjs";

export default async function setup(): Promise<void> {
  await bundleFunctions();
}
