/**
 * The S3 part of a function's environment (endpoint override, path style, region) and the client
 * built from it, shared by the upload, scrub, sync and failback functions (the sync passes its
 * regional endpoints as S3_ENDPOINT, path style only where an endpoint was overridden).
 */
import { S3Client } from "@aws-sdk/client-s3";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { z } from "zod";

const flag = z
  .enum(["true", "false", "1", "0", ""])
  .optional()
  .transform((v) => v === "true" || v === "1");

export const s3EnvShape = {
  /** Endpoint override (tests: the local RADOS Gateway). */
  S3_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  /** Path-style addressing. @default - true when S3_ENDPOINT is set */
  S3_FORCE_PATH_STYLE: flag,
  /** Set by Lambda. */
  AWS_REGION: z.string().min(1).default("us-east-1"),
};

/** Path style whenever an endpoint is overridden (the gateway in tests has no virtual hosts). */
export function withPathStyle<
  E extends { readonly S3_ENDPOINT?: string | undefined; readonly S3_FORCE_PATH_STYLE: boolean },
>(env: E): E {
  return { ...env, S3_FORCE_PATH_STYLE: env.S3_FORCE_PATH_STYLE || env.S3_ENDPOINT !== undefined };
}

/**
 * The S3 client: the default credential chain (the Lambda role), or `credentials` (a logical-tier
 * tenant's role). Checksums only when required: otherwise the SDK signs a CRC32 of an empty body into
 * pre-signed PUT and part URLs (which the upload core refuses to hand out), and streams aws-chunked
 * trailers that the RADOS Gateway answers with 411 (DESIGN.md §7); PutObject sends Content-MD5 instead.
 */
export function s3ClientFromEnv(
  env: {
    readonly AWS_REGION: string;
    readonly S3_ENDPOINT?: string | undefined;
    readonly S3_FORCE_PATH_STYLE: boolean;
  },
  credentials?: () => Promise<AwsCredentialIdentity>,
): S3Client {
  return new S3Client({
    region: env.AWS_REGION,
    ...(credentials === undefined ? {} : { credentials }),
    ...(env.S3_ENDPOINT === undefined ? {} : { endpoint: env.S3_ENDPOINT }),
    forcePathStyle: env.S3_FORCE_PATH_STYLE,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}
