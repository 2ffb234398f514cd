#!/usr/bin/env node
// Bundles bench/sync-bench.ts and runs it: node bench/run-sync-bench.mjs
// It starts and stops two radosgw gateways itself and writes bench/results/sync-bench.json.
// Code splitting: the replication child process loads only the S3 client and the replication module, so its
// peak RSS is the copy's, not the benchmark's.
import { spawnSync } from "node:child_process";
import { rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const outdir = join(root, "bench", "results", "sync-bench");
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: [join(root, "bench", "sync-bench.ts")],
  outdir,
  outExtension: { ".js": ".mjs" },
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  logLevel: "warning",
  // node-forge (test PKI) requires node built-ins at run time.
  banner: {
    js: "import { createRequire as __sipCreateRequire } from 'node:module'; const require = __sipCreateRequire(import.meta.url);",
  },
});
const r = spawnSync(process.execPath, [join(outdir, "sync-bench.mjs"), root, ...process.argv.slice(2)], {
  stdio: "inherit",
  env: { ...process.env, NODE_NO_WARNINGS: "1" },
});
process.exitCode = r.status ?? 1;
