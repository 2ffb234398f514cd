/**
 * Runs once before the test files: builds the function zips (dist/lambda/) that the synthesized
 * stack deploys, as `make synth` does, so tests synthesize exactly what users get.
 */
// @ts-expect-error -- a plain ES module script without type declarations
import { bundleFunctions } from "../scripts/bundle-functions.mjs";

export default async function setup(): Promise<void> {
  await bundleFunctions();
}
