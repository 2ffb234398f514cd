import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

export const TrailCloudWatchLogs = defineRule({
  id: "SIP-CT-5",
  name: "TrailCloudWatchLogs",
  service: "cloudtrail",
  severity: "warning",
  suppressible: true,
  info: "The trail does not send events to a CloudWatch log group.",
  explanation:
    "Log files in S3 arrive minutes late and are read after the fact. Delivering the trail to CloudWatch Logs enables metric filters and alarms on events such as key deletion or policy changes while they happen.",
  fix: 'Set cloud_watch_logs_group_arn ("<log group ARN>:*") and cloud_watch_logs_role_arn on the aws_cloudtrail.',
  anchors: {
    checkov: ["CKV2_AWS_10"],
    trivy: ["AVD-AWS-0162"],
    cdkNag: ["NIST.800.53.R5-CloudTrailCloudWatchLogsEnabled"],
  },
  reads: [
    {
      type: "aws_cloudtrail",
      attribute: "cloud_watch_logs_group_arn",
      as: "reference",
      passes: "a reference to a log group of this configuration",
    },
  ],
  evaluate({ template }) {
    const trails = resourcesOfType(template, "aws_cloudtrail");
    const violations: Violation[] = trails
      .filter(
        (t) => typeof t.values.cloud_watch_logs_group_arn !== "string" || t.values.cloud_watch_logs_group_arn === "",
      )
      .map((t) => ({ address: t.address, detail: "cloud_watch_logs_group_arn is not set" }));
    return verdict(trails.length, violations);
  },
});
