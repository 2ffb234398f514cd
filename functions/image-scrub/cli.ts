import { setFlagsFromString } from "node:v8";
import { isMainThread, workerData } from "node:worker_threads";
import type { ScrubOptions, ScrubResult, UndigestedScrubResult } from "./scrubber";
import { isScrubRejected } from "./errors";
import { SCRUBBER_VERSION } from "./version";
import { UsageError } from "../shared/cli";
import { runIfEntryPoint } from "../shared/entry";

// Start-up: only what parsing the arguments needs is loaded up front; the core (and node:crypto,
// node:zlib, ...) when there is a file to scrub (`await import`, lazy in the CommonJS bundle too).

/** Exit codes (sysexits.h where one fits). */
export const EXIT = {
  scrubbed: 0,
  /** I/O failure unrelated to the image (unreadable input, unwritable output). */
  ioError: 1,
  rejected: 2,
  usage: 64,
} as const;

export const USAGE = `Usage: scrub [options] <in> <out>
       scrub [options] --out-dir <dir> <in>...
       scrub [options] --out-dir <dir> -      (the input paths on stdin, one per line)

Removes metadata from a JPEG, PNG or WebP without re-encoding the pixels (lossless container
rewrite): EXIF (GPS, camera, dates, MakerNotes, thumbnails), XMP, IPTC/Photoshop, comments, text
chunks and trailing data. Keeps the colour profile and, as a minimal EXIF block, the orientation.
The type is read from the bytes, never from the file name.

Writes <out> only when the image was scrubbed (via a temporary file renamed into place).

Batch mode (--out-dir): scrubs every input in one process, on all CPUs (worker threads), into
<dir> (created if missing) under the input's base name. Two inputs with the same base name, or an
output that would replace its input, are a usage error before anything is read. Each output is
written as in single-file mode; a rejected or unreadable input writes nothing and the others go
on. Prints one summary line (scrubbed, rejected by reason, bytes removed), the reason for each
rejected input on stderr, and a progress line on stderr when it is a terminal.

Options:
  --max-input-bytes <n>  reject inputs larger than n bytes (default 67108864)
  --max-pixels <n>       reject images above n pixels, width x height (default 100000000)
  --drop-icc             drop the ICC colour profile too
  --no-orientation       do not write the Orientation-only EXIF block (still reported)
  --json                 print the result as JSON instead of the one-line summary (batch mode:
                         one line per input, then {"summary": ...})
  --out-dir <dir>        batch mode: write the scrubbed inputs into <dir>
  --jobs <n>             batch mode: threads scrubbing at once (default: the available CPUs)
  -h, --help             show this help

Exit status: 0 scrubbed (batch mode: all of them), 2 rejected (reason on stderr, nothing written
for it), 64 usage error (nothing read), 1 I/O error (an input unreadable, an output not
writable; in batch mode it takes precedence over 2).
${SCRUBBER_VERSION}
`;

/** The scrubber CLI's line-based streams (not functions/shared/cli.ts's CliIo: lines, stdin and a progress line). */
export interface ScrubCliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: (line: string) => void;
  /** Batch mode's input list (`--out-dir <dir> -`). @default - reads process.stdin */
  readonly stdin?: () => Promise<string>;
  /** Batch mode's progress line, redrawn in place; null clears it. @default - on stderr when it is a terminal, else none */
  readonly progress?: (line: string | null) => void;
}

async function readStdin(): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of process.stdin) parts.push(typeof part === "string" ? Buffer.from(part) : part);
  return Buffer.concat(parts).toString("utf8");
}

const defaultIo: ScrubCliIo = {
  stdout: (line) => process.stdout.write(`${line}\n`),
  stderr: (line) => process.stderr.write(`${line}\n`),
  stdin: readStdin,
  progress: process.stderr.isTTY
    ? (line) => process.stderr.write(line === null ? "\r\x1b[K" : `\r${line}\x1b[K`)
    : undefined,
};

interface Parsed {
  readonly help: boolean;
  readonly json: boolean;
  /** Single-file mode. */
  readonly input: string;
  readonly output: string;
  /** Batch mode when set. */
  readonly outDir?: string;
  /** Batch mode's inputs; ["-"] reads them from stdin. */
  readonly inputs: readonly string[];
  readonly jobs?: number;
  readonly options: ScrubOptions;
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
  let outDir: string | undefined;
  let jobs: number | undefined;
  let onlyPositional = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (onlyPositional || !arg.startsWith("-") || arg === "-") {
      positional.push(arg);
      continue;
    }
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
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
      case "--out-dir": {
        const dir = value();
        if (dir === undefined || dir === "") throw new UsageError("--out-dir needs a folder");
        outDir = dir;
        break;
      }
      case "--jobs":
        jobs = parseCount(flag, value());
        break;
      default:
        throw new UsageError(`unknown option ${flag}`);
    }
  }
  const options = { maxInputBytes, maxPixels, keepIccProfile, preserveOrientation };
  if (help) return { help, json, input: "", output: "", inputs: [], options: {} };
  if (outDir !== undefined) {
    if (positional.length === 0)
      throw new UsageError("--out-dir needs at least one input (or - to read their paths from stdin)");
    if (positional.includes("-") && positional.length > 1)
      throw new UsageError("- (input paths on stdin) must be the only input");
    return { help, json, input: "", output: "", outDir, inputs: positional, jobs, options };
  }
  if (jobs !== undefined) throw new UsageError("--jobs needs --out-dir");
  if (positional.length !== 2) throw new UsageError(`expected <in> <out>, got ${positional.length} argument(s)`);
  const [input, output] = positional as [string, string];
  if (input === "-" || output === "-")
    throw new UsageError("stdin/stdout are not supported: the output is written only on success");
  return { help, json, input, output, inputs: [], options };
}

/** One-line summary printed on success. */
export function summarize(input: string, output: string, result: ScrubResult): string {
  const removed =
    result.removed.length === 0
      ? "nothing removed"
      : `removed ${result.removedBytes} bytes: ${result.removed.map((r) => `${r.name} ${r.count}x ${r.bytes}`).join(", ")}`;
  const orientation =
    result.orientation === null
      ? ""
      : `; orientation ${result.orientation} ${result.orientationPreserved ? "kept" : "dropped"}`;
  return (
    `scrubbed ${input} -> ${output}: ${result.type} ${result.width}x${result.height}, ` +
    `${result.originalBytes} -> ${result.outputBytes} bytes; ${removed}${orientation}; ` +
    `original sha256 ${result.originalSha256}; ${result.scrubberVersion}`
  );
}

/**
 * V8 optimizes a function after a budget of executed bytecode (67,584 by default). In a process
 * that lives a few hundred milliseconds, TurboFan compiling the scrubber's large async generators
 * (100 ms and more each on a busy machine) costs more CPU than the optimized code ever saves: over
 * the corpus's 114 JPEGs the process took ~0.30 s of CPU with the default and ~0.21 s with a 16
 * times larger budget (medians of 6, --jobs 1). A long batch still gets optimized code, later.
 * Set by the program only (runIfEntryPoint), before the core is loaded; importing cli.ts does not.
 */
export const INTERRUPT_BUDGET_FLAG = "--interrupt-budget=1048576";

/** Runs the command; returns the exit status. Never calls process.exit. */
export async function main(argv: readonly string[], io: ScrubCliIo = defaultIo): Promise<number> {
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
  if (parsed.outDir !== undefined) return batch(parsed, parsed.outDir, io);
  const { input, output } = parsed;
  try {
    const { scrubFile } = await import("./scrub-file");
    const value = await scrubFile(input, output, parsed.options, true);
    io.stdout(parsed.json ? JSON.stringify({ input, output, ...value }) : summarize(input, output, value));
    return EXIT.scrubbed;
  } catch (error) {
    if (isScrubRejected(error)) {
      io.stderr(`scrub: rejected ${input}: ${error.reason}: ${error.message}`);
      return EXIT.rejected;
    }
    io.stderr(`scrub: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.ioError;
  }
}

/** Totals of a batch, printed as its last line. */
export interface BatchSummary {
  readonly inputs: number;
  readonly scrubbed: number;
  readonly rejected: number;
  /** Rejected inputs by reason. */
  readonly reasons: Readonly<Record<string, number>>;
  /** Inputs that could not be read or outputs not written. */
  readonly ioErrors: number;
  readonly originalBytes: number;
  readonly outputBytes: number;
  /** Metadata removed (sum of each result's removedBytes). */
  readonly removedBytes: number;
}

export function summarizeBatch(summary: BatchSummary, outDir: string): string {
  const reasons = Object.entries(summary.reasons)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([reason, n]) => `${reason} ${n}`)
    .join(", ");
  return (
    `scrubbed ${summary.scrubbed} of ${summary.inputs} files into ${outDir}: ${summary.originalBytes} -> ${summary.outputBytes} bytes, ` +
    `${summary.removedBytes} bytes of metadata removed; rejected ${summary.rejected}${reasons ? ` (${reasons})` : ""}; ` +
    `I/O errors ${summary.ioErrors}; ${SCRUBBER_VERSION}`
  );
}

async function batch(parsed: Parsed, outDir: string, io: ScrubCliIo): Promise<number> {
  let inputs = parsed.inputs;
  if (inputs.length === 1 && inputs[0] === "-") {
    const text = await (io.stdin ?? readStdin)();
    inputs = text.split(/\r?\n/).filter((line) => line !== "");
    if (inputs.length === 0) {
      io.stderr("scrub: no input paths on stdin");
      return EXIT.usage;
    }
  }
  const { planBatch, runBatch } = await import("./batch");
  const { tasks, problems } = planBatch(inputs, outDir);
  if (problems.length > 0) {
    for (const problem of problems) io.stderr(`scrub: ${problem}`);
    return EXIT.usage;
  }
  try {
    const { mkdirSync } = await import("node:fs");
    mkdirSync(outDir, { recursive: true });
  } catch (error) {
    io.stderr(`scrub: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.ioError;
  }

  const totals = {
    inputs: tasks.length,
    scrubbed: 0,
    rejected: 0,
    reasons: {} as Record<string, number>,
    ioErrors: 0,
    originalBytes: 0,
    outputBytes: 0,
    removedBytes: 0,
  };
  const progress = io.progress;
  let drawn = 0;
  const line = (print: (l: string) => void, text: string): void => {
    if (progress !== undefined) progress(null);
    print(text);
  };
  await runBatch({
    tasks,
    options: parsed.options,
    digests: parsed.json,
    jobs: parsed.jobs,
    onOutcome: (outcome, task) => {
      if (outcome.status === "scrubbed") {
        const r: ScrubResult | UndigestedScrubResult = outcome.result;
        totals.scrubbed += 1;
        totals.originalBytes += r.originalBytes;
        totals.outputBytes += r.outputBytes;
        totals.removedBytes += r.removedBytes;
        if (parsed.json) line(io.stdout, JSON.stringify({ input: task.input, output: task.output, ...r }));
      } else if (outcome.status === "rejected") {
        totals.rejected += 1;
        totals.reasons[outcome.reason] = (totals.reasons[outcome.reason] ?? 0) + 1;
        line(io.stderr, `scrub: rejected ${task.input}: ${outcome.reason}: ${outcome.message}`);
        if (parsed.json)
          line(
            io.stdout,
            JSON.stringify({ input: task.input, rejected: { reason: outcome.reason, message: outcome.message } }),
          );
      } else {
        totals.ioErrors += 1;
        line(io.stderr, `scrub: ${task.input}: ${outcome.message}`);
        if (parsed.json) line(io.stdout, JSON.stringify({ input: task.input, error: outcome.message }));
      }
      const done = totals.scrubbed + totals.rejected + totals.ioErrors;
      const now = Date.now();
      if (progress !== undefined && (now - drawn >= 100 || done === tasks.length)) {
        drawn = now;
        progress(
          `scrub: ${done}/${tasks.length} (${totals.scrubbed} scrubbed, ${totals.rejected} rejected, ${totals.ioErrors} I/O errors)`,
        );
      }
    },
  });
  if (progress !== undefined) progress(null);
  const summary: BatchSummary = totals;
  io.stdout(parsed.json ? JSON.stringify({ summary }) : summarizeBatch(summary, outDir));
  if (totals.ioErrors > 0) return EXIT.ioError;
  return totals.rejected > 0 ? EXIT.rejected : EXIT.scrubbed;
}

if (!isMainThread && (workerData as { tag?: unknown } | null)?.tag === "image-scrub-batch-worker") {
  // A worker thread of runBatch, started from this same bundle (the tag is batch.ts WORKER_TAG, not
  // imported here so that start-up does not load the core; cli.test.ts checks that they agree).
  void import("./batch").then((m) => m.workerMain());
} else {
  runIfEntryPoint(
    import.meta.url,
    "scrub",
    async (argv) => {
      setFlagsFromString(INTERRUPT_BUDGET_FLAG);
      return main(argv);
    },
    EXIT.ioError,
  );
}
