#!/usr/bin/env node
// `make bench`: the engineer's loop (issue 16), each figure as whole processes, cold and warm, side by
// side in the same run, as min/median/max over several runs, and as ratios:
// - node's synth of the example (`node dist/main.cjs`) against `node -e 0`, runs interleaved; with and
//   without the V8 code cache (SIP_COMPILE_CACHE=off);
// - `make synth` on the example: cold (no terraform working folder, no code cache) and warm
//   (nothing changed since the last run), and warm after a configuration change (the example with
//   one tenant more after a run of the example, so that the run synthesizes and validates a changed
//   stack);
// - `make plan`'s terraform check (init current, plan + show) per 1,000 planned resources.
// Writes bench/results/loop.json; a missed target is recorded (bench/run-all.mjs reports it after
// every benchmark ran), never an exit status.
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { writeExampleWith } from "./example-config.mjs";

const HELP = `Usage: node bench/loop-bench.mjs [--runs N] [--out FILE]

  --runs N    runs per figure (default 5; make synth and plan: at least 3)
  --out FILE  report path (default bench/results/loop.json)`;

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const TARGETS = { synthOverNode: 4, warmMakeSynthMs: 5000 };

/** Wall milliseconds of one process, which must succeed. */
function timed(cmd, args, env = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return ms;
}

function stats(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const round = (x) => Math.round(x);
  return {
    runs: sorted.length,
    minMs: round(sorted[0]),
    medianMs: round(sorted[Math.floor(sorted.length / 2)]),
    maxMs: round(sorted.at(-1)),
  };
}

const ratio = (a, b) => Math.round((a.medianMs / b.medianMs) * 100) / 100;

/** node -e 0, the synth with the code cache, and the synth without it, interleaved run by run. */
function nodeSynth(runs, out) {
  const samples = { node: [], cached: [], uncached: [] };
  const synth = ["dist/main.cjs", "--outdir", out, "-q"];
  timed(process.execPath, synth); // writes the code cache if it is missing
  for (let i = 0; i < runs; i++) {
    samples.node.push(timed(process.execPath, ["-e", "0"]));
    samples.cached.push(timed(process.execPath, synth));
    samples.uncached.push(timed(process.execPath, synth, { SIP_COMPILE_CACHE: "off" }));
  }
  return { node: stats(samples.node), cached: stats(samples.cached), uncached: stats(samples.uncached) };
}

function makeSynth(runs, work) {
  const make = (config) => timed("make", ["--no-print-directory", "synth", `CONFIG=${config}`]);
  const example = join(root, "config", "example.json");
  const cold = [];
  const warm = [];
  const changed = [];
  // The example with one tenant more: a configuration change that every synth and validate must see.
  const plusOne = writeExampleWith(join(work, "example-plus-one.json"), { tenantIds: ["bench-extra"] });
  for (let i = 0; i < runs; i++) {
    rmSync(join(root, ".terraform-check"), { recursive: true, force: true });
    rmSync(join(root, "dist", ".cache"), { recursive: true, force: true });
    cold.push(make(example));
    warm.push(make(example));
    changed.push(make(plusOne)); // differs from the warm run just before: synth and validate redo their work
  }
  make(example); // leaves cdktf.out as the example's
  return { cold: stats(cold), warm: stats(warm), warmAfterChange: stats(changed) };
}

function plan(runs) {
  const samples = [];
  for (let i = 0; i < runs; i++) samples.push(timed(process.execPath, ["scripts/tf-check.mjs"]));
  const planJson = JSON.parse(readFileSync(join(root, "cdktf.out", "plans", "example.plan.json"), "utf8"));
  const resources = planJson.resource_changes.length;
  const s = stats(samples);
  return { ...s, resources, msPer1000Resources: Math.round((s.medianMs / resources) * 1000) };
}

function main() {
  const { values } = parseArgs({
    options: { runs: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const runs = Number(values.runs ?? 5);
  const slowRuns = Math.max(3, Math.ceil(runs / 2));
  const outFile = resolve(values.out ?? join(root, "bench", "results", "loop.json"));
  const work = join(root, "bench", "results", "work-loop");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });

  const synth = nodeSynth(runs, join(work, "out"));
  process.stdout.write(
    `node synth ${synth.cached.medianMs} ms (uncached ${synth.uncached.medianMs}) vs node -e 0 ${synth.node.medianMs} ms: ${ratio(synth.cached, synth.node)}x\n`,
  );
  const loop = makeSynth(slowRuns, work);
  process.stdout.write(
    `make synth: cold ${loop.cold.medianMs} ms, warm ${loop.warm.medianMs} ms, warm after a change ${loop.warmAfterChange.medianMs} ms\n`,
  );
  const planned = plan(slowRuns);
  process.stdout.write(`terraform plan + show: ${planned.medianMs} ms for ${planned.resources} resources\n`);

  const synthRatio = ratio(synth.cached, synth.node);
  const targets = {
    nodeSynthOverNodeStart: {
      target: `<= ${TARGETS.synthOverNode}x node -e 0 (medians, same run)`,
      measured: synthRatio,
      pass: synthRatio <= TARGETS.synthOverNode,
    },
    warmMakeSynthMs: {
      target: `<= ${TARGETS.warmMakeSynthMs} ms (median, nothing changed)`,
      measured: loop.warm.medianMs,
      pass: loop.warm.medianMs <= TARGETS.warmMakeSynthMs,
    },
    warmMakeSynthAfterChangeMs: {
      target: `<= ${TARGETS.warmMakeSynthMs} ms (median, configuration changed)`,
      measured: loop.warmAfterChange.medianMs,
      pass: loop.warmAfterChange.medianMs <= TARGETS.warmMakeSynthMs,
    },
  };
  const report = {
    benchmark: "loop",
    node: process.version,
    cpus: cpus().length,
    measured:
      "wall time of whole processes, min/median/max over runs: node's synth of the example against node -e 0 (interleaved), make synth cold/warm, terraform plan + show of the example",
    targets,
    pass: Object.values(targets).every((t) => t.pass),
    ratios: {
      nodeSynthOverNodeStart: synthRatio,
      nodeSynthUncachedOverNodeStart: ratio(synth.uncached, synth.node),
      coldOverWarmMakeSynth: ratio(loop.cold, loop.warm),
    },
    nodeSynth: synth,
    makeSynth: loop,
    plan: planned,
  };
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  rmSync(work, { recursive: true, force: true });
  process.stdout.write(`${report.pass ? "PASS" : "MISSED"} -> ${outFile}\n`);
}

main();
