/**
 * Behavioural tests of the reusable bucket-policy scenarios (scenarios.ts) on fixture policies,
 * with the IAM simulator (dev dependency only): a complete policy passes every scenario, and each
 * policy that lacks one control is caught by exactly the scenario for it. The platform's own
 * policies are run through the same scenarios in platform-bucket-policies.test.ts.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { allow, type BucketPolicySubject, decide, judgeBucketPolicy, type Simulate } from "./scenarios";

const simulate = runSimulation as unknown as Simulate;
const BUCKET = "arn:aws-eusc:s3:::example-identity-111111111111";
const VPCE = "vpce-0123456789abcdef0";

type Statement = Record<string, unknown>;
const tlsOnly: Statement = {
  Sid: "TlsOnly",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [BUCKET, `${BUCKET}/*`],
  Condition: { Bool: { "aws:SecureTransport": "false" } },
};
const endpointOnly: Statement = {
  Sid: "VpcEndpointOnly",
  Effect: "Deny",
  Principal: "*",
  Action: "s3:*",
  Resource: [BUCKET, `${BUCKET}/*`],
  Condition: { StringNotEquals: { "aws:SourceVpce": VPCE } },
};
const ownTenantOnly: Statement = {
  Sid: "OwnTenantPrefixOnly",
  Effect: "Deny",
  Principal: "*",
  Action: ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
  NotResource: `${BUCKET}/\${aws:PrincipalTag/Tenant}/*`,
};
const policy = (...statements: Statement[]) => ({ Version: "2012-10-17", Statement: statements });

function subject(bucketPolicy: unknown): BucketPolicySubject {
  return {
    bucketPolicy,
    bucketArn: BUCKET,
    accountId: "111111111111",
    vpcEndpointId: VPCE,
    workloadRoleArn: "arn:aws-eusc:iam::111111111111:role/example-scrub",
    tenant: "acme-health",
    otherTenant: "bergstadt",
    commercialRoleArn: "arn:aws:iam::222222222222:role/example-failover-sync",
  };
}

describe("bucket policy scenarios", () => {
  it("allow the own tenant through the endpoint and deny everything else for a complete policy", async () => {
    // Prepare
    const s = subject(policy(tlsOnly, endpointOnly, ownTenantOnly));
    // Act
    const verdicts = await judgeBucketPolicy(simulate, s);
    // Assess
    expect(Object.fromEntries(Object.entries(verdicts).map(([k, v]) => [k, v.outcome]))).toEqual({
      "own-tenant-through-endpoint": "allowed",
      "cross-tenant": "denied",
      "outside-vpc-endpoint": "denied",
      "insecure-transport": "denied",
      "commercial-role": "denied",
    });
    expect(verdicts["cross-tenant"].decision).toBe("ExplicitlyDenied");
    expect(verdicts["commercial-role"].decision).toBe("DeniedAcrossPartitions");
  });

  it.each([
    ["cross-tenant", policy(tlsOnly, endpointOnly)],
    ["outside-vpc-endpoint", policy(tlsOnly, ownTenantOnly)],
    ["insecure-transport", policy(endpointOnly, ownTenantOnly)],
  ] as const)("detect the missing control when %s access is not denied", async (scenario, weak) => {
    const verdicts = await judgeBucketPolicy(simulate, subject(weak));
    const leaks = Object.entries(verdicts)
      .filter(([, v]) => v.outcome !== v.expected)
      .map(([k]) => k);
    expect(leaks).toEqual([scenario]);
  });
});

describe("the simulator's partition blind spot", () => {
  it("allows a commercial principal whose account number collides, which decide() denies", async () => {
    // Prepare: the commercial partition may reuse the account number of the sovereign account.
    const input = {
      request: {
        principal: "arn:aws:iam::111111111111:role/example-failover-sync",
        action: "s3:GetObject",
        resource: { resource: `${BUCKET}/acme-health/avatar.jpg`, accountId: "111111111111" },
        contextVariables: { "aws:SecureTransport": "true", "aws:SourceVpce": VPCE },
      },
      identityPolicies: [allow("s3:GetObject", `${BUCKET}/*`)],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: policy(tlsOnly, endpointOnly),
    };
    // Act
    const raw = await runSimulation(input, {});
    const decided = await decide(simulate, input);
    // Assess
    expect(raw.resultType === "error" ? "error" : raw.overallResult).toBe("Allowed");
    expect(decided).toBe("DeniedAcrossPartitions");
  });
});
