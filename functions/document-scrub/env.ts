/**
 * The document scrub function's environment: where it writes (the scrub functions' shared part,
 * functions/image-scrub/env.ts `scrubTargetShape`) and the document limits. Invalid configuration
 * fails the Lambda init with every problem listed.
 */
import { z } from "zod";
import { withPathStyle } from "../shared/s3-env";
import { parseScrubEnvWith, positiveInt, scrubTarget, scrubTargetShape } from "../image-scrub/env";
import type { ScrubConfig } from "../image-scrub/scrub-object";
import { publisherEnvShape } from "../webhooks/sqs";
import { documentEngine } from "./engine";
import { DEFAULT_DOCUMENT_OPTIONS, type DocumentScrubReport } from "./scrubber";

export const documentScrubEnvSchema = z
  .object({
    ...scrubTargetShape,
    /** Largest document, in bytes (the upload class's limit). @default 64 MiB */
    MAX_INPUT_BYTES: positiveInt("MAX_INPUT_BYTES", DEFAULT_DOCUMENT_OPTIONS.maxInputBytes),
    /** Most pages. @default 1000 */
    MAX_PAGES: positiveInt("MAX_PAGES", DEFAULT_DOCUMENT_OPTIONS.maxPages),
    ...publisherEnvShape,
  })
  .transform(withPathStyle);

export type DocumentScrubEnv = z.output<typeof documentScrubEnvSchema>;

/** Parses the environment; throws ScrubConfigError listing every problem. */
export function parseDocumentScrubEnv(env: Readonly<Record<string, string | undefined>>): DocumentScrubEnv {
  return parseScrubEnvWith(documentScrubEnvSchema, env);
}

/** `scrubObject`'s configuration: the buckets, the quarantine and the document engine with its limits. */
export function documentScrubConfig(env: DocumentScrubEnv): ScrubConfig<DocumentScrubReport> {
  return {
    ...scrubTarget(env),
    engine: documentEngine({ maxInputBytes: env.MAX_INPUT_BYTES, maxPages: env.MAX_PAGES }),
  };
}
