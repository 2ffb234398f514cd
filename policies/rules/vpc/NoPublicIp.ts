import { blocks, isExpression, literalBool } from "../../core/json";
import { resourcesOfType, type TfResource } from "../../core/template";
import { defineRule, type ValueRead, type Violation, verdict } from "../../core/types";

/**
 * Whether a setting may turn public addresses on: present and not a literal false. Terraform reads
 * other spellings of true too, so only false (or leaving it out) passes; an expression is reported as
 * not evaluable by the declared read.
 */
function mayBeOn(value: unknown): boolean {
  return value !== undefined && value !== null && literalBool(value) !== false && !isExpression(value);
}

/** The subnet settings that give new network interfaces public IPv4 or (globally routable) IPv6 addresses. */
const SUBNET_SETTINGS = ["map_public_ip_on_launch", "assign_ipv6_address_on_creation"] as const;

/** Types with an associate_public_ip_address argument. */
const ASSOCIATING = ["aws_instance", "aws_spot_instance_request", "aws_launch_configuration"];

const FALSE_OR_ABSENT = "a literal false, or leaving it out";

function subnetViolations(subnet: TfResource): Violation[] {
  const on = SUBNET_SETTINGS.filter((s) => mayBeOn(subnet.values[s]));
  // A default subnet keeps the default VPC's map_public_ip_on_launch = true unless it says false.
  if (subnet.type === "aws_default_subnet" && subnet.values.map_public_ip_on_launch === undefined)
    on.unshift("map_public_ip_on_launch");
  return on.length === 0
    ? []
    : [
        {
          address: subnet.address,
          detail: `${on.map((s) => `${s} is ${JSON.stringify(subnet.values[s] ?? "left out (true for a default subnet)")}`).join("; ")}`,
        },
      ];
}

function instanceViolations(instance: TfResource): Violation[] {
  const value = instance.values.associate_public_ip_address;
  if (mayBeOn(value))
    return [{ address: instance.address, detail: `associate_public_ip_address is ${JSON.stringify(value)}` }];
  // Without a subnet or network interface an instance starts in the default VPC, whose default
  // subnets assign public IP addresses: only an explicit false keeps it private.
  const placed =
    instance.values.subnet_id !== undefined ||
    instance.values.network_interface !== undefined ||
    instance.type === "aws_launch_configuration";
  if (!placed && value === undefined)
    return [
      {
        address: instance.address,
        detail:
          "no subnet_id, so it starts in a default subnet, which assigns a public IP address; set associate_public_ip_address = false or place it in a private subnet",
      },
    ];
  return [];
}

/** Elastic IPs attached to an instance or a network interface (an EIP of a NAT gateway is VPC-3's). */
function eipViolations(eip: TfResource): Violation[] {
  const target = ["instance", "network_interface", "instance_id", "network_interface_id"].find(
    (a) => eip.values[a] !== undefined,
  );
  return target === undefined
    ? []
    : [
        {
          address: eip.address,
          detail: `attaches a public Elastic IP address to ${JSON.stringify(eip.values[target])} (${target})`,
        },
      ];
}

export const NoPublicIp = defineRule({
  id: "SIP-VPC-4",
  name: "NoPublicIp",
  service: "vpc",
  severity: "error",
  suppressible: true,
  info: "A subnet, instance, launch template or Elastic IP assigns public IP addresses.",
  explanation:
    "A public IP makes a network interface reachable from the internet as soon as any route or security group allows it, and gives workloads a direct path out. The platform's workloads run in private subnets only.",
  fix: "Set map_public_ip_on_launch = false on subnets (default subnets included: they assign public addresses unless told not to) and leave assign_ipv6_address_on_creation off; set associate_public_ip_address = false on instances, launch templates and launch configurations, and place instances in a private subnet; attach no Elastic IP to instances or network interfaces.",
  anchors: {
    checkov: ["CKV_AWS_130", "CKV_AWS_88"],
    trivy: ["AVD-AWS-0164", "AVD-AWS-0009"],
    cdkNag: ["NIST.800.53.R5-VPCSubnetAutoAssignPublicIpDisabled", "NIST.800.53.R5-EC2InstanceNoPublicIp"],
  },
  reads: [
    ...["aws_subnet", "aws_default_subnet"].flatMap((type): ValueRead[] =>
      SUBNET_SETTINGS.map((attribute) => ({ type, attribute, as: "literal", passes: FALSE_OR_ABSENT })),
    ),
    ...ASSOCIATING.map(
      (type): ValueRead => ({ type, attribute: "associate_public_ip_address", as: "literal", passes: FALSE_OR_ABSENT }),
    ),
    {
      type: "aws_launch_template",
      attribute: "network_interfaces.associate_public_ip_address",
      as: "literal",
      passes: FALSE_OR_ABSENT,
    },
  ],
  evaluate({ template }) {
    const subnets = resourcesOfType(template, "aws_subnet", "aws_default_subnet");
    const instances = resourcesOfType(template, ...ASSOCIATING);
    const templates = resourcesOfType(template, "aws_launch_template");
    const eips = resourcesOfType(template, "aws_eip", "aws_eip_association");
    const violations: Violation[] = [
      ...subnets.flatMap(subnetViolations),
      ...instances.flatMap(instanceViolations),
      ...eips.flatMap(eipViolations),
    ];
    for (const lt of templates) {
      if (blocks(lt.values.network_interfaces).some((n) => mayBeOn(n.associate_public_ip_address))) {
        violations.push({ address: lt.address, detail: "a network interface has associate_public_ip_address = true" });
      }
    }
    return verdict(subnets.length + instances.length + templates.length + eips.length, violations);
  },
});
