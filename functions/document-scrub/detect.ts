import { DocumentRejected } from "./errors";

/** Readers look for the header in the first 1024 bytes (ISO 32000-1 annex H.3, note 1). */
export const HEADER_WINDOW = 1024;
/** ... and for the end-of-file marker in the last 1024 bytes. */
export const EOF_WINDOW = 1024;

export interface PdfIdentity {
  /** The header's version, "1.0" to "1.7". */
  readonly version: string;
  /** Where `%PDF-` starts (0 for most files; bytes before it are dropped by the rewrite). */
  readonly headerOffset: number;
}

const latin1 = (bytes: Uint8Array, start: number, end: number): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset + start, Math.max(0, end - start)).toString("latin1");

const WHITESPACE = /^[\0\t\n\f\r ]*/;

/**
 * The last `startxref` before the final `%%EOF` must give the offset of a cross-reference table
 * (`xref`) or of an indirect object (a cross-reference stream). Offsets count from the start of
 * the file; a file with bytes before its header may count from the header, which readers accept too.
 */
function checkStartXref(bytes: Uint8Array, eofAt: number, headerOffset: number): void {
  const before = latin1(bytes, Math.max(0, eofAt - EOF_WINDOW), eofAt);
  const match = /startxref[\0\t\n\f\r ]+(\d{1,15})[\0\t\n\f\r ]*$/.exec(before);
  if (match === null) {
    throw new DocumentRejected("malformed", "no startxref with an offset before the final %%EOF");
  }
  const offset = Number(match[1]);
  const pointsAtXref = (at: number): boolean => {
    if (at >= bytes.length) return false;
    const text = latin1(bytes, at, Math.min(bytes.length, at + 64)).replace(WHITESPACE, "");
    return /^xref\b/.test(text) || /^\d+[\0\t\n\f\r ]+\d+[\0\t\n\f\r ]+obj\b/.test(text);
  };
  if (!pointsAtXref(offset) && !(headerOffset > 0 && pointsAtXref(headerOffset + offset))) {
    throw new DocumentRejected(
      "malformed",
      `startxref ${offset} does not point at a cross-reference table or stream (file of ${bytes.length} bytes)`,
    );
  }
}

/**
 * Identifies a PDF from its bytes (never from a name or declared type): a `%PDF-1.x` header in
 * the first 1024 bytes, a `%%EOF` in the last 1024 bytes, and a `startxref` that points at a
 * cross-reference section. Throws DocumentRejected otherwise.
 */
export function identifyPdf(bytes: Uint8Array): PdfIdentity {
  if (bytes.length === 0) throw new DocumentRejected("empty", "input is empty");
  const head = latin1(bytes, 0, Math.min(bytes.length, HEADER_WINDOW + 16));
  const headerOffset = head.indexOf("%PDF-");
  if (headerOffset < 0 || headerOffset >= HEADER_WINDOW) {
    throw new DocumentRejected("unknown-type", `not a PDF: no %PDF- header in the first ${HEADER_WINDOW} bytes`);
  }
  const version = /^%PDF-(\d+)\.(\d+)/.exec(head.slice(headerOffset));
  if (version === null) throw new DocumentRejected("malformed", "the %PDF- header has no version number");
  const [, major, minor] = version;
  if (major !== "1") {
    throw new DocumentRejected("unsupported-feature", `PDF ${major}.${minor} is not supported (PDF 1.0 to 1.7 are)`);
  }
  if (Number(minor) > 7) {
    throw new DocumentRejected("unsupported-feature", `PDF 1.${minor} is not a PDF version (1.0 to 1.7 are)`);
  }
  const tailStart = Math.max(0, bytes.length - EOF_WINDOW);
  const eofInTail = latin1(bytes, tailStart, bytes.length).lastIndexOf("%%EOF");
  if (eofInTail < 0) {
    throw new DocumentRejected(
      "truncated",
      `no %%EOF in the last ${EOF_WINDOW} bytes: the file is cut short or has data appended`,
    );
  }
  checkStartXref(bytes, tailStart + eofInTail, headerOffset);
  return { version: `1.${minor}`, headerOffset };
}
