import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { DETECT_BYTES, detect, IMAGE_TYPES, type ImageType, MEDIA_TYPES, requireAllowed } from "./detect";
import { ScrubRejected } from "./errors";
import { scrubJpeg } from "./jpeg";
import { scrubPng } from "./png";
import { ByteReader, type MemoryStats } from "./reader";
import { type FormatSettings, type PartTally, Report } from "./report";
import { SCRUBBER_VERSION } from "./version";
import { walkWebp } from "./webp";

/**
 * Lossless image-metadata scrubber core (DESIGN.md §6). Pure: no AWS, no file system.
 *
 * Contract for callers: the output is produced while the input is still being read, and an input
 * can turn out to be bad after part of the output was emitted (a truncated scan, a PNG CRC
 * error). The output is never unscrubbed — metadata is never emitted — but it is only a valid
 * image when `result` resolves. On rejection, discard everything written (write to a temporary
 * object or file and publish it only after `result` resolved).
 */

export { SCRUBBER_VERSION } from "./version";

/** A byte source: a Node Readable (without encoding) or any async iterable of bytes. */
export type ByteSource = AsyncIterable<Uint8Array | string>;

/**
 * What `scrub` reads: bytes in memory, a one-shot source, or a function that opens the same bytes
 * again each time it is called (a file path's read stream, an S3 GetObject of one version). WebP
 * needs two passes: with an opener it reads twice with bounded memory; from a one-shot source it
 * buffers the input up to `maxSpoolBytes`.
 */
export type ScrubInput = Uint8Array | ByteSource | (() => ByteSource);

export interface ScrubOptions {
  /**
   * Largest input accepted, in bytes.
   * @default 67108864 - 64 MiB
   */
  readonly maxInputBytes?: number;
  /**
   * Largest width × height accepted (SOFn, IHDR, VP8X canvas, each frame).
   * @default 100000000 - 100 megapixels
   */
  readonly maxPixels?: number;
  /**
   * Types that may pass; the others are rejected as `disallowed-type`.
   * @default - JPEG, PNG and WebP
   */
  readonly allowedTypes?: readonly ImageType[];
  /**
   * Keep the ICC colour profile (JPEG APP2, PNG iCCP, WebP ICCP). Dropping it shifts colours.
   * @default true
   */
  readonly keepIccProfile?: boolean;
  /**
   * Largest JPEG ICC profile (all APP2 chunks) held while its chunks are collected; a larger one is dropped.
   * @default 4194304 - 4 MiB
   */
  readonly maxIccBytes?: number;
  /**
   * Write an Orientation-only EXIF block when the input had Orientation 2-8, so the image does not
   * display rotated. When false the orientation is still reported.
   * @default true
   */
  readonly preserveOrientation?: boolean;
  /**
   * Largest WebP buffered in memory when the input is a one-shot source (no opener).
   * @default 16777216 - 16 MiB
   */
  readonly maxSpoolBytes?: number;
}

export const DEFAULT_OPTIONS = {
  maxInputBytes: 64 * 1024 * 1024,
  maxPixels: 100_000_000,
  allowedTypes: IMAGE_TYPES,
  keepIccProfile: true,
  maxIccBytes: 4 * 1024 * 1024,
  preserveOrientation: true,
  maxSpoolBytes: 16 * 1024 * 1024,
} as const satisfies Required<ScrubOptions>;

export interface ScrubResult {
  /** Detected from the bytes. */
  readonly type: ImageType;
  readonly mediaType: string;
  readonly width: number;
  readonly height: number;
  /** Animation frames (APNG acTL, WebP ANMF); 1 for still images. */
  readonly frames: number;
  /** SHA-256 (hex) of the whole input, trailing data included. */
  readonly originalSha256: string;
  readonly originalBytes: number;
  readonly outputSha256: string;
  readonly outputBytes: number;
  /** EXIF Orientation of the input when it was 2-8, else null. */
  readonly orientation: number | null;
  /** True when that orientation was written back as an Orientation-only EXIF block. */
  readonly orientationPreserved: boolean;
  readonly scrubberVersion: string;
  /** Segments / chunks removed, by name, in first-seen order. */
  readonly removed: readonly PartTally[];
  readonly removedBytes: number;
  /** Segments / chunks kept, by name, in first-seen order. */
  readonly kept: readonly PartTally[];
  /** Instrumentation: how much the core buffered (see MAX_HEADER_BYTES). */
  readonly memory: MemoryStats;
}

/** What `scrubChunksWithoutDigests` returns: a ScrubResult without the two SHA-256 digests. */
export type UndigestedScrubResult = Omit<ScrubResult, "originalSha256" | "outputSha256"> & {
  readonly originalSha256: null;
  readonly outputSha256: null;
};

interface Resolved extends FormatSettings {
  readonly maxInputBytes: number;
  readonly allowedTypes: readonly ImageType[];
  readonly maxSpoolBytes: number;
}

function positive(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0)
    throw new RangeError(`${name} must be a positive integer (value: ${value})`);
  return value;
}

function resolve(options: ScrubOptions): Resolved {
  const allowedTypes = options.allowedTypes ?? DEFAULT_OPTIONS.allowedTypes;
  for (const t of allowedTypes) {
    if (!IMAGE_TYPES.includes(t)) throw new RangeError(`allowedTypes: unknown type ${JSON.stringify(t)}`);
  }
  return {
    maxInputBytes: positive("maxInputBytes", options.maxInputBytes ?? DEFAULT_OPTIONS.maxInputBytes),
    maxPixels: positive("maxPixels", options.maxPixels ?? DEFAULT_OPTIONS.maxPixels),
    allowedTypes,
    keepIccProfile: options.keepIccProfile ?? DEFAULT_OPTIONS.keepIccProfile,
    maxIccBytes: positive("maxIccBytes", options.maxIccBytes ?? DEFAULT_OPTIONS.maxIccBytes),
    preserveOrientation: options.preserveOrientation ?? DEFAULT_OPTIONS.preserveOrientation,
    maxSpoolBytes: positive("maxSpoolBytes", options.maxSpoolBytes ?? DEFAULT_OPTIONS.maxSpoolBytes),
  };
}

const SLICE_BYTES = 64 * 1024;

/** Presents bytes in memory as a source of 64 KiB views (no copies). */
async function* sliced(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, void> {
  for (let at = 0; at < bytes.length; at += SLICE_BYTES) yield bytes.subarray(at, at + SLICE_BYTES);
}

async function* fromChunks(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array, void, void> {
  yield* chunks;
}

function isAsyncIterable(value: unknown): value is ByteSource {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

function openers(input: ScrubInput): { first: ByteSource; reopen: (() => ByteSource) | null } {
  if (input instanceof Uint8Array) return { first: sliced(input), reopen: () => sliced(input) };
  if (typeof input === "function") return { first: input(), reopen: input };
  if (isAsyncIterable(input)) return { first: input, reopen: null };
  throw new TypeError("scrub input must be a Uint8Array, an async iterable of bytes or a function returning one");
}

/**
 * Reads the first `n` bytes for detection and returns a source that replays them before the rest.
 * Holds only the source's own chunks (no copies) until they are replayed.
 */
async function peekHead(
  source: ByteSource,
  n: number,
): Promise<{ head: Buffer; rest: ByteSource; close: () => Promise<void> }> {
  const iterator = source[Symbol.asyncIterator]();
  const seen: Buffer[] = [];
  let have = 0;
  let ended = false;
  while (have < n) {
    const next = await iterator.next();
    if (next.done) {
      ended = true;
      break;
    }
    if (typeof next.value === "string") throw new TypeError("image-scrub reads bytes; the source yielded a string");
    const chunk = Buffer.from(next.value.buffer, next.value.byteOffset, next.value.byteLength);
    if (chunk.length === 0) continue;
    seen.push(chunk);
    have += chunk.length;
  }
  const head = Buffer.alloc(Math.min(have, n));
  let filled = 0;
  for (const chunk of seen) {
    if (filled === head.length) break;
    filled += chunk.copy(head, filled, 0, Math.min(chunk.length, head.length - filled));
  }
  async function* rest(): AsyncGenerator<Uint8Array, void, void> {
    try {
      yield* seen;
      seen.length = 0;
      if (ended) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        if (typeof next.value === "string") throw new TypeError("image-scrub reads bytes; the source yielded a string");
        yield next.value;
      }
    } finally {
      if (!ended) await iterator.return?.();
    }
  }
  const close = async (): Promise<void> => {
    if (!ended) await iterator.return?.();
  };
  return { head, rest: rest(), close };
}

async function spool(source: ByteSource, limit: number, spoolLimit: boolean): Promise<Buffer[]> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const value of source) {
    if (typeof value === "string") throw new TypeError("image-scrub reads bytes; the source yielded a string");
    total += value.byteLength;
    if (total > limit) {
      const why = spoolLimit
        ? " (maxSpoolBytes: a WebP from a one-shot stream is buffered; pass an opener to stream it)"
        : "";
      throw new ScrubRejected("too-large", `input is larger than the limit of ${limit} bytes${why}`, limit);
    }
    chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
  }
  return chunks;
}

/**
 * The core as an async generator: yields the scrubbed bytes and returns the result. Throws
 * ScrubRejected for anything that is not a well-formed, allowed image within the limits; other
 * errors (I/O of the source) propagate unchanged.
 */
export async function* scrubChunks(
  input: ScrubInput,
  options: ScrubOptions = {},
): AsyncGenerator<Buffer, ScrubResult, void> {
  return (yield* run(input, options, true)) as ScrubResult;
}

/**
 * scrubChunks without the SHA-256 of the input and of the output (both null in the result): the
 * same output bytes for about a third of the CPU time on a large JPEG, where hashing both sides
 * costs twice what the parsing does. For callers that record no digest (the batch command line
 * without --json). A two-pass WebP from an opener still hashes its input to detect a changed source.
 */
export async function* scrubChunksWithoutDigests(
  input: ScrubInput,
  options: ScrubOptions = {},
): AsyncGenerator<Buffer, UndigestedScrubResult, void> {
  return (yield* run(input, options, false)) as UndigestedScrubResult;
}

type EitherResult = Omit<ScrubResult, "originalSha256" | "outputSha256"> & {
  readonly originalSha256: string | null;
  readonly outputSha256: string | null;
};

async function* run(
  input: ScrubInput,
  options: ScrubOptions,
  digests: boolean,
): AsyncGenerator<Buffer, EitherResult, void> {
  const settings = resolve(options);
  const { first, reopen } = openers(input);
  const { head, rest, close } = await peekHead(first, DETECT_BYTES);
  let type: ImageType;
  try {
    type = requireAllowed(detect(head), settings.allowedTypes, head.length);
  } catch (error) {
    await close();
    throw error;
  }

  const outHash = digests ? createHash("sha256") : null;
  let outBytes = 0;
  let maxOutputChunk = 0;
  let report = new Report();
  let source = rest;
  let replay = reopen;
  if (type === "webp" && replay === null) {
    // A one-shot source cannot be read twice: buffer this WebP (bounded by maxSpoolBytes).
    const spoolLimited = settings.maxSpoolBytes < settings.maxInputBytes;
    const chunks = await spool(rest, Math.min(settings.maxSpoolBytes, settings.maxInputBytes), spoolLimited).finally(
      close,
    );
    source = fromChunks(chunks);
    replay = () => fromChunks(chunks);
  }
  // Pass 2 of a WebP read again from the source must see the same bytes as pass 1 (source-changed).
  const hashInput = digests || (type === "webp" && !(input instanceof Uint8Array));
  let reader = new ByteReader(source, settings.maxInputBytes, hashInput);
  let peak = 0;

  try {
    let body: AsyncGenerator<Buffer, unknown, void>;
    let twoPass = false;
    let expectedSha: string | null = null;
    let expectedBytes: number | null = null;
    if (type === "webp" && replay !== null) {
      // Pass 1 validates and plans without emitting anything; pass 2 emits.
      const planner = walkWebp(reader, settings, report, null);
      let step = await planner.next();
      while (!step.done) step = await planner.next();
      const plan = step.value;
      twoPass = true;
      expectedSha = reader.digest();
      expectedBytes = plan.riffSize + 8;
      peak = reader.peakBufferedBytes;
      await reader.close();
      report = new Report();
      reader = new ByteReader(replay(), settings.maxInputBytes, hashInput);
      body = walkWebp(reader, settings, report, plan);
    } else {
      body = type === "jpeg" ? scrubJpeg(reader, settings, report) : scrubPng(reader, settings, report);
    }
    for (;;) {
      const step = await body.next();
      if (step.done) break;
      const piece = step.value;
      if (piece.length === 0) continue;
      outHash?.update(piece);
      outBytes += piece.length;
      if (piece.length > maxOutputChunk) maxOutputChunk = piece.length;
      yield piece;
    }
    const originalSha256 = reader.digest();
    if (twoPass && (originalSha256 !== expectedSha || outBytes !== expectedBytes)) {
      throw new ScrubRejected("source-changed", "the input read in the second pass differs from the first");
    }
    return {
      type,
      mediaType: MEDIA_TYPES[type],
      width: report.width,
      height: report.height,
      frames: report.frames,
      originalSha256: digests ? originalSha256 : null,
      originalBytes: reader.totalBytes,
      outputSha256: outHash === null ? null : outHash.digest("hex"),
      outputBytes: outBytes,
      orientation: report.orientation ?? null,
      orientationPreserved: report.orientationWritten,
      scrubberVersion: SCRUBBER_VERSION,
      removed: report.removed,
      removedBytes: report.removedBytes,
      kept: report.kept,
      memory: { peakBufferedBytes: Math.max(peak, reader.peakBufferedBytes), maxOutputChunkBytes: maxOutputChunk },
    };
  } finally {
    await reader.close();
    await close();
  }
}

/**
 * Scrubs `input`: `output` streams the scrubbed bytes, `result` settles when the input has been
 * read to the end. Consume `output` with `stream.pipeline` (it errors with the same ScrubRejected
 * that rejects `result`), write it somewhere provisional, and publish only after `result` resolves.
 */
export function scrub(
  input: ScrubInput,
  options: ScrubOptions = {},
): { output: Readable; result: Promise<ScrubResult> } {
  let settle: { resolve: (r: ScrubResult) => void; reject: (e: unknown) => void } | undefined;
  const result = new Promise<ScrubResult>((resolve, reject) => {
    settle = { resolve, reject };
  });
  result.catch(() => undefined); // callers that only watch `output` must not crash the process
  let settled = false;
  async function* drive(): AsyncGenerator<Buffer, void, void> {
    try {
      const value = yield* scrubChunks(input, options);
      settled = true;
      settle?.resolve(value);
    } catch (error) {
      settled = true;
      settle?.reject(error);
      throw error;
    } finally {
      if (!settled) settle?.reject(new Error("scrub output was closed before the input was fully read"));
    }
  }
  const output = Readable.from(drive(), { objectMode: false });
  output.once("close", () => {
    // Destroyed before the generator ran to the end (it may not even have started).
    if (!settled) {
      settled = true;
      settle?.reject(new Error("scrub output was closed before the input was fully read"));
    }
  });
  return { output, result };
}

/** Scrubs bytes held in memory; convenient for tests and small objects. */
export async function scrubBuffer(
  bytes: Uint8Array,
  options: ScrubOptions = {},
): Promise<{ bytes: Buffer; result: ScrubResult }> {
  const parts: Buffer[] = [];
  const generator = scrubChunks(bytes, options);
  for (;;) {
    const step = await generator.next();
    if (step.done) return { bytes: Buffer.concat(parts), result: step.value };
    parts.push(step.value);
  }
}
