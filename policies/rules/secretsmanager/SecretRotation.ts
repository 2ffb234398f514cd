import { blocks } from "../../core/json";
import { refersTo } from "../../core/references";
import { SIGNING_MATERIAL_EXCEPTION, signingMaterialExceptions } from "../../core/signing-material";
import { mayBeAbsent, resourcesOfType } from "../../core/template";
import { WEBHOOK_SECRET_EXCEPTION, webhookSecretExceptions } from "../../core/webhook-secrets";
import { defineRule, type Violation, verdict } from "../../core/types";

export const SecretRotation = defineRule({
  id: "SIP-SM-2",
  name: "SecretRotation",
  service: "secretsmanager",
  severity: "error",
  suppressible: true,
  info: "The secret has no automatic rotation.",
  explanation:
    "A secret that never changes stays valid for whoever copied it once. Scheduled rotation bounds the time a leaked secret is useful.",
  fix: "Add aws_secretsmanager_secret_rotation with secret_id = the secret and rotation_rules (automatically_after_days or schedule_expression); suppress with a reason for secrets that cannot rotate (e.g. issued by a third party). The platform's Roles Anywhere signing material is the named exception roles-anywhere-signing-material (renewed by certificate issuance): accepted when tagged so, CMK-encrypted, never in Terraform state, without a resource policy, and readable only by the verified cross-partition functions. A tenant's webhook secret (shared with the tenant's receiver, rotated with the tenant) is the named exception webhook-shared-secret: accepted when tagged so, CMK-encrypted, never in Terraform state, without a resource policy, and readable only by the verified egress-workload function whose WEBHOOK_SECRET_PREFIX starts its name.",
  anchors: {
    checkov: ["CKV2_AWS_57"],
    cdkNag: ["AwsSolutions-SMG4", "NIST.800.53.R5-SecretsManagerRotationEnabled"],
  },
  reads: [
    {
      type: "aws_secretsmanager_secret_rotation",
      attribute: "secret_id",
      as: "reference",
      passes: "a reference to an aws_secretsmanager_secret of this configuration",
    },
  ],
  evaluate({ template }) {
    const secrets = resourcesOfType(template, "aws_secretsmanager_secret");
    // A rotation Terraform may not create (count = 0, for_each = {}) rotates nothing (issue 15).
    const rotations = resourcesOfType(template, "aws_secretsmanager_secret_rotation").filter((r) => !mayBeAbsent(r));
    const signing = signingMaterialExceptions(template);
    const webhooks = webhookSecretExceptions(template);
    const accepted = new Map([...signing.accepted, ...webhooks.accepted]);
    const problems = new Map([
      ...[...signing.problems].map(
        ([a, p]) => [a, `${SIGNING_MATERIAL_EXCEPTION}, which does not hold: ${p}`] as const,
      ),
      ...[...webhooks.problems].map(([a, p]) => [a, `${WEBHOOK_SECRET_EXCEPTION}, which does not hold: ${p}`] as const),
    ]);
    const violations: Violation[] = secrets
      .filter(
        (s) =>
          !rotations.some((r) => refersTo(r.values.secret_id, s.address) && blocks(r.values.rotation_rules).length > 0),
      )
      .map((s) => {
        const detail = "no aws_secretsmanager_secret_rotation with rotation_rules refers to this secret";
        const reason = accepted.get(s.address);
        if (reason !== undefined) return { address: s.address, detail, acceptedBecause: reason };
        const problem = problems.get(s.address);
        return {
          address: s.address,
          detail: problem === undefined ? detail : `${detail}; it claims the named exception ${problem}`,
        };
      });
    return verdict(secrets.length, violations);
  },
});
