/**
 * S3 buckets and the resources that configure them (`aws_s3_bucket_versioning`, `..._policy`, ...),
 * linked through `bucket` references, literal bucket names or bucket ARNs.
 */
import { literalString } from "./json";
import type { PolicyDocumentRef } from "./policy-documents";
import { resolveReference } from "./references";
import { certainlyAbsent, mayBeAbsent, resourcesOfType, type Template, type TfResource } from "./template";

/** The bucket a value names: `${aws_s3_bucket.b.id}`, `"my-bucket"` or an S3 bucket ARN (`arn:<partition>:s3:::my-bucket`). */
export function bucketOf(template: Template, value: unknown): TfResource | undefined {
  const ref = resolveReference(template, value);
  if (ref !== undefined)
    return ref.resource.type === "aws_s3_bucket" && ref.resource.mode === "managed" ? ref.resource : undefined;
  const literal = literalString(value);
  if (literal === undefined) return undefined;
  const name = /^arn:[^:]+:s3:::([^/]+)/.exec(literal)?.[1] ?? literal;
  return resourcesOfType(template, "aws_s3_bucket").find((b) => literalString(b.values.bucket) === name);
}

/**
 * Resources of a type whose `bucket` argument designates this bucket, and which Terraform certainly
 * creates: a configuration block under `count = 0` (or an unknown count or for_each) protects nothing.
 */
export function configsOf(template: Template, bucket: TfResource, type: string): TfResource[] {
  return resourcesOfType(template, type).filter(
    (r) => !mayBeAbsent(r) && bucketOf(template, r.values.bucket)?.address === bucket.address,
  );
}

/**
 * Resources of a type whose `bucket` argument designates this bucket and which Terraform may create
 * (all but those under a literal `count = 0` or an empty `for_each`): for blocks that weaken a bucket
 * or replace its configuration, where one that may exist counts (issue 15).
 */
export function configsThatMayExist(template: Template, bucket: TfResource, type: string): TfResource[] {
  return resourcesOfType(template, type).filter(
    (r) => !certainlyAbsent(r) && bucketOf(template, r.values.bucket)?.address === bucket.address,
  );
}

export function buckets(template: Template): TfResource[] {
  return resourcesOfType(template, "aws_s3_bucket");
}

/** The bucket policies that apply to a bucket (aws_s3_bucket_policy and the legacy inline policy). */
export function bucketPolicies(
  template: Template,
  bucket: TfResource,
  docs: readonly PolicyDocumentRef[],
): PolicyDocumentRef[] {
  return docs.filter(
    (d) =>
      d.kind === "bucket" &&
      (d.resource.address === bucket.address ||
        bucketOf(template, d.resource.values.bucket)?.address === bucket.address),
  );
}

/**
 * The bucket policies a bucket may end up with, for a rule that requires a protective statement: S3
 * keeps one policy per bucket, so with several (two aws_s3_bucket_policy resources, or one and the
 * legacy inline policy) whichever applies last wins, and each must carry the statement. A policy
 * under `count = 0` is never applied; one under an unknown count or for_each may be, but cannot be
 * the one that certainly exists (issue 15: decoys and second policies passed SIP-S3-4/S3-5).
 */
export function effectiveBucketPolicies(
  template: Template,
  bucket: TfResource,
  docs: readonly PolicyDocumentRef[],
): { policies: PolicyDocumentRef[]; certain: boolean } {
  const policies = bucketPolicies(template, bucket, docs).filter((d) => !certainlyAbsent(d.resource));
  return { policies, certain: policies.some((d) => !mayBeAbsent(d.resource)) };
}

/** Why the protective statement (`has`) is missing from the policies a bucket may end up with, or undefined. */
export function missingFromBucketPolicies(
  template: Template,
  bucket: TfResource,
  docs: readonly PolicyDocumentRef[],
  has: (doc: PolicyDocumentRef) => boolean,
  what: string,
): string | undefined {
  const { policies, certain } = effectiveBucketPolicies(template, bucket, docs);
  if (policies.length === 0) return `the bucket has no bucket policy, so ${what} is not denied`;
  const lacking = policies.filter((p) => !has(p));
  if (lacking.length > 0) {
    const names = lacking.map((p) => `${p.address}${p.attribute === "policy" ? "" : ` ${p.attribute}`}`);
    const several =
      policies.length > 1 ? ` (${policies.length} policies apply to the bucket; S3 keeps the one applied last)` : "";
    return `${names.join(", ")} ${lacking.length === 1 ? "has" : "have"} no statement that denies ${what}${several}`;
  }
  if (!certain) return `every bucket policy that denies ${what} is under a count or for_each that may create none`;
  return undefined;
}
