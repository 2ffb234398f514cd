/**
 * Typed IAM policy documents. Modules build policies from these types, never from string templates;
 * `renderPolicy` emits stable JSON (fixed key order) so that a policy diff is small and readable.
 */
import { arn, type PartitionInfo } from "../../config/partitions";

export type OneOrMany = string | readonly string[];

export interface PrincipalMap {
  readonly AWS?: OneOrMany;
  readonly Service?: OneOrMany;
  readonly Federated?: OneOrMany;
}

/** IAM condition block: operator -> condition key -> value(s). */
export type Conditions = Readonly<Record<string, Readonly<Record<string, OneOrMany | boolean>>>>;

interface StatementBase {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: PrincipalMap | "*";
  readonly Action: OneOrMany;
  readonly Condition?: Conditions;
}

/** A statement names either the resources it covers or (for denies) those it does not. */
export type Statement =
  | (StatementBase & { readonly Resource: OneOrMany; readonly NotResource?: never })
  | (StatementBase & { readonly NotResource: OneOrMany; readonly Resource?: never });

/**
 * A statement of a role's trust policy: who may assume the role. IAM rejects a trust policy that
 * names a Resource ("Has prohibited field Resource"), so this type has none, and it names its
 * principal (never "*").
 */
export interface TrustStatement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal: PrincipalMap;
  readonly Action: OneOrMany;
  readonly Condition?: Conditions;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly (Statement | TrustStatement)[];
}

function checkSids(statements: readonly { readonly Sid: string }[]): void {
  const sids = new Set<string>();
  for (const s of statements) {
    if (!/^[A-Za-z0-9]+$/.test(s.Sid)) throw new Error(`policy statement Sid "${s.Sid}" must be alphanumeric`);
    if (sids.has(s.Sid)) throw new Error(`policy statement Sid "${s.Sid}" is used twice`);
    sids.add(s.Sid);
  }
}

/** An identity or resource policy. */
export function policyDocument(statements: readonly Statement[]): PolicyDocument {
  checkSids(statements);
  for (const s of statements) {
    if (s.NotResource !== undefined && s.Effect === "Allow")
      throw new Error(
        `policy statement ${s.Sid}: NotResource is only used with Deny (an Allow with NotResource grants almost everything)`,
      );
  }
  return { Version: "2012-10-17", Statement: statements };
}

/** A role's trust (assume-role) policy: statements without Resource. */
export function trustPolicyDocument(statements: readonly TrustStatement[]): PolicyDocument {
  checkSids(statements);
  for (const s of statements) {
    if ("Resource" in s || "NotResource" in s)
      throw new Error(`trust policy statement ${s.Sid} names a resource, which IAM rejects`);
  }
  return { Version: "2012-10-17", Statement: statements };
}

const STATEMENT_KEYS = ["Sid", "Effect", "Principal", "Action", "Resource", "NotResource", "Condition"] as const;

/** Compact JSON with the statement keys in IAM's conventional order and nothing else. */
export function renderPolicy(doc: PolicyDocument): string {
  const statements = doc.Statement.map((s) => {
    const fields = s as Partial<Record<(typeof STATEMENT_KEYS)[number], unknown>>;
    return Object.fromEntries(STATEMENT_KEYS.filter((k) => fields[k] !== undefined).map((k) => [k, fields[k]]));
  });
  return JSON.stringify({ Version: doc.Version, Statement: statements });
}

/** The account's root principal (`arn:<partition>:iam::<account>:root`): delegates to IAM policies. */
export function accountRoot(partition: PartitionInfo, accountId: string): string {
  return arn(partition, { service: "iam", account: accountId, resource: "root" });
}

/** A statement ID part from a name (Sids are alphanumeric): `avatars-original` -> `AvatarsOriginal`. */
export function sidPart(name: string): string {
  return name
    .split(/[^A-Za-z0-9]+/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join("");
}

/**
 * An IAM policy variable (`${aws:PrincipalTag/Tenant}`) inside a Terraform string. Terraform would
 * read `${...}` as its own interpolation, so it is escaped as `$${...}`; AWS receives `${...}`.
 */
export function policyVariable(name: string): string {
  if (!/^[a-zA-Z0-9:/_-]+$/.test(name)) throw new Error(`"${name}" is not an IAM policy variable name`);
  return `$\${${name}}`;
}
