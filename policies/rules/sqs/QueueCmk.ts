import { literalBool, literalString } from "../../core/json";
import { customerKeyProblem } from "../../core/keys";
import { resolveReference } from "../../core/references";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Queues (the functions' dead-letter queues hold event payloads) are encrypted with a customer managed key. */
export const QueueCmk = defineRule({
  id: "SIP-SQS-1",
  name: "QueueCmk",
  service: "sqs",
  severity: "error",
  suppressible: true,
  info: "The queue is not encrypted with a customer managed KMS key.",
  explanation:
    "Dead-letter queues keep the events that failed, with bucket names and object keys, for days. With SQS-managed or AWS-managed encryption anyone allowed to read the queue reads them; a customer managed key adds a reviewed key policy and an audit trail of every decrypt.",
  fix: "Set kms_master_key_id to the ARN of a customer managed aws_kms_key (the functions key) and leave sqs_managed_sse_enabled unset. A literal key ARN counts only in the account and partition of the provider, which must state its account (allowed_account_ids).",
  anchors: {
    checkov: ["CKV_AWS_27"],
    trivy: ["AVD-AWS-0096", "AVD-AWS-0135"],
    cdkNag: ["AwsSolutions-SQS2"],
  },
  reads: [
    {
      type: "aws_sqs_queue",
      attribute: "kms_master_key_id",
      as: "reference",
      passes:
        "a reference to an aws_kms_key or aws_kms_alias of this configuration, or a literal key ARN in the partition and account of the block's provider (allowed_account_ids)",
    },
    {
      type: "aws_sqs_queue",
      attribute: "sqs_managed_sse_enabled",
      as: "literal",
      passes: "leaving it out, or a literal false",
    },
  ],
  evaluate({ template }) {
    const queues = resourcesOfType(template, "aws_sqs_queue");
    const violations: Violation[] = [];
    for (const q of queues) {
      const key = q.values.kms_master_key_id;
      const target = resolveReference(template, key)?.resource;
      const literal = literalString(key);
      if (literalBool(q.values.sqs_managed_sse_enabled) === true)
        violations.push({
          address: q.address,
          detail: "sqs_managed_sse_enabled is true: SQS-managed keys, no key policy of ours",
        });
      else if (key === undefined || key === null || key === "")
        violations.push({ address: q.address, detail: "no kms_master_key_id: SQS-managed encryption at best" });
      else if (customerKeyProblem(template, q, key) !== undefined)
        violations.push({ address: q.address, detail: `kms_master_key_id: ${customerKeyProblem(template, q, key)}` });
      else if (target?.type === "aws_kms_key" || target?.type === "aws_kms_alias") continue;
      else if (literal === undefined)
        violations.push({
          address: q.address,
          detail: `kms_master_key_id ${JSON.stringify(key)} could not be evaluated`,
        });
    }
    return verdict(queues.length, violations);
  },
});
