/**
 * Document scrub Lambda: S3 ObjectCreated events of the documents' originals bucket, each object
 * sanitized by the PDF engine (engine.ts) into the clean bucket or quarantined with its reason, by
 * the same handler and object flow as the image scrub function (functions/image-scrub/scrub-handler.ts).
 */
import { createLogger } from "../shared/logger";
import { s3ClientFromEnv } from "../shared/s3-env";
import { createScrubHandler, scrubTenantDirectory } from "../image-scrub/scrub-handler";
import { documentScrubConfig, parseDocumentScrubEnv } from "./env";

// Module scope: configuration and the client are built once per Lambda container.
const env = parseDocumentScrubEnv(process.env);

/** The Lambda entry point (`handler.handler`). */
export const handler = createScrubHandler({
  s3: s3ClientFromEnv(env),
  config: documentScrubConfig(env),
  tenants: scrubTenantDirectory(env, "document-scrub"),
  logger: createLogger("document-scrub"),
});
