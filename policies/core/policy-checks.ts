/**
 * Statement shapes the S3 rules look for in bucket policies: "deny everyone unless TLS" and "deny
 * everyone unless through the VPC endpoint".
 */
import { coversAction, type NormalizedStatement } from "./policy-documents";

/** Deny to everyone (`"*"` or `{AWS: "*"}`). */
export function deniesEveryone(s: NormalizedStatement): boolean {
  return s.effect === "Deny" && s.principal?.anyone === true;
}

/** Covers reading and writing objects (`s3:*`, `*`, `s3:Get*` + `s3:Put*`, ...). */
export function coversObjectAccess(s: NormalizedStatement): boolean {
  return coversAction(s.actions, "s3:GetObject") && coversAction(s.actions, "s3:PutObject");
}

/** Resources include the bucket itself and its objects (or everything). */
export function coversBucketAndObjects(s: NormalizedStatement): boolean {
  const objects = s.resources.some((r) => r === "*" || r.endsWith("/*"));
  const bucket = s.resources.some((r) => r === "*" || !r.endsWith("*"));
  return objects && bucket;
}

function isFalse(v: unknown): boolean {
  return v === false || (typeof v === "string" && v.toLowerCase() === "false");
}

/** `Bool`/`BoolIfExists` `aws:SecureTransport` = false. */
export function conditionsOnInsecureTransport(s: NormalizedStatement): boolean {
  return s.conditions.some((c) => /^Bool(IfExists)?$/i.test(c.operator) && c.key.toLowerCase() === "aws:securetransport" && c.values.some(isFalse));
}

/** A negated string condition on `aws:SourceVpce` or `aws:SourceVpc` (deny unless via the endpoint). */
export function conditionsOutsideVpcEndpoint(s: NormalizedStatement): boolean {
  return s.conditions.some((c) => /^String(Not)(Equals|Like)(IgnoreCase)?(IfExists)?$/i.test(c.operator) && ["aws:sourcevpce", "aws:sourcevpc"].includes(c.key.toLowerCase()) && c.values.length > 0);
}
