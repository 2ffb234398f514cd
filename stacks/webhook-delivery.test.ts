import { describe, expect, it } from "vitest";
import { resourcesOf, synthDeployment, validConfig } from "../test/template";

const { json } = synthDeployment(validConfig());
const statementsOf = (policyName: string) =>
  JSON.parse(String(resourcesOf(json, "aws_iam_role_policy")[policyName]?.policy)).Statement as Array<{
    Sid: string;
    Action: string | string[];
    Resource: string | string[];
  }>;

describe("webhook delivery", () => {
  it("queues events encrypted, retries them, and dead-letters them after ten receives", () => {
    const queues = resourcesOf(json, "aws_sqs_queue");
    expect(queues.webhooks_queue).toMatchObject({
      name: "example-webhooks",
      kms_master_key_id: "${aws_kms_key.sovereign-key-functions_key.arn}",
      visibility_timeout_seconds: 360,
    });
    expect(JSON.parse(String(queues.webhooks_queue?.redrive_policy))).toEqual({
      deadLetterTargetArn: "${aws_sqs_queue.webhooks_dead-letter-queue.arn}",
      maxReceiveCount: 10,
    });
    expect(queues["webhooks_dead-letter-queue"]).toMatchObject({
      name: "example-webhooks-dlq",
      kms_master_key_id: "${aws_kms_key.sovereign-key-functions_key.arn}",
      message_retention_seconds: 1209600,
    });
    expect(Object.values(resourcesOf(json, "aws_lambda_event_source_mapping"))).toEqual([
      expect.objectContaining({
        event_source_arn: "${aws_sqs_queue.webhooks_queue.arn}",
        function_name: "${aws_lambda_function.webhooks_sender_function.function_name}",
        function_response_types: ["ReportBatchItemFailures"],
      }),
    ]);
  });

  it("keeps each tenant's secret in Secrets Manager under the functions' key, its value never in Terraform", () => {
    const secrets = resourcesOf(json, "aws_secretsmanager_secret");
    expect(secrets["webhooks_secret-acme-health"]).toMatchObject({
      name: "example/webhooks/acme-health",
      kms_key_id: "${aws_kms_key.sovereign-key-functions_key.arn}",
      tags: expect.objectContaining({ Tenant: "acme-health", "sip:exception": "webhook-shared-secret" }),
    });
    expect(resourcesOf(json, "aws_secretsmanager_secret_version")).toEqual({});
  });

  it("runs the sender behind the egress path with the endpoints, and lets it read the queue and the secrets only", () => {
    const sender = resourcesOf(json, "aws_lambda_function").webhooks_sender_function;
    expect(sender?.vpc_config).toMatchObject({
      subnet_ids: ["${aws_subnet.sovereign-network_controlled-egress_workload-subnet.id}"],
    });
    expect((sender?.environment as { variables?: Record<string, string> } | undefined)?.variables).toEqual({
      WEBHOOK_ENDPOINTS: '{"acme-health":"https://hooks.acme-health.example.org/sip/documents"}',
      WEBHOOK_SECRET_PREFIX: "example/webhooks/",
      WEBHOOK_QUEUE_URL: "${aws_sqs_queue.webhooks_queue.url}",
      WEBHOOK_DEAD_LETTER_QUEUE_URL: "${aws_sqs_queue.webhooks_dead-letter-queue.url}",
    });
    const bySid = Object.fromEntries(statementsOf("webhooks_sender_role-policy").map((s) => [s.Sid, s]));
    expect(bySid.ConsumeWebhookQueue?.Resource).toBe("${aws_sqs_queue.webhooks_queue.arn}");
    expect(bySid.ReadTenantWebhookSecrets).toMatchObject({
      Action: "secretsmanager:GetSecretValue",
      Resource: ["${aws_secretsmanager_secret.webhooks_secret-acme-health.arn}"],
    });
    expect(JSON.stringify(statementsOf("webhooks_sender_role-policy"))).not.toMatch(/s3:|kms:Sign/);
  });

  it("lets only the document scrub and signing functions enqueue events", () => {
    const publishers = Object.keys(resourcesOf(json, "aws_iam_role_policy"))
      .filter((name) => statementsOf(name).some((s) => s.Sid === "PublishWebhookEvents"))
      .sort();
    expect(publishers).toEqual(["document-pipeline_scrub_role-policy", "document-pipeline_signing_role-policy"]);
    const scrub = resourcesOf(json, "aws_lambda_function")["document-pipeline_scrub_function"];
    expect(
      (scrub?.environment as { variables?: Record<string, string> } | undefined)?.variables?.WEBHOOK_QUEUE_URL,
    ).toBe("${aws_sqs_queue.webhooks_queue.url}");
  });
});
