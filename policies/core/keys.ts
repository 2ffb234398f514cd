/**
 * Whether a key argument names an AWS managed key (`alias/aws/<service>`): written literally, or
 * looked up through `data.aws_kms_alias` / `data.aws_kms_key` (issue 15: the lookup passed every
 * rule that matched only the literal alias).
 */
import { literalString } from "./json";
import { resolveReference } from "./references";
import type { Template } from "./template";

const AWS_MANAGED = /(^|:)alias\/aws\//;

/** Why the value is an AWS managed key (or a key lookup that cannot be evaluated), or undefined. */
export function awsManagedKeyProblem(template: Template, value: unknown): string | undefined {
  const literal = literalString(value);
  if (literal !== undefined) return AWS_MANAGED.test(literal) ? `${literal} is an AWS managed key` : undefined;
  const target = resolveReference(template, value)?.resource;
  if (
    target === undefined ||
    target.mode !== "data" ||
    (target.type !== "aws_kms_alias" && target.type !== "aws_kms_key")
  )
    return undefined;
  const attribute = target.type === "aws_kms_alias" ? "name" : "key_id";
  const looked = target.values[attribute];
  const name = literalString(looked);
  if (name === undefined)
    return `${target.address} looks up ${attribute} ${JSON.stringify(looked ?? null)}, which could not be evaluated (an AWS managed key cannot be ruled out)`;
  return AWS_MANAGED.test(name) ? `${target.address} looks up ${name}, an AWS managed key` : undefined;
}
