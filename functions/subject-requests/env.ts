/**
 * The environments of the workflow's four functions (zod 4) and the clients built from them. Every
 * function reads the requests bucket (`REQUESTS_BUCKET`, SSE-KMS under `REQUESTS_KMS_KEY_ID`) with its
 * own role in the sovereign partition; endpoint overrides (`S3_ENDPOINT`, `KMS_ENDPOINT`,
 * `SFN_ENDPOINT`) are for local runs.
 *
 * The run function also reaches the commercial partition when a place is there: its S3 client gets
 * credentials from IAM Roles Anywhere, with the variables the sync function uses (TARGET_REGION,
 * TARGET_S3_ENDPOINT, ROLES_ANYWHERE_*, SIGNING_MATERIAL_*; functions/cross-partition-sync/env.ts).
 */
import { KMSClient } from "@aws-sdk/client-kms";
import type { S3Client } from "@aws-sdk/client-s3";
import { SFNClient } from "@aws-sdk/client-sfn";
import { z } from "zod";
import { endpointUrl, partitionOfRegion } from "../../config/partitions";
import { rolesAnywhereSessionShape, signingMaterialLoader } from "../cross-partition-sync/env";
import type { SecretReader } from "../cross-partition-sync/signing-material";
import { fromRolesAnywhere } from "../rolesanywhere/credentials";
import { isSafeKeySegment } from "../shared/object-keys";
import { s3ClientFromEnv } from "../shared/s3-env";
import { MAX_EXPORT_EXPIRY_SECONDS } from "./export";

const httpUrl = z.url({ protocol: /^https?$/ });

/** A JSON value in a variable, checked with `schema`. */
const jsonOf = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: "custom", message: "is not JSON" });
        return z.NEVER;
      }
    })
    .pipe(schema);

const common = {
  /** Set by Lambda: the sovereign region. */
  AWS_REGION: z.string().min(1),
  REQUESTS_BUCKET: z.string().min(1),
  REQUESTS_KMS_KEY_ID: z.string().min(1),
  S3_ENDPOINT: httpUrl.optional(),
  KMS_ENDPOINT: httpUrl.optional(),
};

export const ApiEnv = z.object({
  ...common,
  STATE_MACHINE_ARN: z.string().regex(/^arn:[a-z-]+:states:[a-z0-9-]+:\d{12}:stateMachine:[A-Za-z0-9_-]+$/, {
    message: "must be a state machine ARN (arn:<partition>:states:<region>:<account>:stateMachine:<name>)",
  }),
  /**
   * `alias/<env>/tenant/`: a request's tenant is known when its key alias exists (every configured
   * tenant has one), so adding a tenant changes nothing of the function. The stack sets this.
   */
  TENANT_KEY_ALIAS_PREFIX: z
    .string()
    .regex(/^alias\/[A-Za-z0-9/_-]+\/$/, { message: 'must be a KMS alias prefix ending in "/" (alias/<env>/tenant/)' })
    .optional(),
  /** JSON array of the tenants a request may name, `["acme","globex"]`: local runs without KMS. */
  TENANTS: jsonOf(
    z
      .array(z.string().refine(isSafeKeySegment, { message: "a tenant must be a safe key segment" }))
      .min(1, { message: "name at least one tenant" }),
  ).optional(),
  /** The KMS HMAC key of the pseudonyms (as the upload function uses it). */
  PSEUDONYM_KEY_ID: z.string().min(1),
  /** The standby pseudonym key (sovereign copy), with commercial places: replicas are named by it. */
  STANDBY_PSEUDONYM_KEY_ID: z.string().min(1).optional(),
  /** With these three the API records signed deployment manifests (`POST /v1/deployments`). */
  EVIDENCE_BUCKET: z.string().min(1).optional(),
  EVIDENCE_BUCKET_KMS_KEY_ID: z.string().min(1).optional(),
  EVIDENCE_KEY_ID: z.string().min(1).optional(),
  SFN_ENDPOINT: httpUrl.optional(),
});
export type ApiEnv = z.infer<typeof ApiEnv>;

/** The API's environment, with exactly one way to know the tenants. */
export function parseApiEnv(env: Readonly<Record<string, string | undefined>>): ApiEnv {
  const parsed = parseEnv(ApiEnv, env);
  if ((parsed.TENANT_KEY_ALIAS_PREFIX === undefined) === (parsed.TENANTS === undefined))
    throw new Error(
      "invalid environment: TENANT_KEY_ALIAS_PREFIX: set it (deployed: tenants are found by their key alias) or TENANTS (local runs), not both and not neither",
    );
  return parsed;
}

export const PendingEnv = z.object(common);
export type PendingEnv = z.infer<typeof PendingEnv>;

export const Place = z.strictObject({
  /** The place's name in reports and certificates (`originals`, `clean-avatar`, `commercial-failover`). */
  name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, { message: "lower-case letters, digits and hyphens" }),
  bucket: z.string().min(3),
  partition: z.enum(["sovereign", "commercial"]),
  /** The sync's standby index is in this bucket (a synced class's): the subject's index records are reached too. */
  standbyIndex: z.boolean().optional(),
});
export type Place = z.infer<typeof Place>;

export const RunEnv = z
  .object({
    ...common,
    /** JSON array of `{ name, bucket, partition }`: every bucket a subject's objects may be in. */
    PLACES: jsonOf(
      z
        .array(Place)
        .min(1, { message: "name at least one place" })
        .refine((places) => new Set(places.map((p) => p.name)).size === places.length, {
          message: "place names must differ",
        }),
    ),
    EXPORT_KMS_KEY_ID: z.string().min(1),
    EXPORT_URL_EXPIRY_SECONDS: z.coerce.number().int().min(1).max(MAX_EXPORT_EXPIRY_SECONDS).default(300),
    TARGET_REGION: z.string().min(1).optional(),
    TARGET_S3_ENDPOINT: httpUrl.optional(),
    ROLES_ANYWHERE_TRUST_ANCHOR_ARN: z.string().min(1).optional(),
    ROLES_ANYWHERE_PROFILE_ARN: z.string().min(1).optional(),
    ROLES_ANYWHERE_ROLE_ARN: z.string().min(1).optional(),
    ...rolesAnywhereSessionShape,
  })
  .superRefine((env, ctx) => {
    if (!env.PLACES.some((p) => p.partition === "commercial")) return;
    for (const name of [
      "TARGET_REGION",
      "ROLES_ANYWHERE_TRUST_ANCHOR_ARN",
      "ROLES_ANYWHERE_PROFILE_ARN",
      "ROLES_ANYWHERE_ROLE_ARN",
    ] as const)
      if (env[name] === undefined)
        ctx.addIssue({ code: "custom", path: [name], message: "required: PLACES has a commercial place" });
    if (
      env.SIGNING_MATERIAL_SECRET_ID === undefined &&
      (env.SIGNING_MATERIAL_CERTIFICATE_FILE === undefined || env.SIGNING_MATERIAL_PRIVATE_KEY_FILE === undefined)
    )
      ctx.addIssue({
        code: "custom",
        path: ["SIGNING_MATERIAL_SECRET_ID"],
        message:
          "PLACES has a commercial place: set SIGNING_MATERIAL_SECRET_ID, or SIGNING_MATERIAL_CERTIFICATE_FILE and SIGNING_MATERIAL_PRIVATE_KEY_FILE",
      });
  });
export type RunEnv = z.infer<typeof RunEnv>;

export const CertifyEnv = z.object({
  ...common,
  /** Certify only reads the requests bucket. */
  REQUESTS_KMS_KEY_ID: z.string().default(""),
  /** The evidence key's ARN (KMS Sign, MessageType DIGEST). */
  EVIDENCE_KEY_ID: z.string().min(1),
  EVIDENCE_BUCKET: z.string().min(1),
  EVIDENCE_BUCKET_KMS_KEY_ID: z.string().min(1),
});
export type CertifyEnv = z.infer<typeof CertifyEnv>;

/** Parses an environment; the error names each variable and what is wrong with it. */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  env: Readonly<Record<string, string | undefined>>,
): z.output<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success)
    throw new Error(
      `invalid environment: ${parsed.error.issues.map((i) => `${i.path.join(".") || "(env)"}: ${i.message}`).join("; ")}`,
    );
  return parsed.data;
}

/** The sovereign S3 client: the function's role, the regional endpoint (or S3_ENDPOINT, path style). */
export function sovereignS3(env: { readonly AWS_REGION: string; readonly S3_ENDPOINT?: string | undefined }): S3Client {
  return s3ClientFromEnv({
    AWS_REGION: env.AWS_REGION,
    S3_ENDPOINT: env.S3_ENDPOINT ?? endpointUrl(partitionOfRegion(env.AWS_REGION), "s3", env.AWS_REGION),
    S3_FORCE_PATH_STYLE: env.S3_ENDPOINT !== undefined,
  });
}

/** The commercial S3 client: credentials from IAM Roles Anywhere, as the sync function gets them. */
export function commercialS3(env: RunEnv, secrets?: SecretReader): S3Client {
  const region = env.TARGET_REGION;
  const [anchor, profile, role] = [
    env.ROLES_ANYWHERE_TRUST_ANCHOR_ARN,
    env.ROLES_ANYWHERE_PROFILE_ARN,
    env.ROLES_ANYWHERE_ROLE_ARN,
  ];
  if (region === undefined || anchor === undefined || profile === undefined || role === undefined)
    throw new Error("TARGET_REGION and ROLES_ANYWHERE_* are required for a commercial place");
  const partition = partitionOfRegion(region);
  return s3ClientFromEnv(
    {
      AWS_REGION: region,
      S3_ENDPOINT: env.TARGET_S3_ENDPOINT ?? endpointUrl(partition, "s3", region),
      S3_FORCE_PATH_STYLE: env.TARGET_S3_ENDPOINT !== undefined,
    },
    fromRolesAnywhere({
      region,
      endpoint: env.ROLES_ANYWHERE_ENDPOINT ?? endpointUrl(partition, "rolesanywhere", region),
      trustAnchorArn: anchor,
      profileArn: profile,
      roleArn: role,
      durationSeconds: env.ROLES_ANYWHERE_SESSION_SECONDS,
      loadSigningMaterial: signingMaterialLoader(env, secrets),
    }),
  );
}

export function kmsClient(env: { readonly AWS_REGION: string; readonly KMS_ENDPOINT?: string | undefined }): KMSClient {
  return new KMSClient({
    region: env.AWS_REGION,
    ...(env.KMS_ENDPOINT === undefined ? {} : { endpoint: env.KMS_ENDPOINT }),
  });
}

export function sfnClient(env: ApiEnv): SFNClient {
  return new SFNClient({
    region: env.AWS_REGION,
    ...(env.SFN_ENDPOINT === undefined ? {} : { endpoint: env.SFN_ENDPOINT }),
  });
}
