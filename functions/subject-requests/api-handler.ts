/**
 * The API function (Lambda, behind API Gateway HTTP API with AWS_IAM on every route): api.ts with the
 * clients of its environment (env.ts `ApiEnv`), built at first use and kept for the instance.
 */
import { GetObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { REQUESTS_PREFIX } from "../signing/evidence-layout";
import { createLogger } from "../shared/logger";
import { kmsMac, Pseudonyms, STANDBY_DOMAIN } from "../shared/pseudonym";
import { type ApiDeps, handleApiEvent, type StepFunctionsClient, type TenantLookup } from "./api";
import { kmsKeyLookup } from "../shared/tenant-directory";
import { type ApiEnv, kmsClient, parseApiEnv, sfnClient, sovereignS3 } from "./env";
import { storeDeploymentCertificate } from "../evidence/deployment-store";
import { kmsPublicKey } from "../evidence/kms-signer";
import type { VerificationKey } from "../evidence/public-key";
import { RequestStore } from "./request-store";

export interface ApiOverrides {
  readonly s3?: S3Client;
  readonly sfn?: StepFunctionsClient;
  readonly pseudonyms?: Pseudonyms;
  /** @default - from STANDBY_PSEUDONYM_KEY_ID, when set */
  readonly standbyPseudonyms?: Pseudonyms;
  readonly now?: () => Date;
  /** @default - the key alias lookup of the environment (TENANT_KEY_ALIAS_PREFIX), else its TENANTS */
  readonly tenants?: TenantLookup;
  /** The client deployment manifests are stored with. @default - `s3` */
  readonly evidenceS3?: S3Client;
  /** @default - KMS GetPublicKey of EVIDENCE_KEY_ID */
  readonly evidencePublicKey?: () => Promise<VerificationKey>;
}

/** The handler over an environment; clients from the environment unless given. */
export function createApiHandler(
  rawEnv: Readonly<Record<string, string | undefined>>,
  overrides: ApiOverrides = {},
): (event: unknown) => ReturnType<typeof handleApiEvent> {
  const env = parseApiEnv(rawEnv);
  const prefix = env.TENANT_KEY_ALIAS_PREFIX;
  const lookup = prefix === undefined ? undefined : kmsKeyLookup(kmsClient(env));
  const deps: ApiDeps = {
    sfn: overrides.sfn ?? sfnClient(env),
    store: new RequestStore(overrides.s3 ?? sovereignS3(env), env.REQUESTS_BUCKET, env.REQUESTS_KMS_KEY_ID),
    pseudonyms: overrides.pseudonyms ?? new Pseudonyms(kmsMac(kmsClient(env), env.PSEUDONYM_KEY_ID)),
    ...standbyOf(env, overrides),
    ...deploymentsOf(env, overrides),
    tenants:
      overrides.tenants ??
      (lookup === undefined || prefix === undefined
        ? (env.TENANTS ?? [])
        : // A tenant ID with characters no alias may hold names no tenant (and would make KMS answer 400).
          async (tenant) =>
            /^[A-Za-z0-9_-]+$/.test(tenant) && (await lookup.describeAlias(`${prefix}${tenant}`)) !== undefined),
    stateMachineArn: env.STATE_MACHINE_ARN,
    logger: createLogger("subject-requests-api"),
    ...(overrides.now === undefined ? {} : { now: overrides.now }),
  };
  return (event) => handleApiEvent(event, deps);
}

/** The standby pseudonyms, with STANDBY_PSEUDONYM_KEY_ID (the deployment has commercial places). */
function standbyOf(env: ApiEnv, overrides: ApiOverrides): Pick<ApiDeps, "standbyPseudonyms"> {
  if (overrides.standbyPseudonyms !== undefined) return { standbyPseudonyms: overrides.standbyPseudonyms };
  if (env.STANDBY_PSEUDONYM_KEY_ID === undefined) return {};
  return {
    standbyPseudonyms: new Pseudonyms(kmsMac(kmsClient(env), env.STANDBY_PSEUDONYM_KEY_ID), undefined, STANDBY_DOMAIN),
  };
}

/** With the evidence bucket and key in the environment, the API records signed deployment manifests. */
function deploymentsOf(env: ApiEnv, overrides: ApiOverrides): Pick<ApiDeps, "deployments" | "certificates"> {
  if (
    env.EVIDENCE_BUCKET === undefined ||
    env.EVIDENCE_BUCKET_KMS_KEY_ID === undefined ||
    env.EVIDENCE_KEY_ID === undefined
  )
    return {};
  const store = {
    s3: overrides.evidenceS3 ?? overrides.s3 ?? sovereignS3(env),
    bucket: env.EVIDENCE_BUCKET,
    kmsKeyId: env.EVIDENCE_BUCKET_KMS_KEY_ID,
    publicKey: overrides.evidencePublicKey ?? kmsPublicKey(kmsClient(env), env.EVIDENCE_KEY_ID),
  };
  return {
    deployments: (text, storedBy) => storeDeploymentCertificate(store, text, storedBy),
    certificates: (key) => readRequestCertificate(store.s3, store.bucket, key),
  };
}

/** A request certificate's text from the evidence bucket (only keys under requests/). */
async function readRequestCertificate(s3: S3Client, bucket: string, key: string): Promise<string> {
  if (!key.startsWith(REQUESTS_PREFIX) || key.includes(".."))
    throw new Error(`certificate key ${JSON.stringify(key)} is not under ${REQUESTS_PREFIX}`);
  const answer = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  return (await answer.Body?.transformToString("utf8")) ?? "";
}

let instance: ReturnType<typeof createApiHandler> | undefined;

/** The Lambda entry point. */
export function handler(event: unknown): ReturnType<typeof handleApiEvent> {
  instance ??= createApiHandler(process.env);
  return instance(event);
}
