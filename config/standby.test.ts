import { describe, expect, it } from "vitest";
import { expectOneProblem } from "../test/support/config/problems";
import { exampleInput } from "../test/template";
import { parseDeployment } from "./load";
import { outageUploadsOf } from "./standby";

/** The example configuration (which has a standby) with its standby block changed. */
function withStandby(change: (standby: Record<string, unknown>) => void) {
  const input = exampleInput();
  const standby = (input.crossPartition as { standby: Record<string, unknown> }).standby;
  change(standby);
  return input;
}

describe("the crossPartition.standby block", () => {
  it("defaults the download lifetime to 300 s and keeps its own authorizer configuration", () => {
    // Act
    const result = parseDeployment(withStandby((s) => delete s.downloadExpirySeconds));
    // Assess
    expect(result.ok && result.config.crossPartition?.standby).toEqual({
      oidc: { issuer: "https://login.example.org/realms/platform", audience: "sovereign-identity-platform" },
      downloadExpirySeconds: 300,
      network: { vpcCidr: "10.40.0.0/16", availabilityZones: ["eu-central-1a", "eu-central-1b"] },
      outageUploads: { retentionDays: 14 },
    });
  });

  it.each([
    [(s: Record<string, unknown>) => delete s.oidc, "crossPartition.standby.oidc", /required but missing/],
    [
      (s: Record<string, unknown>) => {
        s.oidc = { issuer: "http://login.example.org", audience: "a" };
      },
      "crossPartition.standby.oidc.issuer",
      /must be an https URL\. Fix:/,
    ],
    [
      (s: Record<string, unknown>) => {
        s.downloadExpirySeconds = 600;
      },
      "crossPartition.standby.downloadExpirySeconds",
      /at most 300: pre-signed downloads are short-lived\. Fix: use 10-300/,
    ],
    [
      (s: Record<string, unknown>) => {
        s.network = { vpcCidr: "10.40.0.0/16", availabilityZones: ["eu-central-1a", "eusc-de-east-1b"] };
      },
      "crossPartition.standby.network.availabilityZones[1]",
      /is not in the commercial region eu-central-1\. Fix: use zones such as "eu-central-1a"/,
    ],
    [
      (s: Record<string, unknown>) => {
        s.uploads = true;
      },
      "crossPartition.standby.uploads",
      /unknown field "uploads"/,
    ],
  ])("fails on a broken field (%#), naming it and the fix", (change, path, message) => {
    expectOneProblem(withStandby(change), path, message);
  });

  it("fails when the class it would serve does not cross partitions", () => {
    // Prepare
    const input = exampleInput();
    (input.dataClasses["avatars-clean"] as { allowCrossPartition?: boolean }).allowCrossPartition = false;
    delete (input.crossPartition as { standby: Record<string, unknown> }).standby.outageUploads;
    // Act / Assess
    expectOneProblem(
      input,
      "crossPartition.standby",
      /upload\.cleanDataClass "avatars-clean", which does not cross partitions.*Fix: set allowCrossPartition on data class "avatars-clean", or remove crossPartition\.standby/,
    );
  });

  it("fails when no upload pipeline gives it objects to serve", () => {
    // Prepare
    const input = exampleInput();
    input.upload.dataClasses = [];
    delete input.upload.cleanDataClass;
    delete (input as { dns?: unknown }).dns;
    delete (input.crossPartition as { standby: Record<string, unknown> }).standby.outageUploads;
    // Act / Assess
    expectOneProblem(input, "crossPartition.standby", /no upload pipeline is deployed\. Fix: configure upload/);
  });
});

describe("the crossPartition.standby.outageUploads block", () => {
  const outage = (input: ReturnType<typeof exampleInput>) =>
    (input.crossPartition as { standby: { outageUploads: Record<string, unknown> } }).standby.outageUploads;

  it("resolves the inbox's class and retention: the upload class, and its retentionDays when none is given", () => {
    // Prepare
    const input = exampleInput();
    delete outage(input).retentionDays;
    // Act
    const result = parseDeployment(input);
    // Assess
    expect(result.ok && outageUploadsOf(result.config)).toEqual({ dataClass: "avatars-original", retentionDays: 30 });
    const example = parseDeployment(exampleInput());
    expect(example.ok && outageUploadsOf(example.config)).toEqual({
      dataClass: "avatars-original",
      retentionDays: 14,
    });
  });

  it("is off without the block", () => {
    const input = exampleInput();
    delete (input.crossPartition as { standby: Record<string, unknown> }).standby.outageUploads;
    const result = parseDeployment(input);
    expect(result.ok && outageUploadsOf(result.config)).toBeUndefined();
  });

  it.each([
    [0, /outageUploads\.retentionDays must be at least 1\. Fix: use 1 or more/],
    [1.5, /outageUploads\.retentionDays must be a whole number of days\. Fix:/],
    [
      31,
      /outageUploads\.retentionDays 31 is longer than the retentionDays \(30\) of upload class "avatars-original".*Fix: use 1-30, or leave it out for 30/,
    ],
  ])("fails on retentionDays %s, naming the field and the fix", (days, message) => {
    const input = exampleInput();
    outage(input).retentionDays = days;
    expectOneProblem(input, "crossPartition.standby.outageUploads.retentionDays", message);
  });

  it("fails on an unknown field", () => {
    const input = exampleInput();
    outage(input).dataClass = "avatars-original";
    expectOneProblem(input, "crossPartition.standby.outageUploads.dataClass", /unknown field "dataClass"/);
  });

  it("fails without the cross-partition sync whose failback brings the uploads home, next to the standby's problem", () => {
    // Prepare
    const input = exampleInput();
    (input.dataClasses["avatars-clean"] as { allowCrossPartition?: boolean }).allowCrossPartition = false;
    // Act
    const result = parseDeployment(input);
    // Assess
    expect(result.ok).toBe(false);
    const problems = result.ok ? [] : result.problems.filter((p) => p.path === "crossPartition.standby.outageUploads");
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(
      /needs the cross-partition sync of upload\.cleanDataClass "avatars-clean", whose failback brings the uploads home.*Fix: set allowCrossPartition on data class "avatars-clean", or remove outageUploads/,
    );
  });

  it("fails without an upload pipeline whose uploads it would accept", () => {
    // Prepare
    const input = exampleInput();
    input.upload.dataClasses = [];
    delete input.upload.cleanDataClass;
    delete (input as { dns?: unknown }).dns;
    // Act
    const result = parseDeployment(input);
    // Assess
    const problems = result.ok ? [] : result.problems.filter((p) => p.path === "crossPartition.standby.outageUploads");
    expect(problems.map((p) => p.message)).toEqual([
      expect.stringMatching(
        /no upload pipeline is deployed\. Fix: configure upload\.dataClasses and upload\.cleanDataClass, or remove outageUploads/,
      ),
    ]);
  });

  it("accepts one upload class only (the inbox holds that class): a second is refused by upload.dataClasses", () => {
    const input = exampleInput();
    input.upload.dataClasses = ["avatars-original", "documents-original"];
    const result = parseDeployment(input);
    expect(result.ok ? [] : result.problems.filter((p) => p.path === "upload.dataClasses")).toEqual([
      expect.objectContaining({ message: expect.stringMatching(/one upload data class is supported/) }),
    ]);
  });
});
