import { internetWide } from "../../core/cidr";
import { blocks, literalString, strings } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Ingress CIDRs wider than any private range (0.0.0.0/0 in any spelling, 0.0.0.0/1, ...). */
function openCidrs(rule: Record<string, unknown>): string[] {
  return [
    ...strings(rule.cidr_blocks),
    ...strings(rule.ipv6_cidr_blocks),
    literalString(rule.cidr_ipv4),
    literalString(rule.cidr_ipv6),
  ].filter((c): c is string => c !== undefined && internetWide(c));
}

export const SecurityGroupNoPublicIngress = defineRule({
  id: "SIP-VPC-5",
  name: "SecurityGroupNoPublicIngress",
  service: "vpc",
  severity: "error",
  suppressible: true,
  info: "A security group allows ingress from anywhere (0.0.0.0/0 or ::/0, in any spelling) or from a range wider than any private one (shorter than /8, or /7 for IPv6).",
  explanation:
    "The platform accepts traffic only through API Gateway and VPC endpoints. Ingress from the whole internet to anything in the VPC is an unreviewed entry point.",
  fix: "Restrict ingress to the VPC's CIDR or to other security groups (referenced_security_group_id / source_security_group_id).",
  anchors: {
    checkov: ["CKV_AWS_24", "CKV_AWS_25"],
    trivy: ["AVD-AWS-0107"],
    cdkNag: ["AwsSolutions-EC23", "NIST.800.53.R5-EC2RestrictedCommonPorts", "NIST.800.53.R5-EC2RestrictedSSH"],
  },
  reads: [
    {
      type: "aws_security_group",
      attribute: "ingress.cidr_blocks",
      as: "reference",
      passes: "literal CIDRs no wider than /8 (IPv4) or /7 (IPv6), or references to blocks of this configuration",
    },
    {
      type: "aws_security_group",
      attribute: "ingress.ipv6_cidr_blocks",
      as: "reference",
      passes: "literal CIDRs no wider than /8 (IPv4) or /7 (IPv6), or references to blocks of this configuration",
    },
    { type: "aws_security_group_rule", attribute: "type", as: "literal", passes: 'a literal "ingress" or "egress"' },
    {
      type: "aws_security_group_rule",
      attribute: "cidr_blocks",
      as: "reference",
      passes: "literal CIDRs no wider than /8 (IPv4) or /7 (IPv6), or references to blocks of this configuration",
    },
    {
      type: "aws_security_group_rule",
      attribute: "ipv6_cidr_blocks",
      as: "reference",
      passes: "literal CIDRs no wider than /8 (IPv4) or /7 (IPv6), or references to blocks of this configuration",
    },
    {
      type: "aws_vpc_security_group_ingress_rule",
      attribute: "cidr_ipv4",
      as: "reference",
      passes: "literal CIDRs no wider than /8 (IPv4) or /7 (IPv6), or references to blocks of this configuration",
    },
    {
      type: "aws_vpc_security_group_ingress_rule",
      attribute: "cidr_ipv6",
      as: "reference",
      passes: "literal CIDRs no wider than /8 (IPv4) or /7 (IPv6), or references to blocks of this configuration",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    const groups = resourcesOfType(template, "aws_security_group");
    const rules = resourcesOfType(template, "aws_security_group_rule").filter((r) => r.values.type === "ingress");
    const ingress = resourcesOfType(template, "aws_vpc_security_group_ingress_rule");
    for (const g of groups) {
      const open = blocks(g.values.ingress).flatMap(openCidrs);
      if (open.length > 0)
        violations.push({ address: g.address, detail: `ingress from ${[...new Set(open)].join(", ")}` });
    }
    for (const r of [...rules, ...ingress]) {
      const open = openCidrs(r.values);
      if (open.length > 0)
        violations.push({ address: r.address, detail: `ingress from ${[...new Set(open)].join(", ")}` });
    }
    return verdict(groups.length + rules.length + ingress.length, violations);
  },
});
