import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf, type TfJson } from "../../test/template";
import { KmsKey } from "../kms-key";
import { Network } from "../network";
import { exampleZip } from "./examples/minimal";
import { LAMBDA_RUNTIME, LambdaFunction, type LambdaFunctionProps } from "./lambda-function";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup(overrides: Partial<LambdaFunctionProps> = {}) {
  const s = moduleStack();
  cleanup = s.cleanup;
  const key = new KmsKey(s.stack, "key", { placement: s.sovereign, aliasName: "fn", description: "fn" });
  const network = new Network(s.stack, "net", {
    placement: s.sovereign,
    name: "env",
    vpcCidr: "10.10.0.0/16",
    availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"],
    allowedAccountIds: ["111111111111"],
    logKey: key,
  });
  const props: LambdaFunctionProps = {
    placement: s.sovereign,
    functionName: "env-upload",
    zipFile: exampleZip(),
    network,
    key,
    reservedConcurrency: 5,
    ...overrides,
  };
  return { ...s, props, key };
}
const one = (json: TfJson, type: string) => Object.values(resourcesOf(json, type))[0] as Record<string, unknown>;

describe("LambdaFunction", () => {
  it("runs Node.js 22 from the zip, identified by its SHA-256, with reserved concurrency", () => {
    const { stack, props, synth } = setup();
    new LambdaFunction(stack, "fn", props);
    const fn = one(synth(), "aws_lambda_function");
    expect(LAMBDA_RUNTIME).toBe("nodejs22.x");
    expect(fn).toMatchObject({
      function_name: "env-upload",
      runtime: "nodejs22.x",
      handler: "index.handler",
      reserved_concurrent_executions: 5,
      provider: "aws.sovereign",
    });
    expect(fn.source_code_hash).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(fn.filename).toMatch(/^assets\/fn_code\/[A-F0-9]{32,}\/hello\.zip$/);
  });

  it("runs in the private subnets behind a security group that only reaches the endpoints", () => {
    const { stack, props, synth } = setup();
    new LambdaFunction(stack, "fn", props);
    const json = synth();
    expect(one(json, "aws_lambda_function").vpc_config).toEqual({
      subnet_ids: ["${aws_subnet.net_private-eusc-de-east-1a.id}", "${aws_subnet.net_private-eusc-de-east-1b.id}"],
      security_group_ids: ["${aws_security_group.fn_security-group.id}"],
    });
    const sg = resourcesOf(json, "aws_security_group")["fn_security-group"];
    expect(sg?.ingress).toEqual([]);
    expect(sg?.egress).toEqual([
      expect.objectContaining({
        protocol: "tcp",
        from_port: 443,
        to_port: 443,
        cidr_blocks: ["${aws_vpc.net_vpc.cidr_block}"],
      }),
      expect.objectContaining({
        protocol: "tcp",
        from_port: 443,
        to_port: 443,
        prefix_list_ids: [
          "${aws_vpc_endpoint.net_s3-gateway.prefix_list_id}",
          "${aws_vpc_endpoint.net_dynamodb-gateway.prefix_list_id}",
        ],
      }),
    ]);
  });

  it("logs as JSON to an encrypted group, and sends failed events to an encrypted dead-letter queue", () => {
    const { stack, props, synth } = setup();
    new LambdaFunction(stack, "fn", props);
    const json = synth();
    const fn = one(json, "aws_lambda_function");
    expect(fn.logging_config).toEqual({ log_format: "JSON", log_group: "/aws/lambda/env-upload" });
    expect(fn.dead_letter_config).toEqual({ target_arn: "${aws_sqs_queue.fn_dead-letter-queue.arn}" });
    expect(fn.kms_key_arn).toBe("${aws_kms_key.key_key.arn}");
    expect(one(json, "aws_sqs_queue")).toMatchObject({
      name: "env-upload-dlq",
      kms_master_key_id: "${aws_kms_key.key_key.arn}",
      message_retention_seconds: 1209600,
    });
    expect(resourcesOf(json, "aws_cloudwatch_log_group")["fn_logs_log-group"]).toMatchObject({
      name: "/aws/lambda/env-upload",
      retention_in_days: 365,
    });
  });

  it("has a role only Lambda of this account assumes, with only its own needs plus grants", () => {
    const { stack, props, synth } = setup();
    const fn = new LambdaFunction(stack, "fn", props);
    fn.addToPrincipalPolicy({
      Sid: "ReadOriginals",
      Effect: "Allow",
      Action: "s3:GetObject",
      Resource: "arn:aws-eusc:s3:::b/*",
    });
    const json = synth();
    const trust = JSON.parse(resourcesOf(json, "aws_iam_role").fn_role?.assume_role_policy as string);
    expect(trust.Statement).toEqual([
      expect.objectContaining({
        Principal: { Service: "lambda.amazonaws.com" },
        Condition: { StringEquals: { "aws:SourceAccount": "111111111111" } },
      }),
    ]);
    const policy = JSON.parse(resourcesOf(json, "aws_iam_role_policy")["fn_role-policy"]?.policy as string);
    expect(policy.Statement.map((s: { Sid: string }) => s.Sid)).toEqual([
      "WriteOwnLogs",
      "NetworkInterfacesInPrivateSubnets",
      "DeadLetters",
      "UseFunctionKey",
      "ReadOriginals",
    ]);
  });

  it("writes the asynchronous retries and event age next to the dead-letter queue when they are set", () => {
    const { stack, props, synth } = setup({ asyncMaximumRetryAttempts: 2, asyncMaximumEventAgeSeconds: 3600 });
    new LambdaFunction(stack, "fn", props);
    const json = synth();
    expect(one(json, "aws_lambda_function_event_invoke_config")).toMatchObject({
      function_name: "${aws_lambda_function.fn_function.function_name}",
      maximum_retry_attempts: 2,
      maximum_event_age_in_seconds: 3600,
    });
    expect(one(json, "aws_lambda_function_event_invoke_config").destination_config).toBeUndefined();
    expect(one(json, "aws_lambda_function").dead_letter_config).toEqual({
      target_arn: "${aws_sqs_queue.fn_dead-letter-queue.arn}",
    });
  });

  it("leaves the retries to Lambda's defaults when none is set", () => {
    const { stack, props, synth } = setup();
    new LambdaFunction(stack, "fn", props);
    expect(resourcesOf(synth(), "aws_lambda_function_event_invoke_config")).toEqual({});
  });

  it.each([
    [{ functionName: "has space" }, /LambdaFunction\.functionName/],
    [
      { asyncMaximumRetryAttempts: 3 },
      /LambdaFunction\.asyncMaximumRetryAttempts: asyncMaximumRetryAttempts must be 0, 1 or 2 \(value: 3\)/,
    ],
    [
      { asyncMaximumEventAgeSeconds: 30 },
      /LambdaFunction\.asyncMaximumEventAgeSeconds: .*from 60 to 21600 \(value: 30\)/,
    ],
    [{ zipFile: "relative.zip" }, /LambdaFunction\.zipFile: .*run `node scripts\/bundle-functions\.mjs`/],
    [{ reservedConcurrency: 0 }, /LambdaFunction\.reservedConcurrency/],
    [
      { environment: { DB_PASSWORD: "x" } },
      /LambdaFunction\.environment: environment variables DB_PASSWORD look like secrets/,
    ],
  ] as const)("fails when %j", (overrides, message) => {
    const { stack, props } = setup();
    expect(() => new LambdaFunction(stack, "fn", { ...props, ...overrides })).toThrow(message);
  });
});
