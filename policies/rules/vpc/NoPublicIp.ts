import { blocks, literalBool } from "../../core/json";
import { resourcesOfType } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

export const NoPublicIp = defineRule({
  id: "SIP-VPC-4",
  name: "NoPublicIp",
  service: "vpc",
  severity: "error",
  suppressible: true,
  info: "A subnet, instance or launch template assigns public IP addresses.",
  explanation:
    "A public IP makes a network interface reachable from the internet as soon as any route or security group allows it, and gives workloads a direct path out. The platform's workloads run in private subnets only.",
  fix: "Set map_public_ip_on_launch = false on subnets and associate_public_ip_address = false on instances and launch templates.",
  anchors: {
    checkov: ["CKV_AWS_130", "CKV_AWS_88"],
    trivy: ["AVD-AWS-0164", "AVD-AWS-0009"],
    cdkNag: ["NIST.800.53.R5-VPCSubnetAutoAssignPublicIpDisabled", "NIST.800.53.R5-EC2InstanceNoPublicIp"],
  },
  reads: [
    {
      type: "aws_subnet",
      attribute: "map_public_ip_on_launch",
      as: "literal",
      passes: "a literal false, or leaving it out",
    },
    {
      type: "aws_instance",
      attribute: "associate_public_ip_address",
      as: "literal",
      passes: "a literal false, or leaving it out",
    },
    {
      type: "aws_launch_template",
      attribute: "network_interfaces.associate_public_ip_address",
      as: "literal",
      passes: "a literal false, or leaving it out",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    const subnets = resourcesOfType(template, "aws_subnet");
    const instances = resourcesOfType(template, "aws_instance");
    const templates = resourcesOfType(template, "aws_launch_template");
    for (const s of subnets) {
      if (literalBool(s.values.map_public_ip_on_launch) === true)
        violations.push({ address: s.address, detail: "map_public_ip_on_launch is true" });
    }
    for (const i of instances) {
      if (literalBool(i.values.associate_public_ip_address) === true)
        violations.push({ address: i.address, detail: "associate_public_ip_address is true" });
    }
    for (const lt of templates) {
      if (blocks(lt.values.network_interfaces).some((n) => literalBool(n.associate_public_ip_address) === true)) {
        violations.push({ address: lt.address, detail: "a network interface has associate_public_ip_address = true" });
      }
    }
    return verdict(subnets.length + instances.length + templates.length, violations);
  },
});
