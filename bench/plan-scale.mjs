#!/usr/bin/env node
// Large deployments (issue 16): how terraform validate and plan scale with the number of logical
// tenants in one stack, and what Terraform's parallelism and a smaller stack (one tenant group)
// change. For each tenant count: synthesize the example with N more logical tenants, then
// `terraform validate`, and `terraform plan` (empty state, -refresh=false) at parallelism 10 (the
// default) and 32, through scripts/tf-check.mjs with init already done. Writes
// bench/results/plan-scale.json. Slow (minutes at 3,000 tenants): not part of `make bench`'s default
// set; run it with `node bench/plan-scale.mjs --tenants 100,1000,3000`.
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { logicalTenantIds, writeExampleWith } from "./example-config.mjs";

const HELP = `Usage: node bench/plan-scale.mjs [--tenants 100,1000,3000] [--out FILE]`;
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

function timed(args, env = {}) {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed (exit ${r.status}):\n${r.stdout}${r.stderr}`);
  return { ms: Math.round(Number(process.hrtime.bigint() - started) / 1e6), out: r.stdout };
}

/** The time of one terraform step as tf-check prints it ("  plan     ok (12.3 s)"). */
function stepSeconds(out, step) {
  const m = out.match(new RegExp(`^ {2}${step} +ok \\((\\d+\\.\\d) s\\)`, "m"));
  return m ? Number(m[1]) : undefined;
}

function measure(tenants, work) {
  const outdir = join(work, `out-${tenants}`);
  const workdir = join(work, `tf-${tenants}`);
  const synth = timed([
    "dist/main.cjs",
    "--config",
    writeExampleWith(join(work, `scale-${tenants}.json`), {
      tenantIds: logicalTenantIds(tenants),
      environment: `scale${tenants}`,
    }),
    "--outdir",
    outdir,
    "-q",
  ]);
  const check = (extra, env) =>
    timed(["scripts/tf-check.mjs", "--outdir", outdir, "--workdir", workdir, ...extra], env);
  const init = check(["--no-plan"]); // init + validate
  rmSync(join(workdir, `scale${tenants}`, "validated.json"), { force: true });
  const validate = check(["--no-plan"]);
  const plan10 = check([], { TF_CHECK_PARALLELISM: "10" });
  const plan32 = check([], { TF_CHECK_PARALLELISM: "32" });
  const stack = JSON.parse(readFileSync(join(outdir, "stacks", `scale${tenants}`, "cdk.tf.json"), "utf8"));
  const resources = Object.values(stack.resource).reduce((n, byName) => n + Object.keys(byName).length, 0);
  const row = {
    tenants: tenants + 3,
    resources,
    synthMs: synth.ms,
    initS: stepSeconds(init.out, "init"),
    validateS: stepSeconds(validate.out, "validate"),
    planS: stepSeconds(plan10.out, "plan"),
    showS: stepSeconds(plan10.out, "show"),
    planParallelism32S: stepSeconds(plan32.out, "plan"),
  };
  row.planSPer1000Resources = Math.round((row.planS / resources) * 1000 * 10) / 10;
  rmSync(outdir, { recursive: true, force: true });
  rmSync(workdir, { recursive: true, force: true });
  return row;
}

function main() {
  const { values } = parseArgs({
    options: { tenants: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) return void process.stdout.write(`${HELP}\n`);
  const counts = (values.tenants ?? "100,1000,3000").split(",").map(Number);
  const outFile = resolve(values.out ?? join(root, "bench", "results", "plan-scale.json"));
  const work = join(root, "bench", "results", "work-scale");
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const rows = [];
  for (const n of counts) {
    const row = measure(n, work);
    rows.push(row);
    process.stdout.write(`${JSON.stringify(row)}\n`);
  }
  const report = {
    benchmark: "plan-scale",
    node: process.version,
    cpus: cpus().length,
    measured:
      "per tenant count, one stack: node synth (ms), terraform init/validate/plan/show (s, as tf-check reports them), plan at -parallelism=32",
    results: rows,
  };
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(report, null, 2)}\n`);
  rmSync(work, { recursive: true, force: true });
  process.stdout.write(`-> ${outFile}\n`);
}

main();
