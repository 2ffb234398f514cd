import { firstBlock, literalNumber, literalString } from "../../core/json";
import { placementOf } from "../../core/placement";
import { refersTo, resolveReference } from "../../core/references";
import { dataClassOf, MAX_RETENTION_DAYS } from "../../core/residency";
import { certainlyAbsent, resourcesOfType, type Template, type TfResource } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** At least a year of logs for investigations (checkov CKV_AWS_338). */
export const MIN_RETENTION_DAYS = 365;
/** Ten years at most when no data class sets a shorter limit (shared with SIP-S3-7). */
export { MAX_RETENTION_DAYS };

/**
 * Whether a declared log group receives the function's logs: the group its logging_config names (by
 * reference or literal name), else `/aws/lambda/<function_name>` (literal, or computed from the
 * function's name), in the function's region.
 */
function declaresLogGroupOf(template: Template, fn: TfResource, groups: readonly TfResource[]): boolean {
  const named = firstBlock(fn.values.logging_config)?.log_group;
  const target = resolveReference(template, named)?.resource;
  if (target?.type === "aws_cloudwatch_log_group") return true;
  const region = placementOf(template, fn).region;
  const sameRegion = groups.filter((g) => placementOf(template, g).region === region);
  if (named !== undefined) return sameRegion.some((g) => literalString(g.values.name) === literalString(named));
  const fnName = literalString(fn.values.function_name);
  return sameRegion.some((g) => {
    const name = g.values.name;
    if (typeof name !== "string") return false;
    if (fnName !== undefined && name === `/aws/lambda/${fnName}`) return true;
    return name.startsWith("/aws/lambda/${") && refersTo(name, fn.address);
  });
}

/**
 * Functions whose log group this configuration does not declare: Lambda creates it on the first
 * invocation, without retention (issue 15: leaving the log group out kept the logs forever and passed).
 */
function undeclaredFunctionGroups(template: Template, groups: readonly TfResource[]): Violation[] {
  return resourcesOfType(template, "aws_lambda_function")
    .filter((fn) => !certainlyAbsent(fn) && !declaresLogGroupOf(template, fn, groups))
    .map((fn) => ({
      address: fn.address,
      detail: `its log group (${JSON.stringify(firstBlock(fn.values.logging_config)?.log_group ?? `/aws/lambda/${String(fn.values.function_name ?? "")}`)}) is not declared in this configuration: Lambda creates it on first invocation without retention, so events never expire`,
    }));
}

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
  info: "The log group keeps events forever, shorter than the minimum, or longer than its data class allows; or a function's log group is not declared (Lambda creates it without retention).",
  explanation:
    "Logs are needed for a year to investigate incidents, but they are personal data too: kept forever (no retention) or longer than their data class's retention they violate storage limitation.",
  fix: `Set retention_in_days between ${MIN_RETENTION_DAYS} and ${MAX_RETENTION_DAYS} (or, for a log group tagged with a DataClass, at most that class's retentionDays); declare each function's log group (/aws/lambda/<function_name>, or the one its logging_config names) with such a retention.`,
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
      type: "aws_lambda_function",
      attribute: "function_name",
      as: "reference",
      passes: "a literal name, or one computed from blocks of this configuration",
    },
    {
      type: "aws_lambda_function",
      attribute: "logging_config.log_group",
      as: "reference",
      passes: "a reference to an aws_cloudwatch_log_group of this configuration, or its literal name",
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
    const functions = undeclaredFunctionGroups(template, groups);
    violations.push(...functions);
    return verdict(groups.length + functions.length, violations);
  },
});
