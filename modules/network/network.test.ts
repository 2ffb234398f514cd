import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf, type TfJson } from "../../test/template";
import { KmsKey } from "../kms-key";
import { Network, type NetworkProps } from "./network";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup(overrides: Partial<NetworkProps> = {}) {
  const s = moduleStack();
  cleanup = s.cleanup;
  const logKey = new KmsKey(s.stack, "logs", { placement: s.sovereign, aliasName: "logs", description: "logs" });
  const props: NetworkProps = {
    placement: s.sovereign,
    name: "env",
    vpcCidr: "10.10.0.0/16",
    availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"],
    allowedAccountIds: ["111111111111"],
    logKey,
    ...overrides,
  };
  return { ...s, props, logKey, build: () => new Network(s.stack, "net", props) };
}

const values = (json: TfJson, type: string) => Object.values(resourcesOf(json, type));

describe("Network", () => {
  it("has private subnets only, one per configured zone, and no way to the internet", () => {
    const { build, synth } = setup();
    build();
    const json = synth();
    expect(
      values(json, "aws_subnet").map((s) => [s.availability_zone, s.cidr_block, s.map_public_ip_on_launch]),
    ).toEqual([
      ["eusc-de-east-1a", "10.10.0.0/19", false],
      ["eusc-de-east-1b", "10.10.32.0/19", false],
    ]);
    expect(values(json, "aws_route_table")).toEqual([expect.not.objectContaining({ route: expect.anything() })]);
    for (const type of [
      "aws_internet_gateway",
      "aws_nat_gateway",
      "aws_eip",
      "aws_route",
      "aws_egress_only_internet_gateway",
    ]) {
      expect(values(json, type)).toEqual([]);
    }
    expect(values(json, "aws_data_aws_availability_zones")).toEqual([]);
    expect(json.data).toBeUndefined();
  });

  it("closes the default security group", () => {
    const { build, synth } = setup();
    build();
    expect(values(synth(), "aws_default_security_group")).toEqual([
      expect.objectContaining({ ingress: [], egress: [] }),
    ]);
  });

  it("reaches S3 and DynamoDB through gateway endpoints limited to the platform's accounts", () => {
    const { build, synth } = setup({ allowedAccountIds: ["111111111111", "333333333333"] });
    build();
    const gateways = values(synth(), "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Gateway");
    expect(gateways.map((g) => g.service_name).sort()).toEqual([
      "com.amazonaws.eusc-de-east-1.dynamodb",
      "com.amazonaws.eusc-de-east-1.s3",
    ]);
    for (const g of gateways) {
      expect(JSON.parse(g.policy as string).Statement).toEqual([
        {
          Sid: "OnlyPlatformAccounts",
          Effect: "Allow",
          Principal: "*",
          Action: "*",
          Resource: "*",
          Condition: {
            StringEquals: {
              "aws:PrincipalAccount": ["111111111111", "333333333333"],
              "aws:ResourceAccount": ["111111111111", "333333333333"],
            },
          },
        },
      ]);
    }
  });

  it("reaches the services the functions call through private-DNS interface endpoints that admit only the VPC", () => {
    const { build, synth } = setup();
    build();
    const json = synth();
    const interfaces = values(json, "aws_vpc_endpoint").filter((e) => e.vpc_endpoint_type === "Interface");
    expect(interfaces.map((e) => e.service_name)).toEqual(
      ["kms", "lambda", "logs", "secretsmanager", "sqs", "sts"].map((s) => `com.amazonaws.eusc-de-east-1.${s}`),
    );
    for (const e of interfaces) {
      expect(e.private_dns_enabled).toBe(true);
      expect(JSON.parse(e.policy as string).Statement[0].Condition).toEqual({
        StringEquals: { "aws:PrincipalAccount": ["111111111111"], "aws:ResourceAccount": ["111111111111"] },
      });
    }
    expect(values(json, "aws_security_group")).toEqual([
      expect.objectContaining({
        ingress: [
          expect.objectContaining({ protocol: "tcp", from_port: 443, to_port: 443, cidr_blocks: ["10.10.0.0/16"] }),
        ],
        egress: [],
      }),
    ]);
  });

  it("logs all traffic to a KMS-encrypted log group with bounded retention", () => {
    const { build, synth } = setup();
    build();
    const json = synth();
    expect(values(json, "aws_flow_log")).toEqual([
      expect.objectContaining({ traffic_type: "ALL", log_destination_type: "cloud-watch-logs" }),
    ]);
    expect(values(json, "aws_cloudwatch_log_group")).toEqual([
      expect.objectContaining({
        name: "/sip/env/vpc-flow-logs",
        retention_in_days: 365,
        kms_key_id: "${aws_kms_key.logs_key.arn}",
      }),
    ]);
    const trust = JSON.parse(values(json, "aws_iam_role")[0]?.assume_role_policy as string);
    expect(trust.Statement[0]).toMatchObject({
      Principal: { Service: "vpc-flow-logs.amazonaws.com" },
      Condition: {
        StringEquals: { "aws:SourceAccount": "111111111111" },
        ArnLike: { "aws:SourceArn": "arn:aws-eusc:ec2:eusc-de-east-1:111111111111:vpc-flow-log/*" },
      },
    });
  });

  it("uses the eu.amazonaws prefix where the sovereign region does", () => {
    const { props, stack, synth } = setup();
    new Network(stack, "net", { ...props, interfaceEndpoints: ["execute-api"] });
    expect(values(synth(), "aws_vpc_endpoint").map((e) => e.service_name)).toContain(
      "eu.amazonaws.eusc-de-east-1.execute-api",
    );
  });

  it.each([
    [
      { availabilityZones: ["eusc-de-east-1a"] },
      /Network\.availabilityZones: availabilityZones must list 2 to 6 zones/,
    ],
    [
      { availabilityZones: ["eusc-de-east-1a", "eu-central-1b"] },
      /Network\.availabilityZones: .*distinct zones of eusc-de-east-1/,
    ],
    [{ availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1a"] }, /Network\.availabilityZones/],
    [{ vpcCidr: "10.0.0.0/12" }, /Network\.vpcCidr: vpcCidr must be a \/16 to \/24 range/],
    [{ vpcCidr: "10.10.1.0/16" }, /Network\.vpcCidr: .*host bits set/],
    [{ allowedAccountIds: [] }, /Network\.allowedAccountIds/],
  ] as const)("fails when %j", (overrides, message) => {
    const { props, stack } = setup();
    expect(() => new Network(stack, "net", { ...props, ...overrides })).toThrow(message);
  });

  it("fails when the log key lives on the other side", () => {
    const { props, stack, commercial } = setup();
    const foreignKey = new KmsKey(stack, "c", { placement: commercial, aliasName: "c", description: "c" });
    expect(() => new Network(stack, "net", { ...props, logKey: foreignKey })).toThrow(
      /Network\.logKey: .* another provider/,
    );
  });
});
