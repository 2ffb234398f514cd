import {
  asArray,
  blocks,
  isExpression,
  isObject,
  type JsonObject,
  literalBool,
  literalString,
  strings,
} from "../../core/json";
import { placementOf } from "../../core/placement";
import { mayBeAbsent, resourcesOfType, type Template, type TfResource } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** The values of an advanced selector's eventCategory `equals`, or undefined when it has no literal equals. */
function eventCategories(sel: JsonObject): string[] | undefined {
  const fields = blocks(sel.field_selector).filter((f) => f.field === "eventCategory");
  if (fields.length !== 1) return undefined;
  const [field] = fields;
  if (field === undefined || Object.keys(field).some((k) => k !== "field" && k !== "equals")) return undefined;
  const values = asArray(field.equals);
  return values.length > 0 && values.every((v) => literalString(v) !== undefined) ? (values as string[]) : undefined;
}

/**
 * Selectors the checker cannot read: an expression instead of the blocks, or a dynamic block that
 * generates them.
 */
function unreadableSelectors(values: JsonObject): boolean {
  const dynamic = blocks(values.dynamic).some(
    (d) => d.event_selector !== undefined || d.advanced_event_selector !== undefined,
  );
  return (
    dynamic || [values.advanced_event_selector, values.event_selector].some((v) => asArray(v).some((b) => !isObject(b)))
  );
}

/**
 * Whether the trail records management events at all. Only a trail whose every selector provably
 * selects other events is data-only: basic selectors that all set include_management_events = false,
 * or advanced selectors whose every eventCategory equals only other categories (Data). No selector
 * means management events, and anything the checker cannot read counts as recording them.
 */
function recordsManagement(values: JsonObject): boolean {
  if (unreadableSelectors(values)) return true;
  const advanced = blocks(values.advanced_event_selector);
  if (advanced.length > 0)
    return advanced.some((sel) => {
      const categories = eventCategories(sel);
      return categories === undefined || categories.some((c) => c.toLowerCase() === "management");
    });
  const basic = blocks(values.event_selector);
  if (basic.length > 0) return basic.some((s) => literalBool(s.include_management_events) !== false);
  return true;
}

/**
 * Whether the trail records every management event, reads and writes of every source: no selector,
 * a basic selector with read_write_type All (or left out), management events not excluded and no
 * source excluded, or an advanced selector of eventCategory Management and nothing else.
 */
function recordsAllManagement(values: JsonObject): boolean {
  if (unreadableSelectors(values)) return false;
  const advanced = blocks(values.advanced_event_selector);
  const basic = blocks(values.event_selector);
  if (advanced.length === 0 && basic.length === 0) return true;
  return (
    advanced.some((sel) => {
      const categories = eventCategories(sel);
      return (
        categories !== undefined &&
        categories.length === 1 &&
        categories[0] === "Management" &&
        blocks(sel.field_selector).length === 1
      );
    }) ||
    basic.some(
      (s) =>
        (s.include_management_events === undefined || literalBool(s.include_management_events) === true) &&
        (literalString(s.read_write_type) ?? "All") === "All" &&
        asArray(s.exclude_management_event_sources).length === 0,
    )
  );
}

/** Multi-region and, unless left out, include_global_service_events literally true: what is wrong otherwise. */
function regionProblems(t: TfResource): string[] {
  const problems: string[] = [];
  if (literalBool(t.values.is_multi_region_trail) !== true) problems.push("is_multi_region_trail is not true");
  // Only true (or leaving it out) records them: "False" or "no" is not true (issue 15).
  const global = t.values.include_global_service_events;
  if (global !== undefined && !isExpression(global) && literalBool(global) !== true)
    problems.push(`include_global_service_events is ${JSON.stringify(global)}`);
  return problems;
}

/** The account a resource is deployed to: its provider's one literal allowed account, else the provider itself. */
function accountOf(template: Template, r: TfResource): string {
  const provider = placementOf(template, r).provider;
  const allowed = strings(provider?.values.allowed_account_ids).filter((a) => !isExpression(a));
  return allowed.length === 1 ? `account ${allowed[0]}` : `provider ${provider?.key ?? "aws"}`;
}

/**
 * A trail that covers the management events of a data-only trail's account: one Terraform certainly
 * creates, that logs, records every management event, in every region with global service events,
 * in the same partition and account (a decoy under count = 0, a stopped trail or one in another
 * account exempts nothing).
 */
function managementTrailFor(template: Template, trail: TfResource, trails: readonly TfResource[]): boolean {
  const partition = placementOf(template, trail).partition?.id;
  return trails.some(
    (t) =>
      t !== trail &&
      !mayBeAbsent(t) &&
      literalBool(t.values.enable_logging ?? true) === true &&
      recordsAllManagement(t.values) &&
      literalBool(t.values.is_multi_region_trail) === true &&
      literalBool(t.values.include_global_service_events ?? true) === true &&
      placementOf(template, t).partition?.id === partition &&
      accountOf(template, t) === accountOf(template, trail),
  );
}

/**
 * Every trail that records management events records them in all regions, global service events
 * included. A trail that records data events only (the bootstrap stack's trail of the state bucket)
 * is exempt when another trail of the configuration records the account's management events so; the
 * checker cannot see other configurations, so without one the data-only trail is held to the same.
 */
export const TrailMultiRegion = defineRule({
  id: "SIP-CT-4",
  name: "TrailMultiRegion",
  service: "cloudtrail",
  severity: "warning",
  suppressible: true,
  info: "A trail that records management events does not record all regions of its partition or leaves out global service events.",
  explanation:
    "Activity in a region the platform does not use (for example resources created there by a stolen credential) is invisible to a single-region trail, and IAM and STS events are global service events. A trail that records data events only (selectors without management events) needs neither, as long as another trail records the account's management events everywhere.",
  fix: "Set is_multi_region_trail = true and leave include_global_service_events at true on every trail that records management events; a data-only trail (include_management_events = false, or advanced selectors with eventCategory Data only) may stay in one region if a multi-region trail of the same configuration, account and partition records every management event.",
  anchors: {
    checkov: ["CKV_AWS_67"],
    trivy: ["AVD-AWS-0014"],
  },
  reads: [
    { type: "aws_cloudtrail", attribute: "is_multi_region_trail", as: "literal", passes: "a literal true" },
    {
      type: "aws_cloudtrail",
      attribute: "include_global_service_events",
      as: "literal",
      passes: "a literal true, or leaving it out",
    },
    {
      type: "aws_cloudtrail",
      attribute: "event_selector.include_management_events",
      as: "literal",
      passes: "a literal true or false, or leaving it out",
    },
  ],
  evaluate({ template }) {
    const trails = resourcesOfType(template, "aws_cloudtrail");
    const violations: Violation[] = [];
    for (const t of trails) {
      const problems = regionProblems(t);
      if (problems.length === 0) continue;
      if (!recordsManagement(t.values)) {
        if (managementTrailFor(template, t, trails)) continue;
        problems.push(
          "the trail records data events only, but no other trail of this configuration that Terraform certainly creates records every management event of its account in all regions",
        );
      }
      violations.push({ address: t.address, detail: problems.join("; ") });
    }
    return verdict(trails.length, violations);
  },
});
