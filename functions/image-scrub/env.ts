/**
 * The scrub function's environment (zod 4), parsed once at module scope by `handler.ts`, and what is
 * built from it: the S3 client and `scrubObject`'s configuration. Invalid configuration fails the
 * Lambda init with every problem listed.
 */
import { tmpdir } from "node:os";
import { z } from "zod";
import { s3EnvShape, withPathStyle } from "../shared/s3-env";
import { tenantEnvProblem, tenantEnvShape } from "../shared/tenant-env";
import { DEFAULT_OPTIONS } from "./scrubber";
import { IMAGE_TYPES, type ImageType, MEDIA_TYPES } from "./detect";
import type { ScrubConfig } from "./scrub-object";
import { imageEngine } from "./scrub-engine";

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export const positiveInt = (name: string, fallback: number) =>
  z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === "") return fallback;
      const n = Number(v);
      if (!Number.isSafeInteger(n) || n <= 0) {
        ctx.issues.push({ code: "custom", input: v, message: `${name} must be a positive whole number` });
        return z.NEVER;
      }
      return n;
    });

/** `jpeg,png,webp` or media types (`image/jpeg,image/webp`); case-insensitive, spaces ignored. */
const allowedTypes = z
  .string()
  .optional()
  .transform((v, ctx): readonly ImageType[] => {
    if (v === undefined || v.trim() === "") return IMAGE_TYPES;
    const out: ImageType[] = [];
    for (const raw of v
      .split(",")
      .map((s) => s.trim().toLowerCase())
      .filter((s) => s !== "")) {
      const byMedia = (Object.entries(MEDIA_TYPES) as [ImageType, string][]).find(([, media]) => media === raw)?.[0];
      const type =
        byMedia ??
        (raw === "jpg" ? "jpeg" : (IMAGE_TYPES as readonly string[]).includes(raw) ? (raw as ImageType) : undefined);
      if (type === undefined) {
        ctx.issues.push({
          code: "custom",
          input: v,
          message: `ALLOWED_TYPES: "${raw}" is not one of ${IMAGE_TYPES.join(", ")}`,
        });
        return z.NEVER;
      }
      if (!out.includes(type)) out.push(type);
    }
    if (out.length === 0) {
      ctx.issues.push({ code: "custom", input: v, message: "ALLOWED_TYPES must name at least one type" });
      return z.NEVER;
    }
    return out;
  });

/**
 * Where a scrub function writes, shared by the image and the document scrub functions: the clean
 * bucket and its key and data class, the quarantine, the spool directory, S3 and the tenants.
 */
export const scrubTargetShape = {
  /** Where scrubbed objects go, under the original's key. */
  CLEAN_BUCKET: z.string().regex(BUCKET, { error: "CLEAN_BUCKET must be an S3 bucket name" }),
  /** Where rejected originals are copied. @default - the bucket the event came from */
  QUARANTINE_BUCKET: z.string().regex(BUCKET, { error: "QUARANTINE_BUCKET must be an S3 bucket name" }).optional(),
  /** Key prefix of quarantined copies; events for keys under it are ignored. */
  QUARANTINE_PREFIX: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? "quarantine/" : v))
    .pipe(
      z.string().regex(/^[A-Za-z0-9!_.*'()-][A-Za-z0-9!_.*'()/-]{0,200}\/$/, {
        error: "QUARANTINE_PREFIX must be a safe key prefix ending in /",
      }),
    ),
  /** SSE-KMS key for clean objects. @default - the clean bucket's default encryption */
  CLEAN_KMS_KEY_ID: z.string().min(1).optional(),
  /**
   * Data class of the clean objects, written as their `data-class` tag (the sync function admits
   * objects to the other partition by this tag). @default - untagged
   */
  CLEAN_DATA_CLASS: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, {
      error: "CLEAN_DATA_CLASS must be a data class name (lower-case letters, digits, -)",
    })
    .optional(),
  /** Directory for the provisional output (Lambda: /tmp). */
  SPOOL_DIR: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v === "" ? tmpdir() : v)),
  ...s3EnvShape,
  ...tenantEnvShape,
};

export const scrubEnvSchema = z
  .object({
    ...scrubTargetShape,
    MAX_INPUT_BYTES: positiveInt("MAX_INPUT_BYTES", DEFAULT_OPTIONS.maxInputBytes),
    MAX_PIXELS: positiveInt("MAX_PIXELS", DEFAULT_OPTIONS.maxPixels),
    ALLOWED_TYPES: allowedTypes,
  })
  .transform(withPathStyle);

/** The shared part alone (scrubTarget's input). */
const targetSchema = z.object(scrubTargetShape).transform(withPathStyle);

export type ScrubEnv = z.output<typeof scrubEnvSchema>;

export class ScrubConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ScrubConfigError";
  }
}

/** Parses the environment; throws ScrubConfigError listing every problem. */
export function parseScrubEnv(env: Readonly<Record<string, string | undefined>>): ScrubEnv {
  return parseScrubEnvWith(scrubEnvSchema, env);
}

/** Parses a scrub function's environment with `schema` (image or document); every problem at once. */
export function parseScrubEnvWith<S extends z.ZodType<z.output<typeof targetSchema>>>(
  schema: S,
  env: Readonly<Record<string, string | undefined>>,
): z.output<S> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ScrubConfigError(
      `scrub configuration is invalid: ${result.error.issues.map((i) => `${i.path.join(".") || "env"}: ${i.message}`).join("; ")}`,
    );
  }
  const tenantProblem = tenantEnvProblem(result.data);
  if (tenantProblem !== undefined) throw new ScrubConfigError(`scrub configuration is invalid: ${tenantProblem}`);
  return result.data;
}

/** The clean and quarantine part of `scrubObject`'s configuration, without the engine. */
export function scrubTarget(env: z.output<typeof targetSchema>): Omit<ScrubConfig<unknown>, "engine"> {
  return {
    cleanBucket: env.CLEAN_BUCKET,
    cleanKmsKeyId: env.CLEAN_KMS_KEY_ID,
    cleanDataClass: env.CLEAN_DATA_CLASS,
    quarantineBucket: env.QUARANTINE_BUCKET,
    quarantinePrefix: env.QUARANTINE_PREFIX,
    spoolDir: env.SPOOL_DIR,
  };
}

/** `scrubObject`'s configuration: the buckets, the quarantine prefix, the spool directory and the image engine with its limits. */
export function scrubConfig(env: ScrubEnv): ScrubConfig {
  return {
    ...scrubTarget(env),
    engine: imageEngine({
      maxInputBytes: env.MAX_INPUT_BYTES,
      maxPixels: env.MAX_PIXELS,
      allowedTypes: env.ALLOWED_TYPES,
    }),
  };
}

export { s3ClientFromEnv } from "../shared/s3-env";
