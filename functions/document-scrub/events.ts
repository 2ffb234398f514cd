/**
 * The document scrub function's webhook events (functions/webhooks): `document.scrubbed` when a
 * document was sanitized, `document.quarantined` with the reason when it was not. Both are enqueued
 * before the record counts as done; a retried record whose copy already exists enqueues the same
 * event again (same delivery ID: receivers drop the repeat). Events name the object by its ID and
 * tenant only: never the subject, never content.
 */
import type { ScrubObjectResult } from "../image-scrub/scrub-object";
import type { Logger } from "../shared/logger";
import { ISSUED_KEY } from "../shared/object-keys";
import type { WebhookPublisher } from "../webhooks/sqs";
import type { DocumentScrubReport } from "./scrubber";

/** The `onOutcome` of the scrub handler that publishes the documents' events. */
export function documentEvents(
  publisher: WebhookPublisher,
): (outcome: ScrubObjectResult<DocumentScrubReport>, log: Logger) => Promise<void> {
  return async (outcome, log) => {
    const issued = ISSUED_KEY.exec(outcome.key);
    if (issued === null) {
      if (outcome.outcome !== "skipped") log.warn("no webhook event: the key is not one the upload function issues");
      return;
    }
    const [, tenant = "", , objectId = ""] = issued;
    const identity = [outcome.key, outcome.versionId ?? ""];
    if (outcome.outcome === "scrubbed") {
      const { originalSha256, outputBytes } = outcome.result;
      await publisher.publish(
        "document.scrubbed",
        tenant,
        { objectId, sha256: originalSha256, sizeBytes: outputBytes },
        identity,
      );
    } else if (outcome.outcome === "quarantined") {
      await publisher.publish("document.quarantined", tenant, { objectId, reason: outcome.reason }, identity);
    } else if (outcome.why === "already-scrubbed" && outcome.earlier?.sourceSha256 !== undefined) {
      const { sourceSha256, bytes } = outcome.earlier;
      await publisher.publish(
        "document.scrubbed",
        tenant,
        { objectId, sha256: sourceSha256, sizeBytes: bytes ?? 0 },
        identity,
      );
    } else if (outcome.why === "already-quarantined" && outcome.earlier?.reason !== undefined) {
      await publisher.publish("document.quarantined", tenant, { objectId, reason: outcome.earlier.reason }, identity);
    }
  };
}
