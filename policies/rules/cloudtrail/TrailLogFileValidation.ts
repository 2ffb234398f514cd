import { literalBool } from "../../core/json";
import { ignoresChanges, resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

export const TrailLogFileValidation = defineRule({
  id: "SIP-CT-1",
  name: "TrailLogFileValidation",
  service: "cloudtrail",
  severity: "error",
  suppressible: true,
  info: "The trail does not have log file validation enabled, or Terraform ignores changes to it.",
  explanation:
    "Log file validation signs digests of every delivered log file, so a modified or deleted audit log can be detected. Without it the audit trail is not evidence.",
  fix: "Set enable_log_file_validation = true on the aws_cloudtrail, and keep it out of lifecycle.ignore_changes.",
  anchors: {
    checkov: ["CKV_AWS_36"],
    trivy: ["AVD-AWS-0016"],
    cdkNag: ["NIST.800.53.R5-CloudTrailLogFileValidationEnabled"],
  },
  reads: [{ type: "aws_cloudtrail", attribute: "enable_log_file_validation", as: "literal", passes: "a literal true" }],
  evaluate({ template }) {
    const trails = resourcesOfType(template, "aws_cloudtrail");
    const violations: Violation[] = [];
    for (const t of trails) {
      if (literalBool(t.values.enable_log_file_validation) !== true)
        violations.push({
          address: t.address,
          detail: `enable_log_file_validation is ${JSON.stringify(t.values.enable_log_file_validation ?? null)}`,
        });
      else if (ignoresChanges(t, "enable_log_file_validation"))
        violations.push({
          address: t.address,
          detail:
            "lifecycle.ignore_changes covers enable_log_file_validation: an imported or changed trail keeps validation off, whatever the configuration says",
        });
    }
    return verdict(trails.length, violations);
  },
});
