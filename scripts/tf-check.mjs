#!/usr/bin/env node
// Terraform check of synthesized stacks: `terraform init`, then `terraform validate`, or `terraform
// plan` (which validates too) on an empty state with fake credentials, writing the plan as JSON.
// Each stack keeps its working folder (<workdir>/<stack>) with the installed provider and lock
// file; init runs again only when the terraform version, the provider source or the terraform
// blocks (required providers, backend) change (init-inputs.json there), and validate only when the
// configuration changed since it last passed (validated.json). Fails loudly (exit 2)
// when terraform is missing or the provider cannot come from where the environment says.
//
// Where the hashicorp/aws provider comes from (decided by scripts/provider-source.mjs, printed
// with the reason before the first stack):
//
// - Offline, from a filesystem mirror: TF_PLUGIN_MIRROR, else the path in terraform/offline.tfrc
//   (/opt/tf-plugins), else Terraform's implied local mirror folders. `terraform init` installs
//   only from the mirror and nothing is downloaded (CI and this machine image). The generated
//   configuration requires the releases with the sovereign-partition fixes (>= 6.29.0) but the
//   mirror may hold older ones (5.100.0 here), so for this check only an override file pins the
//   mirror's newest version; the synthesized JSON is not changed. Arguments the stack uses that the
//   mirror's older provider does not know (scripts/provider-compat.mjs: aws_kms_external_key's
//   key_spec and key_usage, 6.x) are removed from the check's copy only, with a loud notice naming
//   each resource and argument.
// - From the registry, when no mirror holds the provider (a workstation with registry access):
//   a CLI configuration without the filesystem_mirror, providers cached in
//   <workdir>/plugin-cache (.terraform-check/ is ignored by git), and the generated constraint as
//   it is (no version override).
//
// --together (the module examples' test): every stack of the outdir as a child module of one
// configuration in <workdir>/together, checked with one `terraform init` and one `terraform
// validate` (each loads the provider's schema once, instead of once per stack), and each stack's
// verdict from the diagnostics' files. Each child gets the compat removal (with its NOTICE) and the
// version override of a root stack, but no backend (a child module may not name one); its provider
// blocks, with the check's skip flags, move to the root module, shared by the stacks with the same
// block (validate starts a provider process per provider configuration; it does not judge a
// provider block's arguments). After an error, init or validate runs again without the failed
// stacks, so that a stack is "ok" only after a run without errors. No plan, no cache: init and
// validate run every time.
//
// TF_CHECK_MODE=offline forbids the registry (exit 2 without a mirror); TF_CHECK_MODE=registry
// skips the mirrors; an explicit TF_PLUGIN_MIRROR without the provider is an error, not a fallback.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { removalNotice, withoutNewerArguments } from "./provider-compat.mjs";
import { awsFolder, decideProviderSource, mirrorCandidates } from "./provider-source.mjs";

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

function run(cmd, args, opts) {
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024, ...opts });
  if (r.error) throw r.error;
  return r;
}

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

/**
 * Override for this check only: a throwaway local state and, offline, the mirror's provider
 * version (from the registry the generated constraint stays).
 */
function overrideFile(awsVersion) {
  return {
    "//": "Written by scripts/tf-check.mjs for this check only; never deployed.",
    terraform: {
      ...(awsVersion ? { required_providers: { aws: { source: "hashicorp/aws", version: awsVersion } } } : {}),
      backend: { local: { path: "terraform.tfstate" } },
    },
  };
}

/**
 * Every aws provider alias of the stack gets the skip flags that keep plan off the network. (Found
 * on the way: provider 5.100.0 resolves the sovereign STS endpoint with the commercial DNS suffix,
 * sts.eusc-de-east-1.amazonaws.com; one more reason real deployments need >= 6.29.)
 */
function providerOverrides(stackJson) {
  const aws = stackJson.provider?.aws ?? [];
  return aws.map((p) => ({
    ...(p.alias ? { alias: p.alias } : {}),
    skip_credentials_validation: true,
    skip_requesting_account_id: true,
    skip_metadata_api_check: true,
    skip_region_validation: true,
    // The account check needs STS, which skip_requesting_account_id turns off; null unsets it.
    allowed_account_ids: null,
    // A profile names the operator's shared config, which this check neither has nor needs.
    ...(p.profile ? { profile: null } : {}),
    // Assuming a role (tenant accounts) needs STS; an empty role ARN turns it off for this check.
    ...(p.assume_role ? { assume_role: [{ role_arn: "" }] } : {}),
  }));
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

/** The environment terraform runs in for the check: offline-safe fake credentials, no prompts. */
function terraformEnv(tfrc) {
  const env = {
    ...process.env,
    TF_CLI_CONFIG_FILE: tfrc,
    TF_IN_AUTOMATION: "1",
    TF_INPUT: "0",
    CHECKPOINT_DISABLE: "1",
    // Fake credentials: the skip flags keep the provider from using them, and as environment
    // variables they stay out of the plan JSON.
    AWS_ACCESS_KEY_ID: "AKIAOFFLINECHECK0000",
    AWS_SECRET_ACCESS_KEY: "offline-check-not-a-secret",
    AWS_EC2_METADATA_DISABLED: "true",
  };
  delete env.AWS_PROFILE;
  return env;
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

/** The lines of `terraform plan -json` output (one JSON object per line). */
function planLines(stdout) {
  return stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
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

/** Stack names that can name a module call (the together check's root module calls each stack by its name). */
const MODULE_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;

/**
 * A provider block with the check's override applied (as terraform merges an override file: each
 * argument replaced, null removes it), the alias left out: the together check's key for it.
 */
function withOverride(block, override) {
  const merged = { ...block, ...override };
  for (const [key, value] of Object.entries(merged)) if (value === null) delete merged[key];
  delete merged.alias;
  return merged;
}

/**
 * The root module's provider configurations of the together check, shared by the stacks: one per
 * distinct block (after the check's override), named p0, p1, ... Each provider configuration starts
 * its own provider process in `terraform validate` (the schema loaded each time: 16 examples with
 * their two aliases each took 6.2 s instead of 2.8 s), and validate does not judge a provider
 * block's arguments (terraform 1.11.4: a list for `region` passes), so sharing identical blocks
 * loses nothing; the stacks' resources still name their own aliases (configuration_aliases).
 */
function sharedProviders() {
  const blocks = new Map(); // type -> Map(key -> { alias, block })
  return {
    /** The root configuration for the stack's provider `type` block with `override`: `<type>.<alias>`. */
    use(type, block, override) {
      const merged = withOverride(block, override);
      const key = JSON.stringify(merged);
      if (!blocks.has(type)) blocks.set(type, new Map());
      const ofType = blocks.get(type);
      if (!ofType.has(key)) ofType.set(key, { alias: `p${ofType.size}`, block: merged });
      return `${type}.${ofType.get(key).alias}`;
    },
    /** The root module's `provider` section. */
    section() {
      return Object.fromEntries(
        [...blocks].map(([type, ofType]) => [type, [...ofType.values()].map((p) => ({ alias: p.alias, ...p.block }))]),
      );
    },
  };
}

/**
 * A stack as a child module: its provider blocks leave (the root passes the shared ones: the
 * module call's `providers`), its aliases become configuration_aliases, and the backend goes (a
 * child module may not name one). Changes `json` and `override`; returns the module call.
 */
function asChildModule(name, json, override, providers) {
  const awsOverrides = new Map(providerOverrides(json).map((o) => [o.alias, o]));
  const passed = {};
  for (const [type, blocks] of Object.entries(json.provider ?? {})) {
    for (const block of [blocks].flat()) {
      const own = block.alias ? `${type}.${block.alias}` : type;
      passed[own] = providers.use(type, block, type === "aws" ? awsOverrides.get(block.alias) : {});
    }
    const aliases = [blocks].flat().flatMap((b) => (b.alias ? [`${type}.${b.alias}`] : []));
    json.terraform ??= {};
    json.terraform.required_providers ??= {};
    const entry = { ...(json.terraform.required_providers[type] ?? {}), configuration_aliases: aliases };
    json.terraform.required_providers[type] = entry;
    // An override file's required_providers entry replaces the stack's: it must carry the aliases too.
    const overridden = override.terraform.required_providers?.[type];
    if (overridden) overridden.configuration_aliases = aliases;
  }
  // Without a default aws block of its own, the stack's default provider is the root's implied one, as for a root stack.
  if (!("aws" in passed)) passed.aws = "aws";
  delete json.provider;
  delete json.terraform?.backend;
  delete override.terraform.backend;
  return { source: `./${name}`, providers: passed };
}

/**
 * The together check's configuration in <workdir>/together: each stack's synthesized files as a
 * child module in <stack>/ with the compat removal and the version override a root stack gets;
 * the provider blocks shared in the root module (sharedProviders). Returns the folder, the root
 * module's parts, and the removal notices by stack. Written anew on every run, and init always
 * runs (the mode is for the tests, which check into a fresh workdir).
 */
function prepareTogether(stacksDir, stacks, { workdir, awsVersion }) {
  const dir = join(workdir, "together");
  rmSync(dir, { recursive: true, force: true });
  const notices = new Map();
  const calls = new Map();
  const providers = sharedProviders();
  for (const name of stacks) {
    if (!MODULE_NAME.test(name)) throw new Error(`stack ${name}: not a valid module name for --together`);
    const child = join(dir, name);
    cpSync(join(stacksDir, name), child, { recursive: true });
    const stackJson = JSON.parse(readFileSync(join(child, "cdk.tf.json"), "utf8"));
    const compat =
      awsVersion === undefined
        ? { json: structuredClone(stackJson), removed: [] }
        : withoutNewerArguments(stackJson, awsVersion);
    const override = overrideFile(awsVersion);
    calls.set(name, asChildModule(name, compat.json, override, providers));
    writeFileSync(join(child, "cdk.tf.json"), `${JSON.stringify(compat.json, null, 2)}\n`);
    writeFileSync(join(child, "check_override.tf.json"), `${JSON.stringify(override, null, 2)}\n`);
    notices.set(name, removalNotice(name, awsVersion, compat.removed));
  }
  const rootParts = { calls, provider: providers.section(), terraform: overrideFile(awsVersion).terraform };
  return { dir, rootParts, notices };
}

/** The together check's root module: the shared provider blocks and one module call per stack still to be judged. */
function writeTogetherRoot(dir, rootParts, stacks) {
  const rootModule = {
    "//": "Written by scripts/tf-check.mjs --together for this check only: each stack is a child module.",
    terraform: rootParts.terraform,
    provider: rootParts.provider,
    module: Object.fromEntries(stacks.map((name) => [name, rootParts.calls.get(name)])),
  };
  writeFileSync(join(dir, "main.tf.json"), `${JSON.stringify(rootModule, null, 2)}\n`);
}

/**
 * The stack a diagnostic belongs to: by its file (`<stack>/cdk.tf.json`, relative to the root
 * module), else, for one without a file (a resource naming a provider alias its stack does not
 * define has none), the one stack whose module address (`module.<stack>.`) its text names;
 * undefined outside the stacks.
 */
function stackOfDiagnostic(d, stacks) {
  const file = d.range?.filename?.replace(/^\.\//, "");
  if (file !== undefined) return stacks.find((name) => file.startsWith(`${name}/`));
  const text = `${d.summary ?? ""}\n${d.detail ?? ""}`;
  const named = stacks.filter((name) => text.includes(`module.${name}.`));
  return named.length === 1 ? named[0] : undefined;
}

/** One diagnostic of the together check: severity, summary, file and line, and terraform's detail. */
function diagnosticLine(d) {
  const where = d.range ? ` (${d.range.filename}:${d.range.start?.line})` : "";
  const detail = d.detail ? `: ${d.detail.replace(/\s+/g, " ")}` : "";
  return `    ${d.severity}: ${d.summary}${where}${detail}\n`;
}

/**
 * One terraform step of the together check with -json: its diagnostics (init writes one JSON
 * message a line, validate one JSON result), its exit status and its time.
 */
function togetherStep(dir, env, label) {
  const args = label === "init" ? ["init", "-json", "-input=false", "-no-color"] : ["validate", "-json", "-no-color"];
  const started = Date.now();
  const r = run("terraform", args, { cwd: dir, env });
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  let diagnostics;
  try {
    diagnostics =
      label === "init"
        ? planLines(r.stdout)
            .filter((m) => m.type === "diagnostic")
            .map((m) => m.diagnostic)
        : (JSON.parse(r.stdout).diagnostics ?? []);
  } catch {
    diagnostics = undefined;
  }
  return {
    ok: r.status === 0 && diagnostics !== undefined,
    diagnostics: diagnostics ?? [],
    seconds,
    raw: `${r.stdout}${r.stderr}`,
  };
}

/**
 * `terraform init`, then `terraform validate`, over the stacks still to judge; each step again
 * without the stacks that had errors, until it has none: an error can stop terraform before it
 * judged the others (a configuration that does not load stops init), so a stack is "ok" only after
 * a validate without errors. Returns each judged stack's diagnostics and whether it failed, and the
 * stacks not judged because of an error outside the stacks' files (printed).
 */
function judgeTogether(dir, env, rootParts, stacks, initHint) {
  const verdicts = new Map();
  const warnings = new Map(stacks.map((name) => [name, []]));
  let remaining = stacks;
  let label = "init";
  while (remaining.length > 0) {
    writeTogetherRoot(dir, rootParts, remaining);
    const step = togetherStep(dir, env, label);
    const owner = (d) => stackOfDiagnostic(d, remaining);
    const outside = step.diagnostics.filter((d) => owner(d) === undefined);
    const failed = remaining.filter((name) =>
      step.diagnostics.some((d) => d.severity === "error" && owner(d) === name),
    );
    const state = step.ok ? "ok" : `failed for ${failed.length} stack(s)`;
    process.stdout.write(`  ${label.padEnd(8)} ${state} on ${remaining.length} stack(s) (${step.seconds} s)\n`);
    // Init's own warnings (the lock file of a mirror install) are the check's matter, as in the other modes.
    for (const d of outside)
      if (label === "validate" || d.severity === "error") process.stdout.write(diagnosticLine(d));
    if (!step.ok && (failed.length === 0 || outside.some((d) => d.severity === "error"))) {
      if (failed.length === 0 && outside.length === 0) process.stderr.write(step.raw);
      if (label === "init" && initHint) process.stderr.write(`${initHint}\n`);
      return { verdicts, notJudged: remaining };
    }
    for (const d of step.diagnostics) if (owner(d) !== undefined) warnings.get(owner(d)).push(d);
    for (const name of failed) verdicts.set(name, { failed: label, diagnostics: warnings.get(name) });
    remaining = remaining.filter((name) => !failed.includes(name));
    if (failed.length > 0) continue;
    if (label === "validate") {
      for (const name of remaining) verdicts.set(name, { failed: undefined, diagnostics: warnings.get(name) });
      remaining = [];
    }
    label = "validate";
  }
  return { verdicts, notJudged: [] };
}

/**
 * --together: every stack of the outdir as a child module of one configuration, one `terraform
 * init` and one `terraform validate` when all pass (more only to confirm the others after an
 * error): the provider's schema is loaded once, not once per stack. Prints each stack's verdict in
 * the "stack <name>:" form of the other modes. Returns the exit code.
 */
function checkTogether(stacksDir, stacks, { workdir, tfrc, awsVersion, initHint }) {
  const { dir, rootParts, notices } = prepareTogether(stacksDir, stacks, { workdir, awsVersion });
  process.stdout.write(`together: ${stacks.length} stack(s) as child modules of ${dir}\n`);
  const { verdicts, notJudged } = judgeTogether(dir, terraformEnv(tfrc), rootParts, stacks, initHint);
  for (const name of stacks) {
    process.stdout.write(`stack ${name}:\n`);
    process.stdout.write(notices.get(name));
    const verdict = verdicts.get(name);
    if (verdict === undefined) {
      process.stdout.write(`  ${"validate".padEnd(8)} not judged (an error outside the stacks' files, see above)\n`);
      continue;
    }
    process.stdout.write(`  ${(verdict.failed ?? "validate").padEnd(8)} ${verdict.failed ? "failed" : "ok"}\n`);
    for (const d of verdict.diagnostics) process.stdout.write(diagnosticLine(d));
  }
  const failed = stacks.filter((name) => verdicts.get(name)?.failed);
  if (failed.length === 0 && notJudged.length === 0) return 0;
  const named = [...failed, ...notJudged.map((name) => `${name} (not judged)`)];
  process.stderr.write(`error: terraform check (--together) failed for ${named.join(", ")}\n`);
  return 1;
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
