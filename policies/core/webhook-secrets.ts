/**
 * The named exception `webhook-shared-secret` of rule SIP-SM-2 (secret rotation): a tenant's webhook
 * signing secret. It is shared with the tenant's receiver, which must install every new value, so a
 * rotation function cannot replace it on a schedule; it is rotated by an operator with the tenant
 * (both values in the secret while the receiver switches: every delivery is signed with each, see
 * functions/webhooks/README.md). Recognised by structure:
 *
 * - the secret is tagged `sip:exception = webhook-shared-secret` with a `sip:justification`, is
 *   encrypted with a customer-managed key of the stack, Terraform never holds its value and no
 *   resource policy opens it (secret-exceptions.ts);
 * - every role that could read it is the role of a function that is the verified named exception
 *   `egress-workload` (egress.ts: it runs only behind the firewall's allowlist) and whose
 *   `WEBHOOK_SECRET_PREFIX` is the start of the secret's name: the webhook sender, nothing else.
 */
import { egressWorkloads } from "./egress";
import { WEBHOOK_SECRET_EXCEPTION } from "./exception-names";
import { firstBlock, isObject, literalString } from "./json";
import { policyDocuments } from "./policy-documents";
import { resolveReference } from "./references";
import { exceptionTag, secretBasics, secretReaders } from "./secret-exceptions";
import { resourcesOfType, type Template } from "./template";

export { WEBHOOK_SECRET_EXCEPTION };

/** Secrets accepted as the named exception, with the reason; `problems` says why a claim does not hold. */
export function webhookSecretExceptions(template: Template): {
  accepted: Map<string, string>;
  problems: Map<string, string>;
} {
  const accepted = new Map<string, string>();
  const problems = new Map<string, string>();
  const claimed = resourcesOfType(template, "aws_secretsmanager_secret").filter(
    (s) => exceptionTag(s) === WEBHOOK_SECRET_EXCEPTION,
  );
  if (claimed.length === 0) return { accepted, problems };
  const workloads = egressWorkloads(template);
  /** Role address → the secret name prefix its (verified) sender function reads. */
  const senders = new Map<string, string>();
  for (const fn of resourcesOfType(template, "aws_lambda_function")) {
    if (!workloads.has(fn.address)) continue;
    const env = firstBlock(fn.values.environment)?.variables;
    const prefix = isObject(env) ? literalString(env.WEBHOOK_SECRET_PREFIX) : undefined;
    const role = resolveReference(template, fn.values.role)?.resource.address;
    if (prefix !== undefined && role !== undefined) senders.set(role, prefix);
  }
  const documents = policyDocuments(template).filter((d) => d.kind === "identity" && d.document !== undefined);
  for (const secret of claimed) {
    const { why, justification } = secretBasics(template, secret);
    const name = literalString(secret.values.name) ?? "";
    const readers = secretReaders(template, secret, documents);
    const others = [...readers].filter((r) => !name.startsWith(senders.get(r) ?? "\u0000")).sort();
    if (readers.size === 0) why.push("no verified webhook sender reads it");
    if (others.length > 0)
      why.push(
        `it can be read by ${others.join(", ")}, which is not the role of a verified egress-workload function whose WEBHOOK_SECRET_PREFIX starts its name`,
      );
    if (why.length > 0) {
      problems.set(secret.address, why.join("; "));
      continue;
    }
    accepted.set(
      secret.address,
      `named exception ${WEBHOOK_SECRET_EXCEPTION} (shared with the tenant's receiver, rotated with the tenant; CMK-encrypted, never in Terraform state, read only by ${[...readers].sort().join(", ")}): ${justification}`,
    );
  }
  return { accepted, problems };
}
