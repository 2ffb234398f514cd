/**
 * Machine-readable reasons for rejecting an input. They are stable: the handler stores them with the
 * quarantined object and the CLI prints them.
 */
export type RejectReason =
  /** The input has no bytes. */
  | "empty"
  /** The bytes are not an image format this scrubber recognises. */
  | "unknown-type"
  /** A recognised image format that is not supported yet (TIFF, HEIC/HEIF, AVIF). */
  | "unsupported-type"
  /** A supported format that the caller's `allowedTypes` excludes, or a non-image container. */
  | "disallowed-type"
  /** The input ends before the image does (missing EOI / IEND / RIFF payload). */
  | "truncated"
  /** The container structure is invalid (bad lengths, garbage between segments, misplaced chunks). */
  | "malformed"
  /** A PNG chunk CRC does not match its type and data. */
  | "crc-mismatch"
  /** Well-formed, but uses a feature the scrubber does not handle (hierarchical JPEG, DNL, ...). */
  | "unsupported-feature"
  /** More input bytes than `maxInputBytes`. */
  | "too-large"
  /** Width × height above `maxPixels`. */
  | "too-many-pixels"
  /** A re-opened source (two-pass WebP) returned different bytes the second time. */
  | "source-changed";

/** Every reject reason, for validation and documentation. */
export const REJECT_REASONS: readonly RejectReason[] = [
  "empty",
  "unknown-type",
  "unsupported-type",
  "disallowed-type",
  "truncated",
  "malformed",
  "crc-mismatch",
  "unsupported-feature",
  "too-large",
  "too-many-pixels",
  "source-changed",
];

/**
 * The input is not a well-formed image of an allowed type, or exceeds a limit. Whatever the output
 * stream emitted before this error must be discarded: it is an incomplete image.
 */
export class ScrubRejected extends Error {
  override readonly name = "ScrubRejected";
  readonly reason: RejectReason;
  /** Byte offset in the input where the problem was found, when known. */
  readonly offset: number | undefined;

  constructor(reason: RejectReason, message: string, offset?: number) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`);
    this.reason = reason;
    this.offset = offset;
  }
}

/** Type guard that survives bundling and realm boundaries (checks the name and reason, not the prototype). */
export function isScrubRejected(error: unknown): error is ScrubRejected {
  return (
    error instanceof ScrubRejected ||
    (error instanceof Error &&
      error.name === "ScrubRejected" &&
      typeof (error as { reason?: unknown }).reason === "string")
  );
}
