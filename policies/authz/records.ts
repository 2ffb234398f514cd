/**
 * What the authorization proof knows of one request a function, an operator command or a browser
 * made during the tests (test/authz/recorder.ts writes these, one JSON object a line), and the cast
 * that maps a test's names (its buckets, keys, tenants, role names) onto the synthesized example's.
 *
 * No AWS SDK and no simulator here: the records are plain data, read by the proof (test/authz/) and
 * described by the review (policies/authz/review.ts).
 */

/** How the request reached AWS: an SDK call, a pre-signed URL (PUT, part) or a pre-signed POST form. */
export type RecordedVia = "sdk" | "presigned-url" | "presigned-post";

export interface RecordedRequest {
  readonly t: "request";
  /** Test file (relative to the project root) that made the request: its cast applies. */
  readonly file: string;
  /** Client service (`S3Client` -> `S3`, `KMS`, `STS`, `SecretsManager`) or `S3` for URLs and forms. */
  readonly service: string;
  /** API operation (`PutObject`, `CreateMultipartUpload`, `AssumeRole`, ...). */
  readonly operation: string;
  readonly via: RecordedVia;
  /** The access key that signed it (the principal, once cast). */
  readonly accessKeyId: string | undefined;
  /** A principal the test named for the client that made the request (overrides the key). */
  readonly actor?: string;
  /** HTTP status the server answered; undefined when the request did not complete. */
  readonly status: number | undefined;
  readonly bucket?: string;
  readonly key?: string;
  readonly versionId?: string;
  /** Listing prefix (ListObjectsV2, ListObjectVersions). */
  readonly prefix?: string;
  /** `<bucket>/<key>` of CopyObject / UploadPartCopy. */
  readonly copySource?: string;
  /** Security-relevant request headers or form fields, lower-case names (x-amz-tagging, SSE, object lock). */
  readonly headers: Readonly<Record<string, string>>;
  /** The KMS key S3 reported for the object (reads: what must be decryptable). */
  readonly objectKmsKeyId?: string;
  /** KMS key id or alias named in a KMS request; secret id of Secrets Manager; role ARN of STS. */
  readonly target?: string;
  /** The EncryptionAlgorithm a KMS request names (the condition key kms:EncryptionAlgorithm). */
  readonly encryptionAlgorithm?: string;
}

/** Credentials the test (or an AssumeRole the code made) gave to a principal. */
export interface RecordedCastKey {
  readonly t: "cast-key";
  readonly file: string;
  readonly accessKeyId: string;
  /** A role name as the test's server knows it (mapped through `roles` of the cast), or `operator`. */
  readonly principal: string;
}

/** How a test's names map onto the synthesized example's. */
export interface RecordedCastNames {
  readonly t: "cast-names";
  readonly file: string;
  /** Test bucket name -> example bucket name. */
  readonly buckets?: Readonly<Record<string, string>>;
  /** Test KMS key ARN -> example key address (`aws_kms_key.<name>`). */
  readonly keys?: Readonly<Record<string, string>>;
  /** Test tenant ID -> example tenant ID (object key prefixes and role names). */
  readonly tenants?: Readonly<Record<string, string>>;
  /** Test role name -> example role name. */
  readonly roles?: Readonly<Record<string, string>>;
  /** The file tests the test harness itself, not the platform: its requests are out of the proof's scope, for this reason. */
  readonly outOfScope?: string;
}

export type Recorded = RecordedRequest | RecordedCastKey | RecordedCastNames;

/** Statuses that mean AWS would have authorized the request first (a 404 or 412 is decided after authorization). */
export function wasAuthorized(status: number | undefined): boolean {
  if (status === undefined) return false;
  return status < 400 || status === 404 || status === 409 || status === 412 || status === 416;
}

/** One JSON line per record, parsed; a malformed line is an error naming the file and line. */
export function parseRecords(text: string, source: string): Recorded[] {
  const out: Recorded[] = [];
  text.split("\n").forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      out.push(JSON.parse(line) as Recorded);
    } catch (error) {
      throw new Error(`${source}:${i + 1}: not a JSON record (${(error as Error).message})`);
    }
  });
  return out;
}
