#!/usr/bin/env node
// Bundles bench/scrub-bench.ts and runs it: node bench/run-scrub-bench.mjs [corpus]
import { runBundled } from "./run-bundled.mjs";

process.exitCode = await runBundled("scrub-bench", process.argv.slice(2));
