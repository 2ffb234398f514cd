/**
 * S3 buckets and the resources that configure them (`aws_s3_bucket_versioning`, `..._policy`, ...),
 * linked through `bucket` references, literal bucket names or bucket ARNs.
 */
import { literalString } from "./json";
import type { PolicyDocumentRef } from "./policy-documents";
import { resolveReference } from "./references";
import { mayBeAbsent, resourcesOfType, type Template, type TfResource } from "./template";

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
