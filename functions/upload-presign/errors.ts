/**
 * The upload function's error vocabulary. The handler maps `status` to the HTTP response and returns
 * `{ error: { code, field, message, issues } }`; `code` and `field` are stable and machine-readable.
 */

/** Machine-readable codes of a rejected request (HTTP 400 unless noted). */
export type UploadErrorCode =
  /** The body is not a JSON object. */
  | "invalid_body"
  /** A required field is absent. */
  | "missing_field"
  /** A field has the wrong JSON type. */
  | "invalid_type"
  /** The body has a field this operation does not take (a client-chosen key or path, for example). */
  | "unknown_field"
  /** Empty, too long, control or bidirectional-override characters, or nothing left after sanitising. */
  | "invalid_file_name"
  /** Not one of the configured content types (compared lower-case, without parameters). */
  | "unsupported_content_type"
  /** Not a positive whole number of bytes. */
  | "invalid_size"
  /** Larger than the configured maximum. */
  | "size_too_large"
  /** Not one of the configured data classes. */
  | "unknown_data_class"
  /** Content-MD5 is not the base64 of 16 bytes. */
  | "invalid_content_md5"
  /** x-amz-checksum-sha256 is not the base64 of 32 bytes. */
  | "invalid_checksum_sha256"
  /** Not a key this function issues (`<tenant>/<subject>/<uuid>`). */
  | "invalid_key"
  /** A well-formed key under another tenant or subject (HTTP 403). */
  | "key_out_of_scope"
  /** Upload id empty or malformed. */
  | "invalid_upload_id"
  /** The multipart upload does not exist under this key (HTTP 404). */
  | "unknown_upload"
  /** Part numbers or ETags do not match what was uploaded, or parts are missing or out of order. */
  | "invalid_parts"
  /** The commercial standby: the token's tenant and subject claims are too long to seal (field: the claim). */
  | "claims_too_long";

export interface UploadIssue {
  readonly code: UploadErrorCode;
  /** Dotted path of the offending field (`parts.2.eTag`); empty for the body itself. */
  readonly field: string;
  readonly message: string;
}

/** The request is wrong; nothing was issued. Carries every problem found, the first one as `code`/`field`. */
export class UploadRequestError extends Error {
  readonly code: UploadErrorCode;
  readonly field: string;
  readonly status: 400 | 403 | 404;
  readonly issues: readonly UploadIssue[];

  constructor(issues: readonly UploadIssue[]) {
    const first = issues[0];
    if (first === undefined) throw new TypeError("UploadRequestError needs at least one issue");
    super(issues.map((i) => `${i.field || "body"}: ${i.message} (${i.code})`).join("; "));
    this.name = "UploadRequestError";
    this.code = first.code;
    this.field = first.field;
    this.issues = issues;
    this.status = first.code === "key_out_of_scope" ? 403 : first.code === "unknown_upload" ? 404 : 400;
  }

  static of(code: UploadErrorCode, field: string, message: string): UploadRequestError {
    return new UploadRequestError([{ code, field, message }]);
  }

  toJSON(): { code: UploadErrorCode; field: string; message: string; issues: readonly UploadIssue[] } {
    return { code: this.code, field: this.field, message: this.message, issues: this.issues };
  }
}

/** The verified token's claims cannot name a key prefix (a 403: the authorizer let the token through). */
export { ClaimsError } from "../shared/http-api";

/** The function's configuration is unusable (a deployment bug: HTTP 500, details logged, not returned). */
export class UploadConfigError extends Error {
  readonly code = "invalid_config";
  readonly status = 500;

  constructor(message: string) {
    super(message);
    this.name = "UploadConfigError";
  }
}
