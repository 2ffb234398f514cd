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

export interface Statement {
  readonly Sid: string;
  readonly Effect: "Allow" | "Deny";
  readonly Principal?: PrincipalMap | "*";
  readonly Action: OneOrMany;
  readonly Resource: OneOrMany;
  readonly Condition?: Conditions;
}

export interface PolicyDocument {
  readonly Version: "2012-10-17";
  readonly Statement: readonly Statement[];
}

export function policyDocument(statements: readonly Statement[]): PolicyDocument {
  const sids = new Set<string>();
  for (const s of statements) {
    if (!/^[A-Za-z0-9]+$/.test(s.Sid)) throw new Error(`policy statement Sid "${s.Sid}" must be alphanumeric`);
    if (sids.has(s.Sid)) throw new Error(`policy statement Sid "${s.Sid}" is used twice`);
    sids.add(s.Sid);
  }
  return { Version: "2012-10-17", Statement: statements };
}

const STATEMENT_KEYS = ["Sid", "Effect", "Principal", "Action", "Resource", "Condition"] as const;

/** Compact JSON with the statement keys in IAM's conventional order and nothing else. */
export function renderPolicy(doc: PolicyDocument): string {
  const statements = doc.Statement.map((s) =>
    Object.fromEntries(STATEMENT_KEYS.filter((k) => s[k] !== undefined).map((k) => [k, s[k]])),
  );
  return JSON.stringify({ Version: doc.Version, Statement: statements });
}

/** The account's root principal (`arn:<partition>:iam::<account>:root`): delegates to IAM policies. */
export function accountRoot(partition: PartitionInfo, accountId: string): string {
  return arn(partition, { service: "iam", account: accountId, resource: "root" });
}
