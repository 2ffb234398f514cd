import { describe, expect, it } from "vitest";
import { expectOneProblem } from "../test/support/config/problems";
import { exampleInput } from "../test/template";
import { parseDeployment } from "./load";

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
    // Act / Assess
    expectOneProblem(input, "crossPartition.standby", /no upload pipeline is deployed\. Fix: configure upload/);
  });
});
