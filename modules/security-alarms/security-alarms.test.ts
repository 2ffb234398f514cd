import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf, type TfJson } from "../../test/template";
import { KmsKey } from "../kms-key";
import { LogGroup } from "../log-group";
import { SECURITY_METRIC_NAMESPACE, SECURITY_PATTERNS } from "./patterns";
import { SecurityAlarms, type SecurityAlarmsProps } from "./security-alarms";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup(overrides: Partial<SecurityAlarmsProps> = {}) {
  const s = moduleStack();
  cleanup = s.cleanup;
  const key = new KmsKey(s.stack, "audit-key", { placement: s.sovereign, aliasName: "audit", description: "audit" });
  const trailLogGroup = new LogGroup(s.stack, "trail-logs", {
    placement: s.sovereign,
    logGroupName: "/sip/env/cloudtrail",
    encryptionKey: key,
  });
  const props: SecurityAlarmsProps = {
    placement: s.sovereign,
    name: "env",
    trailLogGroup,
    encryptionKey: key,
    ...overrides,
  };
  return { ...s, key, props };
}

const one = (json: TfJson, type: string, name: string) => resourcesOf(json, type)[name] as Record<string, unknown>;
const statementsOf = (text: unknown) => JSON.parse(text as string).Statement as Array<Record<string, unknown>>;
const TOPIC = "${aws_sns_topic.alarms_topic.arn}";
const ALARMS_OF_ENV = "arn:aws-eusc:cloudwatch:eusc-de-east-1:111111111111:alarm:env-*";

describe("SecurityAlarms", () => {
  describe("metric filters and alarms", () => {
    it("puts one metric filter per pattern on the trail's log group, with the pattern's exact text", () => {
      const { stack, props, synth } = setup();
      new SecurityAlarms(stack, "alarms", props);
      const filters = resourcesOf(synth(), "aws_cloudwatch_log_metric_filter");
      for (const pattern of SECURITY_PATTERNS) {
        expect(filters[`alarms_filter-${pattern.id}`]).toEqual({
          provider: "aws.sovereign",
          name: `env-${pattern.id}`,
          log_group_name: "${aws_cloudwatch_log_group.trail-logs_log-group.name}",
          pattern: pattern.pattern,
          metric_transformation: {
            namespace: SECURITY_METRIC_NAMESPACE,
            name: pattern.metricName,
            value: "1",
            ...(pattern.dimensions ? { dimensions: pattern.dimensions } : {}),
          },
        });
      }
    });

    it("publishes the per-bucket mass-deletion metric once more without dimensions, for its alarm", () => {
      const { stack, props, synth } = setup();
      new SecurityAlarms(stack, "alarms", props);
      const filters = resourcesOf(synth(), "aws_cloudwatch_log_metric_filter");
      const massDeletion = SECURITY_PATTERNS.find((p) => p.id === "s3-mass-deletion");
      expect(Object.keys(filters)).toHaveLength(SECURITY_PATTERNS.length + 1);
      expect(filters["alarms_filter-s3-mass-deletion-all"]).toEqual({
        provider: "aws.sovereign",
        name: "env-s3-mass-deletion-all",
        log_group_name: "${aws_cloudwatch_log_group.trail-logs_log-group.name}",
        pattern: massDeletion?.pattern,
        metric_transformation: { namespace: SECURITY_METRIC_NAMESPACE, name: "S3ObjectDeleteRequests", value: "1" },
      });
      expect(filters["alarms_filter-s3-mass-deletion"]?.metric_transformation).toMatchObject({
        dimensions: { Bucket: "$.requestParameters.bucketName" },
      });
    });

    it("raises one alarm per pattern, named <name>-<id>, with the pattern's threshold and runbook, to the topic", () => {
      const { stack, props, synth } = setup({ tags: { Purpose: "security" } });
      new SecurityAlarms(stack, "alarms", props);
      const alarms = resourcesOf(synth(), "aws_cloudwatch_metric_alarm");
      expect(Object.keys(alarms)).toHaveLength(SECURITY_PATTERNS.length);
      for (const pattern of SECURITY_PATTERNS) {
        const alarm = alarms[`alarms_alarm-${pattern.id}`];
        expect(alarm).toEqual({
          provider: "aws.sovereign",
          alarm_name: `env-${pattern.id}`,
          alarm_description: `${pattern.title}. ${pattern.runbook}`,
          namespace: SECURITY_METRIC_NAMESPACE,
          metric_name: pattern.metricName,
          statistic: "Sum",
          period: pattern.threshold.periodSeconds,
          evaluation_periods: 1,
          comparison_operator: "GreaterThanOrEqualToThreshold",
          threshold: pattern.threshold.threshold,
          treat_missing_data: "notBreaching",
          alarm_actions: [TOPIC],
          ok_actions: [TOPIC],
          tags: { Purpose: "security" },
        });
        expect(String(alarm?.alarm_description).length).toBeLessThanOrEqual(1024);
      }
    });

    it("alarms on mass deletion at the configured threshold per minute", () => {
      const { stack, props, synth } = setup({ massDeletionPerMinute: 25 });
      new SecurityAlarms(stack, "alarms", props);
      expect(one(synth(), "aws_cloudwatch_metric_alarm", "alarms_alarm-s3-mass-deletion")).toMatchObject({
        metric_name: "S3ObjectDeleteRequests",
        period: 60,
        threshold: 25,
      });
    });

    it("fails when massDeletionPerMinute is not a positive integer", () => {
      const { stack, props } = setup({ massDeletionPerMinute: 0.5 });
      expect(() => new SecurityAlarms(stack, "alarms", props)).toThrow(
        /SecurityAlarms\.massDeletionPerMinute: massDeletionPerMinute must be a positive integer \(value: 0\.5\)/,
      );
    });
  });

  describe("the topic", () => {
    it("is encrypted with the key and admits only CloudWatch alarms of the account, over TLS", () => {
      const { stack, props, synth } = setup();
      new SecurityAlarms(stack, "alarms", props);
      const json = synth();
      expect(one(json, "aws_sns_topic", "alarms_topic")).toMatchObject({
        name: "env-security-alarms",
        kms_master_key_id: "${aws_kms_key.audit-key_key.arn}",
        provider: "aws.sovereign",
      });
      const policy = one(json, "aws_sns_topic_policy", "alarms_topic-policy");
      expect(policy.arn).toBe(TOPIC);
      expect(statementsOf(policy.policy)).toEqual([
        {
          Sid: "CloudWatchAlarmsOfThisAccount",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: "sns:Publish",
          Resource: TOPIC,
          Condition: {
            StringEquals: { "aws:SourceAccount": "111111111111" },
            ArnLike: { "aws:SourceArn": ALARMS_OF_ENV },
          },
        },
        {
          Sid: "DenyInsecureTransport",
          Effect: "Deny",
          Principal: "*",
          Action: "sns:Publish",
          Resource: TOPIC,
          Condition: { Bool: { "aws:SecureTransport": "false" } },
        },
      ]);
    });

    it("lets CloudWatch alarms of the account use the key, and nothing more", () => {
      const { stack, props, synth } = setup();
      new SecurityAlarms(stack, "alarms", props);
      const statements = statementsOf(one(synth(), "aws_kms_key", "audit-key_key").policy);
      expect(statements.filter((st) => JSON.stringify(st.Principal).includes("cloudwatch"))).toEqual([
        {
          Sid: "CloudWatchAlarmsenv",
          Effect: "Allow",
          Principal: { Service: "cloudwatch.amazonaws.com" },
          Action: ["kms:Decrypt", "kms:GenerateDataKey*"],
          Resource: "*",
          Condition: {
            StringEquals: { "aws:SourceAccount": "111111111111" },
            ArnLike: { "aws:SourceArn": ALARMS_OF_ENV },
          },
        },
      ]);
    });

    it("subscribes every subscriber by e-mail", () => {
      const { stack, props, synth } = setup({ subscribers: ["sec@example.org", "oncall@example.org"] });
      new SecurityAlarms(stack, "alarms", props);
      const subscriptions = Object.values(resourcesOf(synth(), "aws_sns_topic_subscription"));
      expect(subscriptions).toEqual([
        { provider: "aws.sovereign", topic_arn: TOPIC, protocol: "email", endpoint: "sec@example.org" },
        { provider: "aws.sovereign", topic_arn: TOPIC, protocol: "email", endpoint: "oncall@example.org" },
      ]);
    });

    it("has no subscription when none is named", () => {
      const { stack, props, synth } = setup();
      new SecurityAlarms(stack, "alarms", props);
      expect(resourcesOf(synth(), "aws_sns_topic_subscription")).toEqual({});
    });

    it("fails when a subscriber is not an e-mail address, naming every one", () => {
      const { stack, props } = setup({ subscribers: ["sec@example.org", "sec", "https://hooks.example.org/x"] });
      expect(() => new SecurityAlarms(stack, "alarms", props)).toThrow(
        /SecurityAlarms\.subscribers: subscribers must be e-mail addresses \(invalid: "sec", "https:\/\/hooks\.example\.org\/x"\)/,
      );
    });
  });

  describe("dead-letter queues", () => {
    it("alarms when a dead-letter queue holds a visible message", () => {
      const { stack, props, synth } = setup({
        deadLetterQueues: [
          { name: "upload", queueName: "env-upload-dlq" },
          { name: "scrub", queueName: "env-scrub-dlq" },
        ],
      });
      new SecurityAlarms(stack, "alarms", props);
      const alarms = resourcesOf(synth(), "aws_cloudwatch_metric_alarm");
      expect(alarms["alarms_dead-letters-upload"]).toMatchObject({
        alarm_name: "env-dead-letters-upload",
        namespace: "AWS/SQS",
        metric_name: "ApproximateNumberOfMessagesVisible",
        dimensions: { QueueName: "env-upload-dlq" },
        statistic: "Maximum",
        comparison_operator: "GreaterThanThreshold",
        threshold: 0,
        treat_missing_data: "notBreaching",
        alarm_actions: [TOPIC],
        ok_actions: [TOPIC],
      });
      expect(alarms["alarms_dead-letters-scrub"]).toMatchObject({ dimensions: { QueueName: "env-scrub-dlq" } });
    });

    it("fails when two dead-letter queues share a name", () => {
      const { stack, props } = setup({
        deadLetterQueues: [
          { name: "upload", queueName: "a" },
          { name: "upload", queueName: "b" },
        ],
      });
      expect(() => new SecurityAlarms(stack, "alarms", props)).toThrow(/SecurityAlarms\.deadLetterQueues: .*"upload"/);
    });
  });

  describe("placement", () => {
    it("fails when the key is pinned to another side", () => {
      const { stack, props, commercial } = setup();
      const other = new KmsKey(stack, "other", { placement: commercial, aliasName: "other", description: "other" });
      expect(() => new SecurityAlarms(stack, "alarms", { ...props, encryptionKey: other })).toThrow(
        /SecurityAlarms\.encryptionKey: .*another provider/,
      );
    });

    it("fails when the trail's log group is on another side", () => {
      const { stack, props, commercial } = setup();
      const otherKey = new KmsKey(stack, "other", { placement: commercial, aliasName: "other", description: "o" });
      const otherLogs = new LogGroup(stack, "other-logs", {
        placement: commercial,
        logGroupName: "/sip/other/cloudtrail",
        encryptionKey: otherKey,
      });
      expect(() => new SecurityAlarms(stack, "alarms", { ...props, trailLogGroup: otherLogs })).toThrow(
        /SecurityAlarms\.trailLogGroup: .*another provider/,
      );
    });

    it("fails when name cannot prefix the resource names", () => {
      const { stack, props } = setup({ name: "env prod" });
      expect(() => new SecurityAlarms(stack, "alarms", props)).toThrow(/SecurityAlarms\.name: .*"env prod"/);
    });
  });
});
