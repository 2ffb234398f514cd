/**
 * Command line of the guardrails:
 *   check <path> [--format text|json|sarif] [--config FILE] [--suppressions FILE] [--out FILE]
 *   review <cdktf.out>
 *   diff <base cdktf.out> <head cdktf.out> [--format markdown|json] [--out FILE]
 * Importing this module has no side effects; bundled with esbuild and run with node, it runs
 * `main` on process.argv.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readSynthRecord } from "../config/synth-record";
import { type CliIo, UsageError, usageErrors, userCwd } from "../functions/shared/cli";
import {
  type CheckReport,
  type CheckSuppression,
  check,
  exitCodeOf,
  InputError,
  loadCheckConfig,
  loadSuppressionsFile,
  loadTemplates,
} from "./check";
import { renderJson } from "./report/json";
import { renderSarif } from "./report/sarif";
import { renderText } from "./report/text";
import { authorizationFiles } from "./authz/files";
import { compareTemplates, diffExitCode } from "./diff/compare";
import { renderDiffJson } from "./diff/render-json";
import { renderDiffMarkdown } from "./diff/render-markdown";
import { writeReview } from "./review";

export const HELP = `Usage:
  check <path> [options]    run the guardrails over Terraform JSON
  review <cdktf.out>        write review artifacts to <cdktf.out>/review/
  diff <base> <head>        what a change will do: compare two cdktf.out folders

<path> is a cdktf.out folder (every stacks/<name>/cdk.tf.json), a folder with
cdk.tf.json or *.tf.json files, or one .tf.json file (hand-written ones too).

Options of check:
  --format text|json|sarif  report format (default: text)
  --config FILE             deployment configuration (data classes, allowCrossPartition,
                            suppressions); default: for a cdktf.out folder, the one it was
                            synthesized from (its manifest.json), else none: every data
                            class is then sovereign-only
  --suppressions FILE       suppressions: [{"ruleId", "address", "reason", "stack"?}]
  --out FILE                write the report to FILE (a one-line summary goes to stdout)
  --sarif FILE              also write the SARIF report to FILE (for code scanning), whatever
                            --format prints
  -h, --help                show this help

Exit codes: 0 no errors (warnings allowed); 1 errors found (including unused or
reason-less suppressions); 2 a rule threw or the input is unreadable; 64 bad usage.
Rules: policies/RULES.md.

Options of diff (stacks are matched by name, resources by address):
  --format markdown|json    report format (default: markdown, for a pull-request comment)
  --out FILE                write the report to FILE (a one-line summary goes to stdout)

Exit codes of diff: 0 nothing dangerous; 3 something dangerous (a destroyed or replaced
key, bucket, trail, account or log group, a widened policy, data crossing partitions);
2 an input is unreadable; 64 bad usage. What counts and why: docs/change-review.md.`;

export interface PoliciesIo extends CliIo {
  /** Relative paths are resolved from here. */
  readonly cwd: string;
}

const defaultIo: PoliciesIo = { stdout: process.stdout, stderr: process.stderr, cwd: userCwd() };

const FORMATS = ["text", "json", "sarif"] as const;
type Format = (typeof FORMATS)[number];
const DIFF_FORMATS = ["markdown", "json"] as const;
type DiffFormat = (typeof DIFF_FORMATS)[number];

function render(report: CheckReport, format: Format, cwd: string): string {
  if (format === "json") return renderJson(report, cwd);
  if (format === "sarif") return renderSarif(report, cwd);
  return renderText(report, cwd);
}

function parse(argv: string[]) {
  return usageErrors(() =>
    parseArgs({
      args: argv,
      options: {
        format: { type: "string" },
        config: { type: "string" },
        suppressions: { type: "string" },
        out: { type: "string" },
        sarif: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    }),
  );
}

function writeReport(file: string, text: string): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}

async function runCheck(path: string, values: ReturnType<typeof parse>["values"], io: PoliciesIo): Promise<number> {
  const format = (values.format ?? "text") as Format;
  if (!FORMATS.includes(format))
    throw new UsageError(`--format must be one of ${FORMATS.join(", ")} (got "${values.format}")`);
  const input = resolve(io.cwd, path);
  const templates = loadTemplates(input);
  let config: ReturnType<typeof loadCheckConfig>["config"];
  const suppressions: CheckSuppression[] = [];
  const file = values.config !== undefined ? resolve(io.cwd, values.config) : configOfSynth(input);
  if (file !== undefined) {
    const loaded = loadCheckConfig(file);
    config = loaded.config;
    suppressions.push(...loaded.suppressions.map((x) => ({ ...x, source: file })));
  }
  if (values.suppressions !== undefined) {
    const file = resolve(io.cwd, values.suppressions);
    suppressions.push(...loadSuppressionsFile(file).map((x) => ({ ...x, source: file })));
  }
  // A folder is scanned whole (assets, plans, zips opened) for private keys.
  const report = await check(templates, {
    config,
    suppressions,
    scanFolder: statSync(input).isDirectory() ? input : undefined,
  });
  if (values.sarif !== undefined) writeReport(resolve(io.cwd, values.sarif), renderSarif(report, io.cwd));
  const output = render(report, format, io.cwd);
  if (values.out !== undefined) {
    writeReport(resolve(io.cwd, values.out), output);
    const s = report.summary;
    io.stdout.write(
      `${s.errors} error(s), ${s.warnings} warning(s), ${s.suppressed} suppressed${s.ruleErrors ? `, ${s.ruleErrors} rule(s) failed` : ""}; ${format} report written to ${values.out}\n`,
    );
  } else {
    io.stdout.write(output);
  }
  return exitCodeOf(report);
}

/**
 * Without --config, a cdktf.out folder is checked against the configuration it was synthesized from
 * (recorded in its manifest.json by main.ts); a configuration edited since is an input error, since
 * the output no longer shows it.
 */
function configOfSynth(input: string): string | undefined {
  if (!statSync(input).isDirectory()) return undefined;
  const record = readSynthRecord(input);
  if (record.kind === "none") return undefined;
  if (record.kind === "stale") {
    throw new InputError(
      `${input} was synthesized from ${record.configFile}, but ${record.reason}. Fix: synthesize again (make synth CONFIG=...), or pass --config to check against another configuration`,
    );
  }
  return record.configFile;
}

function runDiff(paths: readonly string[], values: ReturnType<typeof parse>["values"], io: PoliciesIo): number {
  if (paths.length !== 2)
    throw new UsageError(`diff needs two paths, the base and the head cdktf.out folder (got ${paths.length})`);
  if (values.config !== undefined || values.suppressions !== undefined || values.sarif !== undefined)
    throw new UsageError("diff takes only --format and --out");
  const format = (values.format ?? "markdown") as DiffFormat;
  if (!DIFF_FORMATS.includes(format))
    throw new UsageError(`--format of diff must be one of ${DIFF_FORMATS.join(", ")} (got "${values.format}")`);
  const [base = "", head = ""] = paths;
  const report = compareTemplates(loadTemplates(resolve(io.cwd, base)), loadTemplates(resolve(io.cwd, head)));
  const output = format === "json" ? renderDiffJson(report) : renderDiffMarkdown(report);
  if (values.out !== undefined) {
    const out = resolve(io.cwd, values.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, output);
    const s = report.summary;
    io.stdout.write(
      `${s.dangerous} dangerous; ${s.added} added, ${s.removed} removed, ${s.changed} changed, ${s.moved} moved; ${format} report written to ${values.out}\n`,
    );
  } else {
    io.stdout.write(output);
  }
  return diffExitCode(report);
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], io: PoliciesIo = defaultIo): Promise<number> {
  try {
    const { values, positionals } = parse([...argv]);
    if (values.help) {
      io.stdout.write(`${HELP}\n`);
      return 0;
    }
    const [command, path, ...extra] = positionals;
    if (command === undefined) throw new UsageError("missing command (check, review or diff)");
    if (command !== "check" && command !== "review" && command !== "diff")
      throw new UsageError(`unknown command "${command}"`);
    if (command === "diff") return runDiff(positionals.slice(1), values, io);
    if (path === undefined) throw new UsageError(`${command} needs a path`);
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
    if (command === "review") {
      if (
        values.format !== undefined ||
        values.config !== undefined ||
        values.suppressions !== undefined ||
        values.out !== undefined ||
        values.sarif !== undefined
      ) {
        throw new UsageError("review takes no options");
      }
      const outdir = resolve(io.cwd, path);
      const written = writeReview(outdir, await authorizationFiles(loadTemplates(outdir)));
      io.stdout.write(`wrote ${written.length} review file(s) to ${path.replace(/\/+$/, "")}/review/\n`);
      return 0;
    }
    return await runCheck(path, values, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`error: ${err.message}\n\n${HELP}\n`);
      return 64;
    }
    if (err instanceof InputError) {
      io.stderr.write(`error: ${err.message}\n`);
      return 2;
    }
    io.stderr.write(`error: ${(err as Error).stack ?? String(err)}\n`);
    return 2;
  }
}

// Run only as the entry point of a CommonJS bundle (`node dist/policies.cjs ...`), never on import.
if (typeof require !== "undefined" && typeof module !== "undefined" && require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`error: ${String(err)}\n`);
      process.exitCode = 2;
    },
  );
}
