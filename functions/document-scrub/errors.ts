/**
 * Machine-readable reasons for rejecting (quarantining) a document. They are stable: a handler stores
 * them with the quarantined object. The vocabulary follows the image scrubber's (functions/image-scrub/errors.ts).
 */
export type DocumentRejectReason =
  /** The input has no bytes. */
  | "empty"
  /** No `%PDF-` header in the first 1024 bytes: not a PDF. */
  | "unknown-type"
  /** No `%%EOF` in the last 1024 bytes: the file was cut short (or has data appended). */
  | "truncated"
  /** The PDF structure does not hold: the library cannot parse it, no catalog, a broken page tree, ... */
  | "malformed"
  /** The trailer (or cross-reference stream) has an `/Encrypt` entry. */
  | "encrypted"
  /** JavaScript, additional actions, launch and other active actions, embedded files, XFA, RichMedia, ... */
  | "active-content"
  /** Well-formed, but uses something the scrubber does not handle (PDF 2.0, digital signatures, ...). */
  | "unsupported-feature"
  /** More input bytes than `maxInputBytes`. */
  | "too-large"
  /** More pages than `maxPages`. */
  | "too-many-pages";

/** Every reject reason, for validation and documentation. */
export const DOCUMENT_REJECT_REASONS: readonly DocumentRejectReason[] = [
  "empty",
  "unknown-type",
  "truncated",
  "malformed",
  "encrypted",
  "active-content",
  "unsupported-feature",
  "too-large",
  "too-many-pages",
];

/** The input is not a PDF the scrubber may pass on: quarantine it with `reason`. */
export class DocumentRejected extends Error {
  override readonly name = "DocumentRejected";
  readonly reason: DocumentRejectReason;

  constructor(reason: DocumentRejectReason, message: string) {
    super(message);
    this.reason = reason;
  }
}

/** Type guard that survives bundling and realm boundaries (checks the name and reason, not the prototype). */
export function isDocumentRejected(error: unknown): error is DocumentRejected {
  return (
    error instanceof DocumentRejected ||
    (error instanceof Error &&
      error.name === "DocumentRejected" &&
      typeof (error as { reason?: unknown }).reason === "string")
  );
}
