/**
 * The workflow's Certify step: reads the run's report from the requests bucket and certifies it
 * (`issueRequestCertificate`) in the evidence bucket under the key of that run's attempt.
 *
 * Exactly one certificate per attempt: the evidence bucket keeps every version under COMPLIANCE, so a
 * second write would leave two locked certificates. When Step Functions retries this step after an
 * answer was lost, HeadObject finds the certificate already stored and its version is returned
 * without signing or writing again.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import { headOrUndefined } from "../shared/s3-objects";
import type { EvidenceSigner } from "../evidence/algorithms";
import {
  type CertificateTarget,
  issueRequestCertificate,
  type RequestOutcome,
  requestCertificateKey,
  type SubjectRequest,
} from "./certificate";
import { checkApproval, checkRecord } from "./request";
import type { RequestStore } from "./request-store";
import { checkAttempt } from "./run";

export interface CertifyDeps {
  readonly store: RequestStore;
  /** The client that may read and write under the evidence bucket's `requests/`. */
  readonly evidence: S3Client;
  readonly target: CertificateTarget;
  readonly signer: EvidenceSigner;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** The Certify state's payload: the request, its approval, the attempt and the Run state's answer. */
export interface CertifyInput {
  readonly request: unknown;
  readonly approval: unknown;
  readonly attempt: unknown;
  readonly run: unknown;
}

export interface CertifyOutput {
  readonly certificateKey: string;
  readonly versionId: string;
}

/** The version of the certificate already stored at `key`, if any. */
async function existing(deps: CertifyDeps, key: string): Promise<string | undefined> {
  // A missing key answers 404 only with s3:ListBucket on the evidence bucket; without it, 403.
  const head = await headOrUndefined(deps.evidence, deps.target.bucket, key);
  if (head === undefined) return undefined;
  if (head.VersionId === undefined || head.VersionId === "null")
    throw new Error(`${deps.target.bucket}/${key} exists without a version ID: the bucket has no object lock`);
  return head.VersionId;
}

/** Certifies one run of an approved request (see the module comment). */
export async function certifyRequest(input: CertifyInput, deps: CertifyDeps): Promise<CertifyOutput> {
  const record = checkRecord(input?.request, "the event's request");
  const approval = checkApproval(input.approval, "the event's approval");
  const attempt = checkAttempt(input.attempt);
  const reportKey = (input.run as { reportKey?: unknown } | undefined)?.reportKey;
  if (typeof reportKey !== "string" || reportKey === "") throw new Error("the event's run has no reportKey");
  const request: SubjectRequest = { ...record, ...approval };
  const key = requestCertificateKey(request, attempt);
  const stored = await existing(deps, key);
  if (stored !== undefined) return { certificateKey: key, versionId: stored };
  const outcome = (await deps.store.getReport(reportKey)) as RequestOutcome;
  const issued = await issueRequestCertificate(
    { s3: deps.evidence, signer: deps.signer, ...(deps.now === undefined ? {} : { now: deps.now }) },
    deps.target,
    request,
    outcome,
    attempt,
  );
  return { certificateKey: issued.key, versionId: issued.versionId };
}
