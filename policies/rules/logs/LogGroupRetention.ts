import { literalNumber } from "../../core/json";
import { dataClassOf } from "../../core/residency";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** At least a year of logs for investigations (checkov CKV_AWS_338). */
export const MIN_RETENTION_DAYS = 365;
/** Ten years at most when no data class sets a shorter limit. */
export const MAX_RETENTION_DAYS = 3653;

/**
 * Log groups keep events between a minimum (investigations) and a maximum (data minimisation).
 * When the group carries a DataClass and a configuration is given, the class's retentionDays is
 * the maximum, and the minimum never exceeds it.
 */
export const LogGroupRetention = defineRule({
  id: "SIP-LOGS-2",
  name: "LogGroupRetention",
  service: "logs",
  severity: "error",
  suppressible: true,
  info: "The log group keeps events forever, shorter than the minimum, or longer than its data class allows.",
  explanation:
    "Logs are needed for a year to investigate incidents, but they are personal data too: kept forever (no retention) or longer than their data class's retention they violate storage limitation.",
  fix: `Set retention_in_days between ${MIN_RETENTION_DAYS} and ${MAX_RETENTION_DAYS} (or, for a log group tagged with a DataClass, at most that class's retentionDays).`,
  anchors: {
    checkov: ["CKV_AWS_66", "CKV_AWS_338"],
    cdkNag: ["NIST.800.53.R5-CloudWatchLogGroupRetentionPeriod"],
  },
  reads: [
    {
      type: "aws_cloudwatch_log_group",
      attribute: "retention_in_days",
      as: "literal",
      passes: "a literal number of days within the bounds",
    },
    {
      type: "aws_cloudwatch_log_group",
      attribute: "tags.DataClass",
      as: "literal",
      passes: "a literal data class, or leaving it out",
    },
  ],
  evaluate({ template, config }) {
    const groups = resourcesOfType(template, "aws_cloudwatch_log_group");
    const violations: Violation[] = [];
    for (const g of groups) {
      const dataClass = dataClassOf(template, g);
      const classDays = dataClass === undefined ? undefined : config?.dataClasses[dataClass]?.retentionDays;
      const max = classDays ?? MAX_RETENTION_DAYS;
      const min = Math.min(MIN_RETENTION_DAYS, max);
      const raw = g.values.retention_in_days;
      if (typeof raw === "string" && raw.includes("${")) continue; // computed: reported as not evaluable (reads)
      const days = literalNumber(raw);
      const bounds = `${min}-${max} days${classDays !== undefined ? ` (data class ${dataClass})` : ""}`;
      if (days === undefined || days === 0)
        violations.push({
          address: g.address,
          detail: `retention_in_days is ${JSON.stringify(raw ?? null)}: events never expire; use ${bounds}`,
        });
      else if (days < min || days > max)
        violations.push({ address: g.address, detail: `retention_in_days is ${days}; use ${bounds}` });
    }
    return verdict(groups.length, violations);
  },
});
