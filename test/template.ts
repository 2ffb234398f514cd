/**
 * Test helpers over synthesized Terraform JSON (Vitest; no terraform binary needed).
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseDeployment, type ResolvedDeployment, resolveDeploymentFiles } from "../config/load";
import type { DeploymentInput } from "../config/schema";
import { App, Testing } from "../framework/cdktf";
import type { Placement } from "../modules/placement";
import { ExampleStack } from "../stacks/example-stack";
import { synthesize } from "../stacks/synthesize";
import exampleJson from "../config/example.json";

export const PROJECT_ROOT = resolve(__dirname, "..");
/** Where scripts/bundle-functions.mjs writes the function zips (built by test/global-setup.ts). */
export const ARTIFACTS_DIR = join(PROJECT_ROOT, "dist", "lambda");

export type TfJson = {
  provider?: { aws?: Array<Record<string, unknown>> };
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  terraform?: Record<string, unknown>;
  output?: Record<string, { value: unknown }>;
};

/** A fresh deep copy of the example configuration as written (input form). */
export function exampleInput(): DeploymentInput & Record<string, unknown> {
  return structuredClone(exampleJson) as DeploymentInput & Record<string, unknown>;
}

/** Validates an input configuration and reads its files as if it lay in config/; throws with every problem. */
export function validConfig(input: unknown = exampleInput()): ResolvedDeployment {
  const result = parseDeployment(input);
  if (!result.ok) throw new Error(result.problems.map((p) => `${p.path}: ${p.message}`).join("\n"));
  const resolved = resolveDeploymentFiles(result.config, join(PROJECT_ROOT, "config"));
  if ("problems" in resolved) throw new Error(resolved.problems.map((p) => `${p.path}: ${p.message}`).join("\n"));
  return resolved;
}

/** A temporary folder, removed by the returned cleanup. */
export function tempDir(prefix = "sip-test-"): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Synthesizes a deployment (or with stack "bootstrap" its state stack) through the real pipeline into
 * a temp folder; returns text and JSON.
 */
export function synthDeployment(
  config: ResolvedDeployment,
  stack: "platform" | "bootstrap" = "platform",
): { text: string; json: TfJson } {
  const { dir, cleanup } = tempDir();
  try {
    const { stackFile } = synthesize({ config, outdir: join(dir, "cdktf.out"), projectRoot: PROJECT_ROOT, stack });
    const text = readFileSync(stackFile, "utf8");
    return { text, json: JSON.parse(text) as TfJson };
  } finally {
    cleanup();
  }
}

/** All resources of one type, by Terraform name. */
export function resourcesOf(json: TfJson, type: string): Record<string, Record<string, unknown>> {
  return json.resource?.[type] ?? {};
}

/** A bare stack with the two placements, for module tests. */
export function moduleStack(): {
  stack: ExampleStack;
  sovereign: Placement;
  commercial: Placement;
  synth: () => TfJson;
  cleanup: () => void;
} {
  const { dir, cleanup } = tempDir();
  const app = new App({ outdir: dir, stackTraces: false });
  const stack = new ExampleStack(app, "test");
  return {
    stack,
    sovereign: stack.sovereign,
    commercial: stack.commercial,
    synth: () => JSON.parse(Testing.synth(stack, true)) as TfJson,
    cleanup,
  };
}
