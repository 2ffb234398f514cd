import { afterEach, describe, expect, it } from "vitest";
import { moduleStack, resourcesOf, type TfJson } from "../../test/template";
import { KmsKey } from "../kms-key";
import { LambdaFunction } from "../lambda-function";
import { exampleZip } from "../lambda-function/examples/minimal";
import { Network } from "../network";
import { HttpApi, type HttpApiProps } from "./http-api";

let cleanup: () => void = () => {};
afterEach(() => cleanup());

function setup(overrides: Readonly<Record<string, unknown>> = {}) {
  const s = moduleStack();
  cleanup = s.cleanup;
  const key = new KmsKey(s.stack, "key", { placement: s.sovereign, aliasName: "k", description: "k" });
  const network = new Network(s.stack, "net", {
    placement: s.sovereign,
    name: "env",
    vpcCidr: "10.10.0.0/16",
    availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"],
    allowedAccountIds: ["111111111111"],
    logKey: key,
  });
  const fn = new LambdaFunction(s.stack, "upload", {
    placement: s.sovereign,
    functionName: "env-upload",
    zipFile: exampleZip(),
    network,
    key,
    reservedConcurrency: 2,
  });
  const props: HttpApiProps = {
    placement: s.sovereign,
    name: "env-uploads",
    jwtIssuer: "https://login.example.org/realms/p",
    jwtAudience: ["platform"],
    routes: [
      { routeKey: "POST /v1/uploads", function: fn },
      { routeKey: "POST /v1/uploads/put", function: fn },
    ],
    logKey: key,
    ...overrides,
  } as HttpApiProps;
  return { ...s, props, network, key };
}
const values = (json: TfJson, type: string) => Object.values(resourcesOf(json, type));

describe("HttpApi", () => {
  it("puts every route behind the JWT authorizer of the configured issuer and audience", () => {
    const { stack, props, synth } = setup();
    new HttpApi(stack, "api", props);
    const json = synth();
    expect(values(json, "aws_apigatewayv2_authorizer")).toEqual([
      expect.objectContaining({
        authorizer_type: "JWT",
        identity_sources: ["$request.header.Authorization"],
        jwt_configuration: { issuer: "https://login.example.org/realms/p", audience: ["platform"] },
      }),
    ]);
    const routes = values(json, "aws_apigatewayv2_route");
    expect(routes.map((r) => [r.route_key, r.authorization_type, r.authorizer_id])).toEqual([
      ["POST /v1/uploads", "JWT", "${aws_apigatewayv2_authorizer.api_jwt.id}"],
      ["POST /v1/uploads/put", "JWT", "${aws_apigatewayv2_authorizer.api_jwt.id}"],
    ]);
  });

  it("with iamAuthorization, puts every route behind AWS_IAM, makes no authorizer and logs the verified caller", () => {
    const { stack, props, synth } = setup({ jwtIssuer: undefined, jwtAudience: undefined, iamAuthorization: true });
    new HttpApi(stack, "api", props);
    const json = synth();
    expect(values(json, "aws_apigatewayv2_authorizer")).toEqual([]);
    const routes = values(json, "aws_apigatewayv2_route");
    expect(routes.map((r) => [r.route_key, r.authorization_type, r.authorizer_id])).toEqual([
      ["POST /v1/uploads", "AWS_IAM", undefined],
      ["POST /v1/uploads/put", "AWS_IAM", undefined],
    ]);
    const stage = values(json, "aws_apigatewayv2_stage")[0];
    const format = JSON.parse((stage?.access_log_settings as { format?: string } | undefined)?.format ?? "{}");
    expect(format).toMatchObject({ callerArn: "$context.identity.userArn" });
  });

  it("integrates each function once, with an invoke permission scoped to this API", () => {
    const { stack, props, synth } = setup();
    new HttpApi(stack, "api", props);
    const json = synth();
    expect(values(json, "aws_apigatewayv2_integration")).toEqual([
      expect.objectContaining({ integration_type: "AWS_PROXY", payload_format_version: "2.0" }),
    ]);
    expect(values(json, "aws_lambda_permission")).toEqual([
      expect.objectContaining({
        principal: "apigateway.amazonaws.com",
        source_arn: "${aws_apigatewayv2_api.api_api.execution_arn}/*/*",
      }),
    ]);
  });

  it("logs every request as JSON to an encrypted group and throttles", () => {
    const { stack, props, synth } = setup();
    new HttpApi(stack, "api", props);
    const json = synth();
    const stage = values(json, "aws_apigatewayv2_stage")[0];
    expect(stage).toMatchObject({
      name: "$default",
      auto_deploy: true,
      default_route_settings: { throttling_rate_limit: 50, throttling_burst_limit: 100 },
    });
    const logSettings = stage?.access_log_settings as { format: string } | undefined;
    expect(JSON.parse(logSettings?.format ?? "{}")).toMatchObject({
      requestId: "$context.requestId",
      status: "$context.status",
    });
    // No claim of the token (the subject is often an e-mail address) next to the source IP.
    expect(logSettings?.format).not.toMatch(/claims/);
    expect(resourcesOf(json, "aws_cloudwatch_log_group")["api_access-logs_log-group"]).toMatchObject({
      name: "/sip/env-uploads/api-access",
      kms_key_id: "${aws_kms_key.key_key.arn}",
    });
  });

  describe("unauthenticatedHealthRoute", () => {
    it("adds GET /health without authorization, to a function of the health bundle that holds nothing", () => {
      // Prepare
      const { stack, props, synth, network, key } = setup();
      // Act
      new HttpApi(stack, "api", { ...props, unauthenticatedHealthRoute: { zipFile: exampleZip(), network, key } });
      const json = synth();
      // Assess
      const routes = values(json, "aws_apigatewayv2_route");
      expect(routes.map((r) => [r.route_key, r.authorization_type])).toContainEqual(["GET /health", "NONE"]);
      expect(resourcesOf(json, "aws_lambda_function").api_health_function).toMatchObject({
        function_name: "env-uploads-health",
        reserved_concurrent_executions: 2,
        memory_size: 128,
        tags: { "sip:exception": "health-check" },
      });
      expect(resourcesOf(json, "aws_lambda_function").api_health_function).not.toHaveProperty("environment");
      expect(values(json, "aws_apigatewayv2_stage")[0]?.route_settings).toEqual([
        { route_key: "GET /health", throttling_rate_limit: 10, throttling_burst_limit: 20 },
      ]);
    });

    it.each([
      [{ routes: "GET /health" }, /HttpApi\.routes: GET \/health is the unauthenticated health route/],
      [{ throttle: { ratePerSecond: 0, burst: 1 } }, /HttpApi\.unauthenticatedHealthRoute\.throttle/],
    ] as const)("fails when %j", (broken, message) => {
      const { stack, props, network, key } = setup();
      const fn = props.routes[0]?.function;
      if (fn === undefined) throw new Error("no function");
      const health = { zipFile: exampleZip(), network, key };
      const bad =
        "routes" in broken
          ? { ...props, routes: [{ routeKey: broken.routes, function: fn }], unauthenticatedHealthRoute: health }
          : { ...props, unauthenticatedHealthRoute: { ...health, throttle: broken.throttle } };
      expect(() => new HttpApi(stack, "api", bad)).toThrow(message);
    });
  });

  it.each([
    [{ jwtIssuer: "http://login.example.org" }, /HttpApi\.jwtIssuer/],
    [{ jwtAudience: [] }, /HttpApi\.jwtAudience/],
    [{ routes: [] }, /HttpApi\.routes/],
    [
      { iamAuthorization: true },
      /HttpApi\.iamAuthorization: iamAuthorization and jwtIssuer\/jwtAudience exclude each other/,
    ],
  ] as const)("fails when %j", (overrides, message) => {
    const { stack, props } = setup();
    expect(() => new HttpApi(stack, "api", { ...props, ...overrides } as HttpApiProps)).toThrow(message);
  });
});
