import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve } from "node:path";
import { ConfigError, type ResolvedDeployment } from "../config/load";
import { writeSynthRecord } from "../config/synth-record";
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
   * The configuration file `config` was read from: recorded in the output's manifest, so that
   * `check` uses the same configuration (config/synth-record.ts).
   * @default - nothing recorded
   */
  readonly configFile?: string;
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
  refuseToReplace(outdir, resolve(options.projectRoot));
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
    if (options.configFile !== undefined)
      writeSynthRecord(staging, outdir, resolve(options.projectRoot, options.configFile));
    const orphans = underCdktfCli()
      ? stackFolders(outdir).filter((name) => !existsSync(join(staging, "stacks", name)))
      : [];
    rmSync(outdir, { recursive: true, force: true });
    renameSync(staging, outdir);
    // The CDKTF CLI lists the stack folders before it runs the app and removes the ones the app no
    // longer writes (an environment renamed) itself, failing when they are gone: leave them empty.
    for (const name of orphans) mkdirSync(join(outdir, "stacks", name), { recursive: true });
  } catch (err) {
    rmSync(staging, { recursive: true, force: true });
    throw err;
  }
  return { stackFile: join(outdir, "stacks", stackName, "cdk.tf.json") };
}

/** `cdktf synth/diff/deploy` runs the app with this variable set (the app's context). */
function underCdktfCli(): boolean {
  return process.env.CDKTF_CONTEXT_JSON !== undefined;
}

function stackFolders(outdir: string): string[] {
  const stacks = join(outdir, "stacks");
  return existsSync(stacks)
    ? readdirSync(stacks, { withFileTypes: true })
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
    : [];
}

/** Synth replaces the output folder whole: never a folder that holds anything but synth output. */
export class OutdirError extends Error {
  override readonly name = "OutdirError";
}

/**
 * What main.ts prints when it fails: a configuration's problems or an unusable output folder as they
 * are; anything else is a bug (validation should have caught what the stacks cannot build), so it
 * says so in one line and asks for a report, without a construct stack (with `debug`, the stack too).
 */
export function describeFailure(err: unknown, debug = false): string {
  if (err instanceof ConfigError || err instanceof OutdirError) return `error: ${err.message}`;
  const message = err instanceof Error ? err.message : String(err);
  const firstLine = message.split("\n").find((line) => line.trim() !== "") ?? "(no message)";
  const detail = debug && err instanceof Error && err.stack !== undefined ? `\n${err.stack}` : "";
  return `error: internal error, please report: the configuration passed validation, but synth failed: ${firstLine.trim()}. This is a bug in the platform, not in your configuration: please report it with the configuration file (run with SIP_DEBUG=1 for the stack trace)${detail}`;
}

function refuseToReplace(outdir: string, projectRoot: string): void {
  const rel = relative(outdir, projectRoot);
  if (rel === "" || (!rel.startsWith("..") && !isAbsolute(rel))) {
    throw new OutdirError(
      `output folder ${outdir} is the project folder or holds it, and synth replaces the output folder whole. Fix: name a folder of its own, e.g. --outdir cdktf.out`,
    );
  }
  if (!existsSync(outdir)) return;
  const entries = readdirSync(outdir);
  if (entries.length > 0 && !entries.includes("manifest.json")) {
    throw new OutdirError(
      `output folder ${outdir} is not empty and holds no earlier synth output (no manifest.json), and synth replaces the output folder whole. Fix: name a new or empty folder, or an earlier output folder`,
    );
  }
}
