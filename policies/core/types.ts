/**
 * The shape of a guardrail (cdk-nag's, applied to Terraform JSON): each rule is a pure function
 * over one configuration that returns Compliant, NonCompliant (addresses and details) or
 * NotApplicable, plus what is wrong, why it matters and how to fix it.
 */
import type { DeploymentConfig } from "../../config/schema";
import type { IamCatalog } from "./iam-catalog";
import type { Template } from "./template";
import { withIgnoredReads } from "./ignored-changes";
import { withUnknownReads } from "./unknowns";

export type Severity = "error" | "warning";

export interface Anchors {
  /** checkov check IDs (CKV_AWS_*, CKV2_AWS_*). */
  readonly checkov?: readonly string[];
  /** trivy check IDs (AVD-AWS-*). */
  readonly trivy?: readonly string[];
  /** cdk-nag rule IDs (AwsSolutions-*, NIST.800.53.R5-*, ...). */
  readonly cdkNag?: readonly string[];
}

/**
 * How a rule evaluates a value it reads: `literal` values only (booleans, numbers, enums, CIDRs,
 * principals); `reference`: literals or values computed only from blocks of this configuration
 * (`${aws_kms_key.k.arn}`), which the rule resolves or accepts as set; `document`: an IAM policy
 * document (literal JSON, an object, or a `data.aws_iam_policy_document` of this configuration).
 */
export type ReadMode = "literal" | "reference" | "document";

/** A value a rule reads. An expression the rule cannot evaluate there is a finding (policies/core/unknowns.ts). */
export interface ValueRead {
  /**
   * Block type: `aws_subnet`; `data.<type>` for data sources; `provider.<type>` for provider
   * blocks; `output` for outputs; a trailing `*` matches every type with that prefix (`aws_*`).
   */
  readonly type: string;
  /** Dotted path into the block through nested blocks (`vpc_config.subnet_ids`); `*` is every attribute. */
  readonly attribute: string;
  readonly as: ReadMode;
  /** What passes, for the finding (`a literal false, or leaving it out`). */
  readonly passes: string;
}

export interface RuleMeta {
  /** Stable ID, e.g. `SIP-S3-4`. */
  readonly id: string;
  /** PascalCase name, the rule's file name. */
  readonly name: string;
  /** Folder under policies/rules/. */
  readonly service: string;
  readonly severity: Severity;
  /** What is wrong (one sentence, shown with every finding). */
  readonly info: string;
  /** Why it matters. */
  readonly explanation: string;
  /** How to fix it. */
  readonly fix: string;
  /** Whether a suppression may silence it. Residency rules may not. */
  readonly suppressible: boolean;
  readonly anchors: Anchors;
  /** The values the rule reads (RULES.md lists them); rules must declare them (Rule). */
  readonly reads?: readonly ValueRead[];
}

export interface RuleContext {
  readonly template: Template;
  /** The deployment configuration, when given; undefined means the strictest reading. */
  readonly config: DeploymentConfig | undefined;
  readonly iam: IamCatalog;
}

export interface Violation {
  /** Terraform address (`aws_s3_bucket.b`, `data.x.y`, `provider.aws.sovereign`). */
  readonly address: string;
  /** What exactly is wrong with this block. */
  readonly detail: string;
  /**
   * Set when the block is part of a named, structurally verified exception (for example the
   * controlled egress path): the finding is reported as accepted, with this reason, not as active.
   */
  readonly acceptedBecause?: string;
}

export type RuleResult =
  | { readonly kind: "Compliant" }
  | { readonly kind: "NotApplicable" }
  | { readonly kind: "NonCompliant"; readonly violations: readonly Violation[] };

export interface Rule extends RuleMeta {
  /**
   * The values the rule reads (empty only with a reason in policies/test/meta.test.ts). Where one of
   * them is an expression the rule cannot evaluate, the rule reports that (fail closed, issue 15).
   */
  readonly reads: readonly ValueRead[];
  evaluate(context: RuleContext): RuleResult;
}

export const COMPLIANT: RuleResult = { kind: "Compliant" };
export const NOT_APPLICABLE: RuleResult = { kind: "NotApplicable" };

/** NotApplicable when nothing was checked, NonCompliant when something failed, else Compliant. */
export function verdict(checked: number, violations: readonly Violation[]): RuleResult {
  if (violations.length > 0) return { kind: "NonCompliant", violations };
  return checked === 0 ? NOT_APPLICABLE : COMPLIANT;
}

/**
 * Declares a rule; the object is frozen so packs cannot change it. Its evaluation also reports every
 * declared read whose value cannot be evaluated (withUnknownReads), so an unknown value never passes,
 * and every resource that keeps a read value out of Terraform's hands (withIgnoredReads).
 */
export function defineRule(rule: Rule): Rule {
  const evaluate = rule.evaluate;
  return Object.freeze({
    ...rule,
    evaluate: (context: RuleContext) =>
      withIgnoredReads(
        rule.reads,
        context.template,
        withUnknownReads(rule.reads, context.template, evaluate.call(rule, context)),
      ),
  });
}
