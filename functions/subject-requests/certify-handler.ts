/**
 * The certify function: the workflow's Certify state (certify.ts) with the evidence key and bucket of
 * its environment (env.ts `CertifyEnv`): KMS Sign (MessageType DIGEST) under EVIDENCE_KEY_ID. Clients
 * are built at first use and kept for the instance; tests pass their own, and their own signer.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { EvidenceSigner } from "../evidence/algorithms";
import { kmsSigner } from "../evidence/kms-signer";
import { createLogger } from "../shared/logger";
import { type CertifyInput, type CertifyOutput, certifyRequest } from "./certify";
import { CertifyEnv, kmsClient, parseEnv, sovereignS3 } from "./env";
import { RequestStore } from "./request-store";

export interface CertifyOverrides {
  readonly s3?: S3Client;
  readonly signer?: EvidenceSigner;
  readonly now?: () => Date;
}

export function createCertifyHandler(
  rawEnv: Readonly<Record<string, string | undefined>>,
  overrides: CertifyOverrides = {},
): (event: CertifyInput) => Promise<CertifyOutput> {
  const env = parseEnv(CertifyEnv, rawEnv);
  const s3 = overrides.s3 ?? sovereignS3(env);
  const deps = {
    store: new RequestStore(s3, env.REQUESTS_BUCKET, env.REQUESTS_KMS_KEY_ID),
    evidence: s3,
    target: { bucket: env.EVIDENCE_BUCKET, kmsKeyId: env.EVIDENCE_BUCKET_KMS_KEY_ID },
    signer: overrides.signer ?? kmsSigner(kmsClient(env), env.EVIDENCE_KEY_ID),
    ...(overrides.now === undefined ? {} : { now: overrides.now }),
  };
  const logger = createLogger("subject-requests-certify");
  return async (event) => {
    const output = await certifyRequest(event, deps);
    logger.info("request certified", { certificateKey: output.certificateKey, versionId: output.versionId });
    return output;
  };
}

let instance: ReturnType<typeof createCertifyHandler> | undefined;

/** The Lambda entry point. */
export function handler(event: CertifyInput): Promise<CertifyOutput> {
  instance ??= createCertifyHandler(process.env);
  return instance(event);
}
