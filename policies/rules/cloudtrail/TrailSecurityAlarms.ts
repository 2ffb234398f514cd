import { matchesLogEvent } from "../../../modules/security-alarms/filter-pattern";
import { blocks, firstBlock, literalString, strings } from "../../core/json";
import { refersTo, resolveReference } from "../../core/references";
import { resourcesOfType, type Template, type TfResource } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * The events a trail's alarms must catch (issue 20 item 3), each as the smallest CloudTrail record
 * of it: a metric filter on the trail's log group must count the record, and an alarm with actions
 * must watch that metric.
 */
export const REQUIRED_SIGNALS: ReadonlyArray<{ readonly what: string; readonly record: object }> = [
  { what: "a KMS key disabled", record: { eventSource: "kms.amazonaws.com", eventName: "DisableKey" } },
  {
    what: "a KMS key scheduled for deletion",
    record: { eventSource: "kms.amazonaws.com", eventName: "ScheduleKeyDeletion" },
  },
  { what: "a key policy changed", record: { eventSource: "kms.amazonaws.com", eventName: "PutKeyPolicy" } },
  { what: "a bucket policy changed", record: { eventSource: "s3.amazonaws.com", eventName: "PutBucketPolicy" } },
  {
    what: "a bucket's Block Public Access changed",
    record: { eventSource: "s3.amazonaws.com", eventName: "DeleteBucketPublicAccessBlock" },
  },
  {
    what: "root account use",
    record: {
      eventSource: "signin.amazonaws.com",
      eventName: "ConsoleLogin",
      eventType: "AwsConsoleSignIn",
      userIdentity: { type: "Root" },
    },
  },
  { what: "an IAM policy changed", record: { eventSource: "iam.amazonaws.com", eventName: "PutRolePolicy" } },
  { what: "the trail stopped", record: { eventSource: "cloudtrail.amazonaws.com", eventName: "StopLogging" } },
];

/** Whether the trail records management events (no selectors at all is the default: it does). */
function recordsManagementEvents(trail: TfResource): boolean {
  const advanced = blocks(trail.values.advanced_event_selector);
  const basic = blocks(trail.values.event_selector);
  if (advanced.length === 0 && basic.length === 0) return true;
  if (advanced.length > 0)
    return advanced.some((s) =>
      blocks(s.field_selector).some(
        (f) => literalString(f.field) === "eventCategory" && strings(f.equals).includes("Management"),
      ),
    );
  return basic.some((s) => s.include_management_events !== false);
}

/** The alarms (with actions) that watch `filter`'s metric. */
function alarmsOn(template: Template, filter: TfResource): TfResource[] {
  const metric = firstBlock(filter.values.metric_transformation);
  const name = literalString(metric?.name);
  const namespace = literalString(metric?.namespace);
  return resourcesOfType(template, "aws_cloudwatch_metric_alarm").filter(
    (a) =>
      literalString(a.values.metric_name) === name &&
      literalString(a.values.namespace) === namespace &&
      strings(a.values.alarm_actions).length > 0,
  );
}

export const TrailSecurityAlarms = defineRule({
  id: "SIP-CT-7",
  name: "TrailSecurityAlarms",
  service: "cloudtrail",
  severity: "error",
  suppressible: true,
  info: "A trail's management events reach CloudWatch Logs, but nothing alarms on the events that static checks cannot see.",
  explanation:
    "The guardrails prove the Terraform; a person with a role can still disable a key, open a bucket, use the root account, change an IAM policy or stop the trail in the console. Metric filters on the trail's log group with alarms that notify someone turn those events into signals while they happen.",
  fix: "Deploy modules/security-alarms on the trail's log group (SecurityAlarms with trailLogGroup), with an SNS topic as the alarms' action; each required event needs a metric filter counting it and an alarm with alarm_actions on that metric.",
  anchors: {},
  reads: [
    {
      type: "aws_cloudwatch_log_metric_filter",
      attribute: "log_group_name",
      as: "reference",
      passes: "a reference to the trail's log group",
    },
    {
      type: "aws_cloudwatch_log_metric_filter",
      attribute: "pattern",
      as: "literal",
      passes: "a literal CloudWatch Logs JSON filter pattern",
    },
    {
      type: "aws_cloudwatch_metric_alarm",
      attribute: "metric_name",
      as: "literal",
      passes: "a literal metric name",
    },
  ],
  evaluate({ template }) {
    const trails = resourcesOfType(template, "aws_cloudtrail").filter(recordsManagementEvents);
    const filters = resourcesOfType(template, "aws_cloudwatch_log_metric_filter");
    const violations: Violation[] = [];
    for (const trail of trails) {
      const logGroup = resolveReference(
        template,
        String(trail.values.cloud_watch_logs_group_arn ?? "").replace(/:\*$/, ""),
      )?.resource;
      if (logGroup === undefined || logGroup.type !== "aws_cloudwatch_log_group") continue; // SIP-CT-5
      const own = filters.filter((f) => refersTo(f.values.log_group_name, logGroup.address));
      const missing = REQUIRED_SIGNALS.filter(
        ({ record }) =>
          !own.some((f) => {
            const pattern = literalString(f.values.pattern);
            if (pattern === undefined) return false;
            let counts = false;
            try {
              counts = matchesLogEvent(pattern, JSON.stringify(record));
            } catch {
              counts = false; // a pattern the evaluator cannot read proves nothing
            }
            return counts && alarmsOn(template, f).length > 0;
          }),
      ).map((s) => s.what);
      if (missing.length > 0)
        violations.push({
          address: trail.address,
          detail: `no metric filter on ${logGroup.address} with an alarm counts ${missing.join("; ")}`,
        });
    }
    return verdict(trails.length, violations);
  },
});
