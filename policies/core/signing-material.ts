/**
 * The named exception `roles-anywhere-signing-material` of rule SIP-SM-2 (secret rotation): the
 * secret that holds a workload's IAM Roles Anywhere leaf certificate and key. Secrets Manager cannot
 * rotate it (a new leaf needs the platform CA, whose key never enters the cloud account); it is
 * renewed by certificate issuance (`certs renew-leaf` and the store step, docs/cross-partition.md),
 * and the leaf's short validity bounds a leaked copy instead. Recognised by structure, like the
 * controlled egress path:
 *
 * - the secret is tagged `sip:exception = roles-anywhere-signing-material` with a `sip:justification`;
 * - it is encrypted with a customer-managed key of the stack;
 * - Terraform never holds its value (no aws_secretsmanager_secret_version for it) and no resource
 *   policy opens it;
 * - every identity policy that could read it belongs to the role of a function that is itself the
 *   verified cross-partition exception (egress.ts `crossPartitionExceptions`), and the stack has the
 *   Roles Anywhere trust anchor those certificates are for.
 *
 * Anything else leaves the finding open.
 */
import { isObject, literalString } from "./json";
import { crossPartitionExceptions } from "./egress";
import { SIGNING_MATERIAL_EXCEPTION } from "./exception-names";

export { SIGNING_MATERIAL_EXCEPTION };
import { coversAction, globToRegExp, policyDocuments, statementsOf } from "./policy-documents";
import { referencesIn, refersTo, resolveReference } from "./references";
import { resourcesOfType, type Template, type TfResource } from "./template";

const READS = ["secretsmanager:GetSecretValue"];

function tag(r: TfResource, key: string): string | undefined {
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

/**
 * Secrets accepted as the named exception, with the reason; `problems` says, for each secret that
 * claims the exception, why it is not accepted.
 */
export function signingMaterialExceptions(template: Template): {
  accepted: Map<string, string>;
  problems: Map<string, string>;
} {
  const accepted = new Map<string, string>();
  const problems = new Map<string, string>();
  const claimed = resourcesOfType(template, "aws_secretsmanager_secret").filter(
    (s) => tag(s, "sip:exception") === SIGNING_MATERIAL_EXCEPTION,
  );
  if (claimed.length === 0) return { accepted, problems };
  const crossing = crossPartitionExceptions(template);
  const syncRoles = new Set(
    resourcesOfType(template, "aws_lambda_function")
      .filter((fn) => crossing.has(fn.address))
      .map((fn) => resolveReference(template, fn.values.role)?.resource.address)
      .filter((a): a is string => a !== undefined),
  );
  const anchors = resourcesOfType(template, "aws_rolesanywhere_trust_anchor");
  const documents = policyDocuments(template).filter((d) => d.kind === "identity" && d.document !== undefined);
  for (const secret of claimed) {
    const why: string[] = [];
    const justification = tag(secret, "sip:justification")?.trim() ?? "";
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
    if (anchors.length === 0) why.push("the stack has no Roles Anywhere trust anchor for its certificate");
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
    const others = [...readers].filter((r) => !syncRoles.has(r)).sort();
    if (readers.size === 0) why.push("no verified cross-partition function reads it");
    if (others.length > 0)
      why.push(`it can be read by ${others.join(", ")}, which is not the role of a verified cross-partition function`);
    if (why.length > 0) {
      problems.set(secret.address, why.join("; "));
      continue;
    }
    accepted.set(
      secret.address,
      `named exception ${SIGNING_MATERIAL_EXCEPTION} (renewed by certificate issuance, the CA key outside the account; CMK-encrypted, never in Terraform state, read only by ${[...readers].sort().join(", ")}): ${justification}`,
    );
  }
  return { accepted, problems };
}
