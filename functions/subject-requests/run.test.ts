import type { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import type { RequestRecord } from "./request";
import { placesOf } from "./run";

const SOVEREIGN = "0123456789abcdef0123456789abcdef";
const STANDBY = "fedcba9876543210fedcba9876543210";
const client = {} as S3Client;
const request: RequestRecord = {
  id: "4a5139e2-1621-4a30-b703-85ba374f970b",
  tenant: "acme",
  pseudonym: SOVEREIGN,
  standbyPseudonym: STANDBY,
  kind: "erase",
  reason: "GDPR art. 17",
  requestedBy: "anna",
  requestedAt: "2026-12-07T10:00:00.000Z",
};
const places = [
  { name: "clean", bucket: "clean", client },
  { name: "commercial-failover", bucket: "failover", client, partition: "commercial" as const },
];

describe("the places of a request's run", () => {
  it("reaches sovereign places by the sovereign pseudonym and commercial ones by the standby pseudonym only", () => {
    // Act
    const [clean, failover] = placesOf(request, places);
    // Assess
    expect(clean?.prefixes).toEqual([`acme/${SOVEREIGN}/`, `quarantine/acme/${SOVEREIGN}/`]);
    expect(failover?.prefixes).toEqual([`acme/${STANDBY}/`, `quarantine/acme/${STANDBY}/`]);
    expect(failover?.subject).toEqual({ tenant: "acme", pseudonym: STANDBY });
    expect(JSON.stringify(failover)).not.toContain(SOVEREIGN);
  });

  it("reaches the subject's standby index records in the bucket that holds the sync's index", () => {
    // Act
    const reached = placesOf(request, [{ name: "clean", bucket: "clean", client, standbyIndex: true }]);
    // Assess
    expect(reached.map((p) => [p.name, p.prefixes, p.subject?.pseudonym])).toEqual([
      [
        "clean",
        [`acme/${SOVEREIGN}/`, `quarantine/acme/${SOVEREIGN}/`, `sip-sync-records/by-sovereign/acme/${SOVEREIGN}/`],
        undefined,
      ],
      ["clean-standby-index", [`sip-sync-records/by-standby/acme/${STANDBY}/`], STANDBY],
    ]);
  });

  it("fails a request without a standby pseudonym when a place is commercial, naming the place and the fix", () => {
    // Prepare
    const { standbyPseudonym: _, ...older } = request;
    // Act and assess
    expect(() => placesOf(older, places)).toThrow(
      /has no standby pseudonym, but commercial-failover is in the commercial partition.*create the request again/,
    );
    expect(placesOf(older, places.slice(0, 1))).toHaveLength(1);
  });
});
