/**
 * Peer comparison: our rules against checkov's own test fixtures for the checks they name in
 * `anchors.checkov` (converted to Terraform JSON under peer/checkov/, see SOURCE.md there). Each
 * pair (our rule, checkov ID) runs only our rule on each fixture and compares, per resource address
 * checkov's tests assert, our verdict with checkov's. A disagreement fails the test unless it is
 * listed in DISAGREEMENTS with its reason; a listed one that no longer occurs fails it too.
 *
 * Our verdict at a checkov address is FAILED when our rule reports a violation at that address, or
 * at a block tied to it that checkov's test does not itself judge: a block that refers to it or
 * that it refers to (`aws_s3_bucket_versioning` for its bucket, a bucket for its inline policy's
 * document), or an S3 configuration resource naming the bucket literally. Otherwise PASSED.
 * checkov's for_each instances (`aws_x.y["k"]`) are judged on the block `aws_x.y`, since the
 * checker reads configurations with their for_each unexpanded.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadTemplates } from "../check";
import { bucketOf } from "../core/buckets";
import { referencesIn } from "../core/references";
import type { Template, TfResource } from "../core/template";
import type { Rule } from "../core/types";
import { BASELINE_PACK } from "../packs/baseline";
import { evaluate, exampleConfig } from "./harness";

const PEER = join(__dirname, "peer", "checkov");

type Verdict = "PASSED" | "FAILED";

interface Listed {
  readonly rule: string;
  readonly checkov: string;
  /** `<case>/<address>` as in the fixture's expected.json. */
  readonly at: string;
  readonly ours: Verdict;
  readonly reason: string;
}

/** The reasons, shared by the disagreements they explain. */
const R = {
  ACL: "stricter by design: SIP-S3-2 requires ACLs disabled (BucketOwnerEnforced ownership controls) on every bucket, not only the absence of public grants",
  PAB4: "stricter by design: SIP-S3-1 requires all four public access block settings, checkov's CKV2_AWS_6 only the ACL and policy blocks",
  CMK: "stricter by design: SIP-S3-3 requires SSE-KMS under a customer managed key; SSE-S3 (AES256, or S3's default encryption) has no key policy of ours",
  VAR: "stricter by design: the checker does not resolve Terraform variables or locals (it reads synthesized JSON); a value it cannot evaluate is a finding, so versioning named through var/local is not credited",
  LIFE: "stricter by design: SIP-S3-7 requires an enabled whole-bucket rule that expires current and noncurrent versions and aborts incomplete uploads; checkov's CKV2_AWS_61 accepts any lifecycle configuration",
  LIFEOUT:
    "narrower by design: SIP-S3-7 judges the lifecycle of each bucket the configuration declares; these lifecycle configurations name buckets the fixture does not declare, and a missing abort rule weakens no protection",
  NOTEQ:
    "stricter by design: ArnNotEquals aws:PrincipalArn excludes one principal and grants every other one, so the statement is public",
  BADACCT:
    "stricter by design: the condition's ARN has account 12345555555555, not a 12-digit account ID, so it names no caller the checker can verify",
  BADVPCE:
    "stricter by design: vpce-123abc456def7890g is not a valid VPC endpoint ID (g is not hex), so the condition names no endpoint the checker can verify",
  CTLOCK:
    "narrower by design: SIP-CT-3 requires object lock on the bucket CloudTrail writes to; checkov's CKV_AWS_143 judges every bucket that sets object_lock_configuration, and these buckets receive no trail",
  GLOBAL:
    "stricter by design: SIP-CT-4 also requires include_global_service_events, so that IAM and STS calls are logged",
  DEFAULTSUBNET:
    "stricter by design: an instance without subnet_id or network_interface starts in a default subnet of the default VPC, which assigns a public IP address; only associate_public_ip_address = false keeps it private (issue 15: leaving the argument out was a pass)",
  FOREACH:
    "stricter by design: the instance's public IP comes from for_each (each.value); the checker reads configurations with for_each unexpanded, cannot tell the instances apart, and fails closed: every instance of the block is a finding that says the value could not be evaluated",
  UNKNOWN:
    "stricter by design: the value comes from a variable, for_each, a dynamic block or a function the checker does not evaluate; it fails closed with a finding that says so (checkov resolves or skips it)",
  NFWTYPE:
    "stricter by design: with type AWS_OWNED_KMS_KEY the firewall policy is encrypted with an AWS-owned key whatever key_id names; only CUSTOMER_KMS uses the named key",
  LIST: 'narrower by design: SIP-IAM-7 flags data reads, writes and permissions management on Resource "*"; ec2:Describe* is List-level (metadata, not data), which the rule leaves to "*" like AWS\'s own read-only policies',
  INVALIDJSON:
    "narrower by design: the policy is not valid JSON (trailing commas), which IAM rejects; SIP-IAM-4 PolicyDocumentValid reports it, SIP-IAM-7 judges policies IAM would accept",
  INGRESS:
    "stricter by design: SIP-VPC-5 forbids any ingress from 0.0.0.0/0 or ::/0 (the platform has no internet-facing instances), not only SSH and RDP",
  NOSRC:
    "narrower by design: the ingress names no CIDR (only self = false, or no cidr_ipv4), so it opens nothing to the internet",
  ENVNOVARS:
    "narrower by design: SIP-LAMBDA-6 requires a customer managed key for environment variables; this function sets no environment variables, so there is nothing to encrypt (checkov also fails a key without variables, or an environment block without variables)",
  TRACE:
    "stricter by design: SIP-LAMBDA-7 requires tracing mode Active; PassThrough records no trace of the function's own calls",
  NOEFFECT:
    "narrower by design: a statement without Effect is invalid and IAM rejects the policy; SIP-IAM-4 PolicyDocumentValid reports it",
  DATADOC:
    "narrower by design: an aws_iam_policy_document data source grants nothing by itself; SIP-IAM-1 judges it through the identity policy that uses it",
  JWT: "stricter by design: a JWT route needs an authorizer_id naming the authorizer; without one the route is not protected as intended",
  RESTV1:
    "out of scope: the platform serves HTTP APIs (API Gateway v2) only; SIP-APIGW-2 judges aws_apigatewayv2_stage, not REST API stages (aws_api_gateway_stage)",
  RET: "stricter by design: SIP-LOGS-2 requires 365 to 3653 days of retention (audit evidence, and bounded retention for personal data); 3 days is too short and 0 never expires",
  SQSCMK:
    "stricter by design: SIP-SQS-1 requires a customer managed key; the AWS managed key (alias/aws/sqs) and SQS-managed SSE have no key policy of ours",
  SNS: "narrower by design: the Principal * statement is confined by ArnEquals aws:SourceArn to one SNS topic of the configuration, a caller-scoping condition",
  RUNTIME:
    "stricter by design: nodejs18.x reached end of support on 2025-09-01; SIP-LAMBDA-8's list of supported runtimes is newer than the fixture",
  ACCOUNT12:
    "stricter by design: SIP-LAMBDA-5 binds a service principal only with a source_account of 12 digits (an AWS account ID; Lambda's API rejects other values) or a source_arn that names one owner; the fixture's 901234678 is neither (issue 15: a wildcard or malformed source binds nothing)",
  EGRESS:
    "stricter by design: SIP-VPC-6 forbids egress to 0.0.0.0/0 on any port outside the controlled egress path (and protocol -1 opens every port whatever from_port/to_port say), not only all-ports egress",
} as const;

/**
 * Disagreements with checkov's fixtures that are by design, each with its reason: "stricter by
 * design" (we fail what checkov passes), "narrower by design" (we pass what checkov fails because
 * our rule judges less, on purpose), or "out of scope" (the fixture exercises something the checker
 * does not model).
 */
const DISAGREEMENTS: readonly Listed[] = [
  {
    rule: "SIP-LAMBDA-5",
    checkov: "CKV_AWS_364",
    at: "main/aws_lambda_permission.ckv_unittest_pass_source_account",
    ours: "FAILED",
    reason: R.ACCOUNT12,
  },
  {
    rule: "SIP-VPC-7",
    checkov: "CKV_AWS_346",
    at: "main/aws_networkfirewall_firewall_policy.pass",
    ours: "FAILED",
    reason: R.NFWTYPE,
  },
  {
    rule: "SIP-VPC-4",
    checkov: "CKV_AWS_88",
    at: "main/aws_instance.default",
    ours: "FAILED",
    reason: R.DEFAULTSUBNET,
  },
  {
    rule: "SIP-VPC-4",
    checkov: "CKV_AWS_88",
    at: 'main/aws_instance.public_foreach["key2"]',
    ours: "FAILED",
    reason: R.FOREACH,
  },
  {
    rule: "SIP-VPC-4",
    checkov: "CKV_AWS_88",
    at: 'main/aws_instance.public_foreach_loop_list["k"]',
    ours: "FAILED",
    reason: R.FOREACH,
  },
  {
    rule: "SIP-VPC-4",
    checkov: "CKV_AWS_88",
    at: 'main/aws_instance.public_foreach_loop_list["v"]',
    ours: "FAILED",
    reason: R.FOREACH,
  },
  {
    rule: "SIP-VPC-4",
    checkov: "CKV_AWS_88",
    at: 'main/aws_instance.public_foreach_loop_list_of_dicts["private"]',
    ours: "FAILED",
    reason: R.FOREACH,
  },
  {
    rule: "SIP-S3-6",
    checkov: "CKV_AWS_21",
    at: 'main/aws_s3_bucket.this["test-bucket1"]',
    ours: "FAILED",
    reason: R.UNKNOWN,
  },
  {
    rule: "SIP-S3-6",
    checkov: "CKV_AWS_21",
    at: 'main/aws_s3_bucket.this["test-bucket2"]',
    ours: "FAILED",
    reason: R.UNKNOWN,
  },
  {
    rule: "SIP-S3-7",
    checkov: "CKV_AWS_300",
    at: "main/aws_s3_bucket_lifecycle_configuration.resource_with_dynamic_rule_pass4",
    ours: "FAILED",
    reason: R.UNKNOWN,
  },
  {
    rule: "SIP-S3-9",
    checkov: "CKV_AWS_70",
    at: "main/aws_s3_bucket_policy.mixed_concat_crash",
    ours: "FAILED",
    reason: R.UNKNOWN,
  },
  {
    rule: "SIP-SM-1",
    checkov: "CKV_AWS_149",
    at: "main/aws_secretsmanager_secret.enabled1",
    ours: "FAILED",
    reason: R.UNKNOWN,
  },
  { rule: "SIP-IAM-7", checkov: "CKV_AWS_355", at: "main/aws_iam_group_policy.fail", ours: "PASSED", reason: R.LIST },
  { rule: "SIP-IAM-7", checkov: "CKV_AWS_355", at: "main/aws_iam_policy.fail", ours: "PASSED", reason: R.LIST },
  { rule: "SIP-IAM-7", checkov: "CKV_AWS_355", at: "main/aws_iam_role_policy.fail", ours: "PASSED", reason: R.LIST },
  { rule: "SIP-IAM-7", checkov: "CKV_AWS_355", at: "main/aws_iam_user_policy.fail", ours: "PASSED", reason: R.LIST },
  {
    rule: "SIP-IAM-7",
    checkov: "CKV_AWS_355",
    at: "main/aws_ssoadmin_permission_set_inline_policy.fail",
    ours: "PASSED",
    reason: R.LIST,
  },
  { rule: "SIP-IAM-7", checkov: "CKV_AWS_290", at: "main/aws_iam_policy.fail", ours: "PASSED", reason: R.INVALIDJSON },
  { rule: "SIP-S3-1", checkov: "CKV2_AWS_6", at: "main/aws_s3_bucket.bucket_good_1", ours: "FAILED", reason: R.PAB4 },
  { rule: "SIP-S3-2", checkov: "CKV_AWS_20", at: "main/aws_s3_bucket.grant_onwer", ours: "FAILED", reason: R.ACL },
  { rule: "SIP-S3-2", checkov: "CKV_AWS_20", at: "main/aws_s3_bucket.no_acl", ours: "FAILED", reason: R.ACL },
  { rule: "SIP-S3-2", checkov: "CKV_AWS_20", at: "main/aws_s3_bucket.no_grant", ours: "FAILED", reason: R.ACL },
  { rule: "SIP-S3-2", checkov: "CKV_AWS_20", at: "main/aws_s3_bucket.private_acl", ours: "FAILED", reason: R.ACL },
  { rule: "SIP-S3-2", checkov: "CKV_AWS_20", at: "main/aws_s3_bucket.private_acl_v4", ours: "FAILED", reason: R.ACL },
  {
    rule: "SIP-S3-2",
    checkov: "CKV_AWS_20",
    at: "same_resource_name/aws_s3_bucket.public_read",
    ours: "FAILED",
    reason: R.ACL,
  },
  {
    rule: "SIP-S3-2",
    checkov: "CKV_AWS_57",
    at: "main/aws_s3_bucket.bucket_with_read_acl",
    ours: "FAILED",
    reason: R.ACL,
  },
  { rule: "SIP-S3-2", checkov: "CKV_AWS_57", at: "main/aws_s3_bucket.grant_onwer", ours: "FAILED", reason: R.ACL },
  { rule: "SIP-S3-2", checkov: "CKV_AWS_57", at: "main/aws_s3_bucket.no_acl", ours: "FAILED", reason: R.ACL },
  { rule: "SIP-S3-2", checkov: "CKV_AWS_57", at: "main/aws_s3_bucket.no_grant", ours: "FAILED", reason: R.ACL },
  { rule: "SIP-S3-2", checkov: "CKV_AWS_57", at: "main/aws_s3_bucket.private_acl", ours: "FAILED", reason: R.ACL },
  { rule: "SIP-S3-2", checkov: "CKV_AWS_57", at: "main/aws_s3_bucket.private_acl_v4", ours: "FAILED", reason: R.ACL },
  { rule: "SIP-S3-3", checkov: "CKV_AWS_145", at: "main/aws_s3_bucket.bucket_good_6", ours: "FAILED", reason: R.CMK },
  { rule: "SIP-S3-3", checkov: "CKV_AWS_19", at: "main/aws_s3_bucket.bucket_good_2", ours: "FAILED", reason: R.CMK },
  { rule: "SIP-S3-3", checkov: "CKV_AWS_19", at: "main/aws_s3_bucket.bucket_good_5", ours: "FAILED", reason: R.CMK },
  { rule: "SIP-S3-3", checkov: "CKV_AWS_19", at: "main/aws_s3_bucket.bucket_good_6", ours: "FAILED", reason: R.CMK },
  {
    rule: "SIP-S3-3",
    checkov: "CKV_AWS_19",
    at: "main/aws_s3_bucket.default_encryption_bucket",
    ours: "FAILED",
    reason: R.CMK,
  },
  { rule: "SIP-S3-6", checkov: "CKV_AWS_21", at: "main/aws_s3_bucket.enabled_var", ours: "FAILED", reason: R.VAR },
  { rule: "SIP-S3-6", checkov: "CKV_AWS_21", at: "main/aws_s3_bucket.ref_by_name", ours: "FAILED", reason: R.VAR },
  {
    rule: "SIP-S3-6",
    checkov: "CKV_AWS_21",
    at: "main/aws_s3_bucket.ref_by_name_local",
    ours: "FAILED",
    reason: R.VAR,
  },
  { rule: "SIP-S3-7", checkov: "CKV2_AWS_61", at: "main/aws_s3_bucket.pass", ours: "FAILED", reason: R.LIFE },
  { rule: "SIP-S3-7", checkov: "CKV2_AWS_61", at: "main/aws_s3_bucket.pass_v3", ours: "FAILED", reason: R.LIFE },
  {
    rule: "SIP-S3-7",
    checkov: "CKV_AWS_300",
    at: "main/aws_s3_bucket_lifecycle_configuration.fail",
    ours: "PASSED",
    reason: R.LIFEOUT,
  },
  {
    rule: "SIP-S3-7",
    checkov: "CKV_AWS_300",
    at: "main/aws_s3_bucket_lifecycle_configuration.fail2",
    ours: "PASSED",
    reason: R.LIFEOUT,
  },
  {
    rule: "SIP-S3-7",
    checkov: "CKV_AWS_300",
    at: "main/aws_s3_bucket_lifecycle_configuration.fail3",
    ours: "PASSED",
    reason: R.LIFEOUT,
  },
  {
    rule: "SIP-S3-9",
    checkov: "CKV_AWS_70",
    at: "main/aws_s3_bucket_policy.pass_w_condition",
    ours: "FAILED",
    reason: R.NOTEQ,
  },
  {
    rule: "SIP-S3-9",
    checkov: "CKV_AWS_70",
    at: "main/aws_s3_bucket_policy.pass_w_condition2",
    ours: "FAILED",
    reason: R.BADACCT,
  },
  {
    rule: "SIP-S3-9",
    checkov: "CKV_AWS_70",
    at: "main/aws_s3_bucket.pass_w_condition",
    ours: "FAILED",
    reason: R.NOTEQ,
  },
  {
    rule: "SIP-S3-9",
    checkov: "CKV_AWS_70",
    at: "main/aws_s3_bucket.pass_w_condition2",
    ours: "FAILED",
    reason: R.BADACCT,
  },
  {
    rule: "SIP-S3-9",
    checkov: "CKV_AWS_70",
    at: "main/aws_s3_bucket.pass_w_condition3",
    ours: "FAILED",
    reason: R.BADACCT,
  },
  {
    rule: "SIP-S3-9",
    checkov: "CKV_AWS_70",
    at: "main/aws_s3_bucket.pass_w_condition4",
    ours: "FAILED",
    reason: R.BADVPCE,
  },
  {
    rule: "SIP-CT-3",
    checkov: "CKV_AWS_143",
    at: "main/aws_s3_bucket.disabled_via_block",
    ours: "PASSED",
    reason: R.CTLOCK,
  },
  {
    rule: "SIP-CT-3",
    checkov: "CKV_AWS_143",
    at: "main/aws_s3_bucket.disabled_via_object",
    ours: "PASSED",
    reason: R.CTLOCK,
  },
  {
    rule: "SIP-CT-4",
    checkov: "CKV_AWS_67",
    at: "test_success/aws_cloudtrail.foobar",
    ours: "FAILED",
    reason: R.GLOBAL,
  },
  {
    rule: "SIP-VPC-5",
    checkov: "CKV_AWS_24",
    at: "main/aws_security_group_rule.pass",
    ours: "FAILED",
    reason: R.INGRESS,
  },
  { rule: "SIP-VPC-5", checkov: "CKV_AWS_24", at: "main/aws_security_group.not_self", ours: "PASSED", reason: R.NOSRC },
  { rule: "SIP-VPC-5", checkov: "CKV_AWS_24", at: "main/aws_security_group.pass", ours: "FAILED", reason: R.INGRESS },
  {
    rule: "SIP-VPC-5",
    checkov: "CKV_AWS_24",
    at: "main/aws_security_group.pass_self2",
    ours: "FAILED",
    reason: R.INGRESS,
  },
  {
    rule: "SIP-VPC-5",
    checkov: "CKV_AWS_24",
    at: "main/aws_vpc_security_group_ingress_rule.fail2",
    ours: "PASSED",
    reason: R.NOSRC,
  },
  {
    rule: "SIP-VPC-5",
    checkov: "CKV_AWS_25",
    at: "main/aws_security_group_rule.pass",
    ours: "FAILED",
    reason: R.INGRESS,
  },
  { rule: "SIP-VPC-5", checkov: "CKV_AWS_25", at: "main/aws_security_group.pass", ours: "FAILED", reason: R.INGRESS },
  {
    rule: "SIP-LAMBDA-6",
    checkov: "CKV_AWS_173",
    at: "main/aws_lambda_function.fail",
    ours: "PASSED",
    reason: R.ENVNOVARS,
  },
  {
    rule: "SIP-LAMBDA-6",
    checkov: "CKV_AWS_173",
    at: "main/aws_lambda_function.failasempty",
    ours: "PASSED",
    reason: R.ENVNOVARS,
  },
  {
    rule: "SIP-LAMBDA-6",
    checkov: "CKV_AWS_173",
    at: "main/aws_lambda_function.failkmsnovars",
    ours: "PASSED",
    reason: R.ENVNOVARS,
  },
  {
    rule: "SIP-LAMBDA-7",
    checkov: "CKV_AWS_50",
    at: "main/aws_lambda_function.pass_through",
    ours: "FAILED",
    reason: R.TRACE,
  },
  { rule: "SIP-IAM-1", checkov: "CKV_AWS_62", at: "main/aws_iam_policy.fail4", ours: "PASSED", reason: R.NOEFFECT },
  {
    rule: "SIP-IAM-1",
    checkov: "CKV_AWS_1",
    at: "main/data.aws_iam_policy_document.fail",
    ours: "PASSED",
    reason: R.DATADOC,
  },
  {
    rule: "SIP-IAM-1",
    checkov: "CKV_AWS_1",
    at: "main/data.aws_iam_policy_document.no_effect",
    ours: "PASSED",
    reason: R.DATADOC,
  },
  {
    rule: "SIP-IAM-1",
    checkov: "CKV_AWS_49",
    at: "main/data.aws_iam_policy_document.fail",
    ours: "PASSED",
    reason: R.DATADOC,
  },
  {
    rule: "SIP-IAM-1",
    checkov: "CKV_AWS_49",
    at: "main/data.aws_iam_policy_document.no_effect",
    ours: "PASSED",
    reason: R.DATADOC,
  },
  {
    rule: "SIP-APIGW-1",
    checkov: "CKV_AWS_309",
    at: "main/aws_apigatewayv2_route.pass2",
    ours: "FAILED",
    reason: R.JWT,
  },
  {
    rule: "SIP-APIGW-2",
    checkov: "CKV_AWS_76",
    at: "test_failure/aws_api_gateway_stage.example",
    ours: "PASSED",
    reason: R.RESTV1,
  },
  {
    rule: "SIP-LOGS-2",
    checkov: "CKV_AWS_66",
    at: "main/aws_cloudwatch_log_group.pass",
    ours: "FAILED",
    reason: R.RET,
  },
  {
    rule: "SIP-LOGS-2",
    checkov: "CKV_AWS_338",
    at: "main/aws_cloudwatch_log_group.pass_0",
    ours: "FAILED",
    reason: R.RET,
  },
  { rule: "SIP-SQS-1", checkov: "CKV_AWS_27", at: "main/aws_sqs_queue.pass", ours: "FAILED", reason: R.SQSCMK },
  { rule: "SIP-SQS-1", checkov: "CKV_AWS_27", at: "main/aws_sqs_queue.pass2", ours: "FAILED", reason: R.SQSCMK },
  { rule: "SIP-SQS-1", checkov: "CKV_AWS_27", at: "main/aws_sqs_queue.pass3", ours: "FAILED", reason: R.SQSCMK },
  { rule: "SIP-SQS-2", checkov: "CKV_AWS_72", at: "main/aws_sqs_queue_policy.fail", ours: "PASSED", reason: R.SNS },
  {
    rule: "SIP-LAMBDA-8",
    checkov: "CKV_AWS_363",
    at: "main/aws_lambda_function.pass",
    ours: "FAILED",
    reason: R.RUNTIME,
  },
  {
    rule: "SIP-VPC-6",
    checkov: "CKV_AWS_382",
    at: "main/aws_security_group_rule.pass",
    ours: "FAILED",
    reason: R.EGRESS,
  },
  { rule: "SIP-VPC-6", checkov: "CKV_AWS_382", at: "main/aws_security_group.pass", ours: "FAILED", reason: R.EGRESS },
  {
    rule: "SIP-VPC-6",
    checkov: "CKV_AWS_382",
    at: "main/aws_vpc_security_group_egress_rule.pass",
    ours: "FAILED",
    reason: R.EGRESS,
  },
];

interface Expected {
  readonly check: string;
  readonly cases: Record<string, Record<string, Verdict>>;
}

interface Outcome {
  readonly rule: string;
  readonly checkov: string;
  readonly at: string;
  readonly ours: Verdict;
  readonly peer: Verdict;
}

const baseAddress = (a: string) => a.replace(/\[[^\]]*\]$/, "");

function refsOf(resource: TfResource | undefined): Set<string> {
  return new Set(resource === undefined ? [] : referencesIn(JSON.stringify(resource.values)).map((r) => r.address));
}

/** Whether two blocks are tied directly: one refers to the other, or names it as its bucket. */
function linked(template: Template, x: string, y: string): boolean {
  const a = template.byAddress.get(x);
  const b = template.byAddress.get(y);
  if (refsOf(a).has(y) || refsOf(b).has(x)) return true;
  return (
    (a !== undefined && bucketOf(template, a.values.bucket)?.address === y) ||
    (b !== undefined && bucketOf(template, b.values.bucket)?.address === x)
  );
}

/**
 * Whether a violation at `at` is about the block `address` (see the header): the same block, or a
 * block checkov does not judge that is tied to it directly or through one other such block (a rule
 * of an aws_default_security_group of a VPC).
 */
function related(template: Template, at: string, address: string, judged: ReadonlySet<string>): boolean {
  if (at === address) return true;
  if (judged.has(at)) return false;
  if (linked(template, at, address)) return true;
  return template.resources.some(
    (mid) =>
      !judged.has(mid.address) &&
      mid.address !== at &&
      linked(template, at, mid.address) &&
      linked(template, mid.address, address),
  );
}

async function compare(rule: Rule, checkov: string): Promise<Outcome[]> {
  const expected = JSON.parse(readFileSync(join(PEER, checkov, "expected.json"), "utf8")) as Expected;
  const config = exampleConfig();
  const out: Outcome[] = [];
  for (const [name, verdicts] of Object.entries(expected.cases)) {
    const [template] = loadTemplates(join(PEER, checkov, name));
    if (template === undefined) throw new Error(`${checkov}/${name}: no configuration`);
    const result = await evaluate(rule, template, config);
    const violations =
      result.kind === "NonCompliant"
        ? result.violations.filter((v) => v.acceptedBecause === undefined).map((v) => v.address)
        : [];
    const judged = new Set(Object.keys(verdicts).map(baseAddress));
    for (const [address, peer] of Object.entries(verdicts)) {
      const ours: Verdict = violations.some((at) => related(template, at, baseAddress(address), judged))
        ? "FAILED"
        : "PASSED";
      out.push({ rule: rule.id, checkov, at: `${name}/${address}`, ours, peer });
    }
  }
  return out;
}

/** Every (rule, checkov ID) pair of the baseline pack. */
const PAIRS = BASELINE_PACK.flatMap((rule) => (rule.anchors.checkov ?? []).map((checkov) => ({ rule, checkov })));
const INDEX = JSON.parse(readFileSync(join(PEER, "index.json"), "utf8")) as {
  commit: string;
  converted: Record<string, string>;
  withoutFixtures: Record<string, string>;
};

function table(outcomes: readonly Outcome[]): string {
  const rows = PAIRS.map(({ rule, checkov }) => {
    const mine = outcomes.filter((o) => o.rule === rule.id && o.checkov === checkov);
    if (mine.length === 0)
      return `| ${rule.id} ${rule.name} | ${checkov} | - | - | - | - | ${INDEX.withoutFixtures[checkov] ?? "no fixture"} |`;
    const cases = new Set(mine.map((o) => o.at.split("/")[0])).size;
    const agree = mine.filter((o) => o.ours === o.peer).length;
    const stricter = mine.filter((o) => o.ours === "FAILED" && o.peer === "PASSED").length;
    const narrower = mine.filter((o) => o.ours === "PASSED" && o.peer === "FAILED").length;
    return `| ${rule.id} ${rule.name} | ${checkov} | ${cases} | ${mine.length} | ${agree} (${Math.round((100 * agree) / mine.length)}%) | ${stricter + narrower} | ${stricter} stricter, ${narrower} narrower |`;
  });
  const total = outcomes.length;
  const agree = outcomes.filter((o) => o.ours === o.peer).length;
  return [
    "# Agreement with checkov's test fixtures",
    "",
    `Generated by \`policies/test/peer.test.ts\` (\`vitest run policies/test/peer.test.ts -u\` rewrites it) from the fixtures of checkov commit \`${INDEX.commit}\` under \`peer/checkov/\`. Each disagreement is listed with its reason in the test's DISAGREEMENTS table.`,
    "",
    `Overall: ${agree} of ${total} verdicts agree (${Math.round((100 * agree) / total)}%).`,
    "",
    "| rule | checkov | fixtures | verdicts | agreements | disagreements | of which |",
    "| --- | --- | ---: | ---: | ---: | ---: | --- |",
    ...rows,
    "",
  ].join("\n");
}

describe("peer comparison with checkov's fixtures", () => {
  it("has a converted fixture or a stated reason for every checkov ID our rules name", () => {
    const ids = new Set(PAIRS.map((p) => p.checkov));
    const covered = new Set([...Object.keys(INDEX.converted), ...Object.keys(INDEX.withoutFixtures)]);
    expect([...ids].filter((id) => !covered.has(id))).toEqual([]);
    for (const id of Object.keys(INDEX.converted)) expect(existsSync(join(PEER, id, "expected.json")), id).toBe(true);
    expect(readdirSync(PEER).filter((f) => /^CKV/.test(f) && !ids.has(f))).toEqual([]);
  });

  it("disagrees only where DISAGREEMENTS says why", async () => {
    // Act
    const outcomes = (
      await Promise.all(PAIRS.filter((p) => p.checkov in INDEX.converted).map((p) => compare(p.rule, p.checkov)))
    ).flat();
    const report = table(outcomes);
    console.log(report);
    // Assess
    await expect(report).toMatchFileSnapshot("peer/agreement.md");
    const key = (o: { rule: string; checkov: string; at: string; ours: Verdict }) =>
      `${o.rule} ${o.checkov} ${o.at}: ours ${o.ours}`;
    const actual = outcomes.filter((o) => o.ours !== o.peer).map(key);
    const listed = DISAGREEMENTS.map(key);
    expect(
      actual.filter((k) => !listed.includes(k)),
      "disagreements not listed in DISAGREEMENTS",
    ).toEqual([]);
    expect(
      listed.filter((k) => !actual.includes(k)),
      "listed disagreements that no longer occur",
    ).toEqual([]);
    for (const d of DISAGREEMENTS)
      expect(d.reason, key(d)).toMatch(/^(stricter by design|narrower by design|out of scope): \S/);
  });
});
