import type { ExampleStack } from "../../../stacks/example-stack";
import { HostedZone } from "../../dns-failover";
import { HttpApi } from "../../http-api";
import { KmsKey } from "../../kms-key";
import { LambdaFunction } from "../../lambda-function";
import { exampleZip } from "../../lambda-function/examples/minimal";
import { Network } from "../../network";
import type { Placement } from "../../placement";
import { ApiDomain } from "..";

/** An HTTP API with one JWT route on one side (for the domain examples and tests). */
export function exampleApi(stack: ExampleStack, placement: Placement, name: string, vpcCidr: string): HttpApi {
  const key = new KmsKey(stack, `${name}-key`, { placement, aliasName: `example/${name}`, description: name });
  const network = new Network(stack, `${name}-network`, {
    placement,
    name,
    vpcCidr,
    availabilityZones: [`${placement.region}a`, `${placement.region}b`],
    allowedAccountIds: [placement.accountId],
    logKey: key,
  });
  const fn = new LambdaFunction(stack, `${name}-read`, {
    placement,
    functionName: `${name}-read`,
    zipFile: exampleZip(),
    network,
    key,
    reservedConcurrency: 2,
  });
  return new HttpApi(stack, `${name}-api`, {
    placement,
    name,
    jwtIssuer: "https://login.example.org/realms/platform",
    jwtAudience: ["sovereign-identity-platform"],
    routes: [{ routeKey: "GET /v1/objects", function: fn }],
    logKey: key,
  });
}

/** The public zone of the commercial partition's Route 53 (looked up by ID). */
export const exampleZone = (stack: ExampleStack): HostedZone =>
  new HostedZone(stack, "zone", {
    placement: stack.commercial,
    zoneId: "Z0123456789ABCDEFGHIJ",
    zoneName: "sip.example.org",
  });

/** The sovereign API at https://api-sovereign.sip.example.org, its certificate validated in the commercial zone. */
export function example(stack: ExampleStack): void {
  const api = exampleApi(stack, stack.sovereign, "example-sovereign", "10.10.0.0/16");
  new ApiDomain(stack, "domain", { api, zone: exampleZone(stack), hostName: "api-sovereign", cnameRecord: true });
}
