/**
 * Document scrub Lambda: S3 ObjectCreated events of the documents' originals bucket, each object
 * sanitized by the PDF engine (engine.ts) into the clean bucket or quarantined with its reason, by
 * the same handler and object flow as the image scrub function (functions/image-scrub/scrub-handler.ts).
 * With WEBHOOK_QUEUE_URL, each outcome is enqueued as a webhook event (events.ts).
 */
import { createScrubHandler, scrubTenantDirectory } from "../image-scrub/scrub-handler";
import { createLogger } from "../shared/logger";
import { s3ClientFromEnv } from "../shared/s3-env";
import { publisherFromEnv } from "../webhooks/sqs";
import { documentScrubConfig, parseDocumentScrubEnv } from "./env";
import { documentEvents } from "./events";

// Module scope: configuration and the client are built once per Lambda container.
const env = parseDocumentScrubEnv(process.env);
const publisher = publisherFromEnv(env);

/** The Lambda entry point (`handler.handler`). */
export const handler = createScrubHandler({
  s3: s3ClientFromEnv(env),
  config: documentScrubConfig(env),
  tenants: scrubTenantDirectory(env, "document-scrub"),
  logger: createLogger("document-scrub"),
  ...(publisher === undefined ? {} : { onOutcome: documentEvents(publisher) }),
});
