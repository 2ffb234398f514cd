import { QueueCmk } from "../../rules/sqs/QueueCmk";
import { QueuePolicyNotPublic } from "../../rules/sqs/QueuePolicyNotPublic";
import { describeRules } from "../harness";

const C = ["sqs/compliant.tf.json"];
const n = (rule: string, i: number) => `sqs/${rule}/noncompliant-${i}.tf.json`;

describeRules([
  {
    rule: QueueCmk,
    compliant: C,
    noncompliant: [
      // SQS-managed encryption
      [n("QueueCmk", 1), ["aws_sqs_queue.dlq"]],
      // the AWS managed key
      [n("QueueCmk", 2), ["aws_sqs_queue.dlq"]],
      // no key at all
      [n("QueueCmk", 3), ["aws_sqs_queue.dlq"]],
      // an empty kms_master_key_id names no key
      [n("QueueCmk", 4), ["aws_sqs_queue.dlq"]],
      // Issue 15 probe: kms_master_key_id is the AWS managed aws/sqs key, looked up through data.aws_kms_alias.
      [n("QueueCmk", 5), ["aws_sqs_queue.dlq"]],
      // issue 15 probe: a literal key ARN of another account than the provider's allowed_account_ids
      [n("QueueCmk", 6), ["aws_sqs_queue.foreign"]],
    ],
  },
  {
    rule: QueuePolicyNotPublic,
    compliant: C,
    noncompliant: [
      [n("QueuePolicyNotPublic", 1), ["aws_sqs_queue_policy.dlq"]],
      // aws:SourceArn matching every bucket of every account
      [n("QueuePolicyNotPublic", 2), ["aws_sqs_queue_policy.dlq"]],
      // a document the checker cannot evaluate fails closed
      [n("QueuePolicyNotPublic", 3), ["aws_sqs_queue_policy.dlq"]],
      // a principal ARN with a wildcard account names that role in every account
      [n("QueuePolicyNotPublic", 4), ["aws_sqs_queue_policy.dlq"]],
      // issue 15 probes: Allow with NotPrincipal; ForAllValues on aws:PrincipalAccount (true when absent)
      [n("QueuePolicyNotPublic", 5), ["aws_sqs_queue_policy.dlq"]],
      [n("QueuePolicyNotPublic", 6), ["aws_sqs_queue_policy.dlq"]],
    ],
  },
]);
