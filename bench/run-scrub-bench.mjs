#!/usr/bin/env node
// Bundles bench/scrub-bench.ts and runs it: node bench/run-scrub-bench.mjs [corpus]
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "bench", "results", "scrub-bench.mjs");
await build({
  entryPoints: [join(root, "bench", "scrub-bench.ts")],
  outfile: out,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
});
const r = spawnSync(process.execPath, [out, root, ...process.argv.slice(2)], { stdio: "inherit" });
process.exitCode = r.status ?? 1;
