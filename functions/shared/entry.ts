/**
 * Command-line entry points: a CLI module runs its `main` only when started as a program, and stays
 * importable (tests, other tools) without side effects.
 */
import { realpathSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { userCwd } from "./cli";

/**
 * True when the calling module is the program node was started with. The CLIs ship as CommonJS
 * bundles, where the whole bundle is one module, so `require.main === module` answers for the caller
 * too. As an ES module, `moduleUrl` (the caller's `import.meta.url`) is compared with the script.
 */
export function isEntryPoint(moduleUrl: string | undefined): boolean {
  if (typeof require !== "undefined" && typeof module !== "undefined" && require.main !== undefined)
    return require.main === module;
  const script = process.argv[1];
  if (script === undefined || typeof moduleUrl !== "string" || !moduleUrl.startsWith("file:")) return false;
  try {
    return realpathSync(fileURLToPath(moduleUrl)) === realpathSync(script);
  } catch {
    return false;
  }
}

/**
 * Runs `main(argv)` when the caller is the entry point and sets the exit code from its result; an
 * unexpected exception is printed as `<name>: <message>` and exits with `failureExitCode`. First it
 * goes back to the folder the user ran `npm run` from (userCwd), so that relative paths given there
 * mean what the user meant.
 */
export function runIfEntryPoint(
  moduleUrl: string | undefined,
  name: string,
  main: (argv: string[]) => number | Promise<number>,
  failureExitCode = 1,
): void {
  if (!isEntryPoint(moduleUrl)) return;
  const here = userCwd();
  if (here !== process.cwd()) process.chdir(here);
  Promise.resolve()
    .then(() => main(process.argv.slice(2)))
    .then(
      (code) => {
        process.exitCode = code;
      },
      (error: unknown) => {
        process.stderr.write(`${name}: ${error instanceof Error ? error.message : String(error)}\n`);
        process.exitCode = failureExitCode;
      },
    );
}
