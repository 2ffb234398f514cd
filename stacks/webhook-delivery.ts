import { join } from "node:path";
import type { DeploymentConfig } from "../config/schema";
import { LambdaEventSourceMapping, SecretsmanagerSecret, SqsQueue } from "../framework/aws";
import { Construct } from "../framework/cdktf";
import { EGRESS_WORKLOAD, WEBHOOK_SECRET_EXCEPTION } from "../policies/core/exception-names";
import type { KmsKey } from "../modules/kms-key";
import { LambdaFunction } from "../modules/lambda-function";
import type { Network } from "../modules/network";
import type { Placement } from "../modules/placement";

export interface WebhookDeliveryProps {
  readonly placement: Placement;
  readonly environment: string;
  readonly sizing: DeploymentConfig["functions"]["webhooks"];
  /** The sovereign network; it must have the controlled egress path, which passes the endpoints' hosts. */
  readonly network: Network;
  /** Encrypts the queues, the secrets, the function's environment, logs and dead-letter queue. */
  readonly key: KmsKey;
  /** Tenant ID → https endpoint (configuration `documents.webhooks`). */
  readonly endpoints: Readonly<Record<string, string>>;
  readonly artifactsDir: string;
}

/** Receives of one message before SQS moves it to the dead-letter queue: with the backoff, about 1.5 hours. */
export const WEBHOOK_MAX_RECEIVES = 10;

/**
 * Signed webhooks (issue 19 item 3): producers (the document scrub and signing functions) enqueue
 * document events on `<env>-webhooks`; the sender (`<env>-webhooks` function, functions/webhooks)
 * takes them through an event source mapping with partial batch failures, signs each with the
 * tenant's secret (`<env>/webhooks/<tenant>`, stored by an operator, read only by the sender) and
 * posts it through the controlled egress path, whose firewall passes only the endpoints' hosts.
 * Failures come back with backoff; after WEBHOOK_MAX_RECEIVES receives, or at once when the endpoint
 * refuses for good, a message goes to `<env>-webhooks-dlq`: nothing is lost.
 */
export class WebhookDelivery extends Construct {
  readonly queue: SqsQueue;
  readonly deadLetterQueue: SqsQueue;
  readonly sender: LambdaFunction;
  readonly secrets: Readonly<Record<string, SecretsmanagerSecret>>;

  /** Host names the sender reaches (the egress allowlist). */
  static allowedDomains(endpoints: Readonly<Record<string, string>>): string[] {
    return [...new Set(Object.values(endpoints).map((url) => new URL(url).hostname))].sort();
  }

  constructor(scope: Construct, id: string, props: WebhookDeliveryProps) {
    super(scope, id);
    const { placement, environment: env, key } = props;
    this.deadLetterQueue = new SqsQueue(this, "dead-letter-queue", {
      provider: placement.provider,
      name: `${env}-webhooks-dlq`,
      kmsMasterKeyId: key.keyArn,
      messageRetentionSeconds: 14 * 24 * 3600,
    });
    this.queue = new SqsQueue(this, "queue", {
      provider: placement.provider,
      name: `${env}-webhooks`,
      kmsMasterKeyId: key.keyArn,
      messageRetentionSeconds: 4 * 24 * 3600,
      // Six times the function's timeout, as AWS advises for event source mappings.
      visibilityTimeoutSeconds: 6 * props.sizing.timeoutSeconds,
      redrivePolicy: JSON.stringify({
        deadLetterTargetArn: this.deadLetterQueue.arn,
        maxReceiveCount: WEBHOOK_MAX_RECEIVES,
      }),
    });
    this.secrets = Object.fromEntries(
      Object.keys(props.endpoints)
        .sort()
        .map((tenant) => [tenant, this.secretOf(props, tenant)]),
    );
    this.sender = this.createSender(props);
  }

  /** The tenant's signing secret: its value (`whsec_…`) is stored by an operator, never by Terraform. */
  private secretOf(props: WebhookDeliveryProps, tenant: string): SecretsmanagerSecret {
    return new SecretsmanagerSecret(this, `secret-${tenant}`, {
      provider: props.placement.provider,
      name: `${props.environment}/webhooks/${tenant}`,
      description: `Webhook signing secret of tenant ${tenant} (whsec_…; during a rotation the new and the old one, newest first); stored by an operator, shared with the tenant's receiver`,
      kmsKeyId: props.key.keyArn,
      recoveryWindowInDays: 30,
      tags: {
        Tenant: tenant,
        "sip:exception": WEBHOOK_SECRET_EXCEPTION,
        "sip:justification":
          "Shared with the tenant's receiver, which must install each new value: rotated by an operator with the tenant (docs/deploy.md), not by a rotation function",
      },
    });
  }

  /** The sender: reads the queue (event source mapping), the tenants' secrets, and posts through the egress path. */
  private createSender(props: WebhookDeliveryProps): LambdaFunction {
    const { placement, environment: env } = props;
    const sender = new LambdaFunction(this, "sender", {
      placement,
      functionName: `${env}-webhooks`,
      zipFile: join(props.artifactsDir, "webhooks.zip"),
      network: props.network,
      allowInternetEgress: true,
      key: props.key,
      reservedConcurrency: props.sizing.reservedConcurrency,
      memorySizeMb: props.sizing.memorySizeMb,
      timeoutSeconds: props.sizing.timeoutSeconds,
      environment: {
        WEBHOOK_ENDPOINTS: JSON.stringify(Object.fromEntries(Object.entries(props.endpoints).sort())),
        WEBHOOK_SECRET_PREFIX: `${env}/webhooks/`,
        WEBHOOK_QUEUE_URL: this.queue.url,
        WEBHOOK_DEAD_LETTER_QUEUE_URL: this.deadLetterQueue.url,
      },
      tags: {
        "sip:exception": EGRESS_WORKLOAD,
        "sip:justification":
          "Delivers tenants' document events to their configured webhook endpoints, and nowhere else",
      },
    });
    sender.addToPrincipalPolicy({
      Sid: "ConsumeWebhookQueue",
      Effect: "Allow",
      Action: ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:ReceiveMessage"],
      Resource: this.queue.arn,
    });
    sender.addToPrincipalPolicy({
      Sid: "DeadLetterUndeliverable",
      Effect: "Allow",
      Action: "sqs:SendMessage",
      Resource: this.deadLetterQueue.arn,
    });
    const secrets = Object.values(this.secrets);
    if (secrets.length > 0)
      sender.addToPrincipalPolicy({
        Sid: "ReadTenantWebhookSecrets",
        Effect: "Allow",
        Action: "secretsmanager:GetSecretValue",
        Resource: secrets.map((s) => s.arn),
      });
    new LambdaEventSourceMapping(this, "queue-mapping", {
      provider: placement.provider,
      eventSourceArn: this.queue.arn,
      functionName: sender.function.functionName,
      batchSize: 10,
      functionResponseTypes: ["ReportBatchItemFailures"],
    });
    return sender;
  }

  /** Lets a producer enqueue events. */
  grantPublish(producer: LambdaFunction, sid = "PublishWebhookEvents"): void {
    producer.addToPrincipalPolicy({ Sid: sid, Effect: "Allow", Action: "sqs:SendMessage", Resource: this.queue.arn });
  }
}
