/**
 * The platform's own bucket policies, as synthesized for the example configuration, against the
 * reusable scenarios: own tenant through the VPC endpoint allowed; another tenant's prefix, access
 * outside the endpoint, plain HTTP and a commercial-partition role denied.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { synthDeployment, validConfig } from "../../../test/template";
import { judgeBucketPolicy, type Simulate } from "./scenarios";

const simulate = runSimulation as unknown as Simulate;
const { json } = synthDeployment(validConfig());
const resources = json.resource ?? {};

/** What Terraform would put in place of the references, for the simulator. */
function concrete(policy: string): unknown {
  const replaced = policy
    .replace(
      /\$\{aws_s3_bucket\.([\w-]+)\.arn\}/g,
      (_, name: string) => `arn:aws-eusc:s3:::${String(resources.aws_s3_bucket?.[name]?.bucket)}`,
    )
    .replace(
      /\$\{aws_kms_key\.([\w-]+)\.arn\}/g,
      (_, name: string) => `arn:aws-eusc:kms:eusc-de-east-1:111111111111:key/${name}`,
    )
    .replace(/\$\{aws_vpc_endpoint\.([\w-]+)\.id\}/g, (_, name: string) => `vpce-${name}`)
    .replace(/\$\$\{/g, "${");
  return JSON.parse(replaced);
}

const dataBuckets = Object.entries(resources.aws_s3_bucket_policy ?? {})
  .filter(([name]) => name.startsWith("sovereign-bucket-"))
  .map(([name, r]) => ({
    name,
    policy: r.policy as string,
    bucket: String(resources.aws_s3_bucket?.[name.replace(/_policy$/, "_bucket")]?.bucket),
  }));

describe("the platform's sovereign bucket policies", () => {
  it("exist for every sovereign data bucket", () => {
    expect(dataBuckets.map((b) => b.name).sort()).toEqual([
      "sovereign-bucket-avatars-clean_policy",
      "sovereign-bucket-avatars-original_policy",
      "sovereign-bucket-config_policy",
      "sovereign-bucket-documents-clean_policy",
      "sovereign-bucket-documents-original_policy",
      "sovereign-bucket-evidence_policy",
      "sovereign-bucket-identity_policy",
    ]);
  });

  it.each(dataBuckets)(
    "deny cross-tenant, off-endpoint, plain-HTTP and commercial access ($name)",
    async ({ policy, bucket }) => {
      // Prepare
      const bucketPolicy = concrete(policy);
      // Act
      const verdicts = await judgeBucketPolicy(simulate, {
        bucketPolicy,
        bucketArn: `arn:aws-eusc:s3:::${bucket}`,
        accountId: "111111111111",
        vpcEndpointId: "vpce-sovereign-network_s3-gateway",
        workloadRoleArn: "arn:aws-eusc:iam::111111111111:role/example-scrub",
        tenant: "acme-health",
        otherTenant: "bergstadt",
        commercialRoleArn: "arn:aws:iam::222222222222:role/example-failover-sync",
      });
      // Assess
      expect(Object.fromEntries(Object.entries(verdicts).map(([k, v]) => [k, v.outcome]))).toEqual({
        "own-tenant-through-endpoint": "allowed",
        "cross-tenant": "denied",
        "outside-vpc-endpoint": "denied",
        "insecure-transport": "denied",
        "commercial-role": "denied",
      });
    },
  );
});
