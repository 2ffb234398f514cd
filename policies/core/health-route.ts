/**
 * The named exception `health-check` of rule SIP-APIGW-1 (route authorization): `GET /health`, the
 * one route Route 53's health checkers call, which cannot present a token. Recognised by structure:
 *
 * - the route's key is exactly `GET /health`, and its target is an AWS_PROXY integration of this
 *   configuration whose URI is a Lambda function of this configuration;
 * - the function is tagged `sip:exception = health-check`, has no environment (it is given no bucket,
 *   key, table or secret to find), and its role may do only what every function does: write its own
 *   logs, manage its network interfaces, send to its dead-letter queue and use its key
 *   (`HEALTH_FUNCTION_ACTIONS`); no managed policy is attached to it.
 *
 * Anything else without authorization stays a finding. The function's code is functions/health/.
 */
import { HEALTH_CHECK_EXCEPTION, HEALTH_ROUTE_KEY } from "./exception-names";
import { firstBlock, isObject, literalString } from "./json";
import { coversAction, policyDocuments, statementsOf } from "./policy-documents";
import { resolveReference } from "./references";
import { resourcesOfType, type Template, type TfResource } from "./template";

export { HEALTH_CHECK_EXCEPTION, HEALTH_ROUTE_KEY };

/** Every function's basics (modules/lambda-function: logs, network interfaces, dead letters, its key). */
export const HEALTH_FUNCTION_ACTIONS: readonly string[] = [
  "logs:CreateLogStream",
  "logs:PutLogEvents",
  "ec2:AssignPrivateIpAddresses",
  "ec2:CreateNetworkInterface",
  "ec2:DeleteNetworkInterface",
  "ec2:DescribeNetworkInterfaces",
  "ec2:UnassignPrivateIpAddresses",
  "sqs:SendMessage",
  "kms:Decrypt",
  "kms:DescribeKey",
  "kms:Encrypt",
  "kms:GenerateDataKey*",
  "kms:ReEncrypt*",
];

const INTEGRATION_TARGET = /^integrations\/\$\{(aws_apigatewayv2_integration\.[^.}]+)\.id\}$/;

/** Why the route is not the named exception, or undefined when it is. */
function problemsOf(template: Template, route: TfResource): string[] {
  if (literalString(route.values.route_key) !== HEALTH_ROUTE_KEY) return ["it is not the health route"];
  const target = INTEGRATION_TARGET.exec(typeof route.values.target === "string" ? route.values.target : "")?.[1];
  const integration = target === undefined ? undefined : template.byAddress.get(target);
  if (integration === undefined) return ["its target is not an integration of this configuration"];
  if (literalString(integration.values.integration_type) !== "AWS_PROXY")
    return [`its integration ${integration.address} is not AWS_PROXY`];
  const fn = resolveReference(template, integration.values.integration_uri)?.resource;
  if (fn?.type !== "aws_lambda_function")
    return [`its integration ${integration.address} invokes no function of this configuration`];
  const why: string[] = [];
  const tags = isObject(fn.values.tags) ? fn.values.tags : {};
  if (literalString(tags["sip:exception"]) !== HEALTH_CHECK_EXCEPTION)
    why.push(`${fn.address} is not tagged sip:exception = ${HEALTH_CHECK_EXCEPTION}`);
  const variables = firstBlock(fn.values.environment)?.variables;
  if (variables !== undefined && !(isObject(variables) && Object.keys(variables).length === 0))
    why.push(`${fn.address} has environment variables`);
  const role = resolveReference(template, fn.values.role)?.resource;
  if (role?.type !== "aws_iam_role") return [...why, `${fn.address}'s role is not a role of this configuration`];
  why.push(...roleProblems(template, role));
  return why;
}

/** What the function's role may do beyond the basics. */
function roleProblems(template: Template, role: TfResource): string[] {
  const why: string[] = [];
  const ownedBy = (r: TfResource) =>
    r.address === role.address || resolveReference(template, r.values.role)?.resource.address === role.address;
  const attachments = resourcesOfType(template, "aws_iam_role_policy_attachment", "aws_iam_policy_attachment").filter(
    (a) =>
      ownedBy(a) ||
      (Array.isArray(a.values.roles) &&
        a.values.roles.some((r) => resolveReference(template, r)?.resource.address === role.address)),
  );
  if (attachments.length > 0)
    why.push(`${role.address} has managed policies attached (${attachments.map((a) => a.address).join(", ")})`);
  for (const d of policyDocuments(template).filter((d) => d.kind === "identity" && ownedBy(d.resource))) {
    if (d.document === undefined) {
      why.push(`${d.address}'s policy cannot be read (${d.problem ?? "computed"})`);
      continue;
    }
    for (const s of statementsOf(d.document)) {
      if (s.effect !== "Allow") continue;
      const extra =
        s.notActions.length > 0
          ? ["NotAction"]
          : s.actions.filter((a) => !HEALTH_FUNCTION_ACTIONS.some((b) => coversAction([b], a)));
      if (extra.length > 0)
        why.push(`${role.address} may ${extra.join(", ")} (${d.address}), beyond every function's basics`);
    }
  }
  return why;
}

/** Routes without authorization accepted as the named exception, with the reason; `problems` says why a claim does not hold. */
export function healthRouteExceptions(
  template: Template,
  routes: readonly TfResource[],
): {
  accepted: Map<string, string>;
  problems: Map<string, string>;
} {
  const accepted = new Map<string, string>();
  const problems = new Map<string, string>();
  for (const route of routes) {
    if (literalString(route.values.route_key) !== HEALTH_ROUTE_KEY) continue;
    const why = problemsOf(template, route);
    if (why.length > 0) problems.set(route.address, why.join("; "));
    else
      accepted.set(
        route.address,
        `named exception ${HEALTH_CHECK_EXCEPTION}: Route 53's health checkers cannot present a token; the route's function has no environment and may do nothing beyond every function's basics`,
      );
  }
  return { accepted, problems };
}
