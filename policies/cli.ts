/**
 * Command line of the guardrails:
 *   check <path> [--format text|json|sarif] [--config FILE] [--suppressions FILE] [--out FILE]
 *   review <cdktf.out>
 * Importing this module has no side effects; bundled with esbuild and run with node, it runs
 * `main` on process.argv.
 */
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readSynthRecord } from "../config/synth-record";
import { type CheckReport, type CheckSuppression, check, exitCodeOf, InputError, loadCheckConfig, loadSuppressionsFile, loadTemplates } from "./check";
import { renderJson } from "./report/json";
import { renderSarif } from "./report/sarif";
import { renderText } from "./report/text";
import { authorizationFiles } from "./authz/files";
import { writeReview } from "./review";

export const HELP = `Usage:
  check <path> [options]    run the guardrails over Terraform JSON
  review <cdktf.out>        write review artifacts to <cdktf.out>/review/

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
  -h, --help                show this help

Exit codes: 0 no errors (warnings allowed); 1 errors found (including unused or
reason-less suppressions); 2 a rule threw or the input is unreadable; 64 bad usage.
Rules: policies/RULES.md.`;

export interface CliIo {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  readonly cwd: string;
}

const defaultIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  cwd: process.cwd(),
};

class UsageError extends Error {}

const FORMATS = ["text", "json", "sarif"] as const;
type Format = (typeof FORMATS)[number];

function render(report: CheckReport, format: Format, cwd: string): string {
  if (format === "json") return renderJson(report, cwd);
  if (format === "sarif") return renderSarif(report, cwd);
  return renderText(report, cwd);
}

function parse(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      options: {
        format: { type: "string" },
        config: { type: "string" },
        suppressions: { type: "string" },
        out: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

async function runCheck(path: string, values: ReturnType<typeof parse>["values"], io: CliIo): Promise<number> {
  const format = (values.format ?? "text") as Format;
  if (!FORMATS.includes(format)) throw new UsageError(`--format must be one of ${FORMATS.join(", ")} (got "${values.format}")`);
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
  const report = await check(templates, { config, suppressions, scanFolder: statSync(input).isDirectory() ? input : undefined });
  const output = render(report, format, io.cwd);
  if (values.out !== undefined) {
    const out = resolve(io.cwd, values.out);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, output);
    const s = report.summary;
    io.stdout(`${s.errors} error(s), ${s.warnings} warning(s), ${s.suppressed} suppressed${s.ruleErrors ? `, ${s.ruleErrors} rule(s) failed` : ""}; ${format} report written to ${values.out}\n`);
  } else {
    io.stdout(output);
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
    throw new InputError(`${input} was synthesized from ${record.configFile}, but ${record.reason}. Fix: synthesize again (make synth CONFIG=...), or pass --config to check against another configuration`);
  }
  return record.configFile;
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  try {
    const { values, positionals } = parse([...argv]);
    if (values.help) {
      io.stdout(`${HELP}\n`);
      return 0;
    }
    const [command, path, ...extra] = positionals;
    if (command === undefined) throw new UsageError("missing command (check or review)");
    if (command !== "check" && command !== "review") throw new UsageError(`unknown command "${command}"`);
    if (path === undefined) throw new UsageError(`${command} needs a path`);
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(" ")}`);
    if (command === "review") {
      if (values.format !== undefined || values.config !== undefined || values.suppressions !== undefined || values.out !== undefined) {
        throw new UsageError("review takes no options");
      }
      const outdir = resolve(io.cwd, path);
      const written = writeReview(outdir, await authorizationFiles(loadTemplates(outdir)));
      io.stdout(`wrote ${written.length} review file(s) to ${path.replace(/\/+$/, "")}/review/\n`);
      return 0;
    }
    return await runCheck(path, values, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`error: ${err.message}\n\n${HELP}\n`);
      return 64;
    }
    if (err instanceof InputError) {
      io.stderr(`error: ${err.message}\n`);
      return 2;
    }
    io.stderr(`error: ${(err as Error).stack ?? String(err)}\n`);
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
