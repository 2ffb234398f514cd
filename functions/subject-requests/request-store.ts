/**
 * The workflow's objects in the sovereign requests bucket (SSE-KMS under the bucket's key, Content-MD5
 * on every write):
 *
 * - `pending/<id>.json`: `{ request, taskToken }` while a request awaits its approval; written by the
 *   pending function, read and deleted by the API when someone decides.
 * - `reports/<id>/<attempt>.json`: the full erasure report or export result of a run (a state's
 *   payload is limited to 256 KB, so only its key travels through the workflow).
 * - `exports/<tenant>/<pseudonym>/<id>.zip`: the export archives (written by exportSubject).
 */
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { kmsJsonPut } from "../shared/s3-objects";
import { checkRecord, type RequestRecord } from "./request";

export const PENDING_PREFIX = "pending/";
export const REPORTS_PREFIX = "reports/";
export const EXPORTS_PREFIX = "exports/";

/** A request awaiting approval, with the token that closes its AwaitApproval state. */
export interface PendingRecord {
  readonly request: RequestRecord;
  readonly taskToken: string;
}

export const pendingKey = (id: string) => `${PENDING_PREFIX}${id}.json`;
export const reportKey = (id: string, attempt: number) => `${REPORTS_PREFIX}${id}/${attempt}.json`;
export const exportKey = (request: Pick<RequestRecord, "tenant" | "pseudonym" | "id">) =>
  `${EXPORTS_PREFIX}${request.tenant}/${request.pseudonym}/${request.id}.zip`;

const status = (error: unknown) => (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
const errorName = (error: unknown) => (error as { name?: string }).name;

/** A read or write of the requests bucket failed: names the operation, the key and S3's answer. */
export class RequestStoreError extends Error {
  override readonly name = "RequestStoreError";

  constructor(operation: string, key: string, cause: unknown) {
    const e = cause as { name?: string; message?: string };
    super(
      `${operation} ${key}: ${e.name ?? "Error"} (${status(cause) ?? "no status"}): ${e.message ?? String(cause)}`,
      {
        cause,
      },
    );
  }
}

export class RequestStore {
  constructor(
    private readonly s3: Pick<S3Client, "send">,
    readonly bucket: string,
    private readonly kmsKeyId: string,
  ) {}

  private async put(key: string, value: unknown): Promise<void> {
    const body = JSON.stringify(value);
    try {
      await this.s3.send(new PutObjectCommand(kmsJsonPut(this.bucket, key, body, this.kmsKeyId)));
    } catch (error) {
      throw new RequestStoreError("PutObject", `${this.bucket}/${key}`, error);
    }
  }

  /** The JSON at `key`, or undefined when there is none. */
  private async get(key: string): Promise<unknown> {
    let text: string | undefined;
    try {
      const answer = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
      text = await answer.Body?.transformToString("utf8");
    } catch (error) {
      if (errorName(error) === "NoSuchKey" || (status(error) === 404 && errorName(error) !== "NoSuchBucket"))
        return undefined;
      throw new RequestStoreError("GetObject", `${this.bucket}/${key}`, error);
    }
    try {
      return JSON.parse(text ?? "");
    } catch {
      throw new Error(`${this.bucket}/${key} is not JSON`);
    }
  }

  /** Writes the pending record (a repeat with the same request replaces the token: the latest one is live). */
  putPending(record: PendingRecord): Promise<void> {
    return this.put(pendingKey(record.request.id), record);
  }

  async getPending(id: string): Promise<PendingRecord | undefined> {
    const value = (await this.get(pendingKey(id))) as { request?: unknown; taskToken?: unknown } | undefined;
    if (value === undefined) return undefined;
    if (typeof value.taskToken !== "string" || value.taskToken === "")
      throw new Error(`${pendingKey(id)} holds no task token`);
    return { request: checkRecord(value.request, pendingKey(id)), taskToken: value.taskToken };
  }

  async deletePending(id: string): Promise<void> {
    try {
      await this.s3.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: pendingKey(id) }));
    } catch (error) {
      throw new RequestStoreError("DeleteObject", `${this.bucket}/${pendingKey(id)}`, error);
    }
  }

  /** Stores a run's full report; returns its key. */
  async putReport(id: string, attempt: number, report: unknown): Promise<string> {
    const key = reportKey(id, attempt);
    await this.put(key, report);
    return key;
  }

  async getReport(key: string): Promise<unknown> {
    const value = await this.get(key);
    if (value === undefined) throw new Error(`the report ${this.bucket}/${key} does not exist`);
    return value;
  }
}
