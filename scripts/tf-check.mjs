#!/usr/bin/env node
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { removalNotice, withoutNewerArguments } from "./provider-compat.mjs";
import { awsFolder, decideProviderSource, mirrorCandidates } from "./provider-source.mjs";
import { checkTogether } from "./tf-together.mjs";
import { overrideFile, planLines, providerOverrides, run, terraformEnv } from "./tf-terraform.mjs";

const HELP = `Usage: node scripts/tf-check.mjs [--outdir DIR] [--workdir DIR] [--no-plan | --together]

Runs terraform init and plan (which validates) for every stack in <outdir>/stacks/ and writes
<outdir>/plans/<stack>.plan.json; with --no-plan, terraform validate instead of the plan. Init runs
only when the providers, the backend or terraform changed since the last run in <workdir>.
The aws provider comes from a filesystem mirror when one holds it (offline; its version overrides
the generated constraint for this check only), else from the registry with the generated
constraint (cached in <workdir>/plugin-cache).

  --outdir DIR    synth output to check (default: cdktf.out)
  --workdir DIR   scratch folder for terraform (default: .terraform-check)
  --no-plan       terraform validate only (no plan)
  --together      validate only, all stacks as child modules of one configuration in
                  <workdir>/together: one init and one validate, a verdict per stack
  -h, --help      show this help

Environment:
  TF_PLUGIN_MIRROR  the mirror folder (the one holding registry.terraform.io/); default: the path
                    in terraform/offline.tfrc, then Terraform's implied local mirror folders
  TF_CHECK_MODE     auto (default: mirror if found, else registry) | offline (never download;
                    exit 2 without a mirror) | registry (ignore mirrors)
  TF_CHECK_PARALLELISM  graph walkers of the plan (default 32; the plan makes no API calls)
Exit codes: 0 all stacks valid; 1 a check failed; 2 terraform or the provider source is missing.`;

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

class Missing extends Error {}

/** Graph walkers of the offline plan (TF_CHECK_PARALLELISM overrides). */
const PLAN_PARALLELISM = Number(process.env.TF_CHECK_PARALLELISM) || 32;

function terraformVersion() {
  let r;
  try {
    r = run("terraform", ["version", "-json"], { env: { ...process.env, TF_CLI_CONFIG_FILE: "/dev/null" } });
  } catch (err) {
    if (err.code === "ENOENT") {
      throw new Missing(
        "terraform is not on the PATH. Install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install) to run the offline checks.",
      );
    }
    throw err;
  }
  return JSON.parse(r.stdout).terraform_version;
}

/** The aws provider versions in a mirror folder; null when it has no registry.terraform.io/hashicorp/aws/. */
function awsVersionsIn(mirror) {
  const dir = awsFolder(mirror);
  return existsSync(dir) ? readdirSync(dir).filter((v) => /^\d+\.\d+\.\d+$/.test(v)) : null;
}

/** The generated aws version constraints of the stacks (normally one). */
function constraintOf(stacksDir, stacks) {
  const all = stacks
    .map(
      (name) =>
        JSON.parse(readFileSync(join(stacksDir, name, "cdk.tf.json"), "utf8")).terraform?.required_providers?.aws
          ?.version,
    )
    .filter((v) => typeof v === "string");
  return [...new Set(all)].join("; ") || undefined;
}

/** Where the provider comes from, and the CLI configuration written for it into the workdir. */
function providerSource(workdir, constraint) {
  const candidates = mirrorCandidates({
    env: process.env,
    home: homedir(),
    tfrcText: readFileSync(join(root, "terraform", "offline.tfrc"), "utf8"),
  }).map((c) => ({ ...c, awsVersions: awsVersionsIn(c.path) }));
  const decision = decideProviderSource({
    env: process.env,
    candidates,
    constraint,
    pluginCacheDir: join(workdir, "plugin-cache"),
  });
  if (decision.mode === "unusable") throw new Missing(decision.reason);
  mkdirSync(workdir, { recursive: true });
  if (decision.mode === "registry") mkdirSync(decision.pluginCacheDir, { recursive: true });
  const tfrc = join(workdir, "check.tfrc");
  writeFileSync(tfrc, decision.cliConfig);
  return { ...decision, tfrc };
}

/** Planned actions per provider alias, from the plan JSON's configuration section. */
function summarize(planJson) {
  const aliasOf = new Map();
  for (const r of planJson.configuration?.root_module?.resources ?? []) {
    aliasOf.set(r.address, (r.provider_config_key ?? "").split(".")[1] ?? "default");
  }
  const counts = {};
  for (const rc of planJson.resource_changes ?? []) {
    const key = aliasOf.get(rc.address) ?? "default";
    for (const action of rc.change.actions) {
      if (action === "no-op" || action === "read") continue;
      counts[action] ??= {};
      counts[action][key] = (counts[action][key] ?? 0) + 1;
    }
  }
  return counts;
}

/** Runs one terraform command in the stack's folder, prints its time, throws with its output on failure. */
function stepRunner(dir, env, name, initHint) {
  return (label, args) => {
    const started = Date.now();
    const r = run("terraform", args, { cwd: dir, env });
    const ms = Date.now() - started;
    if (r.status !== 0) {
      const output = args.includes("-json") && label === "plan" ? planMessages(r.stdout) : r.stdout;
      process.stderr.write(`${output}${r.stderr}`);
      throw new Error(
        `terraform ${label} failed for stack ${name} (see above)${label === "init" && initHint ? `; ${initHint}` : ""}`,
      );
    }
    process.stdout.write(`  ${label.padEnd(8)} ok (${(ms / 1000).toFixed(1)} s)\n`);
    return r;
  };
}

function printDiagnostics(diagnostics) {
  for (const d of diagnostics)
    process.stdout.write(`    ${d.severity}: ${d.summary}${d.address ? ` (${d.address})` : ""}\n`);
}

/**
 * The warnings and errors `terraform plan -json` reported, in `terraform validate -json`'s shape;
 * without the warnings about this check's own override (its empty assume_role turns the role off).
 */
function diagnosticsOfPlan(stdout) {
  return planLines(stdout)
    .filter((m) => m.type === "diagnostic")
    .filter((m) => !(m.diagnostic.severity === "warning" && m.diagnostic.range?.filename === "check_override.tf.json"))
    .map((m) => ({ severity: m.diagnostic.severity, summary: m.diagnostic.summary, address: m.diagnostic.address }));
}

/** A failed `terraform plan -json` as text: each diagnostic with its detail. */
function planMessages(stdout) {
  return planLines(stdout)
    .filter((m) => m.type === "diagnostic")
    .map((m) => `${m.diagnostic.severity}: ${m.diagnostic.summary}\n${m.diagnostic.detail ?? ""}\n`)
    .join("\n");
}

/** Files of a stack's working folder that survive between runs: what `terraform init` wrote. */
const INIT_OUTPUTS = new Set([".terraform", ".terraform.lock.hcl", "init-inputs.json", "validated.json"]);

/**
 * What `terraform validate` judged: the init inputs and every Terraform JSON file of the folder.
 * When a validate passed on exactly these, it is not run again (validated.json holds its digest).
 */
function validateInputs(dir, initText) {
  const hash = createHash("sha256").update(initText);
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".tf.json"))
    .sort()) {
    hash.update(`\0${file}\0`).update(readFileSync(join(dir, file)));
  }
  return hash.digest("hex");
}

/**
 * What `terraform init` depends on: the terraform version, the CLI configuration (provider source),
 * and the terraform blocks (required providers, backend) of the stack and of the override. When it
 * is unchanged, the working folder's installed provider and lock file are current and init is skipped.
 */
function initInputs({ tfVersion, tfrc, stackJson, override }) {
  return `${JSON.stringify(
    {
      terraform: tfVersion,
      cliConfig: readFileSync(tfrc, "utf8"),
      stack: stackJson.terraform ?? {},
      override: override.terraform,
    },
    null,
    2,
  )}\n`;
}

/**
 * The stack's working folder with the synthesized files (cdk.tf.json and the assets it names) and
 * the check's override; what init wrote stays. Returns whether init must run (and how to record
 * that it ran), and whether a validate already passed on this configuration (and how to record one).
 */
function prepareWorkdir(stackDir, dir, { stackJson, override, tfVersion, tfrc, checkedJson }) {
  mkdirSync(dir, { recursive: true });
  for (const entry of readdirSync(dir)) {
    if (!INIT_OUTPUTS.has(entry)) rmSync(join(dir, entry), { recursive: true, force: true });
  }
  cpSync(stackDir, dir, { recursive: true });
  // The copy the check judges (without arguments the mirror's provider does not know), never the synth output.
  if (checkedJson !== stackJson) writeFileSync(join(dir, "cdk.tf.json"), `${JSON.stringify(checkedJson, null, 2)}\n`);
  writeFileSync(join(dir, "check_override.tf.json"), `${JSON.stringify(override, null, 2)}\n`);
  const inputs = initInputs({ tfVersion, tfrc, stackJson, override });
  const stamp = join(dir, "init-inputs.json");
  const current =
    existsSync(join(dir, ".terraform")) &&
    existsSync(join(dir, ".terraform.lock.hcl")) &&
    existsSync(stamp) &&
    readFileSync(stamp, "utf8") === inputs;
  const validated = join(dir, "validated.json");
  const digest = validateInputs(dir, inputs);
  const previous = current && existsSync(validated) ? JSON.parse(readFileSync(validated, "utf8")) : undefined;
  const validation = {
    // The diagnostics (warnings) of the validate that passed on this configuration, or undefined.
    current: previous?.digest === digest ? previous.diagnostics : undefined,
    record: (diagnostics) => writeFileSync(validated, `${JSON.stringify({ digest, diagnostics }, null, 1)}\n`),
  };
  if (current) return { needsInit: false, recordInit: () => {}, validation };
  rmSync(stamp, { force: true });
  return { needsInit: true, recordInit: () => writeFileSync(stamp, inputs), validation };
}

function check(stackDir, name, { workdir, tfrc, tfVersion, awsVersion, plan, plansDir, initHint }) {
  const dir = join(workdir, name);
  const stackJson = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
  const override = overrideFile(awsVersion);
  const providers = providerOverrides(stackJson);
  if (providers.length > 0) override.provider = { aws: providers };
  // Offline only: the mirror's provider may be older than the generated constraint (provider-compat.mjs).
  const compat =
    awsVersion === undefined ? { json: stackJson, removed: [] } : withoutNewerArguments(stackJson, awsVersion);
  const checkedJson = compat.removed.length === 0 ? stackJson : compat.json;
  const { needsInit, recordInit, validation } = prepareWorkdir(stackDir, dir, {
    stackJson,
    override,
    tfVersion,
    tfrc,
    checkedJson,
  });
  const step = stepRunner(dir, terraformEnv(tfrc), name, initHint);
  process.stdout.write(`stack ${name}:\n`);
  process.stdout.write(removalNotice(name, awsVersion, compat.removed));
  if (needsInit) {
    step("init", ["init", "-input=false", "-no-color"]);
    recordInit();
  } else {
    process.stdout.write(`  ${"init".padEnd(8)} current (providers and backend unchanged)\n`);
  }
  if (!plan) {
    if (validation.current !== undefined) {
      process.stdout.write(`  ${"validate".padEnd(8)} current (passed on this configuration before)\n`);
      printDiagnostics(validation.current);
      return;
    }
    const validate = step("validate", ["validate", "-json", "-no-color"]);
    const diagnostics = JSON.parse(validate.stdout).diagnostics ?? [];
    printDiagnostics(diagnostics);
    validation.record(diagnostics);
    return;
  }
  // plan validates the configuration itself: no separate validate run (each loads the provider).
  // The empty-state plan makes no API calls (-refresh=false, skip flags), so more parallel graph
  // walkers than Terraform's default 10 only use the CPUs: a third off a 4,200-resource plan
  // (bench/plan-scale.mjs; docs/architecture.md, "Large deployments").
  const planned = step("plan", [
    "plan",
    "-input=false",
    "-lock=false",
    "-refresh=false",
    `-parallelism=${PLAN_PARALLELISM}`,
    "-json",
    "-out=plan.bin",
  ]);
  printDiagnostics(diagnosticsOfPlan(planned.stdout));
  const show = step("show", ["show", "-json", "-no-color", "plan.bin"]);
  mkdirSync(plansDir, { recursive: true });
  const planFile = join(plansDir, `${name}.plan.json`);
  const planJson = JSON.parse(show.stdout);
  writeFileSync(planFile, `${JSON.stringify(planJson, null, 2)}\n`);
  const counts = summarize(planJson);
  const fmt = (a) => {
    const per = counts[a] ?? {};
    const total = Object.values(per).reduce((x, y) => x + y, 0);
    const parts = Object.entries(per)
      .sort()
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    return `${total} to ${a}${parts ? ` (${parts})` : ""}`;
  };
  process.stdout.write(`  plan: ${fmt("create")}, ${fmt("update")}, ${fmt("delete")} -> ${relative(root, planFile)}\n`);
}

function main() {
  const { values } = parseArgs({
    options: {
      outdir: { type: "string" },
      workdir: { type: "string" },
      "no-plan": { type: "boolean" },
      together: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const outdir = resolve(root, values.outdir ?? "cdktf.out");
  const workdir = resolve(root, values.workdir ?? ".terraform-check");
  try {
    const tfVersion = terraformVersion();
    const stacksDir = join(outdir, "stacks");
    const stacks = existsSync(stacksDir) ? readdirSync(stacksDir).sort() : [];
    if (stacks.length === 0) throw new Error(`no synthesized stacks in ${stacksDir}; run make synth first`);
    const source = providerSource(workdir, constraintOf(stacksDir, stacks));
    const awsVersion = source.mode === "offline" ? source.version : undefined;
    if (source.mode === "offline")
      process.stdout.write(`terraform ${tfVersion}, hashicorp/aws ${source.version} from ${source.mirror} (offline)\n`);
    else
      process.stdout.write(
        `terraform ${tfVersion}, hashicorp/aws ${source.constraint ?? "(no constraint)"} from registry.terraform.io\n`,
      );
    process.stdout.write(`  provider source: ${source.mode}: ${source.reason}\n`);
    const initHint =
      source.mode === "registry"
        ? "the provider comes from the registry: is registry.terraform.io reachable? TF_PLUGIN_MIRROR selects a filesystem mirror instead"
        : undefined;
    if (values.together) return checkTogether(stacksDir, stacks, { workdir, tfrc: source.tfrc, awsVersion, initHint });
    for (const name of stacks) {
      check(join(stacksDir, name), name, {
        workdir,
        tfrc: source.tfrc,
        tfVersion,
        awsVersion,
        plan: !values["no-plan"],
        plansDir: join(outdir, "plans"),
        initHint,
      });
    }
    return 0;
  } catch (err) {
    if (err instanceof Missing) {
      process.stderr.write(`\n*** OFFLINE TERRAFORM CHECK CANNOT RUN ***\n${err.message}\n\n`);
      return 2;
    }
    process.stderr.write(`error: ${err.message}\n`);
    return 1;
  }
}

process.exitCode = main();
