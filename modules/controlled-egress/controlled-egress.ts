import { Construct, Token } from "../../framework/cdktf";
import {
  Eip,
  InternetGateway,
  NatGateway,
  NetworkfirewallFirewall,
  NetworkfirewallFirewallPolicy,
  NetworkfirewallLoggingConfiguration,
  NetworkfirewallRuleGroup,
  Route,
  RouteTable,
  RouteTableAssociation,
  Subnet,
  type Vpc,
  type VpcEndpoint,
  VpcEndpointRouteTableAssociation,
} from "../../framework/aws";
import { accountRoot } from "../../policies/documents/policy-document";
import { ValidationError } from "../errors";
import type { KmsKey } from "../kms-key";
import { LogGroup } from "../log-group";
import { cidrSubnet } from "../network/cidr";
import type { Placement } from "../placement";

/** The name the guardrails know this path by (policies/core/egress.ts): tag `sip:exception`. */
export const CONTROLLED_EGRESS_EXCEPTION = "controlled-egress";
/** At most this many hosts in the allowlist (the rule group's capacity is sized for it). */
export const MAX_ALLOWED_DOMAINS = 50;
/** Characters AWS accepts in tag values (the justification is a tag). */
const TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{10,256}$/u;
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** The path's tags on a resource: the props' tags, its `Name`, and any extra. */
function nameTags(props: ControlledEgressProps, name: string, extra: Record<string, string> = {}) {
  return { ...props.tags, Name: name, ...extra };
}

/** The named exception the guardrails check (policies/core/egress.ts), with its justification. */
function exceptionTags(props: ControlledEgressProps): Record<string, string> {
  return { "sip:exception": CONTROLLED_EGRESS_EXCEPTION, "sip:justification": props.justification };
}

/** Quarter `index` of the path's range: workload, NAT, firewall, spare. */
function pathRange(props: ControlledEgressProps, index: number): string {
  return cidrSubnet(props.cidr, 2, index);
}

export interface ControlledEgressProps {
  readonly placement: Placement;
  /** Prefix of names and `Name` tags. */
  readonly name: string;
  /** The VPC the path belongs to. */
  readonly vpc: Vpc;
  /** The range reserved for the path (the network's last quarter); split into workload, NAT and firewall subnets. */
  readonly cidr: string;
  /** The one zone the path lives in. */
  readonly zone: string;
  /** Gateway endpoints (S3, DynamoDB) the workload subnet keeps using for its own partition. */
  readonly gatewayEndpoints: readonly VpcEndpoint[];
  /**
   * Host names TLS connections may go to (matched against the TLS SNI; exact names, no wildcards).
   * Everything else, and every flow that is not TLS, is dropped.
   */
  readonly allowedDomains: readonly string[];
  /** Why this network needs a path out (shown to reviewers and in the guardrail report). */
  readonly justification: string;
  /** Key for the firewall's alert and flow log groups, and the firewall's own encryption. */
  readonly logKey: KmsKey;
  /** @default 365 */
  readonly logRetentionDays?: number;
  /** @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

/**
 * The one controlled way out of a private network (DESIGN.md §5): a workload subnet whose default
 * route leads to a NAT gateway, whose own default route leads through an AWS Network Firewall
 * endpoint to the internet gateway; the internet gateway's edge route table sends the answers back
 * through the firewall, so both directions are inspected. The firewall passes TLS only to the
 * allowlisted host names (SNI, strict rule order) and drops every other established flow; it logs
 * alerts and flows to KMS-encrypted log groups. The VPC's flow log covers the new subnets too.
 *
 * Only workloads placed in `workloadSubnets` (modules/lambda-function `allowInternetEgress`) use the
 * path; the platform's other subnets keep no route out.
 */
export class ControlledEgress extends Construct {
  readonly workloadSubnets: readonly Subnet[];
  readonly natSubnet: Subnet;
  readonly firewallSubnet: Subnet;
  readonly internetGateway: InternetGateway;
  readonly natGateway: NatGateway;
  readonly firewall: NetworkfirewallFirewall;
  readonly ruleGroup: NetworkfirewallRuleGroup;
  readonly allowedDomains: readonly string[];
  readonly alertLogGroup: LogGroup;
  readonly flowLogGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ControlledEgressProps) {
    super(scope, id);
    this.validate(props);
    this.allowedDomains = [...new Set(props.allowedDomains)].sort();
    const workload = this.subnet(props, "workload", 0);
    this.workloadSubnets = [workload];
    this.natSubnet = this.subnet(props, "nat", 1);
    this.firewallSubnet = this.subnet(props, "firewall", 2);
    const gateways = this.gateways(props);
    this.internetGateway = gateways.internetGateway;
    this.natGateway = gateways.natGateway;
    const inspection = this.inspection(props);
    this.ruleGroup = inspection.ruleGroup;
    this.firewall = inspection.firewall;
    const logs = this.logFirewall(props);
    this.alertLogGroup = logs.alertLogGroup;
    this.flowLogGroup = logs.flowLogGroup;
    // The firewall's endpoint in its one subnet (sync_states is a set: index it through tolist).
    const firewallEndpoint = Token.asString(
      `\${tolist(${this.firewall.fqn}.firewall_status[0].sync_states)[0].attachment[0].endpoint_id}`,
    );
    this.routeWorkload(props, workload);
    this.routeThroughFirewall(props, firewallEndpoint);
  }

  /** One of the path's subnets, at a literal range (so the plan and the guardrails see it). */
  private subnet(props: ControlledEgressProps, tier: string, index: number): Subnet {
    return new Subnet(this, `${tier}-subnet`, {
      provider: props.placement.provider,
      vpcId: props.vpc.id,
      availabilityZone: props.zone,
      cidrBlock: pathRange(props, index),
      mapPublicIpOnLaunch: false,
      tags: nameTags(props, `${props.name}-egress-${tier}-${props.zone}`, { Tier: `egress-${tier}` }),
    });
  }

  /** The internet gateway, and the NAT gateway (with its address) in the NAT subnet. */
  private gateways(props: ControlledEgressProps): { internetGateway: InternetGateway; natGateway: NatGateway } {
    const provider = props.placement.provider;
    const internetGateway = new InternetGateway(this, "internet-gateway", {
      provider,
      vpcId: props.vpc.id,
      tags: nameTags(props, `${props.name}-egress`, exceptionTags(props)),
    });
    const eip = new Eip(this, "nat-address", {
      provider,
      domain: "vpc",
      tags: nameTags(props, `${props.name}-egress-nat`),
      dependsOn: [internetGateway],
    });
    const natGateway = new NatGateway(this, "nat-gateway", {
      provider,
      subnetId: this.natSubnet.id,
      allocationId: eip.id,
      connectivityType: "public",
      tags: nameTags(props, `${props.name}-egress-nat`, exceptionTags(props)),
    });
    return { internetGateway, natGateway };
  }

  /**
   * The firewall in its subnet: a strict-order policy whose one rule group is the TLS SNI allowlist;
   * every other established flow is dropped and alerted. All three are encrypted with the log key.
   */
  private inspection(props: ControlledEgressProps): {
    ruleGroup: NetworkfirewallRuleGroup;
    firewall: NetworkfirewallFirewall;
  } {
    const { placement } = props;
    const provider = placement.provider;
    const encryptionConfiguration = { type: "CUSTOMER_KMS", keyId: props.logKey.keyArn };
    this.letNetworkFirewallUseTheKey(props);
    const ruleGroup = new NetworkfirewallRuleGroup(this, "allowlist", {
      provider,
      name: `${props.name}-egress-allowlist`,
      description: "TLS (SNI) host names the egress workloads may reach; nothing else passes",
      type: "STATEFUL",
      capacity: 4 * MAX_ALLOWED_DOMAINS,
      ruleGroup: {
        statefulRuleOptions: { ruleOrder: "STRICT_ORDER" },
        rulesSource: {
          rulesSourceList: {
            generatedRulesType: "ALLOWLIST",
            targetTypes: ["TLS_SNI"],
            targets: [...this.allowedDomains],
          },
        },
      },
      encryptionConfiguration,
      tags: nameTags(props, `${props.name}-egress-allowlist`, exceptionTags(props)),
    });
    const policy = new NetworkfirewallFirewallPolicy(this, "policy", {
      provider,
      name: `${props.name}-egress`,
      description: "Strict order: the allowlist passes, every other established flow is dropped and alerted",
      firewallPolicy: {
        statelessDefaultActions: ["aws:forward_to_sfe"],
        statelessFragmentDefaultActions: ["aws:forward_to_sfe"],
        statefulEngineOptions: { ruleOrder: "STRICT_ORDER" },
        statefulDefaultActions: ["aws:drop_established", "aws:alert_established"],
        statefulRuleGroupReference: [{ priority: 1, resourceArn: ruleGroup.arn }],
      },
      encryptionConfiguration,
      tags: nameTags(props, `${props.name}-egress`, exceptionTags(props)),
    });
    const firewall = new NetworkfirewallFirewall(this, "firewall", {
      provider,
      name: `${props.name}-egress`,
      description: props.justification,
      vpcId: props.vpc.id,
      firewallPolicyArn: policy.arn,
      subnetMapping: [{ subnetId: this.firewallSubnet.id }],
      subnetChangeProtection: true,
      firewallPolicyChangeProtection: true,
      encryptionConfiguration,
      tags: nameTags(props, `${props.name}-egress`, exceptionTags(props)),
    });
    return { ruleGroup, firewall };
  }

  /** Network Firewall encrypts its configuration with the key through grants made on the deployer's behalf. */
  private letNetworkFirewallUseTheKey(props: ControlledEgressProps): void {
    const { placement } = props;
    props.logKey.addToResourcePolicy({
      Sid: "NetworkFirewallOfThisAccount",
      Effect: "Allow",
      Principal: { AWS: accountRoot(placement.partition, placement.accountId) },
      Action: ["kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:GenerateDataKey*"],
      Resource: "*",
      Condition: {
        StringEquals: {
          "kms:CallerAccount": placement.accountId,
          "kms:ViaService": `network-firewall.${placement.region}.${placement.partition.dnsSuffix}`,
        },
        Bool: { "kms:GrantIsForAWSResource": "true" },
      },
    });
  }

  /** The firewall's alerts and flows to two KMS-encrypted log groups with bounded retention. */
  private logFirewall(props: ControlledEgressProps): { alertLogGroup: LogGroup; flowLogGroup: LogGroup } {
    const { placement } = props;
    const retentionDays = props.logRetentionDays ?? 365;
    const logGroup = (id: string, kind: string) =>
      new LogGroup(this, id, {
        placement,
        logGroupName: `/sip/${props.name}/egress-firewall/${kind}`,
        encryptionKey: props.logKey,
        retentionDays,
        tags: props.tags,
      });
    const alertLogGroup = logGroup("alert-logs", "alert");
    const flowLogGroup = logGroup("flow-logs", "flow");
    new NetworkfirewallLoggingConfiguration(this, "logging", {
      provider: placement.provider,
      firewallArn: this.firewall.arn,
      loggingConfiguration: {
        logDestinationConfig: [
          {
            logType: "ALERT",
            logDestinationType: "CloudWatchLogs",
            logDestination: { logGroup: alertLogGroup.logGroupName },
          },
          {
            logType: "FLOW",
            logDestinationType: "CloudWatchLogs",
            logDestination: { logGroup: flowLogGroup.logGroupName },
          },
        ],
      },
      dependsOn: [alertLogGroup.logGroup, flowLogGroup.logGroup],
    });
    return { alertLogGroup, flowLogGroup };
  }

  /** A route table of the path, associated with a subnet or the internet gateway, with one route. */
  private routeTable(
    props: ControlledEgressProps,
    tier: string,
    association: { subnetId: string } | { gatewayId: string },
    extraTags: Record<string, string> = {},
  ): RouteTable {
    const provider = props.placement.provider;
    const table = new RouteTable(this, `${tier}-routes`, {
      provider,
      vpcId: props.vpc.id,
      tags: nameTags(props, `${props.name}-egress-${tier}`, extraTags),
    });
    new RouteTableAssociation(this, `${tier}-association`, { provider, ...association, routeTableId: table.id });
    return table;
  }

  /** The workload subnet: default route to the NAT gateway; the gateway endpoints stay its way to S3 and DynamoDB. */
  private routeWorkload(props: ControlledEgressProps, workload: Subnet): void {
    const provider = props.placement.provider;
    const workloadRoutes = this.routeTable(props, "workload", { subnetId: workload.id });
    new Route(this, "workload-default", {
      provider,
      routeTableId: workloadRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      natGatewayId: this.natGateway.id,
    });
    props.gatewayEndpoints.forEach((endpoint, i) => {
      new VpcEndpointRouteTableAssociation(this, `workload-gateway-endpoint-${i}`, {
        provider,
        routeTableId: workloadRoutes.id,
        vpcEndpointId: endpoint.id,
      });
    });
  }

  /**
   * NAT subnet -> firewall endpoint -> internet gateway, and the gateway's edge route table sends the
   * answers to the NAT subnet back through the firewall (symmetric inspection).
   */
  private routeThroughFirewall(props: ControlledEgressProps, firewallEndpoint: string): void {
    const provider = props.placement.provider;
    const natRoutes = this.routeTable(props, "nat", { subnetId: this.natSubnet.id });
    new Route(this, "nat-default", {
      provider,
      routeTableId: natRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      vpcEndpointId: firewallEndpoint,
    });
    const firewallRoutes = this.routeTable(
      props,
      "firewall",
      { subnetId: this.firewallSubnet.id },
      exceptionTags(props),
    );
    new Route(this, "firewall-default", {
      provider,
      routeTableId: firewallRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: this.internetGateway.id,
    });
    // Answers from the internet to the NAT gateway pass the firewall too.
    const edgeRoutes = this.routeTable(props, "edge", { gatewayId: this.internetGateway.id });
    new Route(this, "edge-to-nat", {
      provider,
      routeTableId: edgeRoutes.id,
      destinationCidrBlock: pathRange(props, 1),
      vpcEndpointId: firewallEndpoint,
    });
  }

  private validate(props: ControlledEgressProps): void {
    if (props.justification.trim().length < 10 || !TAG_VALUE.test(props.justification)) {
      throw new ValidationError(
        "ControlledEgress.justification",
        `justification must say why this network needs a path out: 10-256 letters, digits, spaces and _.:/=+-@ (it becomes a tag value; value: "${props.justification}")`,
        this,
      );
    }
    if (props.allowedDomains.length === 0 || props.allowedDomains.length > MAX_ALLOWED_DOMAINS) {
      throw new ValidationError(
        "ControlledEgress.allowedDomains",
        `allowedDomains must list 1 to ${MAX_ALLOWED_DOMAINS} host names (value: ${JSON.stringify(props.allowedDomains)})`,
        this,
      );
    }
    const bad = props.allowedDomains.filter((d) => !HOSTNAME.test(d));
    if (bad.length > 0) {
      throw new ValidationError(
        "ControlledEgress.allowedDomains",
        `allowedDomains must be exact lower-case host names, no wildcards or leading dots (bad: ${JSON.stringify(bad)})`,
        this,
      );
    }
    if (!new RegExp(`^${props.placement.region}[a-z]$`).test(props.zone)) {
      throw new ValidationError(
        "ControlledEgress.zone",
        `zone must be a zone of ${props.placement.region} (value: "${props.zone}")`,
        this,
      );
    }
    try {
      cidrSubnet(props.cidr, 2, 3);
    } catch (err) {
      throw new ValidationError("ControlledEgress.cidr", `${(err as Error).message} (value: "${props.cidr}")`, this);
    }
    if (Number(props.cidr.split("/")[1]) > 26) {
      throw new ValidationError(
        "ControlledEgress.cidr",
        `cidr must be a /26 or larger, for three /28 subnets and a spare (value: "${props.cidr}")`,
        this,
      );
    }
    if (props.logKey.placement.provider !== props.placement.provider) {
      throw new ValidationError(
        "ControlledEgress.logKey",
        `logKey ${props.logKey.node.path} is pinned to another provider than the egress path (${props.placement.side})`,
        this,
      );
    }
  }
}
