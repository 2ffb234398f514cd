import { blocks, type JsonObject, literalBool } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * Whether basic event selectors select no event at all: every one excludes management events and
 * names no data resource, and there is no advanced selector (issue 15: a logging trail that records
 * nothing passed).
 */
function recordsNothing(values: JsonObject): boolean {
  const selectors = blocks(values.event_selector);
  return (
    selectors.length > 0 &&
    blocks(values.advanced_event_selector).length === 0 &&
    selectors.every((s) => literalBool(s.include_management_events) === false && blocks(s.data_resource).length === 0)
  );
}

/** A trail that exists but does not log passes every other CloudTrail rule: it must log. */
export const TrailLogging = defineRule({
  id: "SIP-CT-6",
  name: "TrailLogging",
  service: "cloudtrail",
  severity: "error",
  suppressible: true,
  info: "The trail does not log (enable_logging is false or not a literal), or its event selectors select no event.",
  explanation:
    "A stopped trail keeps its encryption, validation and bucket settings, so it looks compliant, but it records nothing: every action after the stop, including the attacker's, is missing from the audit trail.",
  fix: "Leave enable_logging out (it defaults to true) or set it to true; stop a trail only through a reviewed change.",
  anchors: {
    checkov: ["CKV_AWS_251"],
  },
  reads: [
    { type: "aws_cloudtrail", attribute: "enable_logging", as: "literal", passes: "a literal true, or leaving it out" },
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
      const value = t.values.enable_logging;
      if (recordsNothing(t.values))
        violations.push({
          address: t.address,
          detail:
            "every event_selector has include_management_events = false and no data_resource: the trail records nothing",
        });
      if (value === undefined || literalBool(value) === true) continue;
      violations.push({
        address: t.address,
        detail:
          literalBool(value) === false
            ? "enable_logging is false: the trail records nothing"
            : `enable_logging ${JSON.stringify(value)} could not be evaluated; only a literal true (or leaving it out) is accepted`,
      });
    }
    return verdict(trails.length, violations);
  },
});
