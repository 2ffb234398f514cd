/**
 * The workflow's Run step: an approved request's erasure (`eraseSubject`) or export (`exportSubject`)
 * over every place of the environment, the full report stored at `reports/<id>/<attempt>.json` in the
 * requests bucket (a state's payload is limited to 256 KB), and a small answer for the state machine.
 *
 * An erasure with a place that is not confirmed (it stopped, or versions other than held ones remain)
 * throws `ErasureIncompleteError` after storing the report: Step Functions retries the step, then fails
 * the execution, and nothing is certified. Held versions are not an error: the answer says until when
 * they are held (`heldUntil`: the latest retention date; a legal hold has no date, so it is looked at
 * again a week later), and whether the workflow should wait and run again (`followUp`: when that date
 * is within FOLLOW_UP_HORIZON_DAYS of the execution's start, inside a standard execution's year).
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { RequestOutcome } from "./certificate";
import { type ErasurePlace, eraseSubject, subjectPrefixes } from "./erase";
import { SYNC_RECORDS_PREFIX } from "../cross-partition-sync/standby-index-layout";
import { exportSubject } from "./export";
import { checkApproval, checkRecord, type RequestRecord, sameIdentity } from "./request";
import { exportKey, type RequestStore } from "./request-store";

/** A legal hold has no end date: the follow-up looks again this long after the run. */
export const LEGAL_HOLD_RECHECK_DAYS = 7;
/** A follow-up is scheduled only within this many days of the execution's start (executions last ≤ 1 year). */
export const FOLLOW_UP_HORIZON_DAYS = 330;
const DAY_MS = 24 * 3600 * 1000;

/** One bucket of the environment, with the client of its partition. */
export interface RunPlace {
  readonly name: string;
  readonly bucket: string;
  readonly client: S3Client;
  /**
   * A commercial place (a failover bucket) holds replicas named by the standby pseudonym: it is
   * reached by the request's `standbyPseudonym`, never by the sovereign one. @default "sovereign"
   */
  readonly partition?: "sovereign" | "commercial";
  /**
   * The sync's standby index is in this (sovereign) bucket: the subject's two records
   * (`sip-sync-records/by-sovereign/<tenant>/<pseudonym>/`, `.../by-standby/<tenant>/<standby>/`)
   * are erased and exported with their objects, the second as the place `<name>-standby-index`.
   * @default false
   */
  readonly standbyIndex?: boolean;
}

export interface RunDeps {
  readonly store: RequestStore;
  readonly places: readonly RunPlace[];
  /** Where exports go: the requests bucket's client, and the archives' KMS key. */
  readonly exports: { readonly client: S3Client; readonly bucket: string; readonly kmsKeyId: string };
  readonly expirySeconds: number;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The Run state's payload. */
export interface RunInput {
  readonly request: unknown;
  readonly approval: unknown;
  readonly attempt: unknown;
  /** The execution's start (`$$.Execution.StartTime`). */
  readonly startedAt?: unknown;
}

/** The Run state's answer (every field present, null when it does not apply, for the state's ResultSelector). */
export interface RunOutput {
  readonly reportKey: string;
  readonly held: boolean;
  readonly heldUntil: string | null;
  readonly followUp: boolean;
  readonly downloadUrl: string | null;
  readonly expiresAt: string | null;
}

/** An erasure that did not finish everywhere: the execution retries, then fails; nothing is certified. */
export class ErasureIncompleteError extends Error {
  override readonly name = "ErasureIncompleteError";
}

/** A positive whole attempt number. */
export function checkAttempt(value: unknown): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 1)
    throw new Error(`attempt must be a positive whole number (value: ${JSON.stringify(value)})`);
  return value;
}

/** Until when the held versions are held (see the module comment); null when none is. */
export function heldUntilOf(
  held: readonly { readonly retainUntil: string | null; readonly legalHold: boolean }[],
  now: Date,
): string | null {
  let latest: number | undefined;
  for (const version of held) {
    const retained = version.retainUntil === null ? 0 : Date.parse(version.retainUntil);
    const until = version.legalHold ? Math.max(retained, now.getTime() + LEGAL_HOLD_RECHECK_DAYS * DAY_MS) : retained;
    latest = Math.max(latest ?? until, until);
  }
  return latest === undefined ? null : new Date(latest).toISOString();
}

/**
 * The places with the subject's prefixes: the sovereign pseudonym's in sovereign places, the standby
 * pseudonym's in commercial ones (no request to the commercial partition names a sovereign pseudonym).
 */
export function placesOf(request: RequestRecord, places: readonly RunPlace[]): ErasurePlace[] {
  const subject = { tenant: request.tenant, pseudonym: request.pseudonym };
  const standby =
    request.standbyPseudonym === undefined
      ? undefined
      : { tenant: request.tenant, pseudonym: request.standbyPseudonym };
  return places.flatMap(({ partition, standbyIndex, ...place }): ErasurePlace[] => {
    if (partition !== "commercial") {
      if (standbyIndex !== true) return [{ ...place, prefixes: subjectPrefixes(subject) }];
      const own = subjectPrefixes(subject);
      const sovereignRecord = { ...place, prefixes: [...own, `${SYNC_RECORDS_PREFIX}by-sovereign/${own[0]}`] };
      if (standby === undefined) return [sovereignRecord];
      const standbyRecord = {
        ...place,
        name: `${place.name}-standby-index`,
        subject: standby,
        prefixes: [`${SYNC_RECORDS_PREFIX}by-standby/${subjectPrefixes(standby)[0]}`],
      };
      return [sovereignRecord, standbyRecord];
    }
    if (standby === undefined)
      throw new Error(
        `request ${request.id} has no standby pseudonym, but ${place.name} is in the commercial partition, where replicas are named by it: create the request again (the API derives it with STANDBY_PSEUDONYM_KEY_ID)`,
      );
    return [{ ...place, subject: standby, prefixes: subjectPrefixes(standby) }];
  });
}

/** Runs the approved request's erasure or export (see the module comment). */
export async function runRequest(input: RunInput, deps: RunDeps): Promise<RunOutput> {
  const request = checkRecord(input?.request, "the event's request");
  const approval = checkApproval(input.approval, "the event's approval");
  const attempt = checkAttempt(input.attempt);
  const now = (deps.now ?? (() => new Date()))();
  const subject = { tenant: request.tenant, pseudonym: request.pseudonym };
  const places = placesOf(request, deps.places);
  if (sameIdentity(approval.approvedBy, request.requestedBy))
    throw new Error("the request is not approved by a second person");

  if (request.kind === "export") {
    const result = await exportSubject(subject, places, {
      target: { ...deps.exports, key: exportKey(request) },
      expirySeconds: deps.expirySeconds,
    });
    // The pre-signed URL is a bearer credential: it goes back to the operator, not into the stored report.
    const outcome: RequestOutcome = { kind: "export", export: { ...result, url: "" } };
    const reportKey = await deps.store.putReport(request.id, attempt, outcome);
    return {
      reportKey,
      held: false,
      heldUntil: null,
      followUp: false,
      downloadUrl: result.url,
      expiresAt: result.expiresAt,
    };
  }

  const report = await eraseSubject(subject, places, { now: () => now });
  const outcome: RequestOutcome = { kind: "erase", erasure: report };
  const reportKey = await deps.store.putReport(request.id, attempt, outcome);
  const unfinished = report.places.filter((p) => !p.confirmed);
  if (unfinished.length > 0)
    throw new ErasureIncompleteError(
      `the erasure of request ${request.id} (attempt ${attempt}) is not confirmed in ${unfinished
        .map((p) => `${p.name} (${p.error ?? `${p.remaining?.length ?? 0} versions remain`})`)
        .join(", ")}; report ${reportKey}`,
    );
  const held = report.places.flatMap((p) => p.held);
  const heldUntil = heldUntilOf(held, now);
  const started = typeof input.startedAt === "string" ? Date.parse(input.startedAt) : Number.NaN;
  const horizon = (Number.isNaN(started) ? now.getTime() : started) + FOLLOW_UP_HORIZON_DAYS * DAY_MS;
  return {
    reportKey,
    held: held.length > 0,
    heldUntil,
    followUp: heldUntil !== null && Date.parse(heldUntil) <= horizon,
    downloadUrl: null,
    expiresAt: null,
  };
}
