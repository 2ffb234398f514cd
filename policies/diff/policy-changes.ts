/**
 * Policy documents of one block, base against head, through the same extraction as the guardrails
 * and the review files (core/policy-documents.ts): identity, trust, bucket, key and other resource
 * policies, literal JSON or rendered from `data.aws_iam_policy_document`.
 */
import { compareStrings, type JsonObject, stableJson } from "../core/json";
import { type PolicyDocumentRef, policyDocuments } from "../core/policy-documents";
import type { Template } from "../core/template";
import { diffStatements, normalizeStatement, statementsOfDocument } from "./statements";
import type { PolicyChange } from "./types";

/** Policy documents of a configuration by holding address; data documents used elsewhere are shown where used. */
export function documentsByAddress(template: Template | undefined): Map<string, PolicyDocumentRef[]> {
  const out = new Map<string, PolicyDocumentRef[]>();
  if (template === undefined) return out;
  const docs = policyDocuments(template);
  const used = new Set(docs.map((d) => d.via).filter((v): v is string => v !== undefined));
  for (const d of docs) {
    if (d.kind === "document" && used.has(d.address)) continue;
    out.set(d.address, [...(out.get(d.address) ?? []), d]);
  }
  return out;
}

function rawValue(ref: PolicyDocumentRef): unknown {
  const top = ref.attribute.split(/[[.]/)[0] ?? ref.attribute;
  return ref.resource.values[top];
}

/** A document with its statements normalized and sorted: equal when only order or formatting differ. */
function canonical(document: JsonObject | undefined): string {
  if (document === undefined) return "";
  const statements = statementsOfDocument(document)
    .map((s) => stableJson(normalizeStatement(s)))
    .sort(compareStrings);
  return stableJson({ ...document, Statement: statements });
}

function newAllowLabels(statements: readonly JsonObject[]): string[] {
  return statements.flatMap((s, i) =>
    s.Effect === "Allow" ? [typeof s.Sid === "string" && s.Sid !== "" ? `"${s.Sid}"` : `statement ${i + 1}`] : [],
  );
}

export interface PolicyCompareOptions {
  /** Judge removed Deny statements as widening (false for a destroyed block whose policy goes with it). @default true */
  readonly denyRemovalWidens?: boolean;
}

/** The policy changes between the documents of a block in base and head (either may be absent). */
export function policyChanges(
  before: readonly PolicyDocumentRef[],
  after: readonly PolicyDocumentRef[],
  options: PolicyCompareOptions = {},
): PolicyChange[] {
  const attributes = [...new Set([...before, ...after].map((d) => d.attribute))].sort(compareStrings);
  const out: PolicyChange[] = [];
  for (const attribute of attributes) {
    const b = before.find((d) => d.attribute === attribute);
    const a = after.find((d) => d.attribute === attribute);
    const kind = (a ?? b)?.kind ?? "resource";
    const problem =
      (b !== undefined && b.document === undefined ? b.problem : undefined) ??
      (a !== undefined && a.document === undefined ? a.problem : undefined);
    if (problem !== undefined) {
      if (JSON.stringify(b && rawValue(b)) === JSON.stringify(a && rawValue(a))) continue;
      const d = diffStatements(statementsOfDocument(b?.document), statementsOfDocument(a?.document));
      out.push({ attribute, kind, added: d.added, removed: d.removed, widening: [], unreadable: problem });
      continue;
    }
    if (canonical(b?.document) === canonical(a?.document)) continue;
    const d = diffStatements(statementsOfDocument(b?.document), statementsOfDocument(a?.document));
    let widening =
      options.denyRemovalWidens === false ? d.widening.filter((w) => !/^(removed Deny|Deny )/.test(w)) : d.widening;
    // A new document grants everything it allows: one line names its Allow statements (listed in full with the block).
    if (b === undefined && widening.length > 0)
      widening = [`new policy with ${widening.length} Allow statement(s): ${newAllowLabels(d.added).join(", ")}`];
    out.push({ attribute, kind, added: d.added, removed: d.removed, widening });
  }
  return out;
}
