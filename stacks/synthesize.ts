import { mkdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { ResolvedDeployment } from "../config/load";
import { App } from "../framework/cdktf";
import { BootstrapStack } from "./bootstrap-stack";
import { PlatformStack } from "./platform-stack";

export interface SynthOptions {
  readonly config: ResolvedDeployment;
  /** Output directory (absolute, or relative to the project root). */
  readonly outdir: string;
  /** The folder that holds cdktf.json; relative paths in the output are relative to it. */
  readonly projectRoot: string;
  /**
   * Which stack: the platform (`<environment>`), or the bootstrap stack that holds its state bucket
   * (`<environment>-bootstrap`, bootstrap-stack.ts).
   * @default "platform"
   */
  readonly stack?: "platform" | "bootstrap";
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
  let stackName = options.config.environment;
  try {
    const app = new App({ outdir: staging, stackTraces: false });
    if (options.stack === "bootstrap") {
      stackName = new BootstrapStack(app, { config: options.config }).names.bootstrapStackName;
    } else {
      new PlatformStack(app, { config: options.config, artifactsDir: join(options.projectRoot, "dist", "lambda") });
    }
    app.synth();
    rmSync(outdir, { recursive: true, force: true });
    renameSync(staging, outdir);
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return { stackFile: join(outdir, "stacks", stackName, "cdk.tf.json") };
}
