/**
 * The operators' HTTP API of data-subject requests (API Gateway HTTP API, payload format 2.0, every
 * route authorised with AWS_IAM). Operators never call Step Functions: this function does, with the
 * identity API Gateway verified (`requestContext.authorizer.iam.userArn`), so the requester and the
 * approver recorded are who signed the HTTP request.
 *
 * - `POST /v1/requests` `{ tenant, subject, kind, reason }` → StartExecution (name = request ID) → 201
 * - `POST /v1/requests/{id}/approve` → SendTaskSuccess with `{ approvedBy, approvedAt }` → 200
 *   (403 `self-approval` for the requester; 409 when the request is not awaiting approval)
 * - `POST /v1/requests/{id}/reject` `{ reason }` → SendTaskFailure `RequestRejected` → 200
 *   (the requester may reject their own request: that withdraws it)
 * - `GET /v1/requests/{id}` → DescribeExecution → the request's status
 *
 * Errors are JSON `{ error: { code, field, message } }` (functions/shared/http-api.ts).
 */
import {
  DescribeExecutionCommand,
  type DescribeExecutionCommandOutput,
  SendTaskFailureCommand,
  SendTaskSuccessCommand,
  StartExecutionCommand,
} from "@aws-sdk/client-sfn";
import { z } from "zod";
import { DeploymentRecordError, type StoredDeployment } from "../evidence/deployment-store";
import { bodyText, failure, type HttpApiResult, json } from "../shared/http-api";
import type { Logger } from "../shared/logger";
import type { Pseudonyms } from "../shared/pseudonym";
import { EXPIRED_ERROR, REJECTED_ERROR } from "./definition";
import {
  type Approval,
  parseNewRequest,
  parseRejection,
  parseRequestId,
  type Rejection,
  RequestInputError,
  type RequestRecord,
  sameIdentity,
} from "./request";
import type { RequestStore } from "./request-store";

/** The four Step Functions calls the API makes, through the SDK client or a local implementation. */
export type SfnCommand =
  | StartExecutionCommand
  | SendTaskSuccessCommand
  | SendTaskFailureCommand
  | DescribeExecutionCommand;
export interface StepFunctionsClient {
  send(command: SfnCommand): Promise<unknown>;
}

export interface ApiDeps {
  readonly sfn: StepFunctionsClient;
  readonly store: RequestStore;
  readonly pseudonyms: Pseudonyms;
  /**
   * The standby pseudonyms (STANDBY_PSEUDONYM_KEY_ID): with commercial places, the run reaches the
   * subject's replicas by them. @default - none (no commercial places)
   */
  readonly standbyPseudonyms?: Pseudonyms;
  /**
   * The tenants a request may name: a list, or (deployed) a lookup of the tenant's key alias, so that
   * adding or removing a tenant changes nothing of this function.
   */
  readonly tenants: readonly string[] | TenantLookup;
  readonly stateMachineArn: string;
  readonly logger: Logger;
  /** @default () => new Date() */
  readonly now?: () => Date;
  /** @default crypto.randomUUID */
  readonly newId?: () => string;
  /**
   * Keeps a signed deployment manifest in the evidence bucket (`POST /v1/deployments`).
   * @default - the route answers 404
   */
  readonly deployments?: (certificate: string, storedBy: string) => Promise<StoredDeployment>;
  /**
   * Reads a completed request's certificate (the signed JSON) from the evidence bucket, for GET: the
   * bucket admits reads only through the VPC endpoint, so operators get it here.
   * @default - GET names the certificate's key only
   */
  readonly certificates?: (key: string) => Promise<string>;
}

/** Whether `tenant` (a usable tenant ID) is a tenant of the deployment. */
export type TenantLookup = (tenant: string) => Promise<boolean>;

export type RequestStatus = "awaiting-approval" | "running" | "completed" | "rejected" | "failed" | "timed-out";

const eventSchema = z.object({
  version: z.literal("2.0"),
  routeKey: z.string().optional(),
  body: z.string().optional(),
  isBase64Encoded: z.boolean().optional(),
  pathParameters: z.record(z.string(), z.string()).optional(),
  requestContext: z.object({
    requestId: z.string().optional(),
    http: z.object({ method: z.string(), path: z.string() }),
    authorizer: z.object({ iam: z.object({ userArn: z.string().optional() }).optional() }).optional(),
  }),
});
type ApiEvent = z.output<typeof eventSchema>;

/** The execution's ARN: the state machine's with `:stateMachine:` → `:execution:`, then `:<name>`. */
export function executionArn(stateMachineArn: string, id: string): string {
  return `${stateMachineArn.replace(":stateMachine:", ":execution:")}:${id}`;
}

const errorName = (error: unknown) => (error as { name?: string }).name;

function bodyOf(event: ApiEvent): unknown {
  const raw = bodyText(event);
  if (raw.trim() === "") return {};
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    throw new RequestInputError("", "the body is not JSON: send a JSON object");
  }
}

async function create(event: ApiEvent, caller: string, deps: ApiDeps): Promise<HttpApiResult> {
  const asked = parseNewRequest(bodyOf(event), typeof deps.tenants === "function" ? undefined : deps.tenants);
  if (typeof deps.tenants === "function" && !(await deps.tenants(asked.tenant)))
    throw new RequestInputError(
      "tenant",
      `unknown tenant ${JSON.stringify(asked.tenant)}: no tenant of this deployment has that ID (check the configuration's tenants)`,
    );
  const record: RequestRecord = {
    id: (deps.newId ?? (() => crypto.randomUUID()))(),
    tenant: asked.tenant,
    pseudonym: await deps.pseudonyms.of(asked.tenant, asked.subject),
    ...(deps.standbyPseudonyms === undefined
      ? {}
      : { standbyPseudonym: await deps.standbyPseudonyms.of(asked.tenant, asked.subject) }),
    kind: asked.kind,
    reason: asked.reason,
    requestedBy: caller,
    requestedAt: (deps.now ?? (() => new Date()))().toISOString(),
  };
  await deps.sfn.send(
    new StartExecutionCommand({
      stateMachineArn: deps.stateMachineArn,
      name: record.id,
      input: JSON.stringify({ request: record }),
    }),
  );
  deps.logger.info("request started", { id: record.id, tenant: record.tenant, kind: record.kind, requestedBy: caller });
  return json(201, { id: record.id, status: "awaiting-approval" });
}

/** The pending record, or 409 when the request is not (or no longer, or not yet) awaiting a decision. */
async function pendingOf(id: string, deps: ApiDeps) {
  const pending = await deps.store.getPending(id);
  if (pending === undefined)
    throw new RequestInputError(
      "id",
      `request ${id} is not awaiting approval: it is unknown, already decided or expired (GET /v1/requests/${id} says which); a request that was started a moment ago may need a second`,
      409,
      "not_awaiting_approval",
    );
  return pending;
}

/** Step Functions' answer for a token already used or expired: 409, and the stale record goes. */
async function decided(id: string, error: unknown, deps: ApiDeps): Promise<never> {
  const name = errorName(error);
  if (name !== "TaskTimedOut" && name !== "InvalidToken" && name !== "TaskDoesNotExist") throw error;
  await deps.store.deletePending(id);
  throw new RequestInputError(
    "id",
    `request ${id} was already decided or its approval expired (Step Functions: ${name}); nothing changed`,
    409,
    "already_decided",
  );
}

async function approve(id: string, caller: string, deps: ApiDeps): Promise<HttpApiResult> {
  const pending = await pendingOf(id, deps);
  if (sameIdentity(caller, pending.request.requestedBy))
    throw new RequestInputError(
      "approvedBy",
      `${caller} asked for request ${id} and cannot approve it: a second person approves`,
      403,
      "self-approval",
    );
  const approval: Approval = { approvedBy: caller, approvedAt: (deps.now ?? (() => new Date()))().toISOString() };
  try {
    await deps.sfn.send(new SendTaskSuccessCommand({ taskToken: pending.taskToken, output: JSON.stringify(approval) }));
  } catch (error) {
    return decided(id, error, deps);
  }
  await deps.store.deletePending(id);
  deps.logger.info("request approved", { id, approvedBy: caller });
  return json(200, { id, status: "running", approval });
}

async function reject(event: ApiEvent, id: string, caller: string, deps: ApiDeps): Promise<HttpApiResult> {
  const { reason } = parseRejection(bodyOf(event));
  const pending = await pendingOf(id, deps);
  const rejection: Rejection = {
    rejectedBy: caller,
    rejectedAt: (deps.now ?? (() => new Date()))().toISOString(),
    reason,
  };
  try {
    await deps.sfn.send(
      new SendTaskFailureCommand({
        taskToken: pending.taskToken,
        error: REJECTED_ERROR,
        cause: JSON.stringify(rejection),
      }),
    );
  } catch (error) {
    return decided(id, error, deps);
  }
  await deps.store.deletePending(id);
  deps.logger.info("request rejected", { id, rejectedBy: caller });
  return json(200, { id, status: "rejected", rejection });
}

const parseJson = (text: string | undefined): Record<string, unknown> | undefined => {
  try {
    const value = text === undefined ? undefined : (JSON.parse(text) as unknown);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
};

/** The request's status as the execution, its pending record and its output tell it. */
async function describe(id: string, deps: ApiDeps): Promise<HttpApiResult> {
  let execution: DescribeExecutionCommandOutput;
  try {
    execution = (await deps.sfn.send(
      new DescribeExecutionCommand({ executionArn: executionArn(deps.stateMachineArn, id) }),
    )) as DescribeExecutionCommandOutput;
  } catch (error) {
    if (errorName(error) !== "ExecutionDoesNotExist") throw error;
    throw new RequestInputError("id", `there is no request ${id}`, 404, "not_found");
  }
  const request = parseJson(execution.input)?.request;
  const output = parseJson(execution.output);
  const base = { id, request };
  switch (execution.status) {
    case "RUNNING": {
      const pending = await deps.store.getPending(id);
      return json(200, { ...base, status: pending === undefined ? "running" : "awaiting-approval" });
    }
    case "SUCCEEDED": {
      const run = output?.run as
        | { held?: boolean; heldUntil?: string | null; downloadUrl?: string | null; expiresAt?: string | null }
        | undefined;
      const certificate = output?.certificate as { certificateKey?: string } | undefined;
      const key = certificate?.certificateKey;
      const text = key === undefined || deps.certificates === undefined ? undefined : await deps.certificates(key);
      return json(200, {
        ...base,
        status: "completed",
        approval: output?.approval,
        certificate: key,
        ...(text === undefined ? {} : { certificateText: text }),
        held: run?.held === true,
        ...(run?.heldUntil ? { heldUntil: run.heldUntil } : {}),
        ...(run?.downloadUrl ? { downloadUrl: run.downloadUrl, expiresAt: run.expiresAt } : {}),
      });
    }
    case "FAILED":
      if (execution.error === REJECTED_ERROR)
        return json(200, { ...base, status: "rejected", rejection: parseJson(execution.cause) });
      if (execution.error === EXPIRED_ERROR) return json(200, { ...base, status: "timed-out" });
      return json(200, { ...base, status: "failed", error: execution.error, cause: execution.cause });
    case "TIMED_OUT":
      return json(200, { ...base, status: "timed-out" });
    default:
      return json(200, { ...base, status: "failed", error: execution.status });
  }
}

/**
 * `POST /v1/deployments`: the body is a certificate deployment-manifest signed with the evidence key;
 * stored under COMPLIANCE lock (201, or 200 when it was stored before), refused (400) when the key did
 * not sign it or it is not a deployment manifest.
 */
async function recordDeployment(event: ApiEvent, caller: string, deps: ApiDeps): Promise<HttpApiResult> {
  if (deps.deployments === undefined) return failure(404, "no_route", "", "this API records no deployments");
  const text = bodyText(event);
  if (text.trim() === "")
    throw new RequestInputError("certificate", "the body is empty: send the certificate deployment-manifest wrote");
  try {
    const stored = await deps.deployments(text, caller);
    deps.logger.info("deployment recorded", { key: stored.key, created: stored.created, storedBy: caller });
    return json(stored.created ? 201 : 200, stored);
  } catch (error) {
    if (error instanceof DeploymentRecordError) throw new RequestInputError(error.field, error.message);
    throw error;
  }
}

async function route(event: ApiEvent, caller: string, deps: ApiDeps): Promise<HttpApiResult> {
  const routeKey = event.routeKey ?? `${event.requestContext.http.method} ${event.requestContext.http.path}`;
  const id = () => parseRequestId(event.pathParameters?.id);
  switch (routeKey) {
    case "POST /v1/requests":
      return create(event, caller, deps);
    case "POST /v1/requests/{id}/approve":
      return approve(id(), caller, deps);
    case "POST /v1/requests/{id}/reject":
      return reject(event, id(), caller, deps);
    case "GET /v1/requests/{id}":
      return describe(id(), deps);
    case "POST /v1/deployments":
      return recordDeployment(event, caller, deps);
    default:
      return failure(404, "no_route", "", `no route ${routeKey}`);
  }
}

/** Handles one API Gateway HTTP API v2 event (see the module comment). */
export async function handleApiEvent(rawEvent: unknown, deps: ApiDeps): Promise<HttpApiResult> {
  const parsed = eventSchema.safeParse(rawEvent);
  if (!parsed.success) {
    deps.logger.error("event is not an API Gateway HTTP API v2 event", {
      issues: parsed.error.issues.map((i) => i.path.join(".")),
    });
    return failure(500, "internal_error", "", "internal error");
  }
  const event = parsed.data;
  const caller = event.requestContext.authorizer?.iam?.userArn?.trim() ?? "";
  if (caller === "")
    return failure(
      403,
      "no_identity",
      "",
      "the request carries no verified IAM identity: sign it with SigV4 (AWS_IAM)",
    );
  try {
    return await route(event, caller, deps);
  } catch (error) {
    if (error instanceof RequestInputError) return failure(error.status, error.code, error.field, error.message);
    deps.logger.error("request failed", { route: event.routeKey, error });
    return failure(500, "internal_error", "", "internal error");
  }
}
