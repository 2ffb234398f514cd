import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { canonicalize } from "../evidence/canonical";
import {
  RequestEvidenceError,
  type RequestOutcome,
  requestCertificateKey,
  requestEvidence,
  type SubjectRequest,
} from "./certificate";
import type { ErasureReport, PlaceReport } from "./erase";
import type { ExportResult } from "./export";

const subject = { tenant: "acme", pseudonym: "3f9c0a1b2c3d4e5f60718293a4b5c6d7" };
const hex = (c: string) => c.repeat(64);
const erase: SubjectRequest = {
  id: "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
  ...subject,
  kind: "erase",
  requestedBy: "ops-anna@example.org",
  reason: "GDPR art. 17 request of 2026-01-01, ticket 4711",
  requestedAt: "2026-01-02T09:00:00.000Z",
  approvedBy: "ops-bert@example.org",
  approvedAt: "2026-01-02T10:30:00.000Z",
};
const completedAt = new Date("2026-01-02T11:00:00.000Z");

function place(overrides: Partial<PlaceReport> = {}): PlaceReport {
  return {
    name: "originals",
    bucket: "example-originals",
    prefixes: ["acme/3f9c0a1b2c3d4e5f60718293a4b5c6d7/"],
    erased: [
      {
        key: "acme/3f9c0a1b2c3d4e5f60718293a4b5c6d7/a",
        versionId: "v1",
        sizeBytes: 3,
        sha256: hex("a"),
        deleteMarker: false,
      },
      {
        key: "acme/3f9c0a1b2c3d4e5f60718293a4b5c6d7/a",
        versionId: "v2",
        sizeBytes: 0,
        sha256: null,
        deleteMarker: true,
      },
    ],
    held: [
      {
        key: "acme/3f9c0a1b2c3d4e5f60718293a4b5c6d7/b",
        versionId: "v3",
        retainUntil: "2026-02-01T00:00:00.000Z",
        mode: "COMPLIANCE",
        legalHold: false,
      },
    ],
    confirmed: true,
    remaining: [],
    ...overrides,
  };
}

const report = (places: PlaceReport[] = [place()]): ErasureReport => ({ subject, dryRun: false, places });
const erased = (r: ErasureReport = report()): RequestOutcome => ({ kind: "erase", erasure: r });

const exportResult: ExportResult = {
  manifest: {
    subject,
    versions: [
      {
        place: "clean",
        bucket: "example-clean",
        key: "acme/3f9c0a1b2c3d4e5f60718293a4b5c6d7/a",
        versionId: "v1",
        sizeBytes: 3,
        sha256: hex("b"),
        lastModified: "2026-01-01T00:00:00.000Z",
      },
    ],
  },
  archive: { bucket: "example-exports", key: "exports/acme/x/r.zip", sizeBytes: 400, sha256: hex("c") },
  url: "https://example/exports/acme/x/r.zip?X-Amz-Signature=…",
  expiresAt: "2026-01-02T11:05:00.000Z",
};

function refusal(run: () => unknown): { field: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof RequestEvidenceError) return { field: error.field, message: error.message };
    throw error;
  }
  throw new Error("not refused");
}

describe("requestEvidence", () => {
  it("records an erasure: the request, its approval, and per place what was erased and what is held", () => {
    // Act
    const document = requestEvidence(erase, erased(), completedAt);
    // Assess
    expect(document).toEqual({
      type: "data-subject-request",
      request: erase,
      erasure: {
        places: [
          {
            name: "originals",
            bucket: "example-originals",
            erased: 2,
            erasedVersions: [
              { key: "acme/3f9c0a1b2c3d4e5f60718293a4b5c6d7/a", versionId: "v1", sha256: hex("a") },
              { key: "acme/3f9c0a1b2c3d4e5f60718293a4b5c6d7/a", versionId: "v2", sha256: null },
            ],
            held: [
              {
                key: "acme/3f9c0a1b2c3d4e5f60718293a4b5c6d7/b",
                versionId: "v3",
                retainUntil: "2026-02-01T00:00:00.000Z",
                mode: "COMPLIANCE",
                legalHold: false,
              },
            ],
            confirmed: true,
          },
        ],
      },
      completedAt: "2026-01-02T11:00:00.000Z",
    });
  });

  it("records an export: the archive, the hash of its manifest.json and the number of versions, not the URL", () => {
    // Act
    const document = requestEvidence(
      { ...erase, kind: "export" },
      { kind: "export", export: exportResult },
      completedAt,
    );
    // Assess
    expect(document.export).toEqual({
      archive: exportResult.archive,
      manifestSha256: createHash("sha256").update(canonicalize(exportResult.manifest)).digest("hex"),
      versions: 1,
    });
    expect(JSON.stringify(document)).not.toContain("X-Amz-Signature");
  });

  it.each([
    ["a self-approval", { approvedBy: erase.requestedBy }, "request.approvedBy"],
    ["a self-approval in other case and spacing", { approvedBy: " OPS-Anna@example.org" }, "request.approvedBy"],
    ["an approval before the request", { approvedAt: "2026-01-02T08:59:59.999Z" }, "request.approvedAt"],
    ["a missing reason", { reason: " " }, "request.reason"],
    ["a time that is not ISO 8601 UTC", { requestedAt: "2 Jan 2026" }, "request.requestedAt"],
    ["an ID that is not a UUID", { id: "../other" }, "request.id"],
    ["a pseudonym that is no key segment", { pseudonym: "x/y" }, "request.pseudonym"],
    ["a kind that does not match the outcome", { kind: "export" as const }, "outcome.kind"],
    ["a reason without a canonical form", { reason: "lone \ud800" }, "request.reason"],
  ])("refuses %s, naming the field", (_what, change, field) => {
    expect(refusal(() => requestEvidence({ ...erase, ...change }, erased(), completedAt)).field).toBe(field);
  });

  it.each([
    ["a place that stopped", place({ confirmed: false, remaining: null, error: "ListObjectVersions: NoSuchBucket" })],
    [
      "a place with versions left that are not held",
      place({ confirmed: false, remaining: [{ key: "k", versionId: "v", deleteMarker: false }] }),
    ],
  ])("refuses an erasure with %s", (_what, unconfirmed) => {
    const refused = refusal(() => requestEvidence(erase, erased(report([place(), unconfirmed])), completedAt));
    expect(refused.field).toBe("erasure.places[1]");
    expect(refused.message).toMatch(/not confirmed/);
  });

  it("refuses a dry run, another subject's report, a completion before the approval and a size without canonical form", () => {
    expect(refusal(() => requestEvidence(erase, erased({ ...report(), dryRun: true }), completedAt)).field).toBe(
      "erasure.dryRun",
    );
    const other = { ...report(), subject: { ...subject, pseudonym: "other" } };
    expect(refusal(() => requestEvidence(erase, erased(other), completedAt)).field).toBe("erasure.subject");
    expect(refusal(() => requestEvidence(erase, erased(), new Date("2026-01-02T10:00:00Z"))).field).toBe("completedAt");
    const archive = { ...exportResult.archive, sizeBytes: 1.5 };
    const exported: RequestOutcome = { kind: "export", export: { ...exportResult, archive } };
    expect(refusal(() => requestEvidence({ ...erase, kind: "export" }, exported, completedAt)).field).toBe(
      "export.archive.sizeBytes",
    );
  });

  it("keys the certificate by tenant, pseudonym and request ID under requests/", () => {
    expect(requestCertificateKey(erase)).toBe(`requests/acme/${subject.pseudonym}/${erase.id}.json`);
  });

  it("gives a follow-up run its own key, and refuses an attempt that is not a positive whole number", () => {
    expect(requestCertificateKey(erase, 1)).toBe(`requests/acme/${subject.pseudonym}/${erase.id}.json`);
    expect(requestCertificateKey(erase, 2)).toBe(`requests/acme/${subject.pseudonym}/${erase.id}.2.json`);
    for (const attempt of [0, -1, 1.5, Number.NaN])
      expect(refusal(() => requestCertificateKey(erase, attempt)).field).toBe("attempt");
  });
});
