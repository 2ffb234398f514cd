import { createReadStream, } from "node:fs";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { type ScrubOptions, type ScrubResult, SCRUBBER_VERSION, scrub } from "./core";
import { isScrubRejected } from "./errors";
import { runIfEntryPoint } from "../shared/entry";

/** Exit codes (sysexits.h where one fits). */
export const EXIT = {
  scrubbed: 0,
  /** I/O failure unrelated to the image (unreadable input, unwritable output). */
  ioError: 1,
  rejected: 2,
  usage: 64,
} as const;

export const USAGE = `Usage: scrub [options] <in> <out>

Removes metadata from a JPEG, PNG or WebP without re-encoding the pixels (lossless container
rewrite): EXIF (GPS, camera, dates, MakerNotes, thumbnails), XMP, IPTC/Photoshop, comments, text
chunks and trailing data. Keeps the colour profile and, as a minimal EXIF block, the orientation.
The type is read from the bytes, never from the file name.

Writes <out> only when the image was scrubbed (via a temporary file renamed into place).

Options:
  --max-input-bytes <n>  reject inputs larger than n bytes (default 67108864)
  --max-pixels <n>       reject images above n pixels, width x height (default 100000000)
  --drop-icc             drop the ICC colour profile too
  --no-orientation       do not write the Orientation-only EXIF block (still reported)
  --json                 print the result as JSON instead of the one-line summary
  -h, --help             show this help

Exit status: 0 scrubbed, 2 rejected (reason on stderr, nothing written), 64 usage error,
1 I/O error (input unreadable, output not writable).
${SCRUBBER_VERSION}
`;

export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
}

const defaultIo: CliIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
};

interface Parsed {
  readonly help: boolean;
  readonly json: boolean;
  readonly input: string;
  readonly output: string;
  readonly options: ScrubOptions;
}

class UsageError extends Error {
  override readonly name = "UsageError";
}

function parseCount(flag: string, value: string | undefined): number {
  if (value === undefined || !/^[1-9][0-9]*$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new UsageError(`${flag} needs a positive integer`);
  }
  return Number(value);
}

export function parseArgs(argv: readonly string[]): Parsed {
  const positional: string[] = [];
  let help = false;
  let json = false;
  let maxInputBytes: number | undefined;
  let maxPixels: number | undefined;
  let keepIccProfile = true;
  let preserveOrientation = true;
  let onlyPositional = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (onlyPositional || !arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string | undefined => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case "--":
        onlyPositional = true;
        break;
      case "-h":
      case "--help":
        help = true;
        break;
      case "--json":
        json = true;
        break;
      case "--drop-icc":
        keepIccProfile = false;
        break;
      case "--no-orientation":
        preserveOrientation = false;
        break;
      case "--max-input-bytes":
        maxInputBytes = parseCount(flag, value());
        break;
      case "--max-pixels":
        maxPixels = parseCount(flag, value());
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  if (help) return { help, json, input: "", output: "", options: {} };
  if (positional.length !== 2) throw new UsageError(`expected <in> <out>, got ${positional.length} argument(s)`);
  const [input, output] = positional as [string, string];
  if (input === "-" || output === "-") throw new UsageError("stdin/stdout are not supported: the output is written only on success");
  return { help, json, input, output, options: { maxInputBytes, maxPixels, keepIccProfile, preserveOrientation } };
}

/** One-line summary printed on success. */
export function summarize(input: string, output: string, result: ScrubResult): string {
  const removed =
    result.removed.length === 0
      ? "nothing removed"
      : `removed ${result.removedBytes} bytes: ${result.removed.map((r) => `${r.name} ${r.count}x ${r.bytes}`).join(", ")}`;
  const orientation =
    result.orientation === null ? "" : `; orientation ${result.orientation} ${result.orientationPreserved ? "kept" : "dropped"}`;
  return (
    `scrubbed ${input} -> ${output}: ${result.type} ${result.width}x${result.height}, ` +
    `${result.originalBytes} -> ${result.outputBytes} bytes; ${removed}${orientation}; ` +
    `original sha256 ${result.originalSha256}; ${result.scrubberVersion}`
  );
}

/** Runs the command; returns the exit status. Never calls process.exit. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`scrub: ${error.message}`);
    io.stderr("Try 'scrub --help'.");
    return EXIT.usage;
  }
  if (parsed.help) {
    io.stdout(USAGE.trimEnd());
    return EXIT.scrubbed;
  }
  const { input, output } = parsed;
  const temp = join(dirname(output), `.${basename(output)}.scrub-${process.pid}-${Date.now().toString(36)}.tmp`);
  let wrote = false;
  try {
    // Open the input once up front so a missing file is an I/O error, not a rejection.
    const probe = await open(input, "r");
    await probe.close();
    const handle = await open(temp, "wx", 0o644);
    wrote = true;
    const { output: scrubbed, result } = scrub(() => createReadStream(input), parsed.options);
    await pipeline(scrubbed, handle.createWriteStream());
    const value = await result;
    await rename(temp, output);
    wrote = false;
    io.stdout(parsed.json ? JSON.stringify({ input, output, ...value }) : summarize(input, output, value));
    return EXIT.scrubbed;
  } catch (error) {
    if (isScrubRejected(error)) {
      io.stderr(`scrub: rejected ${input}: ${error.reason}: ${error.message}`);
      return EXIT.rejected;
    }
    io.stderr(`scrub: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.ioError;
  } finally {
    if (wrote) await unlink(temp).catch(() => undefined);
  }
}

runIfEntryPoint(import.meta.url, "scrub", main, EXIT.ioError);
