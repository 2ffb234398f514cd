import type { ExampleStack } from "../../../stacks/example-stack";
import { KmsKey } from "../../kms-key";
import { LambdaFunction } from "../../lambda-function";
import { exampleZip } from "../../lambda-function/examples/minimal";
import { Network } from "../../network";
import { HttpApi } from "..";

/** The upload API: POST /v1/uploads behind an OIDC JWT authorizer, into a private function. */
export function example(stack: ExampleStack): void {
  const placement = stack.sovereign;
  const key = new KmsKey(stack, "key", { placement, aliasName: "example/api", description: "example: api" });
  const network = new Network(stack, "network", {
    placement,
    name: "example",
    vpcCidr: "10.10.0.0/16",
    availabilityZones: ["eusc-de-east-1a", "eusc-de-east-1b"],
    allowedAccountIds: [placement.accountId],
    logKey: key,
  });
  const upload = new LambdaFunction(stack, "upload", {
    placement,
    functionName: "example-upload",
    zipFile: exampleZip(),
    network,
    key,
    reservedConcurrency: 10,
  });
  new HttpApi(stack, "api", {
    placement,
    name: "example-uploads",
    jwtIssuer: "https://login.example.org/realms/platform",
    jwtAudience: ["sovereign-identity-platform"],
    routes: [{ routeKey: "POST /v1/uploads", function: upload }],
    logKey: key,
    allowedOrigins: ["https://app.example.org"],
  });
}
