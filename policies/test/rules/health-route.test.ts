import { describe, expect, it } from "vitest";
import { RouteAuthorization } from "../../rules/apigatewayv2/RouteAuthorization";
import { evaluate, exampleConfig, fixture } from "../harness";

const violations = async (file: string) => {
  const result = await evaluate(RouteAuthorization, fixture(file), exampleConfig());
  return result.kind === "NonCompliant" ? result.violations : [];
};

describe("SIP-APIGW-1 named exception health-check", () => {
  it("accepts GET /health without authorization to a function that holds nothing and may do only the basics", async () => {
    // Act
    const list = await violations("apigatewayv2/RouteAuthorization/health-route-accepted.tf.json");
    // Assess
    expect(list.map((v) => [v.address, v.acceptedBecause])).toEqual([
      [
        "aws_apigatewayv2_route.health",
        expect.stringMatching(/^named exception health-check: Route 53's health checkers/),
      ],
    ]);
  });

  it("says why a route that claims it is not the exception", async () => {
    // Act
    const list = await violations("apigatewayv2/RouteAuthorization/noncompliant-5.tf.json");
    // Assess
    expect(list.every((v) => v.acceptedBecause === undefined)).toBe(true);
    expect(Object.fromEntries(list.map((v) => [v.address, v.detail]))).toEqual({
      "aws_apigatewayv2_route.health-env": expect.stringMatching(
        /not the named exception health-check: .*has environment variables/,
      ),
      "aws_apigatewayv2_route.health-reads": expect.stringMatching(
        /may s3:GetObject \(aws_iam_role_policy\.health-reads\)/,
      ),
      "aws_apigatewayv2_route.health-untagged": expect.stringMatching(/is not tagged sip:exception = health-check/),
      "aws_apigatewayv2_route.status": "authorization_type is NONE",
    });
  });
});
