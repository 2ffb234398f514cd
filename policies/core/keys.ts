/**
 * How the CMK rules judge a key argument. Two ways past a check that a key is "customer managed":
 * - an AWS managed key (`alias/aws/<service>`), written literally or looked up through
 *   `data.aws_kms_alias` / `data.aws_kms_key` (issue 15: the lookup passed every rule that matched
 *   only the literal alias);
 * - a literal key ARN of a key this configuration does not manage: another account's or the other
 *   partition's key, whose holder decides who decrypts (issue 15: any literal key ARN passed).
 *   A literal ARN passes only when it is in the partition and the account of the resource's provider,
 *   as the provider states them (`allowed_account_ids`, or the account of `assume_role.role_arn`).
 * A reference to an `aws_kms_key` resource of the configuration is the compliant form.
 */
import { blocks, literalString, strings } from "./json";
import { placementOf } from "./placement";
import { resolveReference } from "./references";
import type { Template, TfProvider, TfResource } from "./template";

const AWS_MANAGED = /(^|:)alias\/aws\//;

/** `arn:<partition>:kms:<region>:<account>:key/<id>` or `...:alias/<name>`. */
const KMS_ARN = /^arn:([^:]+):kms:([^:]*):(\d{12}):(?:key|alias)\/\S+$/;

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

/**
 * The accounts a provider deploys into, as its block states them: `allowed_account_ids` (literal
 * 12-digit IDs), else the account of a literal `assume_role.role_arn`; undefined when it states neither.
 */
export function providerAccounts(provider: TfProvider | undefined): readonly string[] | undefined {
  if (provider === undefined) return undefined;
  const allowed = provider.values.allowed_account_ids;
  if (allowed !== undefined) {
    const ids = strings(allowed);
    return Array.isArray(allowed) &&
      ids.length > 0 &&
      ids.length === allowed.length &&
      ids.every((id) => /^\d{12}$/.test(id))
      ? ids
      : undefined;
  }
  const roles = blocks(provider.values.assume_role);
  const account =
    roles.length === 1
      ? /^arn:[^:]+:iam::(\d{12}):role\//.exec(literalString(roles[0]?.role_arn) ?? "")?.[1]
      : undefined;
  return account === undefined ? undefined : [account];
}

/** The literal key ARN a value names: written literally, or looked up by `data.aws_kms_key` key_id. */
function literalKeyArn(template: Template, value: unknown): { arn: string; via: string | undefined } | undefined {
  const literal = literalString(value);
  if (literal !== undefined) return literal.startsWith("arn:") ? { arn: literal, via: undefined } : undefined;
  const target = resolveReference(template, value)?.resource;
  if (target?.mode !== "data" || target.type !== "aws_kms_key") return undefined;
  const looked = literalString(target.values.key_id);
  return looked?.startsWith("arn:") ? { arn: looked, via: target.address } : undefined;
}

/**
 * Why a literal key ARN (or one a `data.aws_kms_key` looks up) is not a key of the resource's own
 * partition and account, or undefined (also for values that are no literal ARN).
 */
export function foreignKeyProblem(template: Template, resource: TfResource, value: unknown): string | undefined {
  const named = literalKeyArn(template, value);
  if (named === undefined) return undefined;
  const what = named.via === undefined ? named.arn : `${named.via} looks up ${named.arn}, which`;
  const m = KMS_ARN.exec(named.arn);
  if (m === null)
    return `${what} is not the ARN of a KMS key or alias (arn:<partition>:kms:<region>:<account>:key/<id>)`;
  const [, partition = "", , account = ""] = m;
  const { provider, partition: home } = placementOf(template, resource);
  const notOurs = "the key is not managed by this configuration; refer to an aws_kms_key of this configuration";
  if (home !== undefined && partition !== home.id)
    return `${what} is a key of partition ${partition}, but the resource's provider is in ${home.id}: ${notOurs}`;
  const accounts = providerAccounts(provider);
  if (accounts === undefined)
    return `${what} is a literal key ARN, and ${provider?.address ?? "the resource's provider"} names no account (allowed_account_ids) it could be checked against: ${notOurs}`;
  if (!accounts.includes(account))
    return `${what} is a key of account ${account}, not of the provider's account ${accounts.join(", ")} (${provider?.address}): ${notOurs}`;
  return undefined;
}

/**
 * Why a key argument of `resource` is not a customer managed key of the configuration's own account:
 * an AWS managed key (awsManagedKeyProblem) or a literal key ARN of another account or partition
 * (foreignKeyProblem); undefined otherwise.
 */
export function customerKeyProblem(template: Template, resource: TfResource, value: unknown): string | undefined {
  return awsManagedKeyProblem(template, value) ?? foreignKeyProblem(template, resource, value);
}
