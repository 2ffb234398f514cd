import { internetWide } from "../../core/cidr";
import { blocks, literalString, strings } from "../../core/json";
import { crossPartitionExceptions, egressWorkloads } from "../../core/egress";
import { refersTo, resolveReference } from "../../core/references";
import { resourcesOfType, type Template, type TfResource } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Egress destinations of a security group that mean "anywhere", with where they are written. */
function openEgress(template: Template, sg: TfResource): string[] {
  const out: string[] = [];
  blocks(sg.values.egress).forEach((e, i) => {
    for (const c of [...strings(e.cidr_blocks), ...strings(e.ipv6_cidr_blocks)])
      if (internetWide(c)) out.push(`egress[${i}] to ${c}`);
  });
  for (const r of resourcesOfType(template, "aws_security_group_rule")) {
    if (literalString(r.values.type) !== "egress" || !refersTo(r.values.security_group_id, sg.address)) continue;
    for (const c of [...strings(r.values.cidr_blocks), ...strings(r.values.ipv6_cidr_blocks)])
      if (internetWide(c)) out.push(`${r.address} to ${c}`);
  }
  for (const r of resourcesOfType(template, "aws_vpc_security_group_egress_rule")) {
    if (!refersTo(r.values.security_group_id, sg.address)) continue;
    for (const c of [literalString(r.values.cidr_ipv4), literalString(r.values.cidr_ipv6)])
      if (c !== undefined && internetWide(c)) out.push(`${r.address} to ${c}`);
  }
  return out;
}

/**
 * Security groups do not allow egress to anywhere, except those used only by the functions that are
 * the verified cross-partition exception: they run behind the controlled egress path, whose firewall
 * passes only the allowlisted hosts (docs/architecture.md).
 */
export const SecurityGroupEgressRestricted = defineRule({
  id: "SIP-VPC-6",
  name: "SecurityGroupEgressRestricted",
  service: "vpc",
  severity: "error",
  suppressible: true,
  info: "The security group allows egress to 0.0.0.0/0 or ::/0 outside the controlled egress path.",
  explanation:
    "Egress to anywhere lets a compromised function send data wherever a route leads; in the sovereign VPC every destination should be an endpoint or the VPC itself. Only the sync functions reach the commercial partition, behind the network firewall's allowlist.",
  fix: "Limit egress to the VPC CIDR or the endpoints' security group or prefix lists; a function that must reach the other partition runs in the controlled egress path's workload subnet (modules/network allowInternetEgress) and is tagged as the cross-partition exception (cross-partition-sync), or, when it reaches only hosts of the allowlist inside the partition's rules (the webhook sender), as the named exception egress-workload with a sip:justification.",
  anchors: {
    checkov: ["CKV_AWS_382"],
    trivy: ["AVD-AWS-0104"],
  },
  reads: [
    {
      type: "aws_security_group",
      attribute: "egress.cidr_blocks",
      as: "reference",
      passes: "literal CIDRs other than 0.0.0.0/0 and ::/0, or references to blocks of this configuration",
    },
    {
      type: "aws_security_group",
      attribute: "egress.ipv6_cidr_blocks",
      as: "reference",
      passes: "literal CIDRs other than 0.0.0.0/0 and ::/0, or references to blocks of this configuration",
    },
    { type: "aws_security_group_rule", attribute: "type", as: "literal", passes: 'a literal "ingress" or "egress"' },
    {
      type: "aws_security_group_rule",
      attribute: "security_group_id",
      as: "reference",
      passes: "a reference to a security group of this configuration",
    },
    {
      type: "aws_security_group_rule",
      attribute: "cidr_blocks",
      as: "reference",
      passes: "literal CIDRs other than 0.0.0.0/0 and ::/0, or references to blocks of this configuration",
    },
    {
      type: "aws_security_group_rule",
      attribute: "ipv6_cidr_blocks",
      as: "reference",
      passes: "literal CIDRs other than 0.0.0.0/0 and ::/0, or references to blocks of this configuration",
    },
    {
      type: "aws_vpc_security_group_egress_rule",
      attribute: "security_group_id",
      as: "reference",
      passes: "a reference to a security group of this configuration",
    },
    {
      type: "aws_vpc_security_group_egress_rule",
      attribute: "cidr_ipv4",
      as: "reference",
      passes: "literal CIDRs other than 0.0.0.0/0 and ::/0, or references to blocks of this configuration",
    },
    {
      type: "aws_vpc_security_group_egress_rule",
      attribute: "cidr_ipv6",
      as: "reference",
      passes: "literal CIDRs other than 0.0.0.0/0 and ::/0, or references to blocks of this configuration",
    },
  ],
  evaluate({ template }) {
    const groups = resourcesOfType(template, "aws_security_group");
    const crossing = crossPartitionExceptions(template);
    const workloads = egressWorkloads(template);
    const functions = resourcesOfType(template, "aws_lambda_function");
    const violations: Violation[] = [];
    for (const sg of groups) {
      const open = openEgress(template, sg);
      if (open.length === 0) continue;
      const users = functions.filter((fn) =>
        blocks(fn.values.vpc_config).some((v) =>
          strings(v.security_group_ids).some((id) => resolveReference(template, id)?.resource.address === sg.address),
        ),
      );
      const detail = `allows ${open.join(", ")}`;
      if (users.length > 0 && users.every((fn) => crossing.has(fn.address))) {
        violations.push({
          address: sg.address,
          detail,
          acceptedBecause: `named exception cross-partition-sync: used only by ${users.map((f) => f.address).join(", ")}, the verified cross-partition functions behind the controlled egress path's firewall allowlist`,
        });
      } else if (users.length > 0 && users.every((fn) => workloads.has(fn.address))) {
        violations.push({
          address: sg.address,
          detail,
          acceptedBecause: `named exception egress-workload: used only by ${users.map((f) => f.address).join(", ")}, functions behind the controlled egress path's firewall allowlist`,
        });
      } else {
        violations.push({
          address: sg.address,
          detail: users.length > 0 ? `${detail} (used by ${users.map((f) => f.address).join(", ")})` : detail,
        });
      }
    }
    // Egress rules for a group this configuration does not declare still open that group.
    const rules = resourcesOfType(template, "aws_security_group_rule", "aws_vpc_security_group_egress_rule").filter(
      (r) =>
        (r.type !== "aws_security_group_rule" || literalString(r.values.type) === "egress") &&
        !groups.some((sg) => refersTo(r.values.security_group_id, sg.address)),
    );
    for (const r of rules) {
      const cidrs =
        r.type === "aws_security_group_rule"
          ? [...strings(r.values.cidr_blocks), ...strings(r.values.ipv6_cidr_blocks)]
          : [r.values.cidr_ipv4, r.values.cidr_ipv6].map(literalString);
      const open = cidrs.filter((c): c is string => c !== undefined && internetWide(c));
      if (open.length > 0)
        violations.push({
          address: r.address,
          detail: `allows egress to ${open.join(", ")} for ${JSON.stringify(r.values.security_group_id)}, a group outside this configuration`,
        });
    }
    return verdict(groups.length + rules.length, violations);
  },
});
