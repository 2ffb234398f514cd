/**
 * The PDF sanitizer (scrubber.ts) as a scrub engine for `scrubObject` (functions/image-scrub/
 * scrub-object.ts): the document scrub function runs the same object flow as the image scrub
 * function (idempotence, tenant roles, quarantine with a reason, tagging, nothing clean before the
 * output is complete), with this engine in place of the image scrubber.
 *
 * The sanitizer works in memory: the object is read whole, but never more than `maxInputBytes` (the
 * read stops at the first byte beyond it and the document is rejected as `too-large`), so a larger
 * object than the class allows cannot exhaust the function's memory.
 */
import { Readable } from "node:stream";
import type { ByteSource } from "../image-scrub/scrubber";
import type { ScrubEngine } from "../image-scrub/scrub-engine";
import { writeWithMd5 } from "../image-scrub/scrub-engine";
import { DocumentRejected, isDocumentRejected } from "./errors";
import {
  DEFAULT_DOCUMENT_OPTIONS,
  DOCUMENT_SCRUBBER_VERSION,
  type DocumentScrubReport,
  scrubDocument,
} from "./scrubber";

export interface DocumentLimits {
  /** @default 67108864 - 64 MiB */
  readonly maxInputBytes?: number;
  /** @default 1000 */
  readonly maxPages?: number;
}

/** Reads `source` into memory, rejecting (`too-large`) at the first byte beyond `maxBytes`. */
export async function readBounded(source: ByteSource, maxBytes: number): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of source) {
    const bytes =
      typeof chunk === "string" ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    total += bytes.length;
    if (total > maxBytes) {
      throw new DocumentRejected("too-large", `input is larger than ${maxBytes} bytes (read ${total} bytes so far)`);
    }
    parts.push(bytes);
  }
  return Buffer.concat(parts, total);
}

/** The document engine: PDF in, sanitized PDF out, or a DocumentRejected reason for the quarantine. */
export function documentEngine(limits: DocumentLimits = {}): ScrubEngine<DocumentScrubReport> {
  const maxInputBytes = limits.maxInputBytes ?? DEFAULT_DOCUMENT_OPTIONS.maxInputBytes;
  const maxPages = limits.maxPages ?? DEFAULT_DOCUMENT_OPTIONS.maxPages;
  return {
    version: DOCUMENT_SCRUBBER_VERSION,
    async scrubToFile(open, file) {
      const input = await readBounded(open(), maxInputBytes);
      const { output, report } = await scrubDocument(input, { maxInputBytes, maxPages });
      const md5 = await writeWithMd5(
        Readable.from([Buffer.from(output.buffer, output.byteOffset, output.length)]),
        file,
      );
      return {
        result: report,
        md5,
        outputBytes: report.outputBytes,
        mediaType: report.mediaType,
        originalSha256: report.originalSha256,
        detectedType: "pdf",
        metadata: { "scrub-pdf-version": report.pdfVersion, "scrub-pages": String(report.pages) },
        logFields: {
          type: "pdf",
          pdfVersion: report.pdfVersion,
          pages: report.pages,
          originalBytes: report.originalBytes,
          outputBytes: report.outputBytes,
          removed: report.removed.map((entry) => `${entry.name} (${entry.count})`),
        },
      };
    },
    rejection(error) {
      return isDocumentRejected(error) ? { reason: error.reason, message: error.message } : undefined;
    },
  };
}
