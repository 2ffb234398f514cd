import { EnvironmentEncryptedWithCmk } from "../../rules/lambda/EnvironmentEncryptedWithCmk";
import { FunctionConcurrency } from "../../rules/lambda/FunctionConcurrency";
import { FunctionDeadLetter } from "../../rules/lambda/FunctionDeadLetter";
import { FunctionInVpc } from "../../rules/lambda/FunctionInVpc";
import { FunctionNotPublic } from "../../rules/lambda/FunctionNotPublic";
import { FunctionTracing } from "../../rules/lambda/FunctionTracing";
import { NoSecretsInEnvironment } from "../../rules/lambda/NoSecretsInEnvironment";
import { RuntimeSupported } from "../../rules/lambda/RuntimeSupported";
import { describeRules } from "../harness";

const C = ["lambda/compliant.tf.json"];
const n = (rule: string, i: number) => `lambda/${rule}/noncompliant-${i}.tf.json`;
const F = "aws_lambda_function.f";

describeRules([
  {
    rule: RuntimeSupported,
    compliant: C,
    noncompliant: [
      [n("RuntimeSupported", 1), ["aws_lambda_function.f"]],
      // a runtime the checker cannot evaluate fails closed
      [n("RuntimeSupported", 2), ["aws_lambda_function.f"]],
    ],
  },
  {
    rule: FunctionInVpc,
    compliant: C,
    noncompliant: [
      [n("FunctionInVpc", 1), [F]],
      [n("FunctionInVpc", 2), [F]],
      // issue 15 probe: blank subnet or security group IDs name no VPC
      [n("FunctionInVpc", 3), ["aws_lambda_function.blank-group", "aws_lambda_function.blank-subnet"]],
    ],
  },
  {
    rule: FunctionDeadLetter,
    compliant: C,
    noncompliant: [
      [n("FunctionDeadLetter", 1), [F]],
      // Issue 15 probe: the only on-failure destination is an invoke config with count = 0, never created.
      [n("FunctionDeadLetter", 2), [F]],
    ],
  },
  {
    rule: FunctionConcurrency,
    compliant: C,
    noncompliant: [
      [n("FunctionConcurrency", 1), [F]],
      [n("FunctionConcurrency", 2), [F]],
      // Issue 15 probe: "-1e0" is -1 (unreserved) to Terraform but was not a number the rule recognised.
      [n("FunctionConcurrency", 3), [F]],
      // issue 15 probe: Infinity and 5.5 are no whole number of executions
      [n("FunctionConcurrency", 4), ["aws_lambda_function.fraction", "aws_lambda_function.infinity"]],
    ],
  },
  {
    rule: NoSecretsInEnvironment,
    compliant: C,
    noncompliant: [[n("NoSecretsInEnvironment", 1), [F, "aws_lambda_function.g"]]],
  },
  {
    rule: FunctionNotPublic,
    compliant: C,
    noncompliant: [
      [
        n("FunctionNotPublic", 1),
        ["aws_lambda_function_url.f", "aws_lambda_permission.anyone", "aws_lambda_permission.unbound"],
      ],
      // issue 15 probes: a wildcard source_arn (any bucket, any account) binds nothing; a mixed-case principal
      [
        n("FunctionNotPublic", 2),
        ["aws_lambda_permission.any-account", "aws_lambda_permission.any-bucket", "aws_lambda_permission.upper"],
      ],
    ],
  },
  {
    rule: EnvironmentEncryptedWithCmk,
    compliant: C,
    noncompliant: [
      [n("EnvironmentEncryptedWithCmk", 1), [F]],
      // Issue 15 probe: kms_key_arn is the AWS managed aws/lambda key, looked up through data.aws_kms_alias.
      [n("EnvironmentEncryptedWithCmk", 2), [F]],
      // issue 15 probe: a literal key ARN of another account than the provider's allowed_account_ids
      [n("EnvironmentEncryptedWithCmk", 3), ["aws_lambda_function.foreign"]],
    ],
  },
  { rule: FunctionTracing, compliant: C, noncompliant: [[n("FunctionTracing", 1), [F]]] },
]);
