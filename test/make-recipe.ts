/**
 * Running a Makefile target's recipe in a test, line by line, with bundles of main.ts and the
 * policies CLI built for the test (the Makefile's `dist/...cjs` replaced by them) and temporary
 * output folders: how the tests run `make synth` and `make bootstrap` without touching the
 * project's own `cdktf.out` or `dist/` bundles.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { COMMON_OPTIONS, TARGETS } from "../scripts/build.mjs";
import { PROJECT_ROOT } from "./template";

export interface TestBundles {
  readonly main: string;
  readonly policies: string;
}

/**
 * Builds main.ts and policies/cli.ts into dist/ under names of this test process (main.cjs finds the
 * project, cdktf.json, above itself); returns them and a function that removes them.
 */
export async function buildTestBundles(label: string): Promise<{ bundles: TestBundles; remove: () => void }> {
  const bundles = {
    main: join(PROJECT_ROOT, "dist", `main-${label}-${process.pid}.cjs`),
    policies: join(PROJECT_ROOT, "dist", `policies-${label}-${process.pid}.cjs`),
  };
  // As scripts/build.mjs bundles them for users, without source maps.
  const options = (name: string, outfile: string) =>
    ({ ...COMMON_OPTIONS, ...TARGETS[name], absWorkingDir: PROJECT_ROOT, outfile, sourcemap: false }) as const;
  await Promise.all([build(options("main", bundles.main)), build(options("policies", bundles.policies))]);
  return {
    bundles,
    remove: () => {
      rmSync(bundles.main, { force: true });
      rmSync(bundles.policies, { force: true });
    },
  };
}

/** The recipe of a Makefile target, one command per line. */
export function recipe(target: string): string[] {
  const lines = readFileSync(join(PROJECT_ROOT, "Makefile"), "utf8").split("\n");
  const start = lines.findIndex((l) => l.startsWith(`${target}:`));
  const body: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith("\t")) break;
    body.push(line.slice(1));
  }
  return body;
}

/** Runs one recipe line from the project root (node as this process's node; no CDKTF_OUTDIR). */
export function runLine(command: string): { status: number | null; out: string } {
  const [bin, ...args] = command.split(" ").filter((a) => a !== "");
  const r = spawnSync(bin === "node" ? process.execPath : (bin as string), args, {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
    env: { ...process.env, CDKTF_OUTDIR: "", NODE_PATH: join(PROJECT_ROOT, "node_modules") },
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}
