import { DataClassPartition } from "../../rules/residency/DataClassPartition";
import { NoCrossPartitionReplication } from "../../rules/residency/NoCrossPartitionReplication";
import { NoGlobalEndpoints } from "../../rules/residency/NoGlobalEndpoints";
import { PartitionConsistentReferences } from "../../rules/residency/PartitionConsistentReferences";
import { ProviderPinned } from "../../rules/residency/ProviderPinned";
import { RegionInEu } from "../../rules/residency/RegionInEu";
import { describeRules } from "../harness";

const C = ["residency/compliant.tf.json"];
const n = (rule: string, i: number) => `residency/${rule}/noncompliant-${i}.tf.json`;

describeRules([
  {
    rule: ProviderPinned,
    compliant: C,
    noncompliant: [
      [n("ProviderPinned", 1), ["aws_s3_bucket.unpinned"]],
      [n("ProviderPinned", 2), ["aws_kms_key.k", "data.aws_caller_identity.me"]],
      [n("ProviderPinned", 3), ["aws_s3_bucket.b", "provider.aws"]],
      [n("ProviderPinned", 4), ["module.default", "module.pinned", "module.undeclared", "module.unpinned"]],
      // issue 15 probe: module calls pinned to the declared aliases still hide their blocks from every rule
      [n("ProviderPinned", 5), ["module.local", "module.public-bucket"]],
    ],
  },
  {
    rule: RegionInEu,
    compliant: C,
    noncompliant: [
      [n("RegionInEu", 1), ["provider.aws.commercial"]],
      // the providers, and the resource on one of them, where a reviewer looks
      [n("RegionInEu", 2), ["aws_kms_key.k", "provider.aws.commercial", "provider.aws.sovereign"]],
      [n("RegionInEu", 3), ["aws_dynamodb_table.t", "aws_sqs_queue.q"]],
      [n("RegionInEu", 4), ["aws_dynamodb_global_table.g", "aws_ecr_replication_configuration.r"]],
    ],
  },
  {
    rule: DataClassPartition,
    compliant: C,
    noncompliant: [
      [n("DataClassPartition", 1), ["aws_s3_bucket.c"]],
      [n("DataClassPartition", 2), ["aws_s3_bucket.typo", "aws_secretsmanager_secret.s"]],
      [
        n("DataClassPartition", 4),
        ["aws_cognito_user_pool.users", "aws_kinesis_stream.events", "aws_s3_bucket_object.scan"],
      ],
      [n("DataClassPartition", 5), ["aws_sfn_state_machine.requests"]],
    ],
  },
  {
    // Without a deployment configuration every data class is sovereign-only.
    rule: DataClassPartition,
    config: "none",
    compliant: [],
    noncompliant: [[n("DataClassPartition", 3), ["aws_kms_key.ck", "aws_s3_bucket.c"]]],
  },
  {
    rule: PartitionConsistentReferences,
    compliant: C,
    noncompliant: [
      [n("PartitionConsistentReferences", 1), ["aws_kms_key.k"]],
      [
        n("PartitionConsistentReferences", 2),
        ["aws_lambda_function.f", "aws_s3_bucket_server_side_encryption_configuration.c"],
      ],
      [n("PartitionConsistentReferences", 3), ["aws_vpc_endpoint.s3", "provider.aws.sovereign"]],
      [n("PartitionConsistentReferences", 4), ["aws_cloudwatch_metric_alarm.a"]],
      [n("PartitionConsistentReferences", 5), ["aws_s3_bucket_policy.p"]],
      // issue 15 probe: the commercial partition's dual-stack endpoint (api.aws) in a sovereign function
      [n("PartitionConsistentReferences", 6), ["aws_lambda_function.commercial-dual-stack"]],
      // A metric filter pattern: eventSource values are service identifiers, anything else a commercial endpoint
      [n("PartitionConsistentReferences", 7), ["aws_cloudwatch_log_metric_filter.f"]],
    ],
  },
  {
    rule: NoGlobalEndpoints,
    compliant: C,
    noncompliant: [
      [n("NoGlobalEndpoints", 1), ["aws_lambda_function.f"]],
      [n("NoGlobalEndpoints", 2), ["provider.aws.commercial"]],
      [n("NoGlobalEndpoints", 3), ["aws_vpc_endpoint.global"]],
      [
        n("NoGlobalEndpoints", 4),
        [
          "aws_lambda_function.capitals",
          "aws_lambda_function.indirect",
          "aws_lambda_function.us",
          "aws_vpc_endpoint.us",
          "provider.aws.commercial",
        ],
      ],
      // issue 15 probe: dual-stack endpoints (api.aws) of us-east-1
      [n("NoGlobalEndpoints", 5), ["aws_lambda_function.us-dual-stack", "provider.aws.commercial"]],
      // issue 15 probes: endpoints named outside Lambda environments (API integrations, SNS subscriptions,
      // EventBridge API destinations, Step Functions definitions, ECS container definitions)
      [
        n("NoGlobalEndpoints", 6),
        [
          "aws_api_gateway_integration.global",
          "aws_apigatewayv2_integration.global",
          "aws_apigatewayv2_integration.service",
          "aws_cloudwatch_event_api_destination.global",
          "aws_ecs_task_definition.us",
          "aws_sfn_state_machine.us",
          "aws_sns_topic_subscription.indirect",
          "aws_sns_topic_subscription.us",
        ],
      ],
    ],
  },
  {
    rule: NoCrossPartitionReplication,
    compliant: C,
    noncompliant: [
      [n("NoCrossPartitionReplication", 1), ["aws_s3_bucket_replication_configuration.b"]],
      [n("NoCrossPartitionReplication", 2), ["aws_dynamodb_table.clean", "aws_dynamodb_table.t"]],
      [n("NoCrossPartitionReplication", 3), ["aws_iam_role.r"]],
      [n("NoCrossPartitionReplication", 4), ["aws_dynamodb_global_table.g", "aws_ecr_replication_configuration.r"]],
    ],
  },
]);
