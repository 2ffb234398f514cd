import { DomainNameTls12 } from "../../rules/apigatewayv2/DomainNameTls12";
import { RouteAuthorization } from "../../rules/apigatewayv2/RouteAuthorization";
import { StageAccessLogging } from "../../rules/apigatewayv2/StageAccessLogging";
import { LogGroupKms } from "../../rules/logs/LogGroupKms";
import { LogGroupRetention } from "../../rules/logs/LogGroupRetention";
import { SecretCmk } from "../../rules/secretsmanager/SecretCmk";
import { SecretRotation } from "../../rules/secretsmanager/SecretRotation";
import { SecretRotationInterval } from "../../rules/secretsmanager/SecretRotationInterval";
import { describeRules } from "../harness";

describeRules([
  {
    rule: DomainNameTls12,
    compliant: ["apigatewayv2/compliant.tf.json"],
    noncompliant: [
      [
        "apigatewayv2/DomainNameTls12/noncompliant-1.tf.json",
        ["aws_api_gateway_domain_name.rest-default", "aws_apigatewayv2_domain_name.old"],
      ],
    ],
  },
  {
    rule: SecretRotationInterval,
    compliant: ["secretsmanager/compliant.tf.json"],
    noncompliant: [
      ["secretsmanager/SecretRotationInterval/noncompliant-1.tf.json", ["aws_secretsmanager_secret_rotation.s"]],
      // a yearly cron: not shown to rotate within 90 days
      ["secretsmanager/SecretRotationInterval/noncompliant-2.tf.json", ["aws_secretsmanager_secret_rotation.s"]],
      // issue 15 probes: a monthly cron limited to one year, the fifth Monday, a yearly schedule beside 30 days
      [
        "secretsmanager/SecretRotationInterval/noncompliant-3.tf.json",
        [
          "aws_secretsmanager_secret_rotation.both",
          "aws_secretsmanager_secret_rotation.fifth-monday",
          "aws_secretsmanager_secret_rotation.one-year",
        ],
      ],
    ],
  },
  {
    rule: SecretCmk,
    compliant: ["secretsmanager/compliant.tf.json"],
    noncompliant: [
      ["secretsmanager/SecretCmk/noncompliant-1.tf.json", ["aws_secretsmanager_secret.s"]],
      ["secretsmanager/SecretCmk/noncompliant-2.tf.json", ["aws_secretsmanager_secret.s"]],
      // Issue 15 probe: kms_key_id is the AWS managed aws/secretsmanager key, looked up through data.aws_kms_key.
      ["secretsmanager/SecretCmk/noncompliant-3.tf.json", ["aws_secretsmanager_secret.s"]],
      // issue 15 probe: a literal key ARN of another account than the provider's allowed_account_ids
      ["secretsmanager/SecretCmk/noncompliant-4.tf.json", ["aws_secretsmanager_secret.foreign"]],
    ],
  },
  {
    rule: SecretRotation,
    compliant: ["secretsmanager/compliant.tf.json"],
    noncompliant: [
      ["secretsmanager/SecretRotation/noncompliant-1.tf.json", ["aws_secretsmanager_secret.s"]],
      // Issue 15 probe: the secret's only rotation has count = "0", so Terraform never creates it.
      ["secretsmanager/SecretRotation/noncompliant-2.tf.json", ["aws_secretsmanager_secret.s"]],
    ],
  },
  {
    rule: RouteAuthorization,
    compliant: ["apigatewayv2/compliant.tf.json"],
    noncompliant: [
      [
        "apigatewayv2/RouteAuthorization/noncompliant-1.tf.json",
        ["aws_apigatewayv2_route.jwt", "aws_apigatewayv2_route.none", "aws_apigatewayv2_route.unset"],
      ],
      // Issue 15 probe: quick create (target on the API) makes a $default route with authorization NONE and no route block.
      ["apigatewayv2/RouteAuthorization/noncompliant-2.tf.json", ["aws_apigatewayv2_api.upload"]],
      // Issue 15 probe: an OpenAPI body declares an unauthenticated POST /uploads without a route block.
      ["apigatewayv2/RouteAuthorization/noncompliant-3.tf.json", ["aws_apigatewayv2_api.upload"]],
      // Issue 15 probe: authorizer_id "abc123" names an authorizer created outside this configuration (it may allow everyone).
      ["apigatewayv2/RouteAuthorization/noncompliant-4.tf.json", ["aws_apigatewayv2_route.presign"]],
      // GET /health without authorization whose function has an environment, reads S3, or is not tagged; another route key.
      [
        "apigatewayv2/RouteAuthorization/noncompliant-5.tf.json",
        [
          "aws_apigatewayv2_route.health-env",
          "aws_apigatewayv2_route.health-reads",
          "aws_apigatewayv2_route.health-untagged",
          "aws_apigatewayv2_route.status",
        ],
      ],
    ],
  },
  {
    rule: StageAccessLogging,
    compliant: ["apigatewayv2/compliant.tf.json"],
    noncompliant: [["apigatewayv2/StageAccessLogging/noncompliant-1.tf.json", ["aws_apigatewayv2_stage.default"]]],
  },
  {
    rule: LogGroupKms,
    compliant: ["logs/compliant.tf.json"],
    noncompliant: [
      ["logs/LogGroupKms/noncompliant-1.tf.json", ["aws_cloudwatch_log_group.fn"]],
      // issue 15 probe: a literal key ARN of another account, directly and looked up through data.aws_kms_key
      [
        "logs/LogGroupKms/noncompliant-2.tf.json",
        ["aws_cloudwatch_log_group.foreign", "aws_cloudwatch_log_group.looked-up"],
      ],
    ],
  },
  {
    rule: LogGroupRetention,
    compliant: ["logs/compliant.tf.json"],
    noncompliant: [
      ["logs/LogGroupRetention/noncompliant-1.tf.json", ["aws_cloudwatch_log_group.fn"]],
      [
        "logs/LogGroupRetention/noncompliant-2.tf.json",
        ["aws_cloudwatch_log_group.clean", "aws_cloudwatch_log_group.short"],
      ],
      // issue 15 probe: functions whose log group is not declared (Lambda creates it without retention)
      [
        "logs/LogGroupRetention/noncompliant-3.tf.json",
        ["aws_lambda_function.no-group", "aws_lambda_function.other-region", "aws_lambda_function.undeclared-custom"],
      ],
    ],
  },
]);
