#!/usr/bin/env node
// Bundles bench/document-bench.ts and runs it: node bench/run-document-bench.mjs
import { spawnSync } from "node:child_process";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "bench", "results", "document-bench.mjs");
await build({
  entryPoints: [join(root, "bench", "document-bench.ts")],
  outfile: out,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
});
const r = spawnSync(process.execPath, [out, root], { stdio: "inherit" });
process.exitCode = r.status ?? 1;
