import { mkdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { ResolvedDeployment } from "../config/load";
import { App } from "../framework/cdktf";
import { PlatformStack } from "./platform-stack";

export interface SynthOptions {
  readonly config: ResolvedDeployment;
  /** Output directory (absolute, or relative to the project root). */
  readonly outdir: string;
  /** The folder that holds cdktf.json; relative paths in the output are relative to it. */
  readonly projectRoot: string;
}

export interface SynthResult {
  /** Absolute path of the stack's cdk.tf.json. */
  readonly stackFile: string;
}

/**
 * Synthesizes the deployment into `outdir` atomically: the app writes into a fresh sibling folder,
 * which replaces `outdir` only when synth and every validation succeeded. On failure the previous
 * output stays as it was and nothing partial is left behind.
 */
export function synthesize(options: SynthOptions): SynthResult {
  const outdir = resolve(options.projectRoot, options.outdir);
  const staging = join(dirname(outdir), `.${basename(outdir)}.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(outdir), { recursive: true });
  try {
    const app = new App({ outdir: staging, stackTraces: false });
    new PlatformStack(app, { config: options.config, artifactsDir: join(options.projectRoot, "dist", "lambda") });
    app.synth();
    rmSync(outdir, { recursive: true, force: true });
    renameSync(staging, outdir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return { stackFile: join(outdir, "stacks", options.config.environment, "cdk.tf.json") };
}
