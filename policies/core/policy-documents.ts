/**
 * IAM policy documents in a configuration: identity policies, trust policies, bucket, key, endpoint
 * and other resource policies. Documents are JSON strings (what the project's modules emit), objects,
 * or `data.aws_iam_policy_document` blocks (converted to JSON); anything computed stays unresolved.
 */
import { asArray, blocks, compareStrings, isObject, type JsonObject, parseEmbeddedJson, strings } from "./json";
import { resolveReference } from "./references";
import type { Template, TfResource } from "./template";

export type PolicyKind = "identity" | "trust" | "bucket" | "key" | "endpoint" | "resource" | "document" | "scp";

export interface PolicyDocumentRef {
  /** Address of the block that holds the policy. */
  readonly address: string;
  /** Attribute path, e.g. `policy`, `assume_role_policy`, `inline_policy[0].policy`. */
  readonly attribute: string;
  readonly kind: PolicyKind;
  readonly resource: TfResource;
  /** The parsed document, when the value is literal JSON or a resolvable policy document. */
  readonly document: JsonObject | undefined;
  /** Why the document could not be read (invalid JSON, computed value), when it could not. */
  readonly problem: string | undefined;
  /** The `data.aws_iam_policy_document` the value came from, if any. */
  readonly via: string | undefined;
}

/** Where policies live: resource type -> attribute -> kind. */
export const POLICY_SOURCES: ReadonlyArray<readonly [string, string, PolicyKind]> = [
  ["aws_iam_policy", "policy", "identity"],
  ["aws_iam_role_policy", "policy", "identity"],
  ["aws_iam_user_policy", "policy", "identity"],
  ["aws_iam_group_policy", "policy", "identity"],
  // An IAM Identity Center permission set's inline policy: what every user assigned to it gets in
  // each account it is assigned to (issue 15 probe).
  ["aws_ssoadmin_permission_set_inline_policy", "inline_policy", "identity"],
  ["aws_iam_role", "assume_role_policy", "trust"],
  ["aws_s3_bucket_policy", "policy", "bucket"],
  ["aws_s3_bucket", "policy", "bucket"],
  ["aws_kms_key", "policy", "key"],
  ["aws_kms_key_policy", "policy", "key"],
  ["aws_kms_external_key", "policy", "key"],
  ["aws_kms_replica_key", "policy", "key"],
  ["aws_vpc_endpoint", "policy", "endpoint"],
  ["aws_vpc_endpoint_policy", "policy", "endpoint"],
  ["aws_secretsmanager_secret", "policy", "resource"],
  ["aws_secretsmanager_secret_policy", "policy", "resource"],
  ["aws_sqs_queue", "policy", "resource"],
  ["aws_sqs_queue_policy", "policy", "resource"],
  ["aws_sns_topic", "policy", "resource"],
  ["aws_sns_topic_policy", "policy", "resource"],
  ["aws_ecr_repository_policy", "policy", "resource"],
  ["aws_cloudwatch_log_resource_policy", "policy_document", "resource"],
  ["aws_lambda_layer_version_permission", "policy", "resource"],
  // A service control policy: the most any principal of the accounts it is attached to may do.
  ["aws_organizations_policy", "content", "scp"],
];

/** Converts a `data.aws_iam_policy_document` block to the JSON document it renders. */
export function renderPolicyDocumentData(values: JsonObject): JsonObject {
  const statements = blocks(values.statement).map((s) => {
    const out: JsonObject = {};
    if (typeof s.sid === "string" && s.sid !== "") out.Sid = s.sid;
    out.Effect = typeof s.effect === "string" ? s.effect : "Allow";
    const principals = (list: unknown): JsonObject | string | undefined => {
      const map: Record<string, string[]> = {};
      for (const p of blocks(list)) {
        const type = typeof p.type === "string" ? p.type : "AWS";
        map[type] = [...(map[type] ?? []), ...strings(p.identifiers)];
      }
      if (Object.keys(map).length === 0) return undefined;
      if (Object.keys(map).length === 1 && map["*"] !== undefined) return "*";
      return map;
    };
    const principal = principals(s.principals);
    if (principal !== undefined) out.Principal = principal;
    const notPrincipal = principals(s.not_principals);
    if (notPrincipal !== undefined) out.NotPrincipal = notPrincipal;
    if (s.actions !== undefined) out.Action = strings(s.actions);
    if (s.not_actions !== undefined) out.NotAction = strings(s.not_actions);
    if (s.resources !== undefined) out.Resource = strings(s.resources);
    if (s.not_resources !== undefined) out.NotResource = strings(s.not_resources);
    const conditions: Record<string, Record<string, string[]>> = {};
    for (const c of blocks(s.condition)) {
      if (typeof c.test !== "string" || typeof c.variable !== "string") continue;
      const byKey = conditions[c.test] ?? {};
      byKey[c.variable] = [...(byKey[c.variable] ?? []), ...strings(c.values)];
      conditions[c.test] = byKey;
    }
    if (Object.keys(conditions).length > 0) out.Condition = conditions;
    return out;
  });
  const doc: JsonObject = {
    Version: typeof values.version === "string" ? values.version : "2012-10-17",
    Statement: statements,
  };
  if (typeof values.policy_id === "string") doc.Id = values.policy_id;
  return doc;
}

function readDocument(template: Template, value: unknown): { document?: JsonObject; problem?: string; via?: string } {
  if (isObject(value)) return { document: value };
  if (typeof value !== "string") return { problem: "the value is not a JSON document" };
  const ref = resolveReference(template, value);
  if (ref !== undefined) {
    if (
      ref.resource.type === "aws_iam_policy_document" &&
      ref.resource.mode === "data" &&
      (ref.attribute === "json" || ref.attribute === "minified_json")
    ) {
      return { document: renderPolicyDocumentData(ref.resource.values), via: ref.resource.address };
    }
    return {
      problem: `computed from ${ref.resource.address}${ref.attribute ? `.${ref.attribute}` : ""}; cannot be checked before plan`,
    };
  }
  // JSON with references inside its strings ("Resource": "${aws_s3_bucket.b.arn}/*") is still JSON.
  const parsed = parseEmbeddedJson(value);
  if (isObject(parsed)) return { document: parsed };
  if (value.includes("${")) return { problem: "is computed by a Terraform expression; cannot be checked before plan" };
  return { problem: "is not valid JSON" };
}

/** Every policy document of a configuration, in address order. */
export function policyDocuments(template: Template): PolicyDocumentRef[] {
  const out: PolicyDocumentRef[] = [];
  const push = (resource: TfResource, attribute: string, kind: PolicyKind, value: unknown) => {
    const { document, problem, via } = readDocument(template, value);
    out.push({ address: resource.address, attribute, kind, resource, document, problem, via });
  };
  for (const resource of template.resources) {
    if (resource.mode === "data") {
      if (resource.type === "aws_iam_policy_document") {
        out.push({
          address: resource.address,
          attribute: "json",
          kind: "document",
          resource,
          document: renderPolicyDocumentData(resource.values),
          problem: undefined,
          via: undefined,
        });
      }
      continue;
    }
    for (const [type, attribute, kind] of POLICY_SOURCES) {
      if (resource.type === type && resource.values[attribute] !== undefined && resource.values[attribute] !== "") {
        push(resource, attribute, kind, resource.values[attribute]);
      }
    }
    if (resource.type === "aws_iam_role") {
      blocks(resource.values.inline_policy).forEach((block, i) => {
        if (block.policy !== undefined) push(resource, `inline_policy[${i}].policy`, "identity", block.policy);
      });
    }
  }
  return out.sort((a, b) => compareStrings(`${a.address} ${a.attribute}`, `${b.address} ${b.attribute}`));
}

// ---- normalized statements -------------------------------------------------------------------

export interface Principals {
  /** `"*"` or `{AWS: "*"}`: anyone. */
  readonly anyone: boolean;
  readonly aws: readonly string[];
  readonly service: readonly string[];
  readonly federated: readonly string[];
  readonly canonicalUser: readonly string[];
}

export interface ConditionEntry {
  readonly operator: string;
  readonly key: string;
  readonly values: readonly unknown[];
}

export interface NormalizedStatement {
  readonly index: number;
  readonly sid: string | undefined;
  readonly effect: string;
  readonly principal: Principals | undefined;
  readonly notPrincipal: Principals | undefined;
  readonly actions: readonly string[];
  readonly notActions: readonly string[];
  readonly resources: readonly string[];
  readonly notResources: readonly string[];
  readonly conditions: readonly ConditionEntry[];
  readonly raw: JsonObject;
}

/**
 * Whether AWS principals include everyone: `*`, or an ARN whose account field is a wildcard
 * (an IAM role ARN whose account is `*` names that role in every account).
 */
function includesAnyone(aws: readonly string[]): boolean {
  return aws.some((p) => p === "*" || /^arn:[^:]*:[^:]*:[^:]*:[^:]*[*?]/.test(p));
}

function principalsOf(value: unknown): Principals | undefined {
  if (value === undefined) return undefined;
  if (value === "*") return { anyone: true, aws: ["*"], service: [], federated: [], canonicalUser: [] };
  // A list instead of a map (`["foo", "*"]`): read as AWS principals, so that a "*" in it counts.
  if (!isObject(value)) {
    const aws = strings(value);
    return { anyone: includesAnyone(aws), aws, service: [], federated: [], canonicalUser: [] };
  }
  const aws = strings(value.AWS);
  return {
    anyone: includesAnyone(aws),
    aws,
    service: strings(value.Service),
    federated: strings(value.Federated),
    canonicalUser: strings(value.CanonicalUser),
  };
}

export function statementsOf(document: JsonObject): NormalizedStatement[] {
  return asArray(document.Statement)
    .filter(isObject)
    .map((s, index) => {
      const conditions: ConditionEntry[] = [];
      if (isObject(s.Condition)) {
        for (const [operator, byKey] of Object.entries(s.Condition)) {
          if (!isObject(byKey)) continue;
          for (const [key, values] of Object.entries(byKey))
            conditions.push({ operator, key, values: asArray(values) });
        }
      }
      return {
        index,
        sid: typeof s.Sid === "string" ? s.Sid : undefined,
        effect: typeof s.Effect === "string" ? s.Effect : "",
        principal: principalsOf(s.Principal),
        notPrincipal: principalsOf(s.NotPrincipal),
        actions: strings(s.Action),
        notActions: strings(s.NotAction),
        resources: strings(s.Resource),
        notResources: strings(s.NotResource),
        conditions,
        raw: s,
      };
    });
}

/** `Sid "X"` or `statement 2`, for messages. */
export function statementLabel(s: NormalizedStatement): string {
  return s.sid ? `statement "${s.sid}"` : `statement ${s.index + 1}`;
}

/**
 * Condition keys that can limit a `*` principal to known callers, when their values name specific
 * callers (scopingValue). Not `kms:ViaService`: it names the service a request comes through, and
 * any account's principals can call S3 (docs: a key policy needs kms:CallerAccount with it).
 */
export const CALLER_SCOPING_KEYS: ReadonlySet<string> = new Set(
  [
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOwner",
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:SourceOrgID",
    "aws:VpceAccount",
    "aws:userid",
    "kms:CallerAccount",
    "sts:ExternalId",
  ].map((k) => k.toLowerCase()),
);

const ACCOUNT_KEYS = new Set([
  "aws:principalaccount",
  "aws:sourceaccount",
  "aws:sourceowner",
  "aws:vpceaccount",
  "kms:calleraccount",
]);
const ARN_KEYS = new Set(["aws:principalarn", "aws:sourcearn"]);

/**
 * Whether one condition value names specific callers for its key: a 12-digit account, an ARN with a
 * literal account, an organization or endpoint ID; a value that matches everyone (`*`,
 * an ARN whose account field is `*`) or is empty does not. A value that is one Terraform
 * reference names one block's attribute: specific.
 */
export function scopingValue(key: string, value: unknown): boolean {
  if (typeof value !== "string") return false;
  const v = value.trim();
  if (/^\$\{[^{}]+\}$/.test(v)) return true;
  if (v === "" || /^[*?]+$/.test(v)) return false;
  const k = key.toLowerCase();
  if (ACCOUNT_KEYS.has(k)) return /^\d{12}$/.test(v);
  if (ARN_KEYS.has(k)) {
    const account = /^arn:[^:]+:[^:]*:[^:]*:([^:]*)(:|$)/.exec(v)?.[1];
    return account !== undefined && /^\d{12}$/.test(account);
  }
  if (k === "aws:principalorgid" || k === "aws:sourceorgid") return /^o-[a-z0-9]{10,32}$/.test(v);
  if (k === "aws:principalorgpaths") return /^o-[a-z0-9]{10,32}\//.test(v);
  if (k === "aws:sourcevpce") return /^vpce-[0-9a-f]+$/.test(v);
  if (k === "aws:sourcevpc") return /^vpc-[0-9a-f]+$/.test(v);
  if (k === "aws:userid") return /^[A-Z0-9]{16,}/.test(v);
  if (k === "sts:externalid") return !/[*?]/.test(v);
  return !v.startsWith("*");
}

/**
 * Whether a statement carries a condition that limits who can use it: a scoping key under a positive
 * operator (not `...Not...`, `Null`, `...IfExists` or `ForAllValues:...`, which pass requests without
 * the key: ForAllValues over an absent key is true), every value of which names specific callers
 * (scopingValue).
 */
export function hasCallerScopingCondition(s: NormalizedStatement): boolean {
  return s.conditions.some(
    (c) =>
      CALLER_SCOPING_KEYS.has(c.key.toLowerCase()) &&
      !/Not|Null|IfExists|^ForAllValues:/i.test(c.operator) &&
      c.values.length > 0 &&
      c.values.every((v) => scopingValue(c.key, v)),
  );
}

/**
 * An Allow whose principal includes everyone: `"*"` (or an ARN with a wildcard account), or a
 * NotPrincipal, which allows everyone except the principals it names (anonymous callers included).
 */
export function allowsEveryone(s: NormalizedStatement): boolean {
  return s.effect === "Allow" && (s.principal?.anyone === true || s.notPrincipal !== undefined);
}

/** A glob (`*`, `?`) as a case-insensitive regular expression. */
export function globToRegExp(glob: string): RegExp {
  const escaped = glob
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "i");
}

/** Whether an action pattern list covers an action (`s3:*` covers `s3:GetObject`). */
export function coversAction(patterns: readonly string[], action: string): boolean {
  return patterns.some((p) => globToRegExp(p).test(action));
}
