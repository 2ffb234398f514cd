import { endpointServiceName } from "../../config/endpoint-services";
import { arn } from "../../config/partitions";
import { Construct } from "../../framework/cdktf";
import {
  DefaultSecurityGroup,
  FlowLog,
  IamRole,
  IamRolePolicy,
  RouteTable,
  RouteTableAssociation,
  SecurityGroup,
  Subnet,
  Vpc,
  VpcEndpoint,
} from "../../framework/aws";
import {
  policyDocument,
  renderPolicy,
  trustPolicyDocument,
  type Statement,
  type TrustStatement,
} from "../../policies/documents/policy-document";
import { ControlledEgress } from "../controlled-egress/controlled-egress";
import { ValidationError } from "../errors";
import type { KmsKey } from "../kms-key";
import { LogGroup } from "../log-group";
import type { Placement } from "../placement";
import { cidrSubnet } from "./cidr";

/** Interface endpoints every platform VPC gets: what the functions call in their own partition. */
export const DEFAULT_INTERFACE_ENDPOINTS = ["kms", "lambda", "logs", "secretsmanager", "sqs", "sts"] as const;

/**
 * Subnet slots: the VPC range is split in eight; private subnets take slots 0..5, and the last
 * quarter (slots 6 and 7) is kept for the controlled egress path.
 */
const SUBNET_NEWBITS = 3;
const MAX_ZONES = 6;

export interface NetworkProps {
  /** Where the VPC lives; every resource is pinned to `placement.provider`. */
  readonly placement: Placement;
  /** Prefix of names and `Name` tags, e.g. `example` or `example-bergstadt`. */
  readonly name: string;
  /** VPC range, a private /16 to /24. */
  readonly vpcCidr: string;
  /** Zones for the private subnets, one subnet each (2-6), named in configuration. */
  readonly availabilityZones: readonly string[];
  /** Accounts whose principals may use the VPC endpoints (and whose resources the S3/DynamoDB endpoints reach). */
  readonly allowedAccountIds: readonly string[];
  /** Key for the flow-log group; must live in the same placement. */
  readonly logKey: KmsKey;
  /**
   * Days flow logs are kept (a CloudWatch retention value).
   * @default 365
   */
  readonly flowLogRetentionDays?: number;
  /**
   * AWS services reachable through interface endpoints with private DNS.
   * @default DEFAULT_INTERFACE_ENDPOINTS
   */
  readonly interfaceEndpoints?: readonly string[];
  /**
   * Opens the one controlled path to the internet (DESIGN.md §5; modules/controlled-egress): a
   * workload subnet behind a NAT gateway and an AWS Network Firewall that passes TLS only to
   * `allowedDomains`. Only workloads placed in `egress.workloadSubnets` use it.
   * @default - no internet gateway, no NAT, no route out
   */
  readonly allowInternetEgress?: InternetEgressOptions;
  /** @default - none */
  readonly tags?: Readonly<Record<string, string>>;
}

export interface InternetEgressOptions {
  /** Exact host names the egress workloads may reach over TLS (SNI allowlist). */
  readonly allowedDomains: readonly string[];
  /** Why the network needs a path out; shown in the firewall's description and the guardrail report. */
  readonly justification: string;
  /** @default - the first of `availabilityZones` */
  readonly zone?: string;
}

/**
 * A private network: a VPC with one private subnet per zone and no route to the internet (no
 * internet gateway, no NAT), gateway endpoints for S3 and DynamoDB, interface endpoints with private
 * DNS behind a security group that admits HTTPS from the VPC only, endpoint policies that admit only
 * the platform's accounts, flow logs of all traffic to an encrypted log group, and the default
 * security group closed. `allowInternetEgress` adds the one controlled path out.
 */
export class Network extends Construct {
  readonly vpc: Vpc;
  readonly subnets: readonly Subnet[];
  readonly routeTable: RouteTable;
  readonly s3Endpoint: VpcEndpoint;
  readonly dynamodbEndpoint: VpcEndpoint;
  readonly interfaceEndpoints: Readonly<Record<string, VpcEndpoint>>;
  readonly endpointSecurityGroup: SecurityGroup;
  readonly flowLogGroup: LogGroup;
  /** The controlled egress path, when `allowInternetEgress` is set. */
  readonly egress: ControlledEgress | undefined;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const provider = props.placement.provider;
    this.validate(props);
    this.vpc = new Vpc(this, "vpc", {
      provider,
      cidrBlock: props.vpcCidr,
      enableDnsSupport: true,
      enableDnsHostnames: true,
      tags: nameTags(props, props.name),
    });
    // Adopting the default security group removes its rules: nothing may use it.
    new DefaultSecurityGroup(this, "default-security-group", {
      provider,
      vpcId: this.vpc.id,
      ingress: [],
      egress: [],
      tags: nameTags(props, `${props.name}-default-closed`),
    });
    this.routeTable = new RouteTable(this, "private-routes", {
      provider,
      vpcId: this.vpc.id,
      tags: nameTags(props, `${props.name}-private`),
    });
    this.subnets = props.availabilityZones.map((zone, i) => this.privateSubnet(props, zone, i));
    this.s3Endpoint = this.gatewayEndpoint(props, "s3");
    this.dynamodbEndpoint = this.gatewayEndpoint(props, "dynamodb");
    this.endpointSecurityGroup = new SecurityGroup(this, "endpoints-security-group", {
      provider,
      vpcId: this.vpc.id,
      name: `${props.name}-vpc-endpoints`,
      description: "HTTPS from inside the VPC to the interface endpoints; nothing else",
      ingress: [
        { description: "HTTPS from the VPC", protocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [props.vpcCidr] },
      ],
      egress: [],
      tags: nameTags(props, `${props.name}-vpc-endpoints`),
    });
    this.interfaceEndpoints = this.interfaceEndpointsOf(props);
    this.flowLogGroup = this.logFlows(props);
    this.egress = this.controlledEgress(props);
  }

  /** The private subnet of one zone (slot `index` of the range), on the private route table. */
  private privateSubnet(props: NetworkProps, zone: string, index: number): Subnet {
    const provider = props.placement.provider;
    const subnet = new Subnet(this, `private-${zone}`, {
      provider,
      vpcId: this.vpc.id,
      availabilityZone: zone,
      cidrBlock: cidrSubnet(props.vpcCidr, SUBNET_NEWBITS, index),
      mapPublicIpOnLaunch: false,
      tags: nameTags(props, `${props.name}-private-${zone}`, { Tier: "private" }),
    });
    new RouteTableAssociation(this, `private-${zone}-routes`, {
      provider,
      subnetId: subnet.id,
      routeTableId: this.routeTable.id,
    });
    return subnet;
  }

  /** A gateway endpoint on the private route table, admitting only the platform's accounts. */
  private gatewayEndpoint(props: NetworkProps, service: "s3" | "dynamodb"): VpcEndpoint {
    return new VpcEndpoint(this, `${service}-gateway`, {
      provider: props.placement.provider,
      vpcId: this.vpc.id,
      serviceName: endpointServiceName(props.placement.region, service),
      vpcEndpointType: "Gateway",
      routeTableIds: [this.routeTable.id],
      policy: platformAccountsPolicy(props),
      tags: nameTags(props, `${props.name}-${service}`),
    });
  }

  /**
   * An interface endpoint with private DNS per service, in every private subnet, behind the
   * endpoints' security group. Both sides of every request: platform principals only, and only
   * towards platform resources (a stolen credential of another account, or a request to another
   * account's key, role or secret, does not pass through the VPC).
   */
  private interfaceEndpointsOf(props: NetworkProps): Record<string, VpcEndpoint> {
    const interfacePolicy = platformAccountsPolicy(props);
    const endpoints: Record<string, VpcEndpoint> = {};
    for (const service of [...(props.interfaceEndpoints ?? DEFAULT_INTERFACE_ENDPOINTS)].sort()) {
      endpoints[service] = new VpcEndpoint(this, `${service}-interface`, {
        provider: props.placement.provider,
        vpcId: this.vpc.id,
        serviceName: endpointServiceName(props.placement.region, service),
        vpcEndpointType: "Interface",
        privateDnsEnabled: true,
        subnetIds: this.subnets.map((s) => s.id),
        securityGroupIds: [this.endpointSecurityGroup.id],
        policy: interfacePolicy,
        tags: nameTags(props, `${props.name}-${service}`),
      });
    }
    return endpoints;
  }

  /** Flow logs of all traffic to an encrypted log group, written by a role only VPC Flow Logs of this account assumes. */
  private logFlows(props: NetworkProps): LogGroup {
    const { placement } = props;
    const provider = placement.provider;
    const flowLogGroup = new LogGroup(this, "flow-logs", {
      placement,
      logGroupName: `/sip/${props.name}/vpc-flow-logs`,
      encryptionKey: props.logKey,
      retentionDays: props.flowLogRetentionDays ?? 365,
      tags: props.tags,
    });
    const flowLogRole = new IamRole(this, "flow-logs-role", {
      provider,
      name: `${props.name}-vpc-flow-logs`,
      description: `Lets VPC Flow Logs write ${props.name}'s flow logs`,
      assumeRolePolicy: renderPolicy(trustPolicyDocument([flowLogsTrust(placement)])),
      tags: props.tags ? { ...props.tags } : undefined,
    });
    new IamRolePolicy(this, "flow-logs-role-policy", {
      provider,
      role: flowLogRole.id,
      name: "write-flow-logs",
      policy: renderPolicy(
        policyDocument([
          {
            Sid: "WriteFlowLogs",
            Effect: "Allow",
            Action: ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"],
            Resource: [flowLogGroup.logGroupArn, `${flowLogGroup.logGroupArn}:*`],
          },
        ]),
      ),
    });
    new FlowLog(this, "flow-log", {
      provider,
      vpcId: this.vpc.id,
      trafficType: "ALL",
      logDestinationType: "cloud-watch-logs",
      logDestination: flowLogGroup.logGroupArn,
      iamRoleArn: flowLogRole.arn,
      maxAggregationInterval: 60,
      tags: nameTags(props, `${props.name}-flow-log`),
    });
    return flowLogGroup;
  }

  /** The controlled egress path in the range's last quarter, when `allowInternetEgress` is set. */
  private controlledEgress(props: NetworkProps): ControlledEgress | undefined {
    const egress = props.allowInternetEgress;
    if (egress === undefined) return undefined;
    return new ControlledEgress(this, "controlled-egress", {
      placement: props.placement,
      name: props.name,
      vpc: this.vpc,
      cidr: cidrSubnet(props.vpcCidr, 2, 3),
      zone: egress.zone ?? props.availabilityZones[0] ?? "",
      gatewayEndpoints: [this.s3Endpoint, this.dynamodbEndpoint],
      allowedDomains: egress.allowedDomains,
      justification: egress.justification,
      logKey: props.logKey,
      logRetentionDays: props.flowLogRetentionDays,
      tags: props.tags,
    });
  }

  private validate(props: NetworkProps): void {
    const zones = props.availabilityZones;
    if (zones.length < 2 || zones.length > MAX_ZONES) {
      throw new ValidationError(
        "Network.availabilityZones",
        `availabilityZones must list 2 to ${MAX_ZONES} zones (value: ${JSON.stringify(zones)})`,
        this,
      );
    }
    const foreign = zones.filter((z) => !new RegExp(`^${props.placement.region}[a-z]$`).test(z));
    if (foreign.length > 0 || new Set(zones).size !== zones.length) {
      throw new ValidationError(
        "Network.availabilityZones",
        `availabilityZones must be distinct zones of ${props.placement.region} (value: ${JSON.stringify(zones)})`,
        this,
      );
    }
    try {
      cidrSubnet(props.vpcCidr, SUBNET_NEWBITS, 0);
    } catch (err) {
      throw new ValidationError("Network.vpcCidr", `${(err as Error).message} (value: "${props.vpcCidr}")`, this);
    }
    const prefix = Number(props.vpcCidr.split("/")[1]);
    if (prefix < 16 || prefix > 24)
      throw new ValidationError(
        "Network.vpcCidr",
        `vpcCidr must be a /16 to /24 range (value: "${props.vpcCidr}")`,
        this,
      );
    if (
      props.allowedAccountIds.length === 0 ||
      props.allowedAccountIds.some((a) => !/^\d{12}$/.test(a) && !a.startsWith("${"))
    ) {
      throw new ValidationError(
        "Network.allowedAccountIds",
        `allowedAccountIds must list the platform's 12-digit account IDs (value: ${JSON.stringify(props.allowedAccountIds)})`,
        this,
      );
    }
    const egressZone = props.allowInternetEgress?.zone;
    if (egressZone !== undefined && !zones.includes(egressZone)) {
      throw new ValidationError(
        "Network.allowInternetEgress.zone",
        `allowInternetEgress.zone must be one of availabilityZones ${JSON.stringify(zones)} (value: "${egressZone}")`,
        this,
      );
    }
    if (props.logKey.placement.provider !== props.placement.provider) {
      throw new ValidationError(
        "Network.logKey",
        `logKey ${props.logKey.node.path} is pinned to another provider than the network (${props.placement.side})`,
        this,
      );
    }
  }
}

/** Allow everything, but only for the listed accounts: an endpoint policy. */
function endpointStatement(sid: string, accounts: Record<string, string[]>): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Principal: "*",
    Action: "*",
    Resource: "*",
    Condition: { StringEquals: accounts },
  };
}

/** The network's tags on a resource: the props' tags, its `Name`, and any extra. */
function nameTags(props: NetworkProps, name: string, extra: Record<string, string> = {}) {
  return { ...props.tags, Name: name, ...extra };
}

/** An endpoint policy for principals and resources of the platform's accounts only. */
function platformAccountsPolicy(props: NetworkProps): string {
  const accounts = [...props.allowedAccountIds];
  return renderPolicy(
    policyDocument([
      endpointStatement("OnlyPlatformAccounts", {
        "aws:PrincipalAccount": accounts,
        "aws:ResourceAccount": accounts,
      }),
    ]),
  );
}

/** VPC Flow Logs of the account, for its flow logs only. */
function flowLogsTrust(placement: Placement): TrustStatement {
  return {
    Sid: "VpcFlowLogsOfThisAccount",
    Effect: "Allow",
    Principal: { Service: "vpc-flow-logs.amazonaws.com" },
    Action: "sts:AssumeRole",
    Condition: {
      StringEquals: { "aws:SourceAccount": placement.accountId },
      ArnLike: {
        "aws:SourceArn": arn(placement.partition, {
          service: "ec2",
          region: placement.region,
          account: placement.accountId,
          resource: "vpc-flow-log/*",
        }),
      },
    },
  };
}
