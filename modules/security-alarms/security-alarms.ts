import { arn } from "../../config/partitions";
import { Construct, Token } from "../../framework/cdktf";
import {
  CloudwatchLogMetricFilter,
  CloudwatchMetricAlarm,
  SnsTopic,
  SnsTopicPolicy,
  SnsTopicSubscription,
} from "../../framework/aws";
import { policyDocument, renderPolicy } from "../../policies/documents/policy-document";
import { ValidationError } from "../errors";
import type { KmsKey } from "../kms-key";
import type { LogGroup } from "../log-group";
import type { Placement } from "../placement";
import {
  MASS_DELETION_DEFAULT_PER_MINUTE,
  SECURITY_METRIC_NAMESPACE,
  type SecurityPattern,
  type SecurityPatternId,
  securityPatterns,
} from "./patterns";
import { type LogAlarm, OPERATIONS_METRIC_NAMESPACE, SYNC_LAG_THRESHOLD_MS } from "./log-alarms";

/** A dead-letter queue to alarm on, e.g. `{ name: "upload", queueName: fn.deadLetterQueue.name }`. */
export interface DeadLetterQueueAlarm {
  /** Short name for the alarm (`<name>-dead-letters-<this>`): letters, digits, `_` and `-`. */
  readonly name: string;
  /** The queue's name (the `QueueName` dimension of `AWS/SQS`); may be a token. */
  readonly queueName: string;
}

export interface SecurityAlarmsProps {
  /** Where the topic, filters and alarms live: the side whose audit trail they watch. */
  readonly placement: Placement;
  /** Prefix of names, e.g. the environment: topic `<name>-security-alarms`, alarms `<name>-<pattern id>`. */
  readonly name: string;
  /**
   * The log group of the audit trail that records management events (`AuditTrail.logGroup`); a
   * trail without management events would leave every alarm but mass deletion blind.
   */
  readonly trailLogGroup: LogGroup;
  /**
   * Encrypts the alarm topic; gains a key policy statement that lets CloudWatch alarms of this
   * account publish to it (`KmsKey.grantServicePublish`). Must live in the same placement.
   */
  readonly encryptionKey: KmsKey;
  /**
   * E-mail addresses subscribed to the topic (protocol `email`: each must confirm the subscription
   * from the message AWS sends before it receives alarms).
   * @default - no subscription; subscribe outside Terraform or pass the topic to a later module
   */
  readonly subscribers?: readonly string[];
  /**
   * Successful delete requests per minute, over all buckets whose data events the trail records,
   * that raise `s3-mass-deletion` (a positive integer).
   * @default 100 (MASS_DELETION_DEFAULT_PER_MINUTE)
   */
  readonly massDeletionPerMinute?: number;
  /**
   * Dead-letter queues (e.g. `LambdaFunction.deadLetterQueue`): each gets an alarm when it holds a
   * visible message (`ApproximateNumberOfMessagesVisible` > 0).
   * @default - none
   */
  readonly deadLetterQueues?: readonly DeadLetterQueueAlarm[];
  /**
   * Alarms on the platform's own logs (log-alarms.ts): the egress firewall's blocked flows, the
   * scrub functions' quarantine rate.
   * @default - none
   */
  readonly logAlarms?: readonly LogAlarm[];
  /**
   * Functions invoked asynchronously whose event age is the lag users feel (the sync functions):
   * an alarm when an event waited longer than SYNC_LAG_THRESHOLD_MS (AWS/Lambda AsyncEventAge).
   * @default - none
   */
  readonly lagFunctions?: readonly { readonly name: string; readonly functionName: string }[];
  /** Tags for the topic and the alarms. @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
/** An e-mail address SNS accepts: one `@`, no spaces, a dotted domain. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const CLOUDWATCH = "cloudwatch.amazonaws.com";
/** Suffix of the metric filter that publishes a dimensioned metric once more without dimensions. */
const ALL_SUFFIX = "all";

const DEAD_LETTER_RUNBOOK =
  "A message reached the dead-letter queue: an event was not processed after its retries. First: read the message (its attributes name the error), fix the cause, then redrive the queue to its source.";

/**
 * The run-time security alarms: for each pattern of the catalogue (`securityPatterns`) a metric
 * filter on the audit trail's log group and an alarm on its metric, whose description is the
 * runbook; alarms on dead-letter queues; all notify one KMS-encrypted SNS topic that only CloudWatch
 * of this account may publish to, over TLS.
 */
export class SecurityAlarms extends Construct {
  readonly topic: SnsTopic;
  /** ARN of the topic (a token until apply). */
  readonly topicArn: string;
  readonly topicPolicy: SnsTopicPolicy;
  readonly subscriptions: readonly SnsTopicSubscription[];
  /** One metric filter per pattern, by pattern id (for a dimensioned metric, the dimensioned one). */
  readonly metricFilters: Readonly<Record<SecurityPatternId, CloudwatchLogMetricFilter>>;
  /** One alarm per pattern, by pattern id. */
  readonly alarms: Readonly<Record<SecurityPatternId, CloudwatchMetricAlarm>>;
  /** One alarm per dead-letter queue, by its `name`. */
  readonly deadLetterAlarms: Readonly<Record<string, CloudwatchMetricAlarm>>;
  /** One alarm per log alarm and per lag function, by id / name. */
  readonly operationsAlarms: Readonly<Record<string, CloudwatchMetricAlarm>>;

  constructor(scope: Construct, id: string, props: SecurityAlarmsProps) {
    super(scope, id);
    this.validate(props);
    const { placement, encryptionKey } = props;
    const alarmArns = arn(placement.partition, {
      service: "cloudwatch",
      region: placement.region,
      account: placement.accountId,
      resource: `alarm:${props.name}-*`,
    });
    encryptionKey.grantServicePublish(CLOUDWATCH, {
      sid: `CloudWatchAlarms${props.name.replace(/[^A-Za-z0-9]/g, "")}`,
      sourceArn: alarmArns,
    });
    this.topic = new SnsTopic(this, "topic", {
      provider: placement.provider,
      name: `${props.name}-security-alarms`,
      displayName: `${props.name} security alarms`,
      kmsMasterKeyId: encryptionKey.keyArn,
      tags: props.tags ? { ...props.tags } : undefined,
    });
    this.topicArn = this.topic.arn;
    this.topicPolicy = this.createTopicPolicy(props, alarmArns);
    this.subscriptions = (props.subscribers ?? []).map(
      (address, i) =>
        new SnsTopicSubscription(this, `subscription-${i}`, {
          provider: placement.provider,
          topicArn: this.topicArn,
          protocol: "email",
          endpoint: address,
        }),
    );
    const metricFilters: Partial<Record<SecurityPatternId, CloudwatchLogMetricFilter>> = {};
    const alarms: Partial<Record<SecurityPatternId, CloudwatchMetricAlarm>> = {};
    for (const pattern of securityPatterns({ massDeletionPerMinute: props.massDeletionPerMinute })) {
      metricFilters[pattern.id] = this.createMetricFilters(props, pattern);
      alarms[pattern.id] = this.createPatternAlarm(props, pattern);
    }
    this.metricFilters = metricFilters as Record<SecurityPatternId, CloudwatchLogMetricFilter>;
    this.alarms = alarms as Record<SecurityPatternId, CloudwatchMetricAlarm>;
    this.deadLetterAlarms = Object.fromEntries(
      (props.deadLetterQueues ?? []).map((queue) => [queue.name, this.createDeadLetterAlarm(props, queue)]),
    );
    this.operationsAlarms = Object.fromEntries([
      ...(props.logAlarms ?? []).map((a) => [a.id, this.createLogAlarm(props, a)] as const),
      ...(props.lagFunctions ?? []).map((f) => [f.name, this.createLagAlarm(props, f)] as const),
    ]);
  }

  /** A metric filter on the alarm's log group, and its alarm (Sum over the period >= threshold). */
  private createLogAlarm(props: SecurityAlarmsProps, alarm: LogAlarm): CloudwatchMetricAlarm {
    new CloudwatchLogMetricFilter(this, `filter-${alarm.id}`, {
      provider: props.placement.provider,
      name: `${props.name}-${alarm.id}`,
      logGroupName: alarm.logGroup.logGroup.name,
      pattern: alarm.pattern,
      metricTransformation: { namespace: OPERATIONS_METRIC_NAMESPACE, name: alarm.metricName, value: "1" },
    });
    return new CloudwatchMetricAlarm(this, `alarm-${alarm.id}`, {
      provider: props.placement.provider,
      alarmName: `${props.name}-${alarm.id}`,
      alarmDescription: `${alarm.title}. ${alarm.runbook}`,
      namespace: OPERATIONS_METRIC_NAMESPACE,
      metricName: alarm.metricName,
      statistic: "Sum",
      period: alarm.periodSeconds,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanOrEqualToThreshold",
      threshold: alarm.threshold,
      treatMissingData: "notBreaching",
      alarmActions: [this.topicArn],
      okActions: [this.topicArn],
      tags: props.tags ? { ...props.tags } : undefined,
    });
  }

  /** An event that waited longer than SYNC_LAG_THRESHOLD_MS before the function took it. */
  private createLagAlarm(
    props: SecurityAlarmsProps,
    fn: { readonly name: string; readonly functionName: string },
  ): CloudwatchMetricAlarm {
    return new CloudwatchMetricAlarm(this, `lag-${fn.name}`, {
      provider: props.placement.provider,
      alarmName: `${props.name}-lag-${fn.name}`,
      alarmDescription: `Events wait for ${fn.name}. The function takes S3 events more than ${SYNC_LAG_THRESHOLD_MS / 60000} minutes after they happened (throttled by its reserved concurrency, or failing and retried): the other partition's copy lags behind. First: check its errors and throttles; the dead-letter alarm follows if retries run out.`,
      namespace: "AWS/Lambda",
      metricName: "AsyncEventAge",
      dimensions: { FunctionName: fn.functionName },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: SYNC_LAG_THRESHOLD_MS,
      treatMissingData: "notBreaching",
      alarmActions: [this.topicArn],
      okActions: [this.topicArn],
      tags: props.tags ? { ...props.tags } : undefined,
    });
  }

  private validate(props: SecurityAlarmsProps): void {
    const fail = (field: string, message: string) => {
      throw new ValidationError(`SecurityAlarms.${field}`, message, this);
    };
    if (!NAME.test(props.name)) fail("name", `name must be 1-64 letters, digits, "_" and "-" (value: "${props.name}")`);
    if (props.encryptionKey.placement.provider !== props.placement.provider)
      fail(
        "encryptionKey",
        `encryptionKey ${props.encryptionKey.node.path} is pinned to another provider than the alarms (${props.placement.side})`,
      );
    if (props.trailLogGroup.logGroup.provider !== props.placement.provider)
      fail(
        "trailLogGroup",
        `trailLogGroup ${props.trailLogGroup.node.path} is pinned to another provider than the alarms (${props.placement.side})`,
      );
    const invalid = (props.subscribers ?? []).filter((s) => !Token.isUnresolved(s) && !EMAIL.test(s));
    if (invalid.length > 0)
      fail("subscribers", `subscribers must be e-mail addresses (invalid: ${invalid.map((s) => `"${s}"`).join(", ")})`);
    const perMinute = props.massDeletionPerMinute ?? MASS_DELETION_DEFAULT_PER_MINUTE;
    if (!Number.isInteger(perMinute) || perMinute < 1)
      fail("massDeletionPerMinute", `massDeletionPerMinute must be a positive integer (value: ${perMinute})`);
    const queueNames = (props.deadLetterQueues ?? []).map((q) => q.name);
    const badQueues = queueNames.filter((n, i) => !NAME.test(n) || queueNames.indexOf(n) !== i);
    if (badQueues.length > 0)
      fail(
        "deadLetterQueues",
        `deadLetterQueues names must be distinct, 1-64 letters, digits, "_" and "-" (invalid: ${badQueues.map((n) => `"${n}"`).join(", ")})`,
      );
  }

  /**
   * Only CloudWatch alarms of this account (`aws:SourceAccount`) named `<name>-*` (`aws:SourceArn`)
   * may publish; nobody may publish without TLS. Management of the topic stays with IAM of the
   * account (the deploy role).
   */
  private createTopicPolicy(props: SecurityAlarmsProps, alarmArns: string): SnsTopicPolicy {
    return new SnsTopicPolicy(this, "topic-policy", {
      provider: props.placement.provider,
      arn: this.topicArn,
      policy: renderPolicy(
        policyDocument([
          {
            Sid: "CloudWatchAlarmsOfThisAccount",
            Effect: "Allow",
            Principal: { Service: CLOUDWATCH },
            Action: "sns:Publish",
            Resource: this.topicArn,
            Condition: {
              StringEquals: { "aws:SourceAccount": props.placement.accountId },
              ArnLike: { "aws:SourceArn": alarmArns },
            },
          },
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Principal: "*",
            Action: "sns:Publish",
            Resource: this.topicArn,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ]),
      ),
    });
  }

  /**
   * The pattern's metric filter. A dimensioned metric gets a second filter with the same pattern
   * and metric name but no dimensions: CloudWatch alarms need one time series, and an alarm on a
   * dimensioned metric watches one fixed dimension value only (README, "Decisions").
   */
  private createMetricFilters(props: SecurityAlarmsProps, pattern: SecurityPattern): CloudwatchLogMetricFilter {
    const filter = (id: string, name: string, dimensions?: Readonly<Record<string, string>>) =>
      new CloudwatchLogMetricFilter(this, id, {
        provider: props.placement.provider,
        name,
        logGroupName: props.trailLogGroup.logGroup.name,
        pattern: pattern.pattern,
        metricTransformation: {
          namespace: SECURITY_METRIC_NAMESPACE,
          name: pattern.metricName,
          value: "1",
          dimensions: dimensions === undefined ? undefined : { ...dimensions },
        },
      });
    const primary = filter(`filter-${pattern.id}`, `${props.name}-${pattern.id}`, pattern.dimensions);
    if (pattern.dimensions !== undefined)
      filter(`filter-${pattern.id}-${ALL_SUFFIX}`, `${props.name}-${pattern.id}-${ALL_SUFFIX}`);
    return primary;
  }

  /** The pattern's alarm, on its metric without dimensions; the runbook is its description. */
  private createPatternAlarm(props: SecurityAlarmsProps, pattern: SecurityPattern): CloudwatchMetricAlarm {
    const { threshold } = pattern;
    return new CloudwatchMetricAlarm(this, `alarm-${pattern.id}`, {
      provider: props.placement.provider,
      alarmName: `${props.name}-${pattern.id}`,
      alarmDescription: `${pattern.title}. ${pattern.runbook}`,
      namespace: SECURITY_METRIC_NAMESPACE,
      metricName: pattern.metricName,
      statistic: threshold.statistic,
      period: threshold.periodSeconds,
      evaluationPeriods: threshold.evaluationPeriods,
      comparisonOperator: threshold.comparison,
      threshold: threshold.threshold,
      treatMissingData: threshold.treatMissingData,
      alarmActions: [this.topicArn],
      okActions: [this.topicArn],
      tags: props.tags ? { ...props.tags } : undefined,
    });
  }

  /** Any visible message in the queue: Maximum over 5 minutes (SQS reports every 5 minutes). */
  private createDeadLetterAlarm(props: SecurityAlarmsProps, queue: DeadLetterQueueAlarm): CloudwatchMetricAlarm {
    return new CloudwatchMetricAlarm(this, `dead-letters-${queue.name}`, {
      provider: props.placement.provider,
      alarmName: `${props.name}-dead-letters-${queue.name}`,
      alarmDescription: `Dead-letter queue ${queue.name} holds messages. ${DEAD_LETTER_RUNBOOK}`,
      namespace: "AWS/SQS",
      metricName: "ApproximateNumberOfMessagesVisible",
      dimensions: { QueueName: queue.queueName },
      statistic: "Maximum",
      period: 300,
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      treatMissingData: "notBreaching",
      alarmActions: [this.topicArn],
      okActions: [this.topicArn],
      tags: props.tags ? { ...props.tags } : undefined,
    });
  }
}
