// Bundles a benchmark written in TypeScript (bench/<name>.ts) with esbuild and runs it in a child
// process: `node bench/results/<name>.mjs <project root> [args]`. Used by bench/run-<name>-bench.mjs.
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Bundles bench/<name>.ts, runs it with the project root and `args`; resolves to its exit status. */
export async function runBundled(name, args = []) {
  const out = join(root, "bench", "results", `${name}.mjs`);
  await build({
    entryPoints: [join(root, "bench", `${name}.ts`)],
    outfile: out,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    logLevel: "warning",
  });
  const r = spawnSync(process.execPath, [out, root, ...args], { stdio: "inherit" });
  return r.status ?? 1;
}
