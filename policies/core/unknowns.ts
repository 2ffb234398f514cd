/**
 * Values the checker cannot evaluate (issue 15). The checker accepts hand-written Terraform JSON, so
 * it fails closed: every rule declares the values it reads (`reads`), and where one of them is an
 * expression the rule cannot evaluate (`${var.x}`, `${each.value}`, `${local.x}`, `${count.index}`,
 * a function of those or of nothing, a `%{...}` directive, a `dynamic` block, a policy document that
 * is not literal) the rule reports that the value could not be evaluated and what would pass. Values
 * computed only from resources and data sources (`${aws_kms_key.k.arn}`) are what the rules resolve
 * on purpose; `$${...}` is an escaped literal (IAM policy variables).
 */
import { isObject, type JsonObject } from "./json";
import { POLICY_SOURCES, type PolicyDocumentRef, type PolicyKind, policyDocuments } from "./policy-documents";
import { referencesIn } from "./references";
import { META_ATTRIBUTES, type Template } from "./template";
import type { ReadMode, RuleResult, ValueRead, Violation } from "./types";

/** Roots of expressions that are not blocks of the configuration: their values are unknown here. */
const UNKNOWN_ROOTS = /(?<![\w.-])(var|local|each|count|path|module|self|terraform)\s*(\.|\[)/;

/** The Terraform expressions of a string: `${...}` bodies and `%{...}` directives, escapes removed. */
export function expressionsIn(value: string): string[] {
  const text = value.replace(/\$\$\{/g, "").replace(/%%\{/g, "");
  const out: string[] = [];
  for (let i = text.search(/[$%]\{/); i !== -1; ) {
    let depth = 0;
    let j = i + 2;
    for (; j < text.length; j++) {
      const c = text[j];
      if (c === "{") depth++;
      else if (c === "}") {
        if (depth === 0) break;
        depth--;
      }
    }
    out.push(text[i] === "%" ? `%{${text.slice(i + 2, j)}}` : text.slice(i + 2, j));
    const next = text.slice(j).search(/[$%]\{/);
    i = next === -1 ? -1 : j + next;
  }
  return out;
}

/**
 * Whether an expression is computed only from attributes of resources and data sources
 * (`aws_kms_key.k.arn`, `tolist(aws_x.y.z)[0]`): what the rules resolve or accept as set. Terraform
 * rejects a reference to a block that is not declared, so a block of another file still counts.
 */
function fromBlocks(expression: string): boolean {
  if (expression.startsWith("%{") || UNKNOWN_ROOTS.test(expression)) return false;
  return referencesIn(`\${${expression}}`).length > 0;
}

/** The first expression in a value (strings, list items, object keys and values) the mode cannot evaluate. */
export function unevaluableExpression(value: unknown, mode: Exclude<ReadMode, "document">): string | undefined {
  if (typeof value === "string") return expressionsIn(value).find((e) => mode === "literal" || !fromBlocks(e));
  if (Array.isArray(value)) {
    for (const v of value) {
      const e = unevaluableExpression(v, mode);
      if (e !== undefined) return e;
    }
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      const e = unevaluableExpression(k, mode) ?? unevaluableExpression(v, mode);
      if (e !== undefined) return e;
    }
  }
  return undefined;
}

export interface UnknownValue {
  /** Where in the block: `vpc_config[0].subnet_ids`. */
  readonly path: string;
  readonly value: unknown;
  /** The expression (or reason) that cannot be evaluated. */
  readonly expression: string;
}

function join(path: string, key: string): string {
  return path === "" ? key : `${path}.${key}`;
}

/** Unknown values at a dotted path of a block (through nested blocks, object or list form). */
function unknownsAt(
  node: unknown,
  segments: readonly string[],
  mode: Exclude<ReadMode, "document">,
  path: string,
): UnknownValue[] {
  if (segments.length === 0) {
    const expression = unevaluableExpression(node, mode);
    return expression === undefined ? [] : [{ path, value: node, expression }];
  }
  if (typeof node === "string") {
    // A nested block written as an expression.
    const expression = unevaluableExpression(node, "literal");
    return expression === undefined ? [] : [{ path, value: node, expression }];
  }
  if (Array.isArray(node)) return node.flatMap((v, i) => unknownsAt(v, segments, mode, `${path}[${i}]`));
  if (!isObject(node)) return [];
  const [head = "", ...rest] = segments;
  if (head === "*") {
    return Object.entries(node)
      .filter(([k]) => !(path === "" && META_ATTRIBUTES.has(k)) && k !== "dynamic")
      .flatMap(([k, v]) => unknownsAt(v, rest, mode, join(path, k)))
      .concat(
        isObject(node.dynamic)
          ? Object.keys(node.dynamic).map((k) => ({
              path: join(path, `dynamic.${k}`),
              value: node.dynamic,
              expression: `dynamic "${k}" block`,
            }))
          : [],
      );
  }
  if (isObject(node.dynamic) && node.dynamic[head] !== undefined) {
    return [{ path: join(path, `dynamic.${head}`), value: node.dynamic[head], expression: `dynamic "${head}" block` }];
  }
  return node[head] === undefined ? [] : unknownsAt(node[head], rest, mode, join(path, head));
}

/** Arguments of data.aws_iam_policy_document that add statements the checker does not render. */
const UNRENDERED = ["source_policy_documents", "override_policy_documents", "source_json", "override_json"];

/** Problems the checker reports as such (invalid literals), not as unknown values. */
const LITERAL_PROBLEMS = new Set(["is not valid JSON", "the value is not a JSON document"]);

function documentUnknowns(template: Template, doc: PolicyDocumentRef, raw: unknown): UnknownValue[] {
  if (doc.document === undefined) {
    if (doc.problem !== undefined && LITERAL_PROBLEMS.has(doc.problem)) return [];
    const expression = typeof raw === "string" ? (expressionsIn(raw)[0] ?? raw) : String(raw);
    return [
      { path: doc.attribute, value: raw, expression: `${expression} (${doc.problem ?? "not a literal document"})` },
    ];
  }
  const out: UnknownValue[] = [];
  const source =
    doc.via === undefined
      ? doc.resource.type === "aws_iam_policy_document"
        ? doc.resource
        : undefined
      : template.byAddress.get(doc.via);
  if (source !== undefined) {
    const values: JsonObject = source.values;
    const where = source.address === doc.address ? doc.attribute : `${doc.attribute} (${source.address})`;
    for (const key of UNRENDERED)
      if (values[key] !== undefined)
        out.push({ path: where, value: values[key], expression: `${key} (statements merged in by Terraform)` });
    for (const u of unknownsAt(values, ["*"], "reference", "")) out.push({ ...u, path: `${where}: ${u.path}` });
  } else {
    const expression = unevaluableExpression(doc.document, "reference");
    if (expression !== undefined) out.push({ path: doc.attribute, value: raw, expression });
  }
  return out;
}

function matchesType(pattern: string, type: string): boolean {
  return pattern.endsWith("*") ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/** Unknown values of one declared read, by block address. */
export function unknownReads(
  template: Template,
  read: ValueRead,
  docs?: readonly PolicyDocumentRef[],
): Array<{ address: string; unknown: UnknownValue }> {
  const out: Array<{ address: string; unknown: UnknownValue }> = [];
  if (read.type.startsWith("provider.")) {
    for (const p of template.providers) {
      if (!matchesType(read.type.slice("provider.".length), p.type) || read.as === "document") continue;
      for (const unknown of unknownsAt(p.values, read.attribute.split("."), read.as, ""))
        out.push({ address: p.address, unknown });
    }
    return out;
  }
  if (read.type === "output") {
    if (read.as === "document") return out;
    for (const o of template.outputs)
      for (const unknown of unknownsAt(o.values, read.attribute.split("."), read.as, ""))
        out.push({ address: o.address, unknown });
    return out;
  }
  const data = read.type.startsWith("data.");
  const type = data ? read.type.slice("data.".length) : read.type;
  const blocks = template.resources.filter((r) => (r.mode === "data") === data && matchesType(type, r.type));
  if (read.as === "document") {
    const all = docs ?? policyDocuments(template);
    for (const r of blocks) {
      for (const doc of all) {
        if (doc.address !== r.address || doc.attribute.replace(/\[\d+\]/g, "") !== read.attribute) continue;
        const raw = read.attribute === "json" ? r.values : lookup(r.values, doc.attribute);
        for (const unknown of documentUnknowns(template, doc, raw)) out.push({ address: r.address, unknown });
      }
    }
    return out;
  }
  for (const r of blocks) {
    for (const unknown of unknownsAt(r.values, read.attribute.split("."), read.as, ""))
      out.push({ address: r.address, unknown });
  }
  return out;
}

/** `inline_policy[0].policy` of a block's values. */
function lookup(values: JsonObject, path: string): unknown {
  let node: unknown = values;
  for (const part of path.split(".")) {
    const m = /^([^[]+)(?:\[(\d+)\])?$/.exec(part);
    if (m === null || !isObject(node)) return undefined;
    node = node[m[1] ?? ""];
    if (m[2] !== undefined) node = Array.isArray(node) ? node[Number(m[2])] : Number(m[2]) === 0 ? node : undefined;
  }
  return node;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

const HOW: Readonly<Record<ReadMode, string>> = {
  literal: "is not a literal",
  reference: "is neither a literal nor computed from resources and data sources of the configuration",
  document: "is not a policy document the checker can read",
};

/** The finding for an unknown value: which attribute, which expression, what would pass. */
export function unknownDetail(read: ValueRead, unknown: UnknownValue): string {
  return `${unknown.path} ${show(unknown.value)} could not be evaluated: ${unknown.expression} ${HOW[read.as]}; what passes: ${read.passes}`;
}

/**
 * A rule's result with its declared reads that cannot be evaluated added as violations. A block the
 * rule already reports keeps one violation: the unknown value is appended to it, unless the rule
 * already says it could not evaluate that value.
 */
export function withUnknownReads(reads: readonly ValueRead[], template: Template, result: RuleResult): RuleResult {
  if (reads.length === 0) return result;
  const violations: Violation[] = result.kind === "NonCompliant" ? [...result.violations] : [];
  const before = violations.length;
  const docs = reads.some((r) => r.as === "document") ? policyDocuments(template) : undefined;
  const seen = new Set<string>();
  for (const read of reads) {
    for (const { address, unknown } of unknownReads(template, read, docs)) {
      const detail = unknownDetail(read, unknown);
      const key = `${address} ${unknown.path} ${unknown.expression}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const i = violations.findIndex((v) => v.address === address && v.acceptedBecause === undefined);
      const existing = violations[i];
      if (existing === undefined) violations.push({ address, detail });
      else if (!(i < before && alreadySaid(existing.detail, unknown)))
        violations[i] = { address, detail: `${existing.detail}; ${detail}` };
    }
  }
  return violations.length === 0 ? result : { kind: "NonCompliant", violations };
}

/** Whether a rule's own finding already says that this value could not be evaluated. */
function alreadySaid(detail: string, unknown: UnknownValue): boolean {
  return (
    /could not be evaluated|cannot be verified|not a literal/.test(detail) &&
    (typeof unknown.value !== "string" || detail.includes(unknown.value) || detail.includes(unknown.expression))
  );
}

/** Document reads for the policies of some kinds (policy-documents.ts POLICY_SOURCES). */
export function policyReads(passes: string, ...kinds: PolicyKind[]): ValueRead[] {
  const reads: ValueRead[] = POLICY_SOURCES.filter(([, , kind]) => kinds.includes(kind)).map(([type, attribute]) => ({
    type,
    attribute,
    as: "document",
    passes,
  }));
  if (kinds.includes("identity"))
    reads.push({ type: "aws_iam_role", attribute: "inline_policy.policy", as: "document", passes });
  if (kinds.includes("document"))
    reads.push({ type: "data.aws_iam_policy_document", attribute: "json", as: "document", passes });
  return reads;
}

/** What passes for a policy document. */
export const LITERAL_POLICY =
  "a literal JSON policy (references to blocks of this configuration inside it are fine) or a reference to a data.aws_iam_policy_document of this configuration";
