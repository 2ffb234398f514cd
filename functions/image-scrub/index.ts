// Public API of the image scrubber core (re-exports only).
export {
  type ByteSource,
  DEFAULT_OPTIONS,
  SCRUBBER_VERSION,
  type ScrubInput,
  type ScrubOptions,
  type ScrubResult,
  scrub,
  scrubBuffer,
  scrubChunks,
  scrubChunksWithoutDigests,
  type UndigestedScrubResult,
} from "./scrubber";
export {
  DETECT_BYTES,
  type DetectedFormat,
  type Detection,
  detect,
  IMAGE_TYPES,
  type ImageType,
  MEDIA_TYPES,
} from "./detect";
export { isScrubRejected, REJECT_REASONS, type RejectReason, ScrubRejected } from "./errors";
export { MAX_HEADER_BYTES, type MemoryStats } from "./reader";
export type { PartTally } from "./report";
