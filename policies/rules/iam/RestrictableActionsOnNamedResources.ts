import type { ActionInfo, IamCatalog } from "../../core/iam-catalog";
import { LITERAL_POLICY, policyReads } from "../../core/unknowns";
import {
  globToRegExp,
  type NormalizedStatement,
  policyDocuments,
  statementLabel,
  statementsOf,
  type PolicyDocumentRef,
} from "../../core/policy-documents";
import { resolveReference } from "../../core/references";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * Actions that can be limited to named resources are, in identity policies, never granted on
 * `Resource "*"`: data reads (Read), writes (Write) and permissions management. `"*"` includes a
 * NotResource, other wildcard-only patterns (`**`, `arn:*`, all buckets) and a type-wide pattern
 * (`key/` then `*`) unless a positive condition selects the resources by tag or alias; a NotAction
 * grants every action it does not name (issue 15 probe). What a policy may grant on `*` is what only
 * works on `*` (wildcard-only actions such as ec2:Describe*) and listing.
 * One structural exception: the network-interface actions of a Lambda function's own role in a VPC,
 * which Lambda needs on `*` (AWS's AWSLambdaVPCAccessExecutionRole).
 */
const LEVELS = new Set(["Read", "Write", "Permissions management"]);
const LAMBDA_VPC_ACTIONS = new Set([
  "ec2:createnetworkinterface",
  "ec2:describenetworkinterfaces",
  "ec2:deletenetworkinterface",
  "ec2:assignprivateipaddresses",
  "ec2:unassignprivateipaddresses",
]);

/** The concrete actions a statement's Action patterns match, with what the catalog knows of them. */
function expand(patterns: readonly string[], iam: IamCatalog): { known: ActionInfo[]; unknown: string[] } {
  const known: ActionInfo[] = [];
  const unknown: string[] = [];
  for (const pattern of patterns) {
    if (pattern === "*") {
      unknown.push("*");
      continue;
    }
    const i = pattern.indexOf(":");
    const service = pattern.slice(0, i);
    const names = i > 0 && !/[*?]/.test(service) ? iam.actionsOf(service) : undefined;
    if (names === undefined) {
      unknown.push(pattern);
      continue;
    }
    const re = globToRegExp(pattern.slice(i + 1));
    for (const name of names.filter((n) => re.test(n))) {
      const info = iam.actionInfo(`${service}:${name}`);
      if (info !== undefined) known.push(info);
    }
  }
  return { known, unknown };
}

function isLambdaRole(doc: PolicyDocumentRef, template: Parameters<typeof resolveReference>[0]): boolean {
  const role =
    doc.resource.type === "aws_iam_role"
      ? doc.resource
      : resolveReference(template, doc.resource.values.role)?.resource;
  const trust = typeof role?.values.assume_role_policy === "string" ? role.values.assume_role_policy : "";
  return /"Service":\s*(\[[^\]]*)?"lambda\.amazonaws\.com"/.test(trust);
}

export const RestrictableActionsOnNamedResources = defineRule({
  id: "SIP-IAM-7",
  name: "RestrictableActionsOnNamedResources",
  service: "iam",
  severity: "error",
  suppressible: true,
  info: 'An identity policy grants, on Resource "*" (or a NotResource, or a pattern that names every resource or every resource of a type), actions that can be limited to named resources: data reads, writes or permissions management.',
  explanation:
    'Resource "*" on s3:GetObject, kms:Decrypt or secretsmanager:GetSecretValue reads every object, key and secret the account holds or will hold; on iam:PassRole, iam:PutRolePolicy or iam:AttachRolePolicy it lets the holder give itself any permission; on writes it reaches resources nobody reviewed. These actions take resource ARNs, so "*" is never needed.',
  fix: 'Name the resources (bucket/object ARNs, key ARNs, secret ARNs, role ARNs) in Resource; keep "*" only for actions that support nothing else (List, wildcard-only actions).',
  anchors: {
    checkov: ["CKV_AWS_355", "CKV_AWS_288", "CKV_AWS_286", "CKV_AWS_289", "CKV_AWS_290"],
    cdkNag: ["AwsSolutions-IAM5"],
  },
  reads: policyReads(LITERAL_POLICY, "identity"),
  evaluate({ template, iam }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const doc of policyDocuments(template)) {
      if (doc.kind !== "identity") continue;
      checked++;
      if (doc.document === undefined) continue; // SIP-IAM-4 reports documents that cannot be read
      const problems: string[] = [];
      let lambdaNetworking = false;
      for (const s of statementsOf(doc.document)) {
        if (s.effect !== "Allow" || !onEverything(s)) continue;
        const { known, unknown } = expand(s.actions, iam);
        // A NotAction allows every action it does not name, restrictable ones included.
        if (s.notActions.length > 0) unknown.push(`every action but ${s.notActions.join(", ")} (NotAction)`);
        const restrictable = known.filter((a) => a.restrictable && LEVELS.has(a.accessLevel));
        if (restrictable.length === 0 && unknown.length === 0) continue;
        if (
          unknown.length === 0 &&
          restrictable.every((a) => LAMBDA_VPC_ACTIONS.has(a.name.toLowerCase())) &&
          isLambdaRole(doc, template)
        ) {
          lambdaNetworking = true;
          continue;
        }
        const names = [...new Set(restrictable.map((a) => a.name))].sort();
        const shown =
          names.length > 6 ? `${names.slice(0, 6).join(", ")} and ${names.length - 6} more` : names.join(", ");
        if (names.length > 0) problems.push(`${statementLabel(s)} grants ${shown} on every resource`);
        if (unknown.length > 0)
          problems.push(
            `${statementLabel(s)} grants ${unknown.join(", ")} on every resource, which the checker could not expand`,
          );
      }
      if (problems.length > 0) violations.push({ address: doc.address, detail: problems.join("; ") });
      else if (lambdaNetworking)
        violations.push({
          address: doc.address,
          detail: 'the Lambda network-interface actions on Resource "*"',
          acceptedBecause:
            'Lambda creates and deletes the network interfaces of a function in a VPC with its role and needs them on "*" (AWSLambdaVPCAccessExecutionRole); the role is a Lambda function\'s',
        });
    }
    return verdict(checked, violations);
  },
});

/** Only wildcards (at least one `*`, slashes allowed for S3 objects): `*`, `**`, `*?`. */
const WILDCARD_ONLY = /^[*?/]*\*[*?/]*$/;

/**
 * Whether a Resource pattern names no resource in particular: `*` and other wildcard-only
 * patterns, an ARN that ends in a wildcard before its resource (`arn:*`), or an ARN whose resource is
 * only wildcards (every bucket or object of S3, every queue).
 */
function namesEveryResource(pattern: string): boolean {
  if (WILDCARD_ONLY.test(pattern)) return true;
  const fields = pattern.split(":");
  if (fields[0]?.toLowerCase() !== "arn") return false;
  if (fields.length < 6) return WILDCARD_ONLY.test(fields[fields.length - 1] ?? "");
  return WILDCARD_ONLY.test(fields.slice(5).join(":"));
}

/**
 * Whether a Resource pattern names every resource of a type (outside S3, whose ARNs have no type):
 * `...:secret:*`, `key/` then `*`, `role/` then `*`.
 */
function namesEveryResourceOfAType(pattern: string): boolean {
  const fields = pattern.split(":");
  if (fields[0]?.toLowerCase() !== "arn" || fields.length < 6 || fields[2]?.toLowerCase() === "s3") return false;
  const typed = /^[A-Za-z][A-Za-z-]*[/:](.*)$/.exec(fields.slice(5).join(":"));
  return typed !== null && WILDCARD_ONLY.test(typed[1] ?? "");
}

/** Condition keys that select resources by their tags or aliases (attribute-based access). */
const RESOURCE_SELECTING_KEY = /^(?:[a-z0-9-]+:ResourceTag\/.+|kms:ResourceAliases)$/i;

/**
 * Whether a positive condition (no negated, ...IfExists, Null or ForAllValues operator, which an
 * untagged resource satisfies) selects the resources by tag or alias with values that are not only
 * wildcards: what makes a type-wide pattern name resources.
 */
function selectsResourcesByCondition(s: NormalizedStatement): boolean {
  return s.conditions.some(
    (c) =>
      RESOURCE_SELECTING_KEY.test(c.key) &&
      !/Not|IfExists$|^Null$|^ForAllValues:/i.test(c.operator) &&
      c.values.length > 0 &&
      c.values.every((v) => typeof v === "string" && !/^[*?]*$/.test(v)),
  );
}

/**
 * Whether a statement applies to every resource: `Resource "*"` and the like, a NotResource, or
 * every resource of a type without a condition that selects them by tag or alias.
 */
function onEverything(s: NormalizedStatement): boolean {
  return (
    s.resources.some(namesEveryResource) ||
    s.notResources.length > 0 ||
    (s.resources.some(namesEveryResourceOfAType) && !selectsResourcesByCondition(s))
  );
}
