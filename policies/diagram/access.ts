/**
 * What an identity policy lets a principal do to the stack's buckets, keys, secrets and roles, for
 * the partition diagram: read or write a bucket's objects, encrypt or decrypt with a key, read a
 * secret, assume a role. A deliberate over-approximation, as a reviewer's picture should be: only
 * Allow statements count, policy variables (`$${aws:PrincipalTag/Tenant}`) match anything, and of
 * the conditions only `kms:ResourceAliases` narrows which keys a statement reaches.
 */
import { coversAction, globToRegExp, type NormalizedStatement } from "../core/policy-documents";

export type TargetKind = "bucket" | "key" | "secret" | "role";

/** A resource a policy can name, with the ARN AWS would give it. */
export interface AccessTarget {
  readonly address: string;
  readonly kind: TargetKind;
  readonly arn: string;
  /** Alias names of a key (`alias/example/tenant/acme`); empty for other kinds. */
  readonly aliases: readonly string[];
}

/** Edge labels, in the order the diagram lists them. */
export const ACCESS_ORDER = ["reads", "writes", "encrypts", "decrypts", "MACs", "assumes"] as const;
export type Access = (typeof ACCESS_ORDER)[number];

interface Probe {
  readonly access: Access;
  readonly actions: readonly string[];
  /** `objects`: the resource is `<bucket ARN>/<key>`; `self`: the target's own ARN. */
  readonly on: "objects" | "self";
}

/** s3:GetObject-like actions read, s3:PutObject-like ones write; key use; secret reads; assumption. */
const PROBES: Readonly<Record<TargetKind, readonly Probe[]>> = {
  bucket: [
    { access: "reads", actions: ["s3:GetObject", "s3:GetObjectVersion"], on: "objects" },
    { access: "reads", actions: ["s3:ListBucket", "s3:ListBucketVersions"], on: "self" },
    { access: "writes", actions: ["s3:PutObject", "s3:DeleteObject", "s3:DeleteObjectVersion"], on: "objects" },
  ],
  key: [
    { access: "encrypts", actions: ["kms:Encrypt", "kms:GenerateDataKey"], on: "self" },
    { access: "decrypts", actions: ["kms:Decrypt"], on: "self" },
    { access: "MACs", actions: ["kms:GenerateMac"], on: "self" },
  ],
  secret: [{ access: "reads", actions: ["secretsmanager:GetSecretValue"], on: "self" }],
  role: [{ access: "assumes", actions: ["sts:AssumeRole"], on: "self" }],
};

/** IAM policy variables and Terraform's escape of them (`$${aws:username}`): match anything. */
const POLICY_VARIABLE = /\$?\$\{aws:[^}]*\}/g;

function allowsAction(s: NormalizedStatement, action: string): boolean {
  if (s.actions.length > 0) return coversAction(s.actions, action);
  return s.notActions.length > 0 && !coversAction(s.notActions, action);
}

function pattern(resource: string): RegExp {
  return globToRegExp(resource.replace(POLICY_VARIABLE, "*"));
}

/** Whether a resource pattern can name some object of a bucket (`<arn>/*`, `<arn>/quarantine/*`). */
function namesObjectsOf(resource: string, bucketArn: string): boolean {
  const glob = resource.replace(POLICY_VARIABLE, "*");
  const literalPrefix = glob.split(/[*?]/)[0] ?? "";
  if (literalPrefix.startsWith(`${bucketArn}/`)) return true;
  return `${bucketArn}/`.startsWith(literalPrefix) && globToRegExp(glob).test(`${bucketArn}/object`);
}

function allowsResource(s: NormalizedStatement, target: AccessTarget, on: Probe["on"]): boolean {
  const names = (resource: string) =>
    on === "objects" ? namesObjectsOf(resource, target.arn) : pattern(resource).test(target.arn);
  if (s.resources.length > 0) return s.resources.some(names);
  return s.notResources.length > 0 && !s.notResources.some(names);
}

/** `kms:ResourceAliases` conditions (positive operators only) restrict a statement to keys with a matching alias. */
function conditionsAllow(s: NormalizedStatement, target: AccessTarget): boolean {
  for (const c of s.conditions) {
    if (c.key.toLowerCase() !== "kms:resourcealiases" || /Not|Null/i.test(c.operator)) continue;
    const values = c.values.filter((v): v is string => typeof v === "string");
    const like = /Like/i.test(c.operator);
    const match = (alias: string) => values.some((v) => (like ? globToRegExp(v).test(alias) : v === alias));
    if (!target.aliases.some(match)) return false;
  }
  return true;
}

/** The accesses the statements allow on a target, in ACCESS_ORDER. */
export function accessesOf(statements: readonly NormalizedStatement[], target: AccessTarget): Access[] {
  const found = new Set<Access>();
  for (const s of statements) {
    if (s.effect !== "Allow" || !conditionsAllow(s, target)) continue;
    for (const probe of PROBES[target.kind]) {
      if (probe.actions.some((a) => allowsAction(s, a)) && allowsResource(s, target, probe.on)) found.add(probe.access);
    }
  }
  return ACCESS_ORDER.filter((a) => found.has(a));
}
