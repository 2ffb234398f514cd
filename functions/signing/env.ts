/**
 * The signing function's environment (zod 4), parsed once at module scope by `handler.ts`, and what
 * is built from it: the S3 client, the evidence signer (KMS), the subjects' pseudonyms (KMS) and the
 * tenant directory.
 */
import { KMSClient } from "@aws-sdk/client-kms";
import type { S3Client } from "@aws-sdk/client-s3";
import { z } from "zod";
import { publisherEnvShape, publisherFromEnv, type WebhookPublisher } from "../webhooks/sqs";
import { type EvidenceSigner, KEY_ARN } from "../evidence/algorithms";
import { kmsSigner } from "../evidence/kms-signer";
import type { Pseudonyms } from "../shared/pseudonym";
import { s3ClientFromEnv, s3EnvShape, withPathStyle } from "../shared/s3-env";
import type { TenantDirectory } from "../shared/tenant-directory";
import { tenantDirectoryFromEnv, tenantEnvProblem, tenantEnvShape } from "../shared/tenant-env";
import { pseudonymEnvProblem, pseudonymsFromEnv, tokenEnvShape } from "../shared/token-env";
import type { SigningConfig } from "./signing";

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const bucket = (what: string) => z.string().regex(BUCKET, { error: `must be an S3 bucket name (${what})` });
const keyArn = (what: string) =>
  z
    .string()
    .regex(KEY_ARN, { error: `must be a KMS key ARN, arn:<partition>:kms:<region>:<account>:key/<id> (${what})` });

export const signingEnvSchema = z
  .object({
    /** The clean bucket: the only bucket documents are read from. */
    CLEAN_BUCKET: bucket("the clean bucket"),
    /** The platform's evidence bucket, with COMPLIANCE object lock by default retention. */
    EVIDENCE_BUCKET: bucket("the evidence bucket"),
    /** The KMS key (ARN) that encrypts the evidence (SSE-KMS). */
    EVIDENCE_KMS_KEY_ID: keyArn("the evidence bucket's key"),
    /** The asymmetric SIGN_VERIFY KMS key (ARN) that signs the evidence: certificates and receipts record it. */
    SIGNING_KEY_ID: keyArn("the signing key; evidence records the key's ARN, not an alias"),
    ...tokenEnvShape,
    ...s3EnvShape,
    ...tenantEnvShape,
    ...publisherEnvShape,
  })
  .transform(withPathStyle);

export type SigningEnv = z.output<typeof signingEnvSchema>;

/** The function's configuration is unusable (a deployment bug: HTTP 500, details logged, not returned). */
export class SigningConfigError extends Error {
  readonly code = "invalid_config";
  readonly status = 500;

  constructor(message: string) {
    super(message);
    this.name = "SigningConfigError";
  }
}

export interface SigningSettings {
  readonly config: SigningConfig;
  readonly signingKeyId: string;
  readonly tenantClaim: string;
  readonly subjectClaim: string;
  readonly env: SigningEnv;
}

/** Parses the environment; throws SigningConfigError naming every problem. */
export function parseSigningEnv(raw: Readonly<Record<string, string | undefined>>): SigningSettings {
  const result = signingEnvSchema.safeParse(raw);
  if (!result.success) {
    throw new SigningConfigError(
      `signing environment is invalid: ${result.error.issues.map((i) => `${i.path.join(".") || "env"}: ${i.message}`).join("; ")}`,
    );
  }
  const env = result.data;
  const problems = [tenantEnvProblem(env), pseudonymEnvProblem(env)].filter((p) => p !== undefined);
  if (env.CLEAN_BUCKET === env.EVIDENCE_BUCKET)
    problems.push("EVIDENCE_BUCKET: must not be the clean bucket (evidence is the platform's, documents the tenants')");
  if (problems.length > 0) throw new SigningConfigError(`signing environment is invalid: ${problems.join("; ")}`);
  return {
    config: {
      cleanBucket: env.CLEAN_BUCKET,
      evidenceBucket: env.EVIDENCE_BUCKET,
      evidenceKmsKeyId: env.EVIDENCE_KMS_KEY_ID,
    },
    signingKeyId: env.SIGNING_KEY_ID,
    tenantClaim: env.TENANT_CLAIM,
    subjectClaim: env.SUBJECT_CLAIM,
    env,
  };
}

/** The settings, or the configuration error (answered with 500 on each request and logged, not a failed init). */
export function loadSigningSettings(
  raw: Readonly<Record<string, string | undefined>>,
): SigningSettings | SigningConfigError {
  try {
    return parseSigningEnv(raw);
  } catch (error) {
    if (error instanceof SigningConfigError) return error;
    throw error;
  }
}

/** Tenant credentials outlive every invocation: renewed when less than Lambda's longest run (900 s) remains. */
export function signingTenantDirectory(settings: SigningSettings): TenantDirectory<S3Client> | undefined {
  return tenantDirectoryFromEnv(settings.env, {
    defaultSessionName: "signing",
    minRemainingSeconds: 900,
    clientFor: (credentials) => s3ClientFromEnv(settings.env, credentials),
  });
}

/** The production signer: KMS Sign (MessageType DIGEST) under SIGNING_KEY_ID, through KMS_ENDPOINT when set. */
export function signingSigner(settings: SigningSettings): EvidenceSigner {
  const env = settings.env;
  const kms = new KMSClient({
    region: env.AWS_REGION,
    ...(env.KMS_ENDPOINT === undefined ? {} : { endpoint: env.KMS_ENDPOINT }),
  });
  return kmsSigner(kms, settings.signingKeyId);
}

/** The handler's dependencies: the S3 client, the signer, the pseudonyms and the tenant directory (only a client when misconfigured). */
export function signingDependencies(
  settings: SigningSettings | SigningConfigError,
  raw: Readonly<Record<string, string | undefined>>,
): {
  readonly s3: S3Client;
  readonly signer?: EvidenceSigner;
  readonly pseudonyms: Pseudonyms | undefined;
  readonly tenants?: TenantDirectory<S3Client>;
  readonly events?: WebhookPublisher;
} {
  if (settings instanceof SigningConfigError) {
    return {
      s3: s3ClientFromEnv({ AWS_REGION: raw.AWS_REGION ?? "us-east-1", S3_FORCE_PATH_STYLE: false }),
      pseudonyms: undefined,
    };
  }
  return {
    s3: s3ClientFromEnv(settings.env),
    signer: signingSigner(settings),
    pseudonyms: pseudonymsFromEnv(settings.env),
    tenants: signingTenantDirectory(settings),
    ...optional("events", publisherFromEnv(settings.env)),
  };
}

export { s3ClientFromEnv } from "../shared/s3-env";

const optional = <K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } =>
  (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
