import { describe, expect, it } from "vitest";
import { SECURITY_PATTERNS } from "../modules/security-alarms";
import { exampleInput, resourcesOf, synthDeployment, validConfig } from "../test/template";

const { json } = synthDeployment(validConfig());

describe("security alarms of the platform stack", () => {
  it("counts every CloudTrail pattern on the sovereign audit trail's log group and alarms on it", () => {
    const filters = Object.values(resourcesOf(json, "aws_cloudwatch_log_metric_filter")).filter(
      (f) => (f.metric_transformation as { namespace: string }).namespace === "SIP/Security",
    );
    // Both partitions' trails: the commercial account is watched like the sovereign one.
    expect(new Set(filters.map((f) => f.log_group_name))).toEqual(
      new Set([
        "${aws_cloudwatch_log_group.sovereign-audit_log-group_log-group.name}",
        "${aws_cloudwatch_log_group.commercial-audit_log-group_log-group.name}",
      ]),
    );
    expect(filters.map((f) => f.pattern)).toEqual(expect.arrayContaining(SECURITY_PATTERNS.map((p) => p.pattern)));
    const alarms = Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm")).map((a) => a.alarm_name);
    for (const pattern of SECURITY_PATTERNS) expect(alarms).toContain(`example-${pattern.id}`);
  });

  it("alarms on a message in the dead-letter queue of every function and of the webhook deliveries", () => {
    const functions = Object.keys(resourcesOf(json, "aws_lambda_function")).length;
    const deadLetterAlarms = Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm")).filter(
      (a) => a.namespace === "AWS/SQS",
    );
    expect(deadLetterAlarms).toHaveLength(functions + 1);
    expect(deadLetterAlarms.map((a) => a.alarm_name)).toContain("example-dead-letters-webhook-deliveries");
  });

  it("notifies an encrypted topic, and the configured subscribers", () => {
    // Prepare
    const input = exampleInput() as ReturnType<typeof exampleInput> & { alarms?: unknown };
    input.alarms = { subscribers: ["security@example.org"], massDeletionPerMinute: 25 };
    // Act
    const configured = synthDeployment(validConfig(input)).json;
    // Assess
    expect(Object.values(resourcesOf(json, "aws_sns_topic"))).toEqual([
      expect.objectContaining({
        name: "example-failover-security-alarms",
        provider: "aws.commercial",
        kms_master_key_id: "${aws_kms_key.commercial-key-alarms_key.arn}",
      }),
      expect.objectContaining({
        name: "example-security-alarms",
        provider: "aws.sovereign",
        kms_master_key_id: "${aws_kms_key.sovereign-key-alarms_key.arn}",
      }),
    ]);
    const subscriptions = (j: typeof json) =>
      Object.values(resourcesOf(j, "aws_sns_topic_subscription")).map((s) => [s.protocol, s.endpoint]);
    expect(subscriptions(json)).toEqual([
      ["email", "security-oncall@example.org"],
      ["email", "security-oncall@example.org"],
    ]);
    expect(subscriptions(configured)).toEqual([
      ["email", "security@example.org"],
      ["email", "security@example.org"],
    ]);
    const massDeletion = Object.values(resourcesOf(configured, "aws_cloudwatch_metric_alarm")).find(
      (a) => a.alarm_name === "example-s3-mass-deletion",
    );
    expect(massDeletion?.threshold).toBe(25);
  });

  it("alarms on blocked egress, the scrub functions' quarantine rate and the sync lag", () => {
    const alarms = Object.values(resourcesOf(json, "aws_cloudwatch_metric_alarm"));
    const names = alarms.map((a) => a.alarm_name);
    expect(names).toEqual(
      expect.arrayContaining([
        "example-egress-blocked",
        "example-upload-pipeline-quarantined",
        "example-document-pipeline-quarantined",
        "example-lag-sync-pipeline-avatars-clean-sync",
      ]),
    );
    const filters = Object.values(resourcesOf(json, "aws_cloudwatch_log_metric_filter"));
    expect(filters.find((f) => f.name === "example-egress-blocked")?.log_group_name).toBe(
      "${aws_cloudwatch_log_group.sovereign-network_controlled-egress_alert-logs_log-group.name}",
    );
    expect(alarms.find((a) => a.alarm_name === "example-lag-sync-pipeline-avatars-clean-sync")).toMatchObject({
      namespace: "AWS/Lambda",
      metric_name: "AsyncEventAge",
      dimensions: { FunctionName: "${aws_lambda_function.sync-pipeline-avatars-clean_sync_function.function_name}" },
    });
  });
});
