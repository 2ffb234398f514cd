/**
 * Image scrub Lambda: the scrub handler (scrub-handler.ts) with the image engine, configured from the
 * environment (env.ts).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { TenantDirectory } from "../shared/tenant-directory";
import { type TenantEnv, tenantDirectoryFromEnv } from "../shared/tenant-env";
import { parseScrubEnv, s3ClientFromEnv, scrubConfig } from "./env";
import { createScrubHandler } from "./scrub-handler";

export { createScrubHandler, type ScrubBatchResult, type ScrubHandlerDeps } from "./scrub-handler";

// Module scope: configuration and the client are built once per Lambda container.
const env = parseScrubEnv(process.env);

/** The Lambda entry point (`handler.handler`). */
export const handler = createScrubHandler({
  s3: s3ClientFromEnv(env),
  config: scrubConfig(env),
  tenants: scrubTenantDirectory(env),
});

/** Tenant credentials are renewed a few minutes before they expire (nothing signed outlives the call). */
export function scrubTenantDirectory(
  env: TenantEnv & Parameters<typeof s3ClientFromEnv>[0],
): TenantDirectory<S3Client> | undefined {
  return tenantDirectoryFromEnv(env, {
    defaultSessionName: "image-scrub",
    minRemainingSeconds: 300,
    clientFor: (credentials) => s3ClientFromEnv(env, credentials),
  });
}
