import { firstBlock, literalNumber, literalString } from "../../core/json";
import { customerKeyProblem } from "../../core/keys";
import { resolveReference } from "../../core/references";
import { resourcesOfType } from "../../core/template";
import { unevaluableExpression } from "../../core/unknowns";
import { defineRule, type Violation, verdict } from "../../core/types";

/** The range of kms_data_key_reuse_period_seconds that Step Functions accepts. */
const REUSE_MIN = 60;
const REUSE_MAX = 900;

/**
 * The state machine's definition and execution history (each request's input: the subject's
 * pseudonym, the tenant, the reason) are encrypted with a customer managed key of this configuration.
 */
export const StateMachineCmk = defineRule({
  id: "SIP-SFN-2",
  name: "StateMachineCmk",
  service: "sfn",
  severity: "error",
  suppressible: true,
  info: "The Step Functions state machine is not encrypted with a customer managed KMS key of this configuration.",
  explanation:
    "Step Functions keeps every execution's input, output and history for 90 days after it ends: for the data-subject request workflow that is the subject's pseudonym, the tenant and the reason of the request, and the results of exports and erasures. With the AWS owned key (the default) AWS decides who decrypts it and no key policy or CloudTrail record of ours stands in between; with a customer managed key the platform's key policy decides, every decrypt is recorded, and disabling the key makes the history unreadable. A data key is reused for at most kms_data_key_reuse_period_seconds, which Step Functions accepts from 60 to 900 seconds only.",
  fix: `Set encryption_configuration with type = "CUSTOMER_MANAGED_KMS_KEY" and kms_key_id = "\${aws_kms_key.<name>.arn}" (an aws_kms_key of this configuration whose policy lets the state machine's role use it through states.<region>.<dns suffix>); kms_data_key_reuse_period_seconds may stay unset (300) or be a literal from 60 to 900. A literal key ARN counts only in the account and partition of the provider, which must state its account (allowed_account_ids).`,
  anchors: {},
  reads: [
    {
      type: "aws_sfn_state_machine",
      attribute: "encryption_configuration.type",
      as: "literal",
      passes: 'a literal "CUSTOMER_MANAGED_KMS_KEY"',
    },
    {
      type: "aws_sfn_state_machine",
      attribute: "encryption_configuration.kms_key_id",
      as: "reference",
      passes:
        "a reference to an aws_kms_key or aws_kms_alias of this configuration, or a literal key ARN in the partition and account of the block's provider (allowed_account_ids)",
    },
    {
      type: "aws_sfn_state_machine",
      attribute: "encryption_configuration.kms_data_key_reuse_period_seconds",
      as: "literal",
      passes: `leaving it out, or a literal number of seconds from ${REUSE_MIN} to ${REUSE_MAX}`,
    },
  ],
  evaluate({ template }) {
    const machines = resourcesOfType(template, "aws_sfn_state_machine");
    const violations: Violation[] = [];
    for (const m of machines) {
      const encryption = firstBlock(m.values.encryption_configuration);
      if (encryption === undefined) {
        violations.push({
          address: m.address,
          detail:
            "no encryption_configuration: the definition and execution history are encrypted with an AWS owned key",
        });
        continue;
      }
      const problems: string[] = [];
      const type = encryption.type;
      const literalType = literalString(type);
      if (type === undefined || type === null || type === "")
        problems.push("encryption_configuration.type is not set: CUSTOMER_MANAGED_KMS_KEY is what passes");
      else if (literalType === "AWS_OWNED_KEY")
        problems.push("encryption_configuration.type is AWS_OWNED_KEY: an AWS owned key, no key policy of ours");
      else if (typeof type !== "string" || (literalType !== undefined && literalType !== "CUSTOMER_MANAGED_KMS_KEY"))
        problems.push(
          `encryption_configuration.type ${JSON.stringify(type)} is not CUSTOMER_MANAGED_KMS_KEY (Step Functions knows AWS_OWNED_KEY and CUSTOMER_MANAGED_KMS_KEY)`,
        );

      const key = encryption.kms_key_id;
      if (key === undefined || key === null || key === "")
        problems.push("encryption_configuration.kms_key_id is not set: no customer managed key is named");
      else if (customerKeyProblem(template, m, key) !== undefined)
        problems.push(`encryption_configuration.kms_key_id: ${customerKeyProblem(template, m, key)}`);
      else if (unevaluableExpression(key, "reference") === undefined && literalString(key) === undefined) {
        // Computed from blocks of the configuration: it must be one of its keys (or aliases).
        const target = resolveReference(template, key)?.resource;
        if (target === undefined)
          problems.push(
            `encryption_configuration.kms_key_id ${JSON.stringify(key)} is not a reference to an aws_kms_key or aws_kms_alias of this configuration`,
          );
        else if (target.type !== "aws_kms_key" && target.type !== "aws_kms_alias")
          problems.push(
            `encryption_configuration.kms_key_id refers to ${target.address}, not to an aws_kms_key or aws_kms_alias`,
          );
      }

      const reuse = encryption.kms_data_key_reuse_period_seconds;
      if (reuse !== undefined && reuse !== null && unevaluableExpression(reuse, "literal") === undefined) {
        const seconds = literalNumber(reuse);
        if (seconds === undefined || !Number.isInteger(seconds) || seconds < REUSE_MIN || seconds > REUSE_MAX)
          problems.push(
            `encryption_configuration.kms_data_key_reuse_period_seconds is ${JSON.stringify(reuse)}: Step Functions accepts a whole number of seconds from ${REUSE_MIN} to ${REUSE_MAX}`,
          );
      }
      if (problems.length > 0) violations.push({ address: m.address, detail: problems.join("; ") });
    }
    return verdict(machines.length, violations);
  },
});
