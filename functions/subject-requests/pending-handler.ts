/**
 * The pending function: the target of the workflow's AwaitApproval state
 * (`lambda:invoke.waitForTaskToken`). It stores `{ request, taskToken }` at `pending/<id>.json` in the
 * requests bucket, where the API finds the token when someone approves or rejects.
 *
 * Duplicates: the ID is the execution's name, so only that execution writes there. When Step Functions
 * invokes this function again for the same state (a retried invocation), the record is replaced and
 * the latest token is the live one; a record of another request under the same key is refused.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { createLogger } from "../shared/logger";
import { PendingEnv, parseEnv, sovereignS3 } from "./env";
import { checkRecord } from "./request";
import { RequestStore } from "./request-store";

export interface PendingEvent {
  readonly request: unknown;
  readonly taskToken: unknown;
}

/** Stores the pending record; returns its key (Step Functions ignores the answer of this state). */
export async function recordPending(
  event: PendingEvent,
  store: RequestStore,
): Promise<{ readonly pendingKey: string }> {
  const request = checkRecord(event?.request, "the event's request");
  if (typeof event.taskToken !== "string" || event.taskToken === "")
    throw new Error("the event has no taskToken: the state must pass $$.Task.Token");
  const existing = await store.getPending(request.id);
  if (existing !== undefined && JSON.stringify(existing.request) !== JSON.stringify(request))
    throw new Error(`pending/${request.id}.json holds another request: refusing to replace it`);
  await store.putPending({ request, taskToken: event.taskToken });
  return { pendingKey: `pending/${request.id}.json` };
}

export function createPendingHandler(
  rawEnv: Readonly<Record<string, string | undefined>>,
  overrides: { readonly s3?: S3Client } = {},
): (event: PendingEvent) => Promise<{ readonly pendingKey: string }> {
  const env = parseEnv(PendingEnv, rawEnv);
  const store = new RequestStore(overrides.s3 ?? sovereignS3(env), env.REQUESTS_BUCKET, env.REQUESTS_KMS_KEY_ID);
  const logger = createLogger("subject-requests-pending");
  return async (event) => {
    const answer = await recordPending(event, store);
    logger.info("awaiting approval", { key: answer.pendingKey });
    return answer;
  };
}

let instance: ReturnType<typeof createPendingHandler> | undefined;

/** The Lambda entry point. */
export function handler(event: PendingEvent): Promise<{ readonly pendingKey: string }> {
  instance ??= createPendingHandler(process.env);
  return instance(event);
}
