/**
 * Statement shapes the S3 rules look for in bucket policies: "deny everyone unless TLS" and "deny
 * everyone unless through the VPC endpoint".
 */
import {
  type ConditionEntry,
  coversAction,
  globToRegExp,
  type NormalizedStatement,
  scopingValue,
} from "./policy-documents";

/**
 * Deny to everyone: `"*"` or `{AWS: "*"}`. Not an ARN with a wildcard account (`arn:<partition>:iam::*:root`):
 * IAM matches no principal by a partial wildcard, so such a Deny denies no one (issue 15).
 */
export function deniesEveryone(s: NormalizedStatement): boolean {
  return s.effect === "Deny" && s.principal !== undefined && s.principal.aws.includes("*");
}

/** Covers reading and writing objects (`s3:*`, `*`, `s3:Get*` + `s3:Put*`, ...). */
export function coversObjectAccess(s: NormalizedStatement): boolean {
  return coversAction(s.actions, "s3:GetObject") && coversAction(s.actions, "s3:PutObject");
}

/** Covers every object and listing action: reads, writes, deletes and listing the bucket. */
export function coversObjectData(s: NormalizedStatement): boolean {
  return (
    coversObjectAccess(s) && coversAction(s.actions, "s3:DeleteObject") && coversAction(s.actions, "s3:ListBucket")
  );
}

/**
 * Covers every action of a service (`s3:*`, `*`, `s3*`): a pattern that matches the service prefix
 * with any action name. `s3:Get*` + `s3:Put*`, `s3:*Object` or a list of actions leave the others out.
 */
export function coversWholeService(s: NormalizedStatement, service: string): boolean {
  return s.actions.some((p) => {
    const re = globToRegExp(p);
    return re.test(`${service}:`) && re.test(`${service}:Qz9-Any_Action`);
  });
}

/** `*`, `arn:<partition>:s3:::*`: every bucket and every object. */
const EVERY_S3_RESOURCE = /^(\*|arn:[^:]*:s3:::\*+)$/;
/** One block's attribute (`${aws_s3_bucket.b.arn}`) or a literal bucket ARN: a bucket, no object path. */
const BUCKET_RESOURCE = /^(\$\{[^{}]+\}|arn:[^:]*:s3:::[^/]+)$/;
/** `<bucket>/*`: every object of the bucket, not only those under a prefix (`<bucket>/public/*`). */
const ALL_OBJECTS_RESOURCE = /^(\$\{[^{}]+\}|arn:[^:]*:s3:::[^/]+)\/\*+$/;

/**
 * Resources include the bucket itself and all of its objects (or everything). An object path with a
 * prefix (`<bucket>/public/*`) covers only some objects (issue 15).
 */
export function coversBucketAndObjects(s: NormalizedStatement): boolean {
  const every = s.resources.some((r) => EVERY_S3_RESOURCE.test(r));
  return (
    every || (s.resources.some((r) => BUCKET_RESOURCE.test(r)) && s.resources.some((r) => ALL_OBJECTS_RESOURCE.test(r)))
  );
}

function isFalse(v: unknown): boolean {
  return v === false || (typeof v === "string" && v.toLowerCase() === "false");
}

/**
 * `Bool`/`BoolIfExists` `aws:SecureTransport` = false, and no other condition: a further condition
 * (a source IP, a principal tag) switches the deny off for every request that does not match it.
 */
export function conditionsOnInsecureTransport(s: NormalizedStatement): boolean {
  return (
    s.conditions.length > 0 &&
    s.conditions.every(
      (c) =>
        /^Bool(IfExists)?$/i.test(c.operator) &&
        c.key.toLowerCase() === "aws:securetransport" &&
        c.values.some(isFalse),
    )
  );
}

/**
 * A deny that applies to every request not made through the named VPC endpoints (or VPCs): a
 * negated string condition on `aws:SourceVpce`/`aws:SourceVpc` whose values name specific endpoints,
 * and no other condition than the narrow exceptions a deny may carry without being neutralised: AWS
 * services (`aws:PrincipalIsAWSService` false) and named principals (`aws:PrincipalArn` not one of
 * literal-account ARNs of named roles or users). Any other condition, or an exception that matches
 * everyone (`"*"`, an ARN whose account is `*`) or a whole account (`<account>:*`, `role/*`), could
 * switch the deny off for everyone.
 */
export function conditionsOutsideVpcEndpoint(s: NormalizedStatement): boolean {
  const isEndpoint = (c: ConditionEntry) =>
    /^String(Not)(Equals|Like)(IgnoreCase)?(IfExists)?$/i.test(c.operator) &&
    ["aws:sourcevpce", "aws:sourcevpc"].includes(c.key.toLowerCase());
  const endpoint = s.conditions.filter(isEndpoint);
  if (
    endpoint.length === 0 ||
    !endpoint.every((c) => c.values.length > 0 && c.values.every((v) => scopingValue(c.key, v)))
  )
    return false;
  return s.conditions.filter((c) => !isEndpoint(c)).every((c) => narrowDenyException(c));
}

function narrowDenyException(c: ConditionEntry): boolean {
  const key = c.key.toLowerCase();
  if (key === "aws:principalisawsservice")
    return /^Bool(IfExists)?$/i.test(c.operator) && c.values.length > 0 && c.values.every(isFalse);
  if (key === "aws:principalarn")
    return (
      /^(Arn|String)Not(Equals|Like)$/i.test(c.operator) &&
      c.values.length > 0 &&
      c.values.every((v) => scopingValue(c.key, v) && namesPrincipals(v))
    );
  return false;
}

/**
 * Whether an exception names principals, not a whole class of them: one block's attribute, the
 * account root, or a role or user whose name starts with a literal character (`role/example-tenant-*`
 * names the tenant roles). `<account>:*`, `role/*`, `role/?*` or every session of every role except
 * all of an account's principals from the deny (issue 15).
 */
function namesPrincipals(value: unknown): boolean {
  if (typeof value !== "string") return false;
  if (/^\$\{[^{}]+\}$/.test(value.trim())) return true;
  return /^arn:[^:]+:iam::\d{12}:(root|(role|user)\/[^*?/].*)$/.test(value);
}

const ROLE_ARN = /^arn:[a-z-]+:iam::\d{12}:role\/[\w+=,.@/-]+$/;

/**
 * The roles of a "deny everyone object access unless aws:PrincipalArn is one of these roles"
 * statement (literal role ARNs, no wildcards; AWS services may be excepted), or undefined when the
 * statement is not one. Any other condition could narrow the deny, so none is allowed.
 */
export function onlyNamedRolesReachObjects(s: NormalizedStatement): string[] | undefined {
  if (!deniesEveryone(s) || !coversObjectData(s) || !coversBucketAndObjects(s)) return undefined;
  const principal = s.conditions.filter(
    (c) => /^(Arn|String)NotEquals$/i.test(c.operator) && c.key.toLowerCase() === "aws:principalarn",
  );
  const others = s.conditions.filter((c) => !principal.includes(c));
  const servicesOnly = others.every(
    (c) =>
      /^Bool$/i.test(c.operator) &&
      c.key.toLowerCase() === "aws:principalisawsservice" &&
      c.values.length > 0 &&
      c.values.every(isFalse),
  );
  const roles = principal.flatMap((c) => c.values);
  if (
    principal.length !== 1 ||
    !servicesOnly ||
    roles.length === 0 ||
    !roles.every((r) => typeof r === "string" && ROLE_ARN.test(r))
  )
    return undefined;
  return roles as string[];
}

/** The services that deliver log files into buckets: CloudTrail, S3 server access logging, vended logs. */
const LOG_DELIVERY_SERVICES: ReadonlySet<string> = new Set([
  "cloudtrail.amazonaws.com",
  "logging.s3.amazonaws.com",
  "delivery.logs.amazonaws.com",
]);

/**
 * A deny that lets nothing but log deliveries write the bucket's objects: everyone, s3:PutObject and
 * s3:ReplicateObject (copies, multipart uploads and batch operations are PutObject), every object of
 * the bucket, under negated exact conditions only a log delivery passes: aws:SourceArn not one of
 * named sources (a trail, a logged bucket: only a service acting for that resource sets it), or
 * aws:PrincipalServiceName not one of the log delivery services. Any other condition, a wildcard or
 * a NotAction/NotResource could switch the deny off for an application's writes.
 */
export function deniesWritesButLogDelivery(s: NormalizedStatement): boolean {
  if (!deniesEveryone(s) || s.notActions.length > 0 || s.notResources.length > 0) return false;
  if (!coversAction(s.actions, "s3:PutObject") || !coversAction(s.actions, "s3:ReplicateObject")) return false;
  if (!s.resources.some((r) => EVERY_S3_RESOURCE.test(r) || ALL_OBJECTS_RESOURCE.test(r))) return false;
  return (
    s.conditions.length > 0 &&
    s.conditions.every((c) => {
      if (!/^(String|Arn)NotEquals(IfExists)?$/i.test(c.operator) || c.values.length === 0) return false;
      const key = c.key.toLowerCase();
      if (key === "aws:sourcearn")
        return c.values.every((v) => typeof v === "string" && !/[*?]/.test(v) && scopingValue(c.key, v));
      if (key === "aws:principalservicename")
        return c.values.every((v) => typeof v === "string" && LOG_DELIVERY_SERVICES.has(v.toLowerCase()));
      return false;
    })
  );
}
