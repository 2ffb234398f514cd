// The offline check's --together mode (scripts/tf-check.mjs --together): every stack of an output
// folder as a child module of one configuration, one `terraform init` and one `terraform validate`,
// a verdict per stack. Used by the module examples' test (modules/examples.test.ts): the provider's
// schema is loaded once, not once per example.
import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { removalNotice, withoutNewerArguments } from "./provider-compat.mjs";
import { overrideFile, planLines, providerOverrides, run, terraformEnv } from "./tf-terraform.mjs";

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
export function checkTogether(stacksDir, stacks, { workdir, tfrc, awsVersion, initHint }) {
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
