import { blocks } from "../../core/json";
import { refersTo, referencesIn } from "../../core/references";
import { mayBeAbsent, resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

export const DefaultSecurityGroupClosed = defineRule({
  id: "SIP-VPC-2",
  name: "DefaultSecurityGroupClosed",
  service: "vpc",
  severity: "error",
  suppressible: true,
  info: "The VPC's default security group is not managed with no rules, or rules are added to it.",
  explanation:
    "Every VPC starts with a default security group that allows all traffic between its members and all egress. Anything launched without an explicit group lands in it; managing it with no rules closes that door.",
  fix: "Add an aws_default_security_group with vpc_id = the VPC's id and no ingress or egress blocks, and attach no rules to it.",
  anchors: {
    checkov: ["CKV2_AWS_12"],
    trivy: ["AVD-AWS-0173"],
    cdkNag: ["NIST.800.53.R5-VPCDefaultSecurityGroupClosed"],
  },
  reads: [
    {
      type: "aws_default_security_group",
      attribute: "vpc_id",
      as: "reference",
      passes: "a reference to an aws_vpc of this configuration",
    },
    { type: "aws_default_security_group", attribute: "ingress", as: "reference", passes: "no ingress blocks" },
    { type: "aws_default_security_group", attribute: "egress", as: "reference", passes: "no egress blocks" },
    {
      type: "aws_security_group_rule",
      attribute: "security_group_id",
      as: "reference",
      passes: "a reference to a security group of this configuration other than a default one",
    },
    {
      type: "aws_vpc_security_group_ingress_rule",
      attribute: "security_group_id",
      as: "reference",
      passes: "a reference to a security group of this configuration other than a default one",
    },
    {
      type: "aws_vpc_security_group_egress_rule",
      attribute: "security_group_id",
      as: "reference",
      passes: "a reference to a security group of this configuration other than a default one",
    },
  ],
  evaluate({ template }) {
    const vpcs = resourcesOfType(template, "aws_vpc");
    const defaults = resourcesOfType(template, "aws_default_security_group");
    const violations: Violation[] = [];
    for (const vpc of vpcs) {
      // An aws_default_security_group under count = 0 / for_each = {} closes nothing (issue 15).
      if (!defaults.some((d) => !mayBeAbsent(d) && refersTo(d.values.vpc_id, vpc.address))) {
        violations.push({
          address: vpc.address,
          detail:
            "no aws_default_security_group manages this VPC's default security group, so it keeps its allow-all rules",
        });
      }
    }
    for (const d of defaults) {
      const rules = [...blocks(d.values.ingress).map(() => "ingress"), ...blocks(d.values.egress).map(() => "egress")];
      if (rules.length > 0)
        violations.push({
          address: d.address,
          detail: `the default security group has ${rules.length} rule(s) (${[...new Set(rules)].join(", ")})`,
        });
    }
    // Rules attached to a default security group from outside.
    for (const rule of resourcesOfType(
      template,
      "aws_security_group_rule",
      "aws_vpc_security_group_ingress_rule",
      "aws_vpc_security_group_egress_rule",
    )) {
      const sg = rule.values.security_group_id;
      const target = typeof sg === "string" ? referencesIn(sg) : [];
      if (
        target.some((t) => t.attribute === "default_security_group_id" || defaults.some((d) => d.address === t.address))
      ) {
        violations.push({ address: rule.address, detail: "adds a rule to a VPC's default security group" });
      }
    }
    return verdict(vpcs.length + defaults.length, violations);
  },
});
