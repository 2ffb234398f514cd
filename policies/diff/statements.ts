/**
 * Statement-level comparison of two versions of one policy document, and whether the change widens
 * access. A statement is compared in a normalized form (single values as lists, lists sorted, keys
 * sorted), so reordering is not a change.
 *
 * Widening, judged conservatively on the literal documents:
 * - an Allow of the head that no Allow of the base covers: a new Allow statement, or one with a new
 *   action, resource or principal, or with a condition removed or loosened (more values);
 * - a Deny of the base that no Deny of the head covers: a removed Deny statement, or one that lost
 *   an action, resource or principal, or gained a condition (a Deny applies less often then).
 * One statement covers another when it has the same effect, its actions, resources and principals
 * include the other's (wildcards match), any NotAction/NotResource/NotPrincipal lists are equal, and
 * every condition of the covering statement is also on the covered one with no more values.
 */
import { asArray, compareStrings, isObject, type JsonObject, sortKeys, strings } from "../core/json";
import { globToRegExp } from "../core/policy-documents";

interface Grant {
  readonly sid: string | undefined;
  readonly effect: string;
  readonly principals: readonly string[];
  readonly notPrincipals: readonly string[] | undefined;
  readonly actions: readonly string[];
  readonly notActions: readonly string[] | undefined;
  readonly resources: readonly string[];
  readonly notResources: readonly string[] | undefined;
  /** `operator key` -> values. */
  readonly conditions: ReadonlyMap<string, readonly string[]>;
  readonly normalized: JsonObject;
  readonly key: string;
}

const sorted = (values: readonly string[]) => [...new Set(values)].sort(compareStrings);

/** `"*"`, `{AWS: "x"}` -> `["*"]`, `["AWS:x"]`. */
function principalList(value: unknown): string[] {
  if (value === undefined) return [];
  if (value === "*") return ["*"];
  if (!isObject(value)) return strings(value).map((v) => `AWS:${v}`);
  return Object.entries(value).flatMap(([type, ids]) =>
    strings(ids).map((id) => (type === "AWS" && id === "*" ? "*" : `${type}:${id}`)),
  );
}

function normalizePrincipal(value: unknown): unknown {
  if (value === undefined || value === "*") return value;
  if (!isObject(value)) return sorted(strings(value));
  const out: JsonObject = {};
  for (const [type, ids] of Object.entries(value)) out[type] = sorted(strings(ids));
  return out;
}

function normalizeCondition(value: unknown): unknown {
  if (!isObject(value)) return value;
  const out: JsonObject = {};
  for (const [operator, byKey] of Object.entries(value)) {
    if (!isObject(byKey)) {
      out[operator] = byKey;
      continue;
    }
    const keys: JsonObject = {};
    for (const [key, values] of Object.entries(byKey)) keys[key] = sorted(asArray(values).map(String));
    out[operator] = keys;
  }
  return out;
}

/** A statement with single values as lists and every list sorted; other fields as they are. */
export function normalizeStatement(raw: JsonObject): JsonObject {
  const out: JsonObject = { ...raw };
  for (const field of ["Action", "NotAction", "Resource", "NotResource"]) {
    if (raw[field] !== undefined) out[field] = sorted(strings(raw[field]));
  }
  for (const field of ["Principal", "NotPrincipal"]) {
    if (raw[field] !== undefined) out[field] = normalizePrincipal(raw[field]);
  }
  if (raw.Condition !== undefined) out.Condition = normalizeCondition(raw.Condition);
  return sortKeys(out) as JsonObject;
}

function grantOf(raw: JsonObject): Grant {
  const normalized = normalizeStatement(raw);
  const conditions = new Map<string, string[]>();
  if (isObject(raw.Condition)) {
    for (const [operator, byKey] of Object.entries(raw.Condition)) {
      if (!isObject(byKey)) continue;
      for (const [key, values] of Object.entries(byKey))
        conditions.set(`${operator} ${key}`, sorted(asArray(values).map(String)));
    }
  }
  const optional = (field: string) =>
    raw[field] === undefined
      ? undefined
      : sorted(field.endsWith("Principal") ? principalList(raw[field]) : strings(raw[field]));
  return {
    sid: typeof raw.Sid === "string" && raw.Sid !== "" ? raw.Sid : undefined,
    effect: typeof raw.Effect === "string" ? raw.Effect : "",
    principals: sorted(principalList(raw.Principal)),
    notPrincipals: optional("NotPrincipal"),
    actions: sorted(strings(raw.Action)),
    notActions: optional("NotAction"),
    resources: sorted(strings(raw.Resource)),
    notResources: optional("NotResource"),
    conditions,
    normalized,
    key: JSON.stringify(normalized),
  };
}

export function statementsOfDocument(document: JsonObject | undefined): JsonObject[] {
  return asArray(document?.Statement).filter(isObject);
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  JSON.stringify(a) === JSON.stringify(b);

/** The values of `narrow` that no pattern of `broad` matches (`*` and `?` are wildcards). */
function uncovered(broad: readonly string[], narrow: readonly string[]): string[] {
  const patterns = broad.map(globToRegExp);
  return narrow.filter((v) => !patterns.some((p) => p.test(v)));
}

function uncoveredPrincipals(broad: readonly string[], narrow: readonly string[]): string[] {
  if (broad.includes("*")) return [];
  return narrow.filter((p) => !broad.includes(p));
}

/**
 * Conditions of `broad` that `narrow` lacks or has with more values: `broad` is tighter there. Worded
 * for the change from base to head: `allow` compares a base Allow (broad) with a head Allow, `deny`
 * a head Deny (broad) with a base Deny.
 */
function looserConditions(broad: Grant, narrow: Grant, direction: Direction): string[] {
  const out: string[] = [];
  for (const [key, values] of broad.conditions) {
    const other = narrow.conditions.get(key);
    if (other === undefined) out.push(direction === "allow" ? `condition ${key} removed` : `condition ${key} added`);
    else {
      const extra = other.filter((v) => !values.includes(v));
      if (extra.length > 0)
        out.push(
          direction === "allow"
            ? `condition ${key} also accepts ${extra.join(", ")}`
            : `condition ${key} no longer matches ${extra.join(", ")}`,
        );
    }
  }
  return out;
}

type Direction = "allow" | "deny";

/** What `narrow` grants (or denies) beyond `broad`; empty when `broad` covers it. */
function excess(broad: Grant, narrow: Grant, direction: Direction): string[] {
  if (broad.effect !== narrow.effect) return [`effect ${narrow.effect}`];
  const out: string[] = [];
  if (!sameList(broad.notActions, narrow.notActions)) out.push("NotAction changed");
  if (!sameList(broad.notResources, narrow.notResources)) out.push("NotResource changed");
  if (!sameList(broad.notPrincipals, narrow.notPrincipals)) out.push("NotPrincipal changed");
  const verb = direction === "allow" ? "adds" : "drops";
  const actions = uncovered(broad.actions, narrow.actions);
  if (actions.length > 0) out.push(`${verb} action ${actions.join(", ")}`);
  const resources = uncovered(broad.resources, narrow.resources);
  if (resources.length > 0) out.push(`${verb} resource ${resources.join(", ")}`);
  const principals = uncoveredPrincipals(broad.principals, narrow.principals);
  if (principals.length > 0) out.push(`${verb} principal ${principals.join(", ")}`);
  out.push(...looserConditions(broad, narrow, direction));
  return out;
}

function label(g: Grant, index: number): string {
  return g.sid ? `"${g.sid}"` : `${index + 1}`;
}

function summary(g: Grant): string {
  const list = (values: readonly string[] | undefined) => (values && values.length > 0 ? values.join(", ") : "-");
  const actions = g.notActions ? `all but ${list(g.notActions)}` : list(g.actions);
  const resources = g.notResources
    ? ` on all but ${list(g.notResources)}`
    : g.resources.length > 0
      ? ` on ${list(g.resources)}`
      : "";
  const principals = g.principals.length > 0 ? ` to ${g.principals.join(", ")}` : "";
  return `${actions}${resources}${principals}${g.conditions.size > 0 ? ` if ${[...g.conditions.keys()].join(", ")}` : ""}`;
}

export interface StatementDiff {
  readonly added: readonly JsonObject[];
  readonly removed: readonly JsonObject[];
  readonly widening: readonly string[];
}

/** Added and removed statements (by normalized form) and how the change widens access. */
export function diffStatements(base: readonly JsonObject[], head: readonly JsonObject[]): StatementDiff {
  const before = base.map(grantOf);
  const after = head.map(grantOf);
  const beforeKeys = new Set(before.map((g) => g.key));
  const afterKeys = new Set(after.map((g) => g.key));
  const added = after.filter((g) => !beforeKeys.has(g.key));
  const removed = before.filter((g) => !afterKeys.has(g.key));
  const widening: string[] = [];
  // An Allow of the head that no Allow of the base covers grants something new.
  after.forEach((g, i) => {
    if (g.effect !== "Allow" || beforeKeys.has(g.key)) return;
    const allows = before.filter((b) => b.effect === "Allow");
    if (allows.some((b) => excess(b, g, "allow").length === 0)) return;
    const counterpart = g.sid ? allows.find((b) => b.sid === g.sid) : undefined;
    widening.push(
      counterpart
        ? `Allow ${label(g, i)} widens: ${excess(counterpart, g, "allow").join("; ")}`
        : `new Allow statement ${label(g, i)}: ${summary(g)}`,
    );
  });
  // A Deny of the base that no Deny of the head covers no longer denies something.
  before.forEach((g, i) => {
    if (g.effect !== "Deny" || afterKeys.has(g.key)) return;
    const denies = after.filter((h) => h.effect === "Deny");
    if (denies.some((h) => excess(h, g, "deny").length === 0)) return;
    const counterpart = g.sid ? denies.find((h) => h.sid === g.sid) : undefined;
    widening.push(
      counterpart
        ? `Deny ${label(g, i)} narrows: ${excess(counterpart, g, "deny").join("; ")}`
        : `removed Deny statement ${label(g, i)}: ${summary(g)}`,
    );
  });
  return { added: added.map((g) => g.normalized), removed: removed.map((g) => g.normalized), widening };
}
