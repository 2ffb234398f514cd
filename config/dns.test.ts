import { describe, expect, it } from "vitest";
import { expectOneProblem } from "../test/support/config/problems";
import { exampleInput } from "../test/template";
import { parseDeployment } from "./load";

/** The example configuration with a dns block. */
function withDns(dns: Record<string, unknown>) {
  const input = exampleInput() as ReturnType<typeof exampleInput> & Record<string, unknown>;
  input.dns = { zoneId: "Z0123456789ABCDEFGHIJ", zoneName: "sip.example.org", ...dns };
  return input;
}

describe("the dns block", () => {
  it("defaults the host name and the health check (every checker region)", () => {
    // Act
    const result = parseDeployment(withDns({}));
    // Assess
    expect(result.ok && result.config.dns).toEqual({
      zoneId: "Z0123456789ABCDEFGHIJ",
      zoneName: "sip.example.org",
      apiHostName: "api",
      healthCheck: { requestIntervalSeconds: 30, failureThreshold: 3 },
    });
  });

  it.each([
    [{ zoneId: "/hostedzone/Z0123" }, "dns.zoneId", /is not a Route 53 hosted zone ID\. Fix: copy the zone's ID/],
    [{ zoneName: "sip.example.org." }, "dns.zoneName", /ends with a dot\. Fix: .*without a trailing dot/],
    [{ zoneName: "SIP.example.org" }, "dns.zoneName", /has upper-case letters\. Fix:/],
    [{ zoneName: "localhost" }, "dns.zoneName", /is not a DNS name of two or more labels/],
    [{ apiHostName: "api.v1" }, "dns.apiHostName", /is not a host name label\. Fix: use 2-50 lowercase/],
    [
      { healthCheck: { requestIntervalSeconds: 60 } },
      "dns.healthCheck.requestIntervalSeconds",
      /60 is not an interval Route 53 offers\. Fix: use 10 or 30/,
    ],
    [{ healthCheck: { failureThreshold: 0 } }, "dns.healthCheck.failureThreshold", /at least 1\. Fix: use 1-10/],
    [
      { healthCheck: { regions: ["eu-west-1", "us-east-1"] } },
      "dns.healthCheck.regions",
      /at least three health checker regions .*Fix: add regions/,
    ],
    [
      { healthCheck: { regions: ["eu-west-1", "us-east-1", "eu-central-1"] } },
      "dns.healthCheck.regions[2]",
      /"eu-central-1" is not a Route 53 health checker region\. Fix: use some of ap-northeast-1/,
    ],
    [
      { healthCheck: { regions: ["eu-west-1", "us-east-1", "eu-west-1"] } },
      "dns.healthCheck.regions[2]",
      /region "eu-west-1" is listed twice\. Fix: list each region once/,
    ],
    [
      { zoneName: `${"z".repeat(40)}.example.org` },
      "dns.zoneName",
      /the sovereign API's domain "api-sovereign\.z+\.example\.org" is 66 characters long, more than the 64 .*Fix: use a shorter zone name or apiHostName/,
    ],
  ])("fails when %j", (dns, path, message) => {
    expectOneProblem(withDns(dns), path, message);
  });

  it("fails when no upload API is deployed to give the domain", () => {
    // Prepare
    const input = withDns({});
    input.upload = { oidc: input.upload.oidc };
    for (const field of ["documents", "signing", "subjectRequests"]) delete (input as Record<string, unknown>)[field];
    delete input.crossPartition?.standby; // the standby serves the image pipeline's replicas
    // Act / Assess
    expectOneProblem(input, "dns", /no upload API is deployed\. Fix: configure upload\.dataClasses/);
  });
});
