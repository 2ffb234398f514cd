/**
 * What every command-line tool shares: the usage error, where it writes, and the folder the user
 * stands in. Tiny and free of SDK imports: the Lambda bundles never import it, and the guardrail
 * CLI (policies/cli.ts) uses it too.
 */
import { realpathSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";

/** A wrong command line: the tool prints it with a pointer to `--help` and exits 64 (EX_USAGE). */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Runs a command-line parser (node:util parseArgs) and turns what it throws into a UsageError. */
export function usageErrors<T>(parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** A usage error as the tools print it: each line after `<tool>: `, then a pointer to `--help`. */
export function usageMessage(tool: string, error: unknown): string {
  return `${tool}: ${(error as Error).message.split("\n").join(`\n${tool}: `)}\nRun with --help for usage.\n`;
}

/** Somewhere to write text (`process.stdout` fits). */
export interface TextSink {
  write(text: string): unknown;
}

/** Where a tool writes; `process` itself is one. */
export interface CliIo {
  readonly stdout: TextSink;
  readonly stderr: TextSink;
}

function samePath(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}

/**
 * The folder the user ran the tool from. `npm run` starts scripts in the package's root and says
 * where the user stood in INIT_CWD; that is taken only while the process still stands where npm put
 * it (the folder of `npm_package_json`), so a program started from elsewhere by a child of npm (a
 * test spawning a tool in a fixture folder) keeps its own folder.
 */
export function userCwd(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): string {
  const init = env.INIT_CWD;
  const packageJson = env.npm_package_json;
  if (init === undefined || init === "" || !isAbsolute(init) || packageJson === undefined || packageJson === "")
    return cwd;
  return samePath(dirname(packageJson), cwd) ? init : cwd;
}
