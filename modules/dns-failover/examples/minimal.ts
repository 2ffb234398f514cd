import type { ExampleStack } from "../../../stacks/example-stack";
import { ApiDomain } from "../../api-domain";
import { exampleApi, exampleZone } from "../../api-domain/examples/minimal";
import { DnsFailover } from "..";

/**
 * api.sip.example.org: PRIMARY the sovereign API (health-checked through api-sovereign.sip.example.org),
 * SECONDARY a commercial standby API; zone, check and records in the commercial partition's Route 53.
 */
export function example(stack: ExampleStack): void {
  const zone = exampleZone(stack);
  const sovereignApi = exampleApi(stack, stack.sovereign, "example-sovereign", "10.10.0.0/16");
  const standbyApi = exampleApi(stack, stack.commercial, "example-standby", "10.40.0.0/16");
  new DnsFailover(stack, "failover", {
    zone,
    hostName: "api",
    primary: new ApiDomain(stack, "sovereign-domain", { api: sovereignApi, zone, hostName: "api" }),
    primaryHealthDomain: new ApiDomain(stack, "sovereign-own-domain", {
      api: sovereignApi,
      zone,
      hostName: "api-sovereign",
      cnameRecord: true,
    }),
    secondary: new ApiDomain(stack, "standby-domain", { api: standbyApi, zone, hostName: "api" }),
    healthCheck: { requestIntervalSeconds: 30, failureThreshold: 3, regions: ["eu-west-1", "us-east-1", "us-west-2"] },
  });
}
