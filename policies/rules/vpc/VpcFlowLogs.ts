import { refersTo } from "../../core/references";
import { literalString } from "../../core/json";
import { mayBeAbsent, resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

export const VpcFlowLogs = defineRule({
  id: "SIP-VPC-1",
  name: "VpcFlowLogs",
  service: "vpc",
  severity: "error",
  suppressible: true,
  info: "The VPC has no flow log.",
  explanation:
    "Flow logs are the only record of which addresses the platform's functions and endpoints talked to. Without them an exfiltration path, or traffic on the one allowed egress route, cannot be reconstructed.",
  fix: 'Add an aws_flow_log with vpc_id = the VPC\'s id, traffic_type "ALL", delivered to an encrypted log group or bucket of the same partition.',
  anchors: {
    checkov: ["CKV2_AWS_11"],
    trivy: ["AVD-AWS-0178"],
    cdkNag: ["AwsSolutions-VPC7", "NIST.800.53.R5-VPCFlowLogsEnabled"],
  },
  reads: [
    {
      type: "aws_flow_log",
      attribute: "vpc_id",
      as: "reference",
      passes: "a reference to an aws_vpc of this configuration",
    },
    { type: "aws_flow_log", attribute: "traffic_type", as: "literal", passes: 'a literal "ALL"' },
  ],
  evaluate({ template }) {
    const vpcs = resourcesOfType(template, "aws_vpc");
    // A flow log Terraform may not create (count = 0) or one that records only ACCEPT or REJECT
    // traffic leaves the other half of the VPC's traffic unrecorded (issue 15).
    const logs = resourcesOfType(template, "aws_flow_log").filter((l) => !mayBeAbsent(l));
    const violations: Violation[] = [];
    for (const vpc of vpcs) {
      const own = logs.filter((l) => refersTo(l.values.vpc_id, vpc.address));
      if (own.length === 0)
        violations.push({
          address: vpc.address,
          detail: "no aws_flow_log (created unconditionally) has vpc_id referring to this VPC",
        });
      else if (!own.some((l) => literalString(l.values.traffic_type) === "ALL")) {
        violations.push({
          address: vpc.address,
          detail: `the flow logs of this VPC record traffic_type ${own.map((l) => JSON.stringify(l.values.traffic_type ?? null)).join(", ")}, not "ALL"`,
        });
      }
    }
    return verdict(vpcs.length, violations);
  },
});
