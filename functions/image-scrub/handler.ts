/**
 * Image scrub Lambda: the scrub handler (scrub-handler.ts) with the image engine, configured from the
 * environment (env.ts).
 */
import { parseScrubEnv, s3ClientFromEnv, scrubConfig } from "./env";
import { createScrubHandler, scrubTenantDirectory } from "./scrub-handler";

export {
  createScrubHandler,
  type ScrubBatchResult,
  type ScrubHandlerDeps,
  scrubTenantDirectory,
} from "./scrub-handler";

// Module scope: configuration and the client are built once per Lambda container.
const env = parseScrubEnv(process.env);

/** The Lambda entry point (`handler.handler`). */
export const handler = createScrubHandler({
  s3: s3ClientFromEnv(env),
  config: scrubConfig(env),
  tenants: scrubTenantDirectory(env, "image-scrub"),
});
