#!/usr/bin/env node
// `make bench`: runs every benchmark, even when one misses a target or fails, then prints one
// summary of the targets and verdicts their JSON reports record (bench/results/*.json) and exits 1
// only now if a benchmark failed to run or missed a target. A noisy absolute threshold no longer
// stops the benchmarks after it.
//   node bench/run-all.mjs [--corpus DIR] [synth] [loop] [scrub] [sync] [documents]   (default: all five)
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const at = args.indexOf("--corpus");
const corpus = at >= 0 ? args.splice(at, 2)[1] : "../shared/corpus";
const BENCHES = {
  synth: { run: ["bench/synth-bench.mjs"], report: "synth.json" },
  loop: { run: ["bench/loop-bench.mjs"], report: "loop.json" },
  scrub: { run: ["bench/run-scrub-bench.mjs", corpus], report: "scrub.json" },
  sync: { run: ["bench/run-sync-bench.mjs"], report: "sync-bench.json" },
  documents: { run: ["bench/run-document-bench.mjs"], report: "documents.json" },
};
const chosen = args.length > 0 ? args : Object.keys(BENCHES);
for (const name of chosen)
  if (!(name in BENCHES)) throw new Error(`unknown benchmark ${name} (${Object.keys(BENCHES).join(", ")})`);

const rows = [];
for (const name of chosen) {
  const bench = BENCHES[name];
  const report = join(root, "bench", "results", bench.report);
  const started = Date.now();
  const r = spawnSync(process.execPath, bench.run, { cwd: root, stdio: "inherit" });
  const fresh = existsSync(report) && statSync(report).mtimeMs >= started - 1000;
  const json = fresh ? JSON.parse(readFileSync(report, "utf8")) : undefined;
  const targets =
    json?.targets ??
    (json?.target ? { [json.target.case ?? "target"]: { target: JSON.stringify(json.target), pass: json.pass } } : {});
  rows.push({ name, exit: r.status, report: fresh ? report : null, pass: json?.pass, targets });
}

const lines = ["", "benchmarks:"];
let failed = false;
for (const row of rows) {
  if (row.report === null || row.exit !== 0) {
    failed = true;
    lines.push(`  ${row.name}: FAILED TO RUN (exit ${row.exit}${row.report === null ? ", no report" : ""})`);
    continue;
  }
  if (row.pass === false) failed = true;
  lines.push(`  ${row.name}: ${row.pass === false ? "MISSED A TARGET" : "targets met"} -> ${row.report}`);
  for (const [key, t] of Object.entries(row.targets)) {
    lines.push(
      `    ${t.pass ? "pass  " : "MISSED"} ${key}${t.measured !== undefined ? ` = ${t.measured}` : ""} (${t.target})`,
    );
  }
}
process.stdout.write(`${lines.join("\n")}\n`);
process.exitCode = failed ? 1 : 0;
