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
      // issue 15 probe: CUSTOMER_KMS with the AWS managed key, looked up through data.aws_kms_key
      [n("NetworkFirewallCmk", 4), ["aws_networkfirewall_firewall_policy.policy"]],
      // issue 15 probe: literal key ARNs of keys this configuration does not manage (another account, the other
      // partition, looked up through data.aws_kms_key, a provider that names no account)
      [
        n("NetworkFirewallCmk", 5),
        [
          "aws_networkfirewall_firewall_policy.no-account",
          "aws_networkfirewall_firewall_policy.other-partition",
          "aws_networkfirewall_rule_group.foreign-account",
          "aws_networkfirewall_rule_group.looked-up",
        ],
      ],
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
      // issue 15 probes: a NAT or egress-only gateway under gateway_id, an upper-case internet gateway ID
      [
        n("NoInternetGatewayRoute", 3),
        [
          "aws_default_route_table.d",
          "aws_route.eigw-as-gateway",
          "aws_route.igw-upper-case",
          "aws_route.nat-as-gateway",
          "aws_route_table.private",
        ],
      ],
      // issue 15 probes: default routes through a NAT instance, a transit gateway, a peering connection, an
      // Outposts local gateway, a carrier gateway, a core network, a Gateway Load Balancer endpoint, a VPN gateway
      [
        n("NoInternetGatewayRoute", 4),
        [
          "aws_route.carrier-gateway",
          "aws_route.core-network",
          "aws_route.gwlb-endpoint",
          "aws_route.local-gateway",
          "aws_route.nat-instance",
          "aws_route.nat-instance-eni",
          "aws_route.peering-v6",
          "aws_route.transit-gateway",
          "aws_route.vpn-default",
        ],
      ],
      // issue 15 probes: the internet as halves, a public /8 or a prefix list, an undeclared prefix list, inline routes
      [
        n("NoInternetGatewayRoute", 5),
        [
          "aws_default_route_table.d",
          "aws_route.halves",
          "aws_route.prefix-list",
          "aws_route.public-slash-8",
          "aws_route.undeclared-prefix-list",
          "aws_route_table.inline",
        ],
      ],
    ],
  },
  {
    rule: NoPublicIp,
    compliant: C,
    noncompliant: [
      [n("NoPublicIp", 1), ["aws_instance.i", "aws_subnet.private"]],
      // public IP settings from each.value of for_each blocks: could not be evaluated (issue 15)
      [n("NoPublicIp", 2), ["aws_instance.from_map", "aws_subnet.from_map"]],
      // issue 15 probes: "1" for true, IPv6 on creation, default subnets, an instance in the default VPC,
      // launch configurations and spot requests, Elastic IPs on an instance or an interface
      [
        n("NoPublicIp", 3),
        [
          "aws_default_subnet.left-out",
          "aws_default_subnet.on",
          "aws_eip.on-instance",
          "aws_eip_association.eni",
          "aws_instance.default-vpc",
          "aws_launch_configuration.lc",
          "aws_spot_instance_request.spot",
          "aws_subnet.ipv6",
          "aws_subnet.one",
        ],
      ],
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
