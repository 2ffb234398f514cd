/**
 * Which configuration the output folder was synthesized from, recorded in its `manifest.json` (next
 * to cdktf's own keys) so that `check` and `review` judge the output against that configuration,
 * not against the example. The path is relative to the output folder and the content is identified
 * by its SHA-256, so the record holds no absolute path and notices a configuration edited since.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { isAbsolute, join, relative, resolve } from "node:path";

/** The key of the record in `<outdir>/manifest.json`. */
export const SYNTH_RECORD_KEY = "sovereignIdentityPlatform";

export interface SynthRecord {
  /** The configuration file, relative to the output folder (posix separators). */
  readonly configFile: string;
  /** SHA-256 (hex) of the configuration file's bytes at synth time. */
  readonly configSha256: string;
}

const sha256 = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");

/**
 * Adds the record to `<writeDir>/manifest.json`; `outdir` is where the folder will finally be (the
 * path is relative to it), which may differ from `writeDir` while synth writes into a staging folder.
 */
export function writeSynthRecord(writeDir: string, outdir: string, configFile: string): void {
  const manifestFile = join(writeDir, "manifest.json");
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Record<string, unknown>;
  const record: SynthRecord = {
    configFile: relative(outdir, configFile).split("\\").join("/"),
    configSha256: sha256(configFile),
  };
  writeFileSync(manifestFile, `${JSON.stringify({ ...manifest, [SYNTH_RECORD_KEY]: record }, null, 2)}\n`);
}

export type SynthRecordLookup =
  | { readonly kind: "none" }
  | { readonly kind: "current"; readonly configFile: string }
  | { readonly kind: "stale"; readonly configFile: string; readonly reason: string };

/**
 * The configuration `outdir` was synthesized from: its absolute path, and whether it is unchanged
 * since (`stale` when it was edited or is gone). `none` when the folder has no record (hand-written
 * Terraform, a single file, output of an older synth).
 */
export function readSynthRecord(outdir: string): SynthRecordLookup {
  const manifestFile = join(outdir, "manifest.json");
  if (!existsSync(manifestFile)) return { kind: "none" };
  let record: unknown;
  try {
    record = (JSON.parse(readFileSync(manifestFile, "utf8")) as Record<string, unknown>)[SYNTH_RECORD_KEY];
  } catch {
    return { kind: "none" };
  }
  if (typeof record !== "object" || record === null) return { kind: "none" };
  const { configFile, configSha256 } = record as Partial<SynthRecord>;
  if (typeof configFile !== "string" || typeof configSha256 !== "string" || isAbsolute(configFile))
    return { kind: "none" };
  const file = resolve(outdir, configFile);
  if (!existsSync(file)) return { kind: "stale", configFile: file, reason: "it no longer exists" };
  if (sha256(file) !== configSha256)
    return { kind: "stale", configFile: file, reason: "it was changed after the synth" };
  return { kind: "current", configFile: file };
}
