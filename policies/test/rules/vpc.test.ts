import { DefaultSecurityGroupClosed } from "../../rules/vpc/DefaultSecurityGroupClosed";
import { NetworkFirewallCmk } from "../../rules/vpc/NetworkFirewallCmk";
import { NoInternetGatewayRoute } from "../../rules/vpc/NoInternetGatewayRoute";
import { NoPublicIp } from "../../rules/vpc/NoPublicIp";
import { SecurityGroupNoPublicIngress } from "../../rules/vpc/SecurityGroupNoPublicIngress";
import { SecurityGroupEgressRestricted } from "../../rules/vpc/SecurityGroupEgressRestricted";
import { VpcFlowLogs } from "../../rules/vpc/VpcFlowLogs";
import { describeRules } from "../harness";

const C = ["vpc/compliant.tf.json"];
const n = (rule: string, i: number) => `vpc/${rule}/noncompliant-${i}.tf.json`;

describeRules([
  {
    rule: NetworkFirewallCmk,
    compliant: C,
    noncompliant: [
      // the firewall with AWS-owned keys
      [n("NetworkFirewallCmk", 1), ["aws_networkfirewall_firewall.fw"]],
      // the policy that holds the allowlist references with an AWS-owned key
      [n("NetworkFirewallCmk", 2), ["aws_networkfirewall_firewall_policy.policy"]],
      // a rule group "CUSTOMER_KMS" with an AWS managed alias
      [n("NetworkFirewallCmk", 3), ["aws_networkfirewall_rule_group.allowlist"]],
    ],
  },
  {
    rule: SecurityGroupEgressRestricted,
    compliant: C,
    noncompliant: [
      // inline egress to 0.0.0.0/0, and a separate egress rule to ::/0
      [n("SecurityGroupEgressRestricted", 1), ["aws_security_group.fn"]],
      [n("SecurityGroupEgressRestricted", 2), ["aws_security_group.fn"]],
      // the two halves of the internet instead of 0.0.0.0/0
      [n("SecurityGroupEgressRestricted", 4), ["aws_security_group.fn"]],
      // an egress rule to anywhere for a group declared elsewhere
      [n("SecurityGroupEgressRestricted", 3), ["aws_security_group_rule.elsewhere"]],
    ],
  },
  {
    rule: VpcFlowLogs,
    compliant: C,
    noncompliant: [
      [n("VpcFlowLogs", 1), ["aws_vpc.v"]],
      // Issue 15 probe: the VPC's only flow log has count = 0, so Terraform never creates it.
      [n("VpcFlowLogs", 2), ["aws_vpc.v"]],
      // Issue 15 probe: traffic_type "REJECT" records no accepted connection (exfiltration stays invisible).
      [n("VpcFlowLogs", 3), ["aws_vpc.v"]],
    ],
  },
  {
    rule: DefaultSecurityGroupClosed,
    compliant: C,
    noncompliant: [
      [n("DefaultSecurityGroupClosed", 1), ["aws_vpc.v"]],
      [n("DefaultSecurityGroupClosed", 2), ["aws_default_security_group.v"]],
      [n("DefaultSecurityGroupClosed", 3), ["aws_vpc_security_group_ingress_rule.r"]],
      // Issue 15 probe: the aws_default_security_group has for_each = {}, so the allow-all default group stays.
      [n("DefaultSecurityGroupClosed", 4), ["aws_vpc.v"]],
    ],
  },
  {
    rule: NoInternetGatewayRoute,
    compliant: C,
    noncompliant: [
      [n("NoInternetGatewayRoute", 1), ["aws_route.r"]],
      [n("NoInternetGatewayRoute", 2), ["aws_route_table.private"]],
    ],
  },
  {
    rule: NoPublicIp,
    compliant: C,
    noncompliant: [
      [n("NoPublicIp", 1), ["aws_instance.i", "aws_subnet.private"]],
      // public IP settings from each.value of for_each blocks: could not be evaluated (issue 15)
      [n("NoPublicIp", 2), ["aws_instance.from_map", "aws_subnet.from_map"]],
    ],
  },
  {
    rule: SecurityGroupNoPublicIngress,
    compliant: C,
    noncompliant: [
      [n("SecurityGroupNoPublicIngress", 1), ["aws_security_group.fn", "aws_vpc_security_group_ingress_rule.r"]],
      // issue 15 probe: 0.0.0.0/1 + 128.0.0.0/1 (the internet in two halves) and 0::0/0 (::/0 spelled otherwise)
      [
        n("SecurityGroupNoPublicIngress", 2),
        ["aws_security_group_rule.halves", "aws_vpc_security_group_ingress_rule.v6"],
      ],
    ],
  },
]);
