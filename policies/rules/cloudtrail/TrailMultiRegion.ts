import { isExpression, literalBool } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

export const TrailMultiRegion = defineRule({
  id: "SIP-CT-4",
  name: "TrailMultiRegion",
  service: "cloudtrail",
  severity: "warning",
  suppressible: true,
  info: "The trail does not record all regions of its partition or leaves out global service events.",
  explanation:
    "Activity in a region the platform does not use (for example resources created there by a stolen credential) is invisible to a single-region trail, and IAM and STS events are global service events.",
  fix: "Set is_multi_region_trail = true and leave include_global_service_events at true.",
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
  ],
  evaluate({ template }) {
    const trails = resourcesOfType(template, "aws_cloudtrail");
    const violations: Violation[] = [];
    for (const t of trails) {
      const problems: string[] = [];
      if (literalBool(t.values.is_multi_region_trail) !== true) problems.push("is_multi_region_trail is not true");
      // Only true (or leaving it out) records them: "False" or "no" is not true (issue 15).
      const global = t.values.include_global_service_events;
      if (global !== undefined && !isExpression(global) && literalBool(global) !== true)
        problems.push(`include_global_service_events is ${JSON.stringify(global)}`);
      if (problems.length > 0) violations.push({ address: t.address, detail: problems.join("; ") });
    }
    return verdict(trails.length, violations);
  },
});
