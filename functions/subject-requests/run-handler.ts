/**
 * The run function: the workflow's Run state (run.ts) with the places of its environment (env.ts
 * `RunEnv`, `PLACES`): sovereign places through the function's role, commercial ones through IAM Roles
 * Anywhere. Clients are built at first use and kept for the instance; tests pass their own.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { createLogger } from "../shared/logger";
import { commercialS3, parseEnv, RunEnv, sovereignS3 } from "./env";
import { RequestStore } from "./request-store";
import { type RunInput, type RunOutput, runRequest } from "./run";

export interface RunOverrides {
  readonly sovereign?: S3Client;
  /** Built only when a place is commercial. */
  readonly commercial?: () => S3Client;
  readonly now?: () => Date;
}

export function createRunHandler(
  rawEnv: Readonly<Record<string, string | undefined>>,
  overrides: RunOverrides = {},
): (event: RunInput) => Promise<RunOutput> {
  const env = parseEnv(RunEnv, rawEnv);
  const sovereign = overrides.sovereign ?? sovereignS3(env);
  const commercialPlace = env.PLACES.some((p) => p.partition === "commercial");
  const commercial = commercialPlace ? (overrides.commercial ?? (() => commercialS3(env)))() : undefined;
  const places = env.PLACES.map((p) => ({
    name: p.name,
    bucket: p.bucket,
    partition: p.partition,
    ...(p.standbyIndex === true ? { standbyIndex: true } : {}),
    client: p.partition === "commercial" && commercial !== undefined ? commercial : sovereign,
  }));
  const deps = {
    store: new RequestStore(sovereign, env.REQUESTS_BUCKET, env.REQUESTS_KMS_KEY_ID),
    places,
    exports: { client: sovereign, bucket: env.REQUESTS_BUCKET, kmsKeyId: env.EXPORT_KMS_KEY_ID },
    expirySeconds: env.EXPORT_URL_EXPIRY_SECONDS,
    ...(overrides.now === undefined ? {} : { now: overrides.now }),
  };
  const logger = createLogger("subject-requests-run");
  return async (event) => {
    const output = await runRequest(event, deps);
    logger.info("request run", { reportKey: output.reportKey, held: output.held, followUp: output.followUp });
    return output;
  };
}

let instance: ReturnType<typeof createRunHandler> | undefined;

/** The Lambda entry point. */
export function handler(event: RunInput): Promise<RunOutput> {
  instance ??= createRunHandler(process.env);
  return instance(event);
}
