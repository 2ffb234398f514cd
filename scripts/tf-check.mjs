#!/usr/bin/env node
// Offline Terraform check of synthesized stacks: `terraform init` from the provider filesystem
// mirror, `terraform validate`, and `terraform plan` on an empty state with fake credentials,
// writing the plan as JSON. Fails loudly when terraform or the mirror is missing.
//
// Why the version override: the generated configuration requires the aws provider releases with
// the sovereign-partition fixes (>= 6.29.0), but the offline mirror holds 5.100.0. For this check
// only, an override file pins the mirror's version; the synthesized JSON is not changed.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { fileURLToPath } from "node:url";

const HELP = `Usage: node scripts/tf-check.mjs [--outdir DIR] [--workdir DIR] [--no-plan]

Runs terraform init (offline, from the provider mirror), validate and plan for every stack in
<outdir>/stacks/ and writes <outdir>/plans/<stack>.plan.json.

  --outdir DIR    synth output to check (default: cdktf.out)
  --workdir DIR   scratch folder for terraform (default: .terraform-check)
  --no-plan       stop after validate
  -h, --help      show this help

Environment: TF_PLUGIN_MIRROR (default: the path in terraform/offline.tfrc).
Exit codes: 0 all stacks valid; 1 a check failed; 2 terraform or the mirror is missing.`;

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

class Missing extends Error {}

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
      throw new Missing("terraform is not on the PATH. Install Terraform >= 1.10 (https://developer.hashicorp.com/terraform/install) to run the offline checks.");
    }
    throw err;
  }
  return JSON.parse(r.stdout).terraform_version;
}

/** The mirror folder and the aws provider versions it holds; a Missing error if there is none. */
function findMirror(tfrc) {
  const configured = /path\s*=\s*"([^"]+)"/.exec(readFileSync(tfrc, "utf8"))?.[1];
  const mirror = process.env.TF_PLUGIN_MIRROR ?? configured;
  const awsDir = join(mirror, "registry.terraform.io", "hashicorp", "aws");
  if (!existsSync(awsDir)) {
    throw new Missing(`no hashicorp/aws provider in the filesystem mirror ${mirror} (looked for ${awsDir}). Point TF_PLUGIN_MIRROR at the folder that holds registry.terraform.io/, or edit terraform/offline.tfrc.`);
  }
  const versions = readdirSync(awsDir).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
  if (versions.length === 0) throw new Missing(`${awsDir} holds no provider version.`);
  versions.sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  return { mirror, version: versions[versions.length - 1] };
}

function cliConfig(workdir, mirror) {
  const file = join(workdir, "offline.tfrc");
  writeFileSync(file, `provider_installation {\n  filesystem_mirror {\n    path    = ${JSON.stringify(mirror)}\n    include = ["registry.terraform.io/hashicorp/*"]\n  }\n}\n`);
  return file;
}

/** Override for this check only: the mirror's provider version and a throwaway local state. */
function overrideFile(awsVersion) {
  return {
    "//": "Written by scripts/tf-check.mjs for the offline check only; never deployed.",
    terraform: {
      required_providers: { aws: { source: "hashicorp/aws", version: awsVersion } },
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

function check(stackDir, name, { workdir, tfrc, awsVersion, plan, plansDir }) {
  const dir = join(workdir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const stackJson = JSON.parse(readFileSync(join(stackDir, "cdk.tf.json"), "utf8"));
  // The stack folder as synthesized: cdk.tf.json and the assets it names (function zips).
  cpSync(stackDir, dir, { recursive: true });
  const override = overrideFile(awsVersion);
  const providers = providerOverrides(stackJson);
  if (providers.length > 0) override.provider = { aws: providers };
  writeFileSync(join(dir, "offline_override.tf.json"), `${JSON.stringify(override, null, 2)}\n`);
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
  const step = (label, args) => {
    const started = Date.now();
    const r = run("terraform", args, { cwd: dir, env });
    const ms = Date.now() - started;
    if (r.status !== 0) {
      process.stderr.write(`${r.stdout}${r.stderr}`);
      throw new Error(`terraform ${label} failed for stack ${name} (see above)`);
    }
    process.stdout.write(`  ${label.padEnd(8)} ok (${(ms / 1000).toFixed(1)} s)\n`);
    return r;
  };
  process.stdout.write(`stack ${name}:\n`);
  step("init", ["init", "-input=false", "-no-color"]);
  const validate = step("validate", ["validate", "-json", "-no-color"]);
  const diagnostics = JSON.parse(validate.stdout).diagnostics ?? [];
  for (const d of diagnostics) process.stdout.write(`    ${d.severity}: ${d.summary}${d.address ? ` (${d.address})` : ""}\n`);
  if (!plan) return;
  step("plan", ["plan", "-input=false", "-lock=false", "-refresh=false", "-no-color", "-out=plan.bin"]);
  const show = step("show", ["show", "-json", "-no-color", "plan.bin"]);
  mkdirSync(plansDir, { recursive: true });
  const planFile = join(plansDir, `${name}.plan.json`);
  const planJson = JSON.parse(show.stdout);
  writeFileSync(planFile, `${JSON.stringify(planJson, null, 2)}\n`);
  const counts = summarize(planJson);
  const fmt = (a) => {
    const per = counts[a] ?? {};
    const total = Object.values(per).reduce((x, y) => x + y, 0);
    const parts = Object.entries(per).sort().map(([k, v]) => `${k} ${v}`).join(", ");
    return `${total} to ${a}${parts ? ` (${parts})` : ""}`;
  };
  process.stdout.write(`  plan: ${fmt("create")}, ${fmt("update")}, ${fmt("delete")} -> ${relative(root, planFile)}\n`);
}

function main() {
  const { values } = parseArgs({
    options: { outdir: { type: "string" }, workdir: { type: "string" }, "no-plan": { type: "boolean" }, help: { type: "boolean", short: "h" } },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const outdir = resolve(root, values.outdir ?? "cdktf.out");
  const workdir = resolve(root, values.workdir ?? ".terraform-check");
  try {
    const tfVersion = terraformVersion();
    const { mirror, version } = findMirror(join(root, "terraform", "offline.tfrc"));
    const stacksDir = join(outdir, "stacks");
    const stacks = existsSync(stacksDir) ? readdirSync(stacksDir).sort() : [];
    if (stacks.length === 0) throw new Error(`no synthesized stacks in ${stacksDir}; run make synth first`);
    mkdirSync(workdir, { recursive: true });
    const tfrc = cliConfig(workdir, mirror);
    process.stdout.write(`terraform ${tfVersion}, hashicorp/aws ${version} from ${mirror} (offline; the generated constraint is overridden for this check only)\n`);
    for (const name of stacks) {
      check(join(stacksDir, name), name, { workdir, tfrc, awsVersion: version, plan: !values["no-plan"], plansDir: join(outdir, "plans") });
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
