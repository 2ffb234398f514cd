/**
 * The authorization review (cdktf.out/review/authorization.md and .json) of the example, and what it
 * shows when a policy is weakened: a reviewer sees the abuse case turn ALLOWED in the pull request.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { synthDeployment, validConfig } from "../../test/template";
import type { Simulate } from "../authz/judge";
import { authorizationJson, authorizationMarkdown, authorizationReview } from "../authz/review";
import { templateOf } from "../core/template";

const simulate = runSimulation as unknown as Simulate;
const { json } = synthDeployment(validConfig());

describe("the authorization review of the example", () => {
  it("lists every role with its purpose, requests, trust and reach, and every abuse case denied", async () => {
    // Act
    const review = await authorizationReview(templateOf(json, "example"), simulate, "test simulator");

    // Assess
    const uploads = review.roles.filter((r) => r.kind === "upload-function");
    expect(uploads.map((r) => r.name)).toEqual(["example-document-upload-function", "example-upload-function"]);
    for (const [upload, bucket] of [
      [uploads[0], "example-documents-original-111111111111"],
      [uploads[1], "example-avatars-original-111111111111"],
    ] as const) {
      expect(upload?.calls).toContain("presigned-url S3 PutObject");
      expect(upload?.trustedBy).toEqual(["Service: lambda.amazonaws.com (with conditions)"]);
      expect(upload?.reach.flatMap((x) => x.resources)).toContain(`s3 ${bucket}/* (aws-eusc)`);
    }
    expect(review.roles.map((r) => r.kind).filter((k) => k !== null)).toEqual(
      expect.arrayContaining([
        "upload-function",
        "scrub-function",
        "sync-function",
        "cross-partition-role",
        "logical-tenant-role",
      ]),
    );
    expect(review.abuse.length).toBeGreaterThanOrEqual(20);
    expect(review.abuse.filter((a) => a.outcome !== "denied")).toEqual([]);
    // The document pipeline's roles face the same abuse as the image pipeline's, against their own buckets.
    expect(review.abuse.filter((a) => a.id.startsWith("documents:")).map((a) => a.id)).toEqual(
      expect.arrayContaining([
        "documents:browser-read",
        "documents:download-original",
        "documents:signing-evidence-delete",
        "documents:scrub-outside-prefixes",
      ]),
    );
    expect(authorizationMarkdown([review])).toMatch(
      new RegExp(`${review.abuse.length} of ${review.abuse.length} denied`),
    );
  });

  it("says per tenant what its tier isolates, from the resources: every tenant's uploads under its own key and role", async () => {
    const review = await authorizationReview(templateOf(json, "example"), undefined, "s");
    expect(review.tenants.map((t) => [t.tenant, t.tier, t.ownPrincipal])).toEqual([
      ["acme-health", "account", true],
      ["bergstadt", "vpc", true],
      ["kleinverein", "logical", true],
    ]);
    expect(authorizationMarkdown([review])).toMatch(
      /\| acme-health \| account \| yes \| yes \| its uploads, clean and quarantined copies are written by its own role under its own key/,
    );
  });

  it("is byte-identical from run to run", async () => {
    const once = authorizationJson([await authorizationReview(templateOf(json, "example"), simulate, "s")]);
    const twice = authorizationJson([
      await authorizationReview(templateOf(structuredClone(json), "example"), simulate, "s"),
    ]);
    expect(twice).toBe(once);
  });

  it("shows ALLOWED where a bucket policy is weakened (the upload roles' outside-the-endpoint limit removed)", async () => {
    // Prepare
    const weakened = structuredClone(json);
    const policy = weakened.resource?.aws_s3_bucket_policy?.["sovereign-bucket-avatars-original_policy"];
    if (policy === undefined) throw new Error("the example has no originals bucket policy");
    const document = JSON.parse(String(policy.policy)) as { Statement: { Sid: string }[] };
    document.Statement = document.Statement.filter((s) => s.Sid !== "UploadRolesOnlyUploadOutsideVpcEndpoint");
    policy.policy = JSON.stringify(document);

    // Act
    const review = await authorizationReview(templateOf(weakened, "example"), simulate, "s");

    // Assess
    expect(review.abuse.filter((a) => a.outcome === "ALLOWED").map((a) => a.id)).toEqual([
      "browser-read",
      "browser-tag",
    ]);
    expect(authorizationMarkdown([review])).toMatch(/\| example-upload-function \| ALLOWED \|/);
  });

  it("says why the abuse matrix was not evaluated when the simulator is missing", async () => {
    const review = await authorizationReview(
      templateOf(json, "example"),
      undefined,
      "@cloud-copilot/iam-simulate is not installed",
    );
    expect(new Set(review.abuse.map((a) => a.outcome))).toEqual(new Set(["not evaluated"]));
    expect(review.abuse[0]?.detail).toBe("@cloud-copilot/iam-simulate is not installed");
  });
});
