import { refersTo } from "../../core/references";
import { resourcesOfType } from "../../core/template";
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
  fix: "Add an aws_flow_log with vpc_id = the VPC's id, traffic_type \"ALL\", delivered to an encrypted log group or bucket of the same partition.",
  anchors: {
    checkov: ["CKV2_AWS_11"],
    trivy: ["AVD-AWS-0178"],
    cdkNag: ["AwsSolutions-VPC7", "NIST.800.53.R5-VPCFlowLogsEnabled"],
  },
  reads: [{ type: "aws_flow_log", attribute: "vpc_id", as: "reference", passes: "a reference to an aws_vpc of this configuration" }],
  evaluate({ template }) {
    const vpcs = resourcesOfType(template, "aws_vpc");
    const logs = resourcesOfType(template, "aws_flow_log");
    const violations: Violation[] = vpcs
      .filter((vpc) => !logs.some((l) => refersTo(l.values.vpc_id, vpc.address)))
      .map((vpc) => ({ address: vpc.address, detail: "no aws_flow_log has vpc_id referring to this VPC" }));
    return verdict(vpcs.length, violations);
  },
});
