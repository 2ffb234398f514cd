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
import { crossPartitionExceptions } from "./egress";
import { SIGNING_MATERIAL_EXCEPTION } from "./exception-names";
import { policyDocuments } from "./policy-documents";
import { resolveReference } from "./references";
import { exceptionTag, secretBasics, secretReaders } from "./secret-exceptions";
import { resourcesOfType, type Template } from "./template";

export { SIGNING_MATERIAL_EXCEPTION };

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
    (s) => exceptionTag(s) === SIGNING_MATERIAL_EXCEPTION,
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
    const { why, justification } = secretBasics(template, secret);
    if (anchors.length === 0) why.push("the stack has no Roles Anywhere trust anchor for its certificate");
    const readers = secretReaders(template, secret, documents);
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
