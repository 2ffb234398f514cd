/**
 * What the named exceptions of rule SIP-SM-2 (secret rotation) have in common: a secret tagged
 * `sip:exception` with a `sip:justification`, encrypted with a customer-managed key of the stack,
 * whose value Terraform never holds and no resource policy opens, read only by the roles the
 * exception names. signing-material.ts (Roles Anywhere leaf certificates) and webhook-secrets.ts
 * (tenants' webhook secrets) say which readers they admit.
 */
import { isObject, literalString } from "./json";
import { coversAction, globToRegExp, type PolicyDocumentRef, statementsOf } from "./policy-documents";
import { referencesIn, refersTo, resolveReference } from "./references";
import { resourcesOfType, type Template, type TfResource } from "./template";

const READS = ["secretsmanager:GetSecretValue"];

/** The block's `sip:exception` tag. */
export function exceptionTag(r: TfResource): string | undefined {
  return tagOf(r, "sip:exception");
}

export function tagOf(r: TfResource, key: string): string | undefined {
  return isObject(r.values.tags) ? literalString(r.values.tags[key]) : undefined;
}

/** Whether a statement's Resource could name the secret: a reference to it, or a literal pattern that is not another block. */
function couldName(resources: readonly string[], secret: TfResource): boolean {
  return resources.some((r) => {
    const refs = referencesIn(r);
    if (refs.length > 0) return refs.some((ref) => ref.address === secret.address);
    const name = literalString(secret.values.name);
    return (
      r === "*" ||
      (name !== undefined &&
        /^arn:[^:]+:secretsmanager:/.test(r) &&
        globToRegExp(r.replace(/^arn:[^:]+:secretsmanager:[^:]*:[^:]*:secret:/, "")).test(`${name}-XXXXXX`))
    );
  });
}

/** The role address an identity policy document belongs to (`aws_iam_role_policy.role`, attachments, inline policies). */
function roleOf(template: Template, policy: TfResource): string | undefined {
  if (policy.type === "aws_iam_role") return policy.address;
  const role = resolveReference(template, policy.values.role)?.resource;
  return role?.type === "aws_iam_role" ? role.address : undefined;
}

/** Why the secret falls short of every such exception (justification, key, state, resource policy), and its justification. */
export function secretBasics(template: Template, secret: TfResource): { why: string[]; justification: string } {
  const why: string[] = [];
  const justification = tagOf(secret, "sip:justification")?.trim() ?? "";
  if (justification.length < 10) why.push("it has no sip:justification tag of at least 10 characters");
  const key = resolveReference(template, secret.values.kms_key_id)?.resource;
  if (key?.type !== "aws_kms_key") why.push("kms_key_id is not a customer-managed key of this stack");
  const versions = resourcesOfType(template, "aws_secretsmanager_secret_version").filter((v) =>
    refersTo(v.values.secret_id, secret.address),
  );
  if (versions.length > 0) why.push(`Terraform holds its value (${versions.map((v) => v.address).join(", ")})`);
  const opened = resourcesOfType(template, "aws_secretsmanager_secret_policy").filter((p) =>
    refersTo(p.values.secret_arn, secret.address),
  );
  if (opened.length > 0) why.push(`a resource policy opens it (${opened.map((p) => p.address).join(", ")})`);
  return { why, justification };
}

/** The roles (addresses) whose identity policies could read the secret's value. */
export function secretReaders(
  template: Template,
  secret: TfResource,
  documents: readonly PolicyDocumentRef[],
): Set<string> {
  const readers = new Set<string>();
  for (const d of documents) {
    const reads = statementsOf(d.document ?? {}).some(
      (s) =>
        s.effect === "Allow" &&
        (READS.some((a) => coversAction(s.actions, a)) || s.notActions.length > 0) &&
        couldName(s.resources.length > 0 ? s.resources : ["*"], secret),
    );
    if (reads) readers.add(roleOf(template, d.resource) ?? d.address);
  }
  return readers;
}
