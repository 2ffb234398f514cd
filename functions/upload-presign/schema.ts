/**
 * Validation of the upload function's configuration and request bodies (zod 4). Every rejected field
 * becomes an `UploadIssue` with a stable code; all problems of one body are reported together.
 */
import { z } from "zod";
import { ISSUED_KEY } from "../shared/object-keys";
import { DATA_CLASS_TAG } from "../shared/s3-objects";
import { UploadConfigError, type UploadErrorCode, type UploadIssue, UploadRequestError } from "./errors";

/** AWS's ceiling for a pre-signed upload here; configuration may lower it, never raise it. */
export const MAX_EXPIRY_SECONDS = 300;
/** S3 limits: one PUT/POST object, smallest non-final multipart part, most parts. */
export const MAX_SINGLE_UPLOAD_BYTES = 5 * 1024 ** 3;
export const MIN_PART_SIZE_BYTES = 5 * 1024 ** 2;
export const MAX_PART_SIZE_BYTES = 5 * 1024 ** 3;
export const MAX_PARTS = 10_000;
export const MAX_FILE_NAME_LENGTH = 255;

// ---------------------------------------------------------------------------------------------------
// Configuration

const DATA_CLASS = /^[a-z][a-z0-9-]{0,62}$/;
/** A KMS key ARN in any partition (`aws`, `aws-eusc`, ...). Alias ARNs are refused: S3 records the key id. */
const KMS_KEY_ARN = /^arn:aws(?:-[a-z]+)*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]{1,128}$/;
const MIME_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}$/;
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const TAG_KEY = /^[A-Za-z0-9 _.:/=+@-]{1,128}$/;

const wholeBytes = (what: string, min: number, max: number) =>
  z
    .number()
    .int()
    .min(min, { error: `${what} must be at least ${min} bytes` })
    .max(max, { error: `${what} must be at most ${max} bytes` });

export const uploadConfigSchema = z
  .strictObject({
    /** The originals bucket. */
    bucket: z.string().regex(BUCKET, { error: "bucket must be an S3 bucket name" }),
    /** Lower-case `type/subtype` values, no parameters. */
    allowedContentTypes: z
      .array(z.string().regex(MIME_TYPE, { error: "content types must be lower-case type/subtype without parameters" }))
      .min(1),
    /** Largest POST or PUT upload. */
    maxSizeBytes: wholeBytes("maxSizeBytes", 1, MAX_SINGLE_UPLOAD_BYTES),
    /** Lifetime of every issued POST policy and URL; at most 300 s. */
    expirySeconds: z
      .number()
      .int()
      .min(1, { error: "expirySeconds must be at least 1" })
      .max(MAX_EXPIRY_SECONDS, {
        error: `expirySeconds must be at most ${MAX_EXPIRY_SECONDS}: configurable down, never up`,
      })
      .default(MAX_EXPIRY_SECONDS),
    /** Data class -> KMS key ARN of that class's CMK. The data classes a request may name are these keys. */
    kmsKeyArnByDataClass: z
      .record(
        z.string().regex(DATA_CLASS, { error: "data class names are lower-case letters, digits and hyphens" }),
        z
          .string()
          .regex(KMS_KEY_ARN, { error: "must be a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)" }),
      )
      .refine((r) => Object.keys(r).length > 0, { error: "at least one data class is required" }),
    /** Tag key that carries the data class on every object. */
    dataClassTagKey: z.string().regex(TAG_KEY).default(DATA_CLASS_TAG),
    /** Part size of multipart uploads (every part but the last). */
    multipartPartSizeBytes: wholeBytes("multipartPartSizeBytes", MIN_PART_SIZE_BYTES, MAX_PART_SIZE_BYTES).default(
      16 * 1024 ** 2,
    ),
    /**
     * Largest multipart upload.
     * @default - maxSizeBytes
     */
    multipartMaxSizeBytes: wholeBytes("multipartMaxSizeBytes", 1, MAX_PARTS * MAX_PART_SIZE_BYTES).optional(),
  })
  .transform((c) => ({ ...c, multipartMaxSizeBytes: c.multipartMaxSizeBytes ?? c.maxSizeBytes }))
  .check((ctx) => {
    const c = ctx.value;
    if (Math.ceil(c.multipartMaxSizeBytes / c.multipartPartSizeBytes) > MAX_PARTS) {
      ctx.issues.push({
        code: "custom",
        input: c,
        path: ["multipartPartSizeBytes"],
        message: `multipartMaxSizeBytes ${c.multipartMaxSizeBytes} needs more than ${MAX_PARTS} parts of ${c.multipartPartSizeBytes} bytes: raise multipartPartSizeBytes`,
      });
    }
  });

export type UploadConfigInput = z.input<typeof uploadConfigSchema>;
export type UploadConfig = Readonly<z.output<typeof uploadConfigSchema>>;

/** Parses the configuration (from the environment, in the handler); throws UploadConfigError listing every problem. */
export function parseUploadConfig(input: unknown): UploadConfig {
  const result = uploadConfigSchema.safeParse(input);
  if (!result.success) {
    throw new UploadConfigError(
      `upload configuration is invalid: ${result.error.issues.map((i) => `${i.path.join(".") || "config"}: ${i.message}`).join("; ")}`,
    );
  }
  return result.data;
}

// ---------------------------------------------------------------------------------------------------
// Claims

export { ISSUED_KEY, isSafeKeySegment } from "../shared/object-keys";

// ---------------------------------------------------------------------------------------------------
// Request fields

function custom(ctx: { value: unknown; issues: unknown[] }, code: UploadErrorCode, message: string): void {
  (ctx.issues as z.core.$ZodRawIssue[]).push({ code: "custom", input: ctx.value, message, params: { code } });
}

// C0, DEL, C1 controls; bidirectional overrides and isolates (used to disguise extensions); BOM.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are the characters being refused
const FORBIDDEN_IN_NAME = /[\u0000-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/u;

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The last path segment, NFC, without quotes, backslashes, leading dots or surrounding spaces. Empty when nothing is left. */
export function sanitiseFileName(raw: string): string {
  const base = raw.split(/[\\/]/).pop() ?? "";
  return base
    .normalize("NFC")
    .replace(/["\\]/g, "_")
    .replace(/^[\s.]+/, "")
    .replace(/\s+$/, "");
}

const fileName = z.string().check((ctx) => {
  const value = ctx.value;
  if (value.length === 0) custom(ctx, "invalid_file_name", "fileName must not be empty");
  else if (value.length > MAX_FILE_NAME_LENGTH)
    custom(ctx, "invalid_file_name", `fileName must be at most ${MAX_FILE_NAME_LENGTH} characters`);
  else if (FORBIDDEN_IN_NAME.test(value))
    custom(ctx, "invalid_file_name", "fileName must not contain control or bidirectional-override characters");
  else if (LONE_SURROGATE.test(value)) custom(ctx, "invalid_file_name", "fileName must be well-formed Unicode");
  else if (sanitiseFileName(value) === "")
    custom(ctx, "invalid_file_name", "fileName has no usable name after removing path and leading dots");
});

const sizeBytes = (max: number) =>
  z.number().check((ctx) => {
    const value = ctx.value;
    if (!Number.isSafeInteger(value) || value < 1)
      custom(ctx, "invalid_size", "sizeBytes must be a whole number of bytes, at least 1");
    else if (value > max) custom(ctx, "size_too_large", `sizeBytes must be at most ${max}`);
  });

/** Compared case-insensitively and returned lower-case; parameters (`; charset=...`) and spaces are refused. */
const contentType = (allowed: readonly string[]) =>
  z
    .string()
    .check((ctx) => {
      if (!allowed.includes(ctx.value.toLowerCase()))
        custom(ctx, "unsupported_content_type", `contentType must be one of ${allowed.join(", ")}`);
    })
    .transform((v) => v.toLowerCase());

const dataClass = (classes: readonly string[]) =>
  z.string().check((ctx) => {
    if (!classes.includes(ctx.value))
      custom(ctx, "unknown_data_class", `dataClass must be one of ${classes.join(", ")}`);
  });

const base64Of = (bytes: number, code: UploadErrorCode, what: string) =>
  z.string().check((ctx) => {
    const ok =
      /^[A-Za-z0-9+/]+={0,2}$/.test(ctx.value) &&
      ctx.value.length % 4 === 0 &&
      Buffer.from(ctx.value, "base64").length === bytes;
    if (!ok) custom(ctx, code, `${what} must be the standard base64 of ${bytes} bytes`);
  });

// ---------------------------------------------------------------------------------------------------
// Request bodies

function uploadFields(config: UploadConfig, max: number) {
  return {
    fileName,
    contentType: contentType(config.allowedContentTypes),
    sizeBytes: sizeBytes(max),
    dataClass: dataClass(Object.keys(config.kmsKeyArnByDataClass)),
  };
}

export const postRequestSchema = (config: UploadConfig) => z.strictObject(uploadFields(config, config.maxSizeBytes));

export const putRequestSchema = (config: UploadConfig) =>
  z.strictObject({
    ...uploadFields(config, config.maxSizeBytes),
    /** Base64 MD5 of the body: the gateway and S3 both check it. */
    contentMd5: base64Of(16, "invalid_content_md5", "contentMd5"),
    /** Base64 SHA-256 of the body: S3 checks it; Ceph RGW ignores x-amz-checksum-* (DESIGN.md §7). */
    checksumSha256: base64Of(32, "invalid_checksum_sha256", "checksumSha256").optional(),
  });

export const multipartCreateRequestSchema = (config: UploadConfig) =>
  z.strictObject(uploadFields(config, config.multipartMaxSizeBytes));

const issuedKey = z.string().check((ctx) => {
  if (!ISSUED_KEY.test(ctx.value))
    custom(ctx, "invalid_key", "key must be a key this service issued (<tenant>/<subject>/<uuid>)");
});

const uploadId = z.string().check((ctx) => {
  if (!/^[A-Za-z0-9._~+/=-]{1,1024}$/.test(ctx.value))
    custom(ctx, "invalid_upload_id", "uploadId must be the id returned when the upload was created");
});

const partNumber = z.number().check((ctx) => {
  if (!Number.isSafeInteger(ctx.value) || ctx.value < 1 || ctx.value > MAX_PARTS)
    custom(ctx, "invalid_parts", `partNumber must be a whole number from 1 to ${MAX_PARTS}`);
});

export const multipartPartsRequestSchema = (config: UploadConfig) =>
  z.strictObject({
    key: issuedKey,
    uploadId,
    /** The total size declared when the upload was created: part lengths are signed from it. */
    sizeBytes: sizeBytes(config.multipartMaxSizeBytes),
    partNumbers: z
      .array(partNumber)
      .min(1)
      .max(MAX_PARTS)
      .check((ctx) => {
        if (new Set(ctx.value).size !== ctx.value.length) custom(ctx, "invalid_parts", "partNumbers must not repeat");
      }),
  });

export const multipartCompleteRequestSchema = z.strictObject({
  key: issuedKey,
  uploadId,
  parts: z
    .array(z.strictObject({ partNumber, eTag: z.string().min(1).max(256) }))
    .min(1)
    .max(MAX_PARTS)
    .check((ctx) => {
      const numbers = ctx.value.map((p) => p.partNumber);
      if (numbers.some((n, i) => i > 0 && n <= (numbers[i - 1] ?? 0)))
        custom(ctx, "invalid_parts", "parts must be in ascending partNumber order without repeats");
    }),
});

export type PostRequest = z.output<ReturnType<typeof postRequestSchema>>;
export type PutRequest = z.output<ReturnType<typeof putRequestSchema>>;
export type MultipartCreateRequest = z.output<ReturnType<typeof multipartCreateRequestSchema>>;
export type MultipartPartsRequest = z.output<ReturnType<typeof multipartPartsRequestSchema>>;
export type MultipartCompleteRequest = z.output<typeof multipartCompleteRequestSchema>;

// ---------------------------------------------------------------------------------------------------
// zod issues -> UploadIssues

function valueAt(input: unknown, path: readonly PropertyKey[]): { present: boolean } {
  let current: unknown = input;
  for (const segment of path) {
    if (current === null || typeof current !== "object" || !Object.hasOwn(current, segment)) return { present: false };
    current = (current as Record<PropertyKey, unknown>)[segment];
  }
  return { present: current !== undefined };
}

export function toUploadIssues(error: z.ZodError, input: unknown): UploadIssue[] {
  return error.issues.flatMap((issue): UploadIssue[] => {
    const field = issue.path.map(String).join(".");
    if (issue.code === "custom") {
      const code = (issue.params as { code?: UploadErrorCode } | undefined)?.code ?? "invalid_type";
      return [{ code, field, message: issue.message }];
    }
    if (issue.code === "unrecognized_keys") {
      return issue.keys.map((key) => ({
        code: "unknown_field" as const,
        field: field ? `${field}.${key}` : key,
        message: `${key} is not a field of this request`,
      }));
    }
    if (issue.path.length === 0)
      return [{ code: "invalid_body", field: "", message: "the body must be a JSON object" }];
    if (issue.code === "invalid_type" && !valueAt(input, issue.path).present)
      return [{ code: "missing_field", field, message: `${field} is required` }];
    if (field.startsWith("parts") || field.startsWith("partNumbers"))
      return [{ code: "invalid_parts", field, message: issue.message }];
    return [{ code: "invalid_type", field, message: issue.message }];
  });
}

/** Parses a request body or throws UploadRequestError with every problem. */
export function parseRequest<T>(schema: z.ZodType<T>, input: unknown): T {
  const result = schema.safeParse(input);
  if (!result.success) throw new UploadRequestError(toUploadIssues(result.error, input));
  return result.data;
}
