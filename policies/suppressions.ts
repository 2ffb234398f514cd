/**
 * Suppressions: `{ruleId, address, reason}` entries that silence one rule for one block. They are
 * an input of the checker (today `--suppressions FILE`; later the deployment configuration's
 * `suppressions` field, validated with `suppressionsSchema`). A suppression without a reason, an
 * unused one, one for an unknown rule and one for a rule that may not be suppressed are errors.
 */
import { z } from "zod";
import type { RuleMeta } from "./core/types";

const RULE_ID = /^SIP-[A-Z0-9]+-\d+$/;

const base = {
  /** The rule to silence, e.g. "SIP-VPC-3". */
  ruleId: z.string().regex(RULE_ID, {
    error: (i) =>
      `ruleId ${JSON.stringify(i.input)} is not a rule ID. Fix: use an ID from policies/RULES.md, e.g. "SIP-VPC-3"`,
  }),
  /** The Terraform address it applies to, e.g. "aws_route.sync-egress_default-route". */
  address: z.string().min(1, { error: "address must not be empty. Fix: use the resource address the finding names" }),
  /** Only in this stack (environment); default: every stack. */
  stack: z.string().min(1).optional(),
};

/** One suppression, as the deployment configuration must state it (a reason is required). */
export const suppressionSchema = z.strictObject({
  ...base,
  /** Why the finding is accepted: the design decision, ticket or risk acceptance. */
  reason: z
    .string()
    .trim()
    .min(1, { error: "reason must not be empty. Fix: say why this finding is accepted (design reference, ticket)" }),
});

/** The list for the deployment configuration's `suppressions` field. */
export const suppressionsSchema = z.array(suppressionSchema);

export type Suppression = z.infer<typeof suppressionSchema>;

/**
 * What the checker accepts: like `suppressionSchema`, but a missing or empty reason is reported by
 * the checker as a finding (SIP-SUP-2) rather than rejected while reading.
 */
export const suppressionInputSchema = z.strictObject({ ...base, reason: z.string().optional() });
export type SuppressionInput = z.infer<typeof suppressionInputSchema>;

/** A suppressions file: a list, or an object with a `suppressions` list. */
export const suppressionsFileSchema = z.union([
  z.array(suppressionInputSchema),
  z.strictObject({ suppressions: z.array(suppressionInputSchema) }),
]);

/** The checker's own rules about suppressions (they are never suppressible). */
export const SUPPRESSION_RULES: readonly RuleMeta[] = [
  {
    id: "SIP-SUP-1",
    name: "SuppressionUnused",
    service: "suppressions",
    severity: "error",
    suppressible: false,
    info: "A suppression matches no finding.",
    explanation:
      "A suppression that matches nothing is either stale (the finding was fixed) or misspelt (and the finding it was meant for is still reported); either way it hides intent and may silence a future finding nobody reviewed.",
    fix: "Remove the suppression, or correct its ruleId, address or stack to the finding it is meant for.",
    anchors: {},
  },
  {
    id: "SIP-SUP-2",
    name: "SuppressionWithoutReason",
    service: "suppressions",
    severity: "error",
    suppressible: false,
    info: "A suppression has no reason; it is not applied.",
    explanation:
      "Every accepted finding must say why it is accepted, so that reviewers and auditors can judge it and revisit it when the reason no longer holds.",
    fix: "Add a reason: the design decision, ticket or risk acceptance that justifies the exception.",
    anchors: {},
  },
  {
    id: "SIP-SUP-3",
    name: "SuppressionNotAllowed",
    service: "suppressions",
    severity: "error",
    suppressible: false,
    info: "A suppression targets a rule that may not be suppressed (the residency rules); it is not applied.",
    explanation:
      "Residency guarantees are the platform's promise to its tenants; they have no exceptions. Fix the configuration instead.",
    fix: "Remove the suppression and fix the finding.",
    anchors: {},
  },
  {
    id: "SIP-SUP-4",
    name: "SuppressionUnknownRule",
    service: "suppressions",
    severity: "error",
    suppressible: false,
    info: "A suppression names a rule ID that does not exist.",
    explanation: "A misspelt rule ID silences nothing, while the author believes the finding is handled.",
    fix: "Use a rule ID from policies/RULES.md.",
    anchors: {},
  },
];

export const SUPPRESSION_RULE = {
  unused: "SIP-SUP-1",
  noReason: "SIP-SUP-2",
  notAllowed: "SIP-SUP-3",
  unknownRule: "SIP-SUP-4",
} as const;

/** "suppression of SIP-VPC-3 for aws_route.x (stack example)". */
export function describeSuppression(s: SuppressionInput): string {
  return `suppression of ${s.ruleId} for ${s.address}${s.stack ? ` (stack ${s.stack})` : ""}`;
}
