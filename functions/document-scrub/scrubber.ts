import { createHash } from "node:crypto";
import { PDFWriter } from "@cantoo/pdf-lib";
import { identifyPdf } from "./detect";
import { DocumentRejected } from "./errors";
import { scrubJpegStreams } from "./images";
import { inspect, rejectFindings } from "./inspect";
import { dropUnreferenced, type RemovedTally, removeMetadata, Tally } from "./metadata";
import { checkStructure, parsePdf } from "./structure";
import { indirectObjects } from "./walk";

/**
 * PDF document sanitizer core (issue 19, item 1). Pure: no AWS, no file system. Identifies a PDF
 * from its bytes, validates it with the PDF library, rejects what is encrypted or active, removes
 * the document metadata, and writes the document again with the library's writer.
 */

/** Recorded with every output. Bump on any change to the output bytes. */
export const DOCUMENT_SCRUBBER_VERSION = "document-scrub/1.0.0";

export interface DocumentScrubOptions {
  /**
   * Largest input accepted, in bytes.
   * @default 67108864 - 64 MiB
   */
  readonly maxInputBytes?: number;
  /**
   * Most pages accepted.
   * @default 1000
   */
  readonly maxPages?: number;
}

export const DEFAULT_DOCUMENT_OPTIONS = {
  maxInputBytes: 64 * 1024 * 1024,
  maxPages: 1000,
} as const satisfies Required<DocumentScrubOptions>;

export interface DocumentScrubReport {
  readonly mediaType: "application/pdf";
  /** The header's version, kept in the output ("1.4"). */
  readonly pdfVersion: string;
  readonly pages: number;
  readonly originalBytes: number;
  /** SHA-256 (hex) of the whole input. */
  readonly originalSha256: string;
  readonly outputBytes: number;
  readonly outputSha256: string;
  /** Indirect objects parsed from the input and written to the output. */
  readonly inputObjects: number;
  readonly outputObjects: number;
  /** What was removed, by name, in first-seen order. */
  readonly removed: readonly RemovedTally[];
  readonly scrubberVersion: string;
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive integer (value: ${value})`);
  }
  return value;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/**
 * The library's own check of what was written: the output parses again, has the same number of
 * pages, and holds none of what was removed nor anything the inspection rejects.
 */
async function verifyOutput(output: Uint8Array, pages: number, maxPages: number): Promise<void> {
  const context = await parsePdf(output);
  const structure = checkStructure(context, maxPages);
  const problems: string[] = [];
  if (structure.pages.length !== pages) problems.push(`${structure.pages.length} pages instead of ${pages}`);
  if (context.trailerInfo.Info !== undefined) problems.push("a trailer /Info");
  const check = new Tally();
  removeMetadata(context, structure, check);
  problems.push(...check.entries.map((entry) => `${entry.name} (${entry.count})`));
  problems.push(...inspect(context).map((finding) => finding.what));
  if (problems.length > 0)
    throw new Error(`document-scrub wrote an output that fails its check: ${problems.join(", ")}`);
}

/**
 * Scrubs a PDF held in memory. Resolves to the scrubbed PDF and a report; rejects with
 * DocumentRejected (quarantine the input with its `reason`) when the input is not a PDF, is
 * malformed, encrypted, carries active content or exceeds a limit. Other errors are bugs.
 */
export async function scrubDocument(
  bytes: Uint8Array,
  options: DocumentScrubOptions = {},
): Promise<{ output: Uint8Array; report: DocumentScrubReport }> {
  const maxInputBytes = positive("maxInputBytes", options.maxInputBytes ?? DEFAULT_DOCUMENT_OPTIONS.maxInputBytes);
  const maxPages = positive("maxPages", options.maxPages ?? DEFAULT_DOCUMENT_OPTIONS.maxPages);
  if (bytes.length > maxInputBytes) {
    throw new DocumentRejected("too-large", `input of ${bytes.length} bytes is larger than ${maxInputBytes} bytes`);
  }
  const { version } = identifyPdf(bytes);
  const context = await parsePdf(bytes);
  const inputObjects = indirectObjects(context).length;
  // Encryption and active content first: an encrypted file's structure may not hold when read plainly.
  rejectFindings(inspect(context));
  const structure = checkStructure(context, maxPages);

  const tally = new Tally();
  removeMetadata(context, structure, tally);
  dropUnreferenced(context, tally);
  await scrubJpegStreams(context, tally);

  // A classic cross-reference table, no object streams: valid under every 1.x header (object
  // streams need 1.5) and every object readable as text by independent tools.
  const output = await PDFWriter.forContext(context, Number.POSITIVE_INFINITY).serializeToBuffer();
  await verifyOutput(output, structure.pages.length, maxPages);
  return {
    output,
    report: {
      mediaType: "application/pdf",
      pdfVersion: version,
      pages: structure.pages.length,
      originalBytes: bytes.length,
      originalSha256: sha256(bytes),
      outputBytes: output.length,
      outputSha256: sha256(output),
      inputObjects,
      outputObjects: indirectObjects(context).length,
      removed: tally.entries,
      scrubberVersion: DOCUMENT_SCRUBBER_VERSION,
    },
  };
}
