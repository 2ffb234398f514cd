// Public API of the document scrubber core (re-exports only).
export { EOF_WINDOW, HEADER_WINDOW, identifyPdf, type PdfIdentity } from "./detect";
export {
  DOCUMENT_REJECT_REASONS,
  type DocumentRejectReason,
  DocumentRejected,
  isDocumentRejected,
} from "./errors";
export type { Finding } from "./inspect";
export type { RemovedTally } from "./metadata";
export {
  DEFAULT_DOCUMENT_OPTIONS,
  DOCUMENT_SCRUBBER_VERSION,
  type DocumentScrubOptions,
  type DocumentScrubReport,
  scrubDocument,
} from "./scrubber";
