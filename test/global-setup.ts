/**
 * Runs once before the test files: builds the function zips (dist/lambda/) that the synthesized
 * stack deploys, as `make synth` does, so tests synthesize exactly what users get; and empties the
 * authorization proof's record folder, so that the proof sees this run's requests only.
 */
import { rmSync } from "node:fs";
import { RECORD_DIR } from "./authz/paths";
// @ts-expect-error -- a plain ES module script without type declarations
import { bundleFunctions } from "../scripts/bundle-functions.mjs";

export default async function setup(): Promise<void> {
  rmSync(RECORD_DIR, { recursive: true, force: true });
  await bundleFunctions();
}
