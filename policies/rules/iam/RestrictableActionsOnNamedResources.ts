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
 * `Resource "*"`: data reads (Read), writes (Write) and permissions management. What a policy may
 * grant on `*` is what only works on `*` (wildcard-only actions such as ec2:Describe*) and listing.
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
  info: 'An identity policy grants, on Resource "*", actions that can be limited to named resources: data reads, writes or permissions management.',
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

/** Whether a statement applies to every resource: `Resource "*"` or a NotResource. */
function onEverything(s: NormalizedStatement): boolean {
  return s.resources.includes("*") || s.notResources.length > 0;
}
