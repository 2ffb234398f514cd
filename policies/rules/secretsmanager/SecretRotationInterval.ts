import { blocks, type JsonObject, literalNumber, literalString } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

const MAX_DAYS = 90;

/** Days between rotations of a `rate(N days)` / `rate(N hours)` expression; undefined for anything else. */
function rateDays(expression: string): number | undefined {
  const m = /^rate\((\d+)\s+(day|days|hour|hours)\)$/.exec(expression.trim());
  if (m === null) return undefined;
  const n = Number(m[1]);
  return m[2]?.startsWith("hour") ? n / 24 : n;
}

/**
 * 31 for a cron expression that runs in every month of every year (month and year fields `*`, and no
 * fifth weekday `#5`, which most months lack), else undefined. A year field (`2026`) stops the
 * rotation after that year (issue 15).
 */
function cronAtLeastMonthly(expression: string): number | undefined {
  const m = /^cron\((.+)\)$/.exec(expression.trim());
  const fields = m?.[1]?.trim().split(/\s+/) ?? [];
  if (fields.length !== 6 || fields[3] !== "*" || fields[5] !== "*") return undefined;
  return /#5/.test(fields[4] ?? "") ? undefined : 31;
}

/** What is wrong with one rotation_rules block: each interval it names is judged (issue 15: with both, only the days were). */
function ruleProblems(rule: JsonObject): string[] {
  const problems: string[] = [];
  const days = literalNumber(rule.automatically_after_days);
  const expression = literalString(rule.schedule_expression);
  if (rule.automatically_after_days !== undefined) {
    if (days === undefined)
      problems.push(`automatically_after_days ${JSON.stringify(rule.automatically_after_days)} could not be evaluated`);
    else if (days > MAX_DAYS) problems.push(`rotates every ${days} days, more than ${MAX_DAYS}`);
  }
  if (expression !== undefined) {
    const every = rateDays(expression) ?? cronAtLeastMonthly(expression);
    if (every === undefined)
      problems.push(
        `schedule_expression "${expression}" could not be shown to rotate at least every ${MAX_DAYS} days (use rate(N days), or a cron that runs every month of every year)`,
      );
    else if (every > MAX_DAYS) problems.push(`rotates every ${every} days, more than ${MAX_DAYS}`);
  }
  if (rule.automatically_after_days === undefined && expression === undefined)
    problems.push("rotation_rules names no interval that could be evaluated");
  return problems;
}

/** A rotation schedule rotates at least every 90 days. */
export const SecretRotationInterval = defineRule({
  id: "SIP-SM-3",
  name: "SecretRotationInterval",
  service: "secretsmanager",
  severity: "error",
  suppressible: true,
  info: `The secret's rotation interval is longer than ${MAX_DAYS} days or cannot be evaluated.`,
  explanation:
    "Rotation bounds how long a copied secret stays useful; a yearly rotation leaves a leaked secret valid for most of a year.",
  fix: `Set rotation_rules.automatically_after_days to ${MAX_DAYS} or less (or a schedule_expression rate(N days) with N <= ${MAX_DAYS}).`,
  anchors: {
    checkov: ["CKV_AWS_304"],
  },
  reads: [
    {
      type: "aws_secretsmanager_secret_rotation",
      attribute: "rotation_rules.automatically_after_days",
      as: "literal",
      passes: "a literal number of days, 90 or fewer",
    },
    {
      type: "aws_secretsmanager_secret_rotation",
      attribute: "rotation_rules.schedule_expression",
      as: "literal",
      passes: "a literal rate(N days) with N <= 90, or a monthly cron",
    },
  ],
  evaluate({ template }) {
    const rotations = resourcesOfType(template, "aws_secretsmanager_secret_rotation");
    const violations: Violation[] = rotations.flatMap((r) =>
      blocks(r.values.rotation_rules)
        .flatMap(ruleProblems)
        .map((detail) => ({ address: r.address, detail })),
    );
    return verdict(rotations.length, violations);
  },
});
