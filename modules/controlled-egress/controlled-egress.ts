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
    const { placement } = props;
    const provider = placement.provider;
    this.validate(props);
    this.allowedDomains = [...new Set(props.allowedDomains)].sort();
    const tags = (name: string, extra: Record<string, string> = {}) => ({ ...props.tags, Name: name, ...extra });
    const exceptionTags = { "sip:exception": CONTROLLED_EGRESS_EXCEPTION, "sip:justification": props.justification };
    const vpcId = props.vpc.id;
    // Literal ranges, so the plan and the guardrails see them (the edge route names the NAT subnet's range).
    const range = (index: number) => cidrSubnet(props.cidr, 2, index);
    const subnet = (tier: string, index: number) =>
      new Subnet(this, `${tier}-subnet`, {
        provider,
        vpcId,
        availabilityZone: props.zone,
        cidrBlock: range(index),
        mapPublicIpOnLaunch: false,
        tags: tags(`${props.name}-egress-${tier}-${props.zone}`, { Tier: `egress-${tier}` }),
      });
    const workload = subnet("workload", 0);
    this.workloadSubnets = [workload];
    this.natSubnet = subnet("nat", 1);
    this.firewallSubnet = subnet("firewall", 2);

    this.internetGateway = new InternetGateway(this, "internet-gateway", {
      provider,
      vpcId,
      tags: tags(`${props.name}-egress`, exceptionTags),
    });
    const eip = new Eip(this, "nat-address", {
      provider,
      domain: "vpc",
      tags: tags(`${props.name}-egress-nat`),
      dependsOn: [this.internetGateway],
    });
    this.natGateway = new NatGateway(this, "nat-gateway", {
      provider,
      subnetId: this.natSubnet.id,
      allocationId: eip.id,
      connectivityType: "public",
      tags: tags(`${props.name}-egress-nat`, exceptionTags),
    });

    // Network Firewall encrypts its configuration with the key through grants made on the deployer's behalf.
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
    this.ruleGroup = new NetworkfirewallRuleGroup(this, "allowlist", {
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
      encryptionConfiguration: { type: "CUSTOMER_KMS", keyId: props.logKey.keyArn },
      tags: tags(`${props.name}-egress-allowlist`, exceptionTags),
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
        statefulRuleGroupReference: [{ priority: 1, resourceArn: this.ruleGroup.arn }],
      },
      encryptionConfiguration: { type: "CUSTOMER_KMS", keyId: props.logKey.keyArn },
      tags: tags(`${props.name}-egress`, exceptionTags),
    });
    this.firewall = new NetworkfirewallFirewall(this, "firewall", {
      provider,
      name: `${props.name}-egress`,
      description: props.justification,
      vpcId,
      firewallPolicyArn: policy.arn,
      subnetMapping: [{ subnetId: this.firewallSubnet.id }],
      subnetChangeProtection: true,
      firewallPolicyChangeProtection: true,
      encryptionConfiguration: { type: "CUSTOMER_KMS", keyId: props.logKey.keyArn },
      tags: tags(`${props.name}-egress`, exceptionTags),
    });
    const retentionDays = props.logRetentionDays ?? 365;
    this.alertLogGroup = new LogGroup(this, "alert-logs", {
      placement,
      logGroupName: `/sip/${props.name}/egress-firewall/alert`,
      encryptionKey: props.logKey,
      retentionDays,
      tags: props.tags,
    });
    this.flowLogGroup = new LogGroup(this, "flow-logs", {
      placement,
      logGroupName: `/sip/${props.name}/egress-firewall/flow`,
      encryptionKey: props.logKey,
      retentionDays,
      tags: props.tags,
    });
    new NetworkfirewallLoggingConfiguration(this, "logging", {
      provider,
      firewallArn: this.firewall.arn,
      loggingConfiguration: {
        logDestinationConfig: [
          {
            logType: "ALERT",
            logDestinationType: "CloudWatchLogs",
            logDestination: { logGroup: this.alertLogGroup.logGroupName },
          },
          {
            logType: "FLOW",
            logDestinationType: "CloudWatchLogs",
            logDestination: { logGroup: this.flowLogGroup.logGroupName },
          },
        ],
      },
      dependsOn: [this.alertLogGroup.logGroup, this.flowLogGroup.logGroup],
    });
    // The firewall's endpoint in its one subnet (sync_states is a set: index it through tolist).
    const firewallEndpoint = Token.asString(
      `\${tolist(${this.firewall.fqn}.firewall_status[0].sync_states)[0].attachment[0].endpoint_id}`,
    );

    const table = (tier: string, extra: Record<string, string> = {}) =>
      new RouteTable(this, `${tier}-routes`, { provider, vpcId, tags: tags(`${props.name}-egress-${tier}`, extra) });
    const workloadRoutes = table("workload");
    new RouteTableAssociation(this, "workload-association", {
      provider,
      subnetId: workload.id,
      routeTableId: workloadRoutes.id,
    });
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

    const natRoutes = table("nat");
    new RouteTableAssociation(this, "nat-association", {
      provider,
      subnetId: this.natSubnet.id,
      routeTableId: natRoutes.id,
    });
    new Route(this, "nat-default", {
      provider,
      routeTableId: natRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      vpcEndpointId: firewallEndpoint,
    });

    const firewallRoutes = table("firewall", exceptionTags);
    new RouteTableAssociation(this, "firewall-association", {
      provider,
      subnetId: this.firewallSubnet.id,
      routeTableId: firewallRoutes.id,
    });
    new Route(this, "firewall-default", {
      provider,
      routeTableId: firewallRoutes.id,
      destinationCidrBlock: "0.0.0.0/0",
      gatewayId: this.internetGateway.id,
    });

    // Answers from the internet to the NAT gateway pass the firewall too (symmetric inspection).
    const edgeRoutes = table("edge");
    new RouteTableAssociation(this, "edge-association", {
      provider,
      gatewayId: this.internetGateway.id,
      routeTableId: edgeRoutes.id,
    });
    new Route(this, "edge-to-nat", {
      provider,
      routeTableId: edgeRoutes.id,
      destinationCidrBlock: range(1),
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
