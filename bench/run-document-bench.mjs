#!/usr/bin/env node
// Bundles bench/document-bench.ts and runs it: node bench/run-document-bench.mjs
import { runBundled } from "./run-bundled.mjs";

process.exitCode = await runBundled("document-bench");
