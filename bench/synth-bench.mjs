#!/usr/bin/env node
// `make bench`: synth time and peak memory of dist/main.cjs for the example configuration and for
// generated configurations with 10, 100 and 1,000 logical tenants. Writes bench/results/synth.json
// with the target (< 1 s node time, < 150 MB peak RSS) and the verdict; a miss is recorded, not an
// exit status (bench/run-all.mjs reports it after every benchmark has run).
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { logicalTenantIds, writeExampleWith } from "./example-config.mjs";

const HELP = `Usage: node bench/synth-bench.mjs [--runs N] [--out FILE]

  --runs N    runs per case; the report gives the median time and the largest RSS (default 5)
  --out FILE  report path (default bench/results/synth.json)`;

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TARGET = { case: "example", maxWallMs: 1000, maxRssMB: 150 };

function measure(configFile, outdir, statsFile) {
  const r = spawnSync(
    process.execPath,
    [
      "--require",
      join(root, "bench", "measure.cjs"),
      join(root, "dist", "main.cjs"),
      "--config",
      configFile,
      "--outdir",
      outdir,
      "-q",
    ],
    {
      encoding: "utf8",
      env: { ...process.env, SIP_BENCH_OUT: statsFile },
    },
  );
  if (r.status !== 0) throw new Error(`synth failed for ${configFile}:\n${r.stderr}`);
  return JSON.parse(readFileSync(statsFile, "utf8"));
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x) => Math.round(x * 10) / 10;

function main() {
  const { values } = parseArgs({
    options: { runs: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const runs = Number(values.runs ?? 5);
  const outFile = resolve(values.out ?? join(root, "bench", "results", "synth.json"));
  const work = join(root, "bench", "results", "work");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const cases = [{ name: "example", file: join(root, "config", "example.json"), tenants: 3 }];
  for (const n of [10, 100, 1000]) {
    const file = join(work, `tenants-${n}.json`);
    writeExampleWith(file, { tenantIds: logicalTenantIds(n), environment: `bench${n}` });
    cases.push({ name: `logical-tenants-${n}`, file, tenants: n + 3 });
  }

  const results = [];
  for (const c of cases) {
    const samples = [];
    let stackFile;
    for (let i = 0; i < runs; i++) {
      const outdir = join(work, `out-${c.name}`);
      samples.push(measure(c.file, outdir, join(work, "stats.json")));
      const env = JSON.parse(readFileSync(c.file, "utf8")).environment;
      stackFile = join(outdir, "stacks", env, "cdk.tf.json");
    }
    const stack = JSON.parse(readFileSync(stackFile, "utf8"));
    const resources = Object.values(stack.resource).reduce((n, byName) => n + Object.keys(byName).length, 0);
    const row = {
      case: c.name,
      tenants: c.tenants,
      resources,
      outputBytes: statSync(stackFile).size,
      runs,
      wallMsMedian: round(median(samples.map((s) => s.wallMs))),
      cpuMsMedian: round(median(samples.map((s) => s.cpuMs))),
      maxRssMB: round(Math.max(...samples.map((s) => s.maxRssMB))),
    };
    results.push(row);
    process.stdout.write(
      `${row.case.padEnd(22)} ${String(row.resources).padStart(5)} resources  ${String(row.wallMsMedian).padStart(7)} ms  ${String(row.maxRssMB).padStart(6)} MB\n`,
    );
  }

  const example = results.find((r) => r.case === TARGET.case);
  const pass = example.wallMsMedian < TARGET.maxWallMs && example.maxRssMB < TARGET.maxRssMB;
  const report = {
    benchmark: "synth",
    node: process.version,
    cpus: cpus().length,
    measured: "wall time from process start to exit and peak RSS of `node dist/main.cjs`, per case",
    target: TARGET,
    targets: {
      exampleWallMs: {
        target: `< ${TARGET.maxWallMs} ms (median)`,
        measured: example.wallMsMedian,
        pass: example.wallMsMedian < TARGET.maxWallMs,
      },
      exampleRssMB: {
        target: `< ${TARGET.maxRssMB} MB (largest)`,
        measured: example.maxRssMB,
        pass: example.maxRssMB < TARGET.maxRssMB,
      },
    },
    pass,
    results,
  };
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  rmSync(work, { recursive: true, force: true });
  process.stdout.write(
    `${pass ? "PASS" : "FAIL"}: example ${example.wallMsMedian} ms (< ${TARGET.maxWallMs}), ${example.maxRssMB} MB (< ${TARGET.maxRssMB}) -> ${outFile}\n`,
  );
}

main();
