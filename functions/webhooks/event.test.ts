import { describe, expect, it } from "vitest";
import { DOCUMENT_REJECT_REASONS } from "../document-scrub/errors";
import { REJECT_REASONS } from "../image-scrub/errors";
import { CLAIM_SEGMENT } from "../shared/object-keys";
import {
  parseWebhookEvent,
  REASON_CODE,
  serializeWebhookEvent,
  TENANT_SEGMENT,
  toWebhookEvent,
  WebhookEventError,
  webhookEvent,
} from "./event";

const OBJECT_ID = "0f8fad5b-d9cb-469f-a165-70867728950e";
const SIGNATURE_ID = "7c9e6679-7425-40de-944b-e07fc1f90ae7";
const DELIVERY_ID = "16fd2706-8baf-433b-82eb-8c7fada847da";
const SHA = "a".repeat(64);
const fixed = { now: () => new Date("2026-03-01T12:00:00.000Z"), randomUUID: () => DELIVERY_ID };

describe("webhookEvent", () => {
  it("builds an event with the injected clock and delivery ID", () => {
    const event = webhookEvent(
      "document.scrubbed",
      "tenant-a",
      { objectId: OBJECT_ID, sha256: SHA, sizeBytes: 12 },
      fixed,
    );
    expect(event).toEqual({
      deliveryId: DELIVERY_ID,
      type: "document.scrubbed",
      tenant: "tenant-a",
      occurredAt: "2026-03-01T12:00:00.000Z",
      data: { objectId: OBJECT_ID, sha256: SHA, sizeBytes: 12 },
    });
  });

  it("serialises with a fixed key order, whatever order the data was built in", () => {
    const a = webhookEvent(
      "document.signed",
      "t",
      { objectId: OBJECT_ID, signatureId: SIGNATURE_ID, sha256: SHA },
      fixed,
    );
    const b = webhookEvent(
      "document.signed",
      "t",
      { sha256: SHA, signatureId: SIGNATURE_ID, objectId: OBJECT_ID },
      fixed,
    );
    const reordered = toWebhookEvent({
      data: b.data,
      occurredAt: b.occurredAt,
      tenant: "t",
      type: b.type,
      deliveryId: DELIVERY_ID,
    });
    const expected = `{"deliveryId":"${DELIVERY_ID}","type":"document.signed","tenant":"t","occurredAt":"2026-03-01T12:00:00.000Z","data":{"objectId":"${OBJECT_ID}","signatureId":"${SIGNATURE_ID}","sha256":"${SHA}"}}`;
    expect(serializeWebhookEvent(a)).toBe(expected);
    expect(serializeWebhookEvent(b)).toBe(expected);
    expect(serializeWebhookEvent(reordered)).toBe(expected);
    expect(parseWebhookEvent(expected)).toEqual(a);
  });

  it("builds quarantine events with the scrubbers' reject reasons", () => {
    for (const reason of [...REJECT_REASONS, ...DOCUMENT_REJECT_REASONS]) {
      expect(REASON_CODE.test(reason), reason).toBe(true);
      expect(webhookEvent("document.quarantined", "t", { objectId: OBJECT_ID, reason }, fixed).data).toEqual({
        objectId: OBJECT_ID,
        reason,
      });
    }
  });

  it("refuses personal data: a subject claim or a name is an unknown field", () => {
    const withSubject = { objectId: OBJECT_ID, sha256: SHA, sizeBytes: 1, subject: "alice" };
    expect(() => webhookEvent("document.scrubbed", "t", withSubject, fixed)).toThrow(
      /data: Unrecognized key: "subject"/,
    );
    const event = JSON.parse(
      serializeWebhookEvent(webhookEvent("document.quarantined", "t", { objectId: OBJECT_ID, reason: "empty" }, fixed)),
    );
    expect(() => toWebhookEvent({ ...event, name: "Alice Example" })).toThrow(/Unrecognized key: "name"/);
    expect(() =>
      webhookEvent("document.quarantined", "t", { objectId: OBJECT_ID, reason: "Alice's passport" }, fixed),
    ).toThrow(/data.reason: must be a reason code/);
  });

  it("names every bad field", () => {
    const bad = () =>
      webhookEvent(
        "document.signed",
        "../x",
        { objectId: "nope", signatureId: SIGNATURE_ID, sha256: "ABC" },
        {
          now: () => new Date("2026-03-01T12:00:00Z"),
          randomUUID: () => "not-a-uuid",
        },
      );
    expect(bad).toThrow(WebhookEventError);
    try {
      bad();
    } catch (error) {
      expect((error as WebhookEventError).issues.map((i) => i.split(":")[0]).sort()).toEqual([
        "data.objectId",
        "data.sha256",
        "deliveryId",
        "tenant",
      ]);
    }
  });

  it("takes only UTC ISO times, an upper-case UUID or an unknown type as malformed", () => {
    const good = JSON.parse(
      serializeWebhookEvent(webhookEvent("document.quarantined", "t", { objectId: OBJECT_ID, reason: "empty" }, fixed)),
    );
    expect(() => toWebhookEvent({ ...good, occurredAt: "2026-03-01T12:00:00+01:00" })).toThrow(/occurredAt/);
    expect(() => toWebhookEvent({ ...good, deliveryId: DELIVERY_ID.toUpperCase() })).toThrow(/deliveryId/);
    expect(() => toWebhookEvent({ ...good, type: "document.deleted" })).toThrow(WebhookEventError);
    expect(() => parseWebhookEvent("{not json")).toThrow(/not JSON/);
  });

  it("takes tenants as the platform's key segments (the same pattern as functions/shared/object-keys.ts)", () => {
    expect(TENANT_SEGMENT.source).toBe(CLAIM_SEGMENT.source);
  });
});
