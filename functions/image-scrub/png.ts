import { createInflate, crc32, deflateSync, inflateSync } from "node:zlib";
import { ScrubRejected } from "./errors";
import { isRotatingOrientation, minimalExifTiff, readOrientation } from "./exif";
import { IccInvalid, type NeutralisedIcc, neutraliseIccProfile } from "./icc";
import type { ByteReader } from "./reader";
import { checkPixels, type FormatSettings, type Report } from "./report";

/*
 * PNG rewriter (DESIGN.md §6). Verifies the signature and every chunk CRC (dropped chunks too),
 * keeps the critical chunks and the rendering ancillaries, drops text, time, EXIF and unknown
 * ancillary chunks and anything after IEND. Kept chunks are copied unchanged, so their CRCs stay
 * valid. An eXIf with Orientation 2-8 before the first IDAT is replaced by a minimal eXIf. The
 * first iCCP before PLTE/IDAT is rewritten: its profile name becomes "ICC profile" and its profile
 * is inflated, validated, its text tags neutralised (icc.ts) and deflated again, with a new CRC.
 *
 * Every kept byte is validated (issue 14): IHDR and PLTE fields (else rejected), each kept
 * ancillary chunk's exact length and field values for the colour type, one of each and in its
 * place (else dropped), the iCCP profile (method 0, a zlib stream that ends exactly at the end of
 * the chunk and inflates to a valid ICC profile, else dropped), and the IDAT zlib stream: it must
 * end exactly at the end of the last IDAT and inflate to no more than the bytes the image needs
 * (else rejected: those bytes were already streamed).
 *
 * Kept chunk data is streamed; its CRC is checked when the chunk ends, so a CRC error can surface
 * after part of the chunk was emitted: the caller discards the output of any rejected input.
 */

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Chunks copied to the output. */
export const PNG_KEPT_CHUNKS: ReadonlySet<string> = new Set([
  // critical
  "IHDR",
  "PLTE",
  "IDAT",
  "IEND",
  // colour and rendering
  "tRNS",
  "gAMA",
  "cHRM",
  "sRGB",
  "iCCP",
  "cICP",
  "mDCV",
  "cLLI",
  "sBIT",
  "pHYs",
  "bKGD",
  // APNG
  "acTL",
  "fcTL",
  "fdAT",
]);

const CRITICAL = new Set(["IHDR", "PLTE", "IDAT", "IEND"]);
/** Largest eXIf prefix read to find the orientation; the rest is skipped. */
const EXIF_PREFIX_BYTES = 65_536;
const MAX_CHUNK_LENGTH = 0x7fff_ffff;

const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
const BIT_DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
/** Chunks the PNG specification allows once; a second one is dropped. */
const ONCE = new Set(["tRNS", "gAMA", "cHRM", "sRGB", "iCCP", "cICP", "mDCV", "cLLI", "sBIT", "pHYs", "bKGD", "acTL"]);
/** Must come before PLTE (and IDAT). */
const BEFORE_PLTE = new Set(["cHRM", "cICP", "gAMA", "iCCP", "mDCV", "cLLI", "sBIT", "sRGB"]);
/** Must come before IDAT. */
const BEFORE_IDAT = new Set(["tRNS", "bKGD", "pHYs", "acTL", ...BEFORE_PLTE]);
/** Kept ancillary chunks read whole and checked field by field (small, fixed-size). */
const CHECKED = new Set([
  "tRNS",
  "gAMA",
  "cHRM",
  "sRGB",
  "cICP",
  "mDCV",
  "cLLI",
  "sBIT",
  "pHYs",
  "bKGD",
  "acTL",
  "fcTL",
]);
const ICC_NAME = Buffer.from("ICC profile\0", "latin1");

export interface PngHeader {
  readonly width: number;
  readonly height: number;
  readonly bitDepth: number;
  readonly colorType: number;
  readonly interlaced: boolean;
}

function parseIhdr(data: Buffer, at: number): PngHeader {
  const width = data.readUInt32BE(0);
  const height = data.readUInt32BE(4);
  const bitDepth = data[8] as number;
  const colorType = data[9] as number;
  if (!(BIT_DEPTHS[colorType] ?? []).includes(bitDepth))
    throw new ScrubRejected("malformed", `IHDR colour type ${colorType} with bit depth ${bitDepth}`, at);
  if (data[10] !== 0 || data[11] !== 0 || (data[12] as number) > 1) {
    throw new ScrubRejected("malformed", `IHDR compression ${data[10]}, filter ${data[11]}, interlace ${data[12]}`, at);
  }
  if (width > MAX_CHUNK_LENGTH || height > MAX_CHUNK_LENGTH)
    throw new ScrubRejected("malformed", "IHDR dimension above 2^31-1", at);
  return { width, height, bitDepth, colorType, interlaced: data[12] === 1 };
}

/** Bytes the filtered scanlines of the image take once inflated (PNG 7.2, 8.2 Adam7). */
export function imageDataBytes(h: PngHeader): number {
  const bits = (CHANNELS[h.colorType] as number) * h.bitDepth;
  const rows = (width: number, height: number): number =>
    width > 0 && height > 0 ? height * (1 + Math.ceil((width * bits) / 8)) : 0;
  if (!h.interlaced) return rows(h.width, h.height);
  const passes = [
    [0, 0, 8, 8],
    [4, 0, 8, 8],
    [0, 4, 4, 8],
    [2, 0, 4, 4],
    [0, 2, 2, 4],
    [1, 0, 2, 2],
    [0, 1, 1, 2],
  ] as const;
  let sum = 0;
  for (const [x0, y0, dx, dy] of passes) sum += rows(Math.ceil((h.width - x0) / dx), Math.ceil((h.height - y0) / dy));
  return sum;
}

/** Why a small kept ancillary chunk is invalid for this image, or null when it is valid. */
function ancillaryProblem(type: string, data: Buffer, h: PngHeader, paletteEntries: number): string | null {
  const n = data.length;
  const depth = h.colorType === 3 ? 8 : h.bitDepth;
  const maxSample = 2 ** h.bitDepth - 1;
  const samples = (count: number): boolean => {
    for (let i = 0; i < count; i++) if (data.readUInt16BE(2 * i) > maxSample) return false;
    return true;
  };
  switch (type) {
    case "gAMA":
      return n === 4 && data.readUInt32BE(0) > 0 ? null : "length 4, gamma > 0";
    case "cHRM":
      return n === 32 ? null : "length 32";
    case "sRGB":
      return n === 1 && (data[0] as number) <= 3 ? null : "length 1, intent 0-3";
    case "pHYs":
      return n === 9 && (data[8] as number) <= 1 ? null : "length 9, unit 0-1";
    case "cLLI":
      return n === 8 ? null : "length 8";
    case "mDCV":
      return n === 24 ? null : "length 24";
    case "cICP":
      return n === 4 && data[2] === 0 && (data[3] as number) <= 1 ? null : "length 4, matrix 0, range 0-1";
    case "sBIT": {
      const want = h.colorType === 3 ? 3 : (CHANNELS[h.colorType] as number);
      if (n !== want) return `length ${want} for colour type ${h.colorType}`;
      for (const b of data) if (b < 1 || b > depth) return `significant bits 1-${depth}`;
      return null;
    }
    case "tRNS":
      if (h.colorType === 0) return n === 2 && samples(1) ? null : "length 2, grey sample";
      if (h.colorType === 2) return n === 6 && samples(3) ? null : "length 6, RGB samples";
      if (h.colorType === 3)
        return n >= 1 && n <= paletteEntries ? null : `length 1-${paletteEntries} (palette entries)`;
      return "not allowed with an alpha channel";
    case "bKGD":
      if (h.colorType === 0 || h.colorType === 4) return n === 2 && samples(1) ? null : "length 2, grey sample";
      if (h.colorType === 2 || h.colorType === 6) return n === 6 && samples(3) ? null : "length 6, RGB samples";
      return n === 1 && (data[0] as number) < paletteEntries ? null : "length 1, a palette index";
    case "acTL":
      return n === 8 && data.readUInt32BE(0) > 0 ? null : "length 8, frames > 0";
    case "fcTL": {
      if (n !== 26) return "length 26";
      const w = data.readUInt32BE(4);
      const hh = data.readUInt32BE(8);
      const x = data.readUInt32BE(12);
      const y = data.readUInt32BE(16);
      const ok =
        w > 0 &&
        hh > 0 &&
        x + w <= h.width &&
        y + hh <= h.height &&
        (data[24] as number) <= 2 &&
        (data[25] as number) <= 1;
      return ok ? null : "frame region inside the canvas, dispose 0-2, blend 0-1";
    }
    default:
      return null;
  }
}

/**
 * Rewrites an iCCP chunk's data: the profile name becomes "ICC profile"; the profile (compression
 * method 0, a zlib stream ending exactly at the end of the chunk) is inflated, validated and its
 * text tags neutralised (icc.ts), then deflated again. Null when the chunk or the profile is invalid.
 */
function rewriteIccp(
  data: Buffer,
  maxIccBytes: number,
): { data: Buffer; renamed: boolean; nameBytes: number; neutral: NeutralisedIcc } | null {
  const nul = data.indexOf(0);
  if (nul < 1 || nul > 79 || data[nul + 1] !== 0) return null;
  const compressed = data.subarray(nul + 2);
  let profile: Buffer;
  let used: number;
  try {
    const inflated = inflateSync(compressed, { info: true, maxOutputLength: maxIccBytes }) as unknown as {
      buffer: Buffer;
      engine: { bytesWritten: number };
    };
    profile = inflated.buffer;
    used = inflated.engine.bytesWritten;
  } catch {
    return null;
  }
  if (used !== compressed.length) return null;
  let neutral: NeutralisedIcc;
  try {
    neutral = neutraliseIccProfile(profile);
  } catch (error) {
    if (error instanceof IccInvalid) return null;
    throw error;
  }
  const renamed = !data.subarray(0, nul + 1).equals(ICC_NAME);
  return {
    data: Buffer.concat([ICC_NAME, Buffer.of(0), deflateSync(neutral.profile)]),
    renamed,
    nameBytes: nul,
    neutral,
  };
}

/**
 * Inflates the IDAT stream as it passes, to prove that it ends exactly at the end of the IDAT data
 * (its Adler-32 included) and holds no more than the image's scanlines (fewer: decoders show a
 * partial image, and nothing is hidden). Output is counted, not kept.
 */
class IdatStream {
  private readonly inflate = createInflate();
  private produced = 0;
  private written = 0;
  private failure: Error | null = null;
  private readonly finished: Promise<void>;

  constructor(private readonly expected: number) {
    this.inflate.on("data", (piece: Buffer) => {
      this.produced += piece.length;
      if (this.produced > this.expected && this.failure === null) {
        this.failure = new Error(`inflates to more than the ${this.expected} bytes of scanlines the image needs`);
        this.inflate.destroy();
      }
    });
    this.finished = new Promise<void>((resolve) => {
      this.inflate.once("end", resolve);
      this.inflate.once("close", resolve);
      this.inflate.once("error", (error: Error) => {
        this.failure ??= error;
        resolve();
      });
    });
  }

  async write(piece: Buffer): Promise<void> {
    if (this.failure !== null || piece.length === 0) return;
    this.written += piece.length;
    // A failing stream may never call back: the write also ends when the stream does.
    await Promise.race([new Promise<void>((resolve) => this.inflate.write(piece, () => resolve())), this.finished]);
  }

  /** Rejects (at `at`) unless the stream ended exactly at the last byte, within the expected size. */
  async finish(at: number): Promise<void> {
    if (this.failure === null) this.inflate.end();
    await this.finished;
    if (this.failure !== null) throw new ScrubRejected("malformed", `IDAT zlib stream: ${this.failure.message}`, at);
    if (this.inflate.bytesWritten !== this.written) {
      throw new ScrubRejected(
        "malformed",
        `IDAT holds ${this.written - this.inflate.bytesWritten} bytes after the end of its zlib stream`,
        at,
      );
    }
  }
}

function isChunkType(type: Buffer): boolean {
  for (const c of type) {
    if (!((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a))) return false;
  }
  return true;
}

function chunkBytes(type: string, data: Buffer): Buffer[] {
  const header = Buffer.allocUnsafe(8);
  header.writeUInt32BE(data.length, 0);
  header.write(type, 4, "latin1");
  const crc = Buffer.allocUnsafe(4);
  crc.writeUInt32BE(crc32(data, crc32(header.subarray(4))) >>> 0, 0);
  return [header, data, crc];
}

/** Rewrites a PNG read from `reader` (positioned at the signature), yielding the scrubbed bytes. */
export async function* scrubPng(
  reader: ByteReader,
  settings: FormatSettings,
  report: Report,
): AsyncGenerator<Buffer, void, void> {
  const signature = await reader.readExact(8, "the PNG signature");
  if (!signature.equals(PNG_SIGNATURE)) throw new ScrubRejected("malformed", "bad PNG signature", 0);
  report.keep("signature", 8);
  yield PNG_SIGNATURE;

  let header: PngHeader | null = null;
  let sawExif = false;
  let sawPlte = false;
  let paletteEntries = 0;
  let idat: IdatStream | null = null;
  let idatDone = false;
  let idatEndAt = 0;
  const seen = new Set<string>();
  for (;;) {
    const at = reader.offset;
    const chunkHeader = await reader.readExact(8, "a chunk header (IEND missing)");
    const length = chunkHeader.readUInt32BE(0);
    const typeBytes = chunkHeader.subarray(4, 8);
    if (!isChunkType(typeBytes)) throw new ScrubRejected("malformed", "invalid chunk type", at + 4);
    const type = typeBytes.toString("latin1");
    if (length > MAX_CHUNK_LENGTH) throw new ScrubRejected("malformed", `${type} length ${length} above 2^31-1`, at);
    if ((header === null) !== (type === "IHDR"))
      throw new ScrubRejected("malformed", header === null ? `first chunk is ${type}, not IHDR` : "second IHDR", at);
    let crc = crc32(typeBytes);
    const observe = (piece: Buffer): void => {
      crc = crc32(piece, crc);
    };
    const checkCrc = async (): Promise<Buffer> => {
      const stored = await reader.readExact(4, `the ${type} CRC`);
      if (stored.readUInt32BE(0) !== crc >>> 0)
        throw new ScrubRejected("crc-mismatch", `${type} chunk CRC does not match`, at);
      return stored;
    };
    const total = length + 12;
    if (idat !== null && (type === "IEND" || type === "fcTL" || type === "fdAT")) {
      // The image data is over (chunks dropped between IDATs do not count): its zlib stream must have ended exactly here.
      await idat.finish(idatEndAt);
      idat = null;
      idatDone = true;
    }

    if (type === "IHDR") {
      if (length !== 13) throw new ScrubRejected("malformed", `IHDR length ${length} (must be 13)`, at);
      const data = await reader.readExact(13, "IHDR");
      observe(data);
      const stored = await checkCrc();
      header = parseIhdr(data, at);
      checkPixels(header.width, header.height, settings.maxPixels, at, "IHDR");
      report.width = header.width;
      report.height = header.height;
      report.keep(type, total);
      yield chunkHeader;
      yield data;
      yield stored;
      continue;
    }
    const image = header as PngHeader;
    if (type === "IEND") {
      if (length !== 0) throw new ScrubRejected("malformed", `IEND length ${length} (must be 0)`, at);
      const stored = await checkCrc();
      if (!idatDone) throw new ScrubRejected("malformed", "IEND before any IDAT", at);
      report.keep(type, total);
      yield chunkHeader;
      yield stored;
      break;
    }
    if (type === "PLTE") {
      if (sawPlte || idatDone || idat !== null) throw new ScrubRejected("malformed", "second or misplaced PLTE", at);
      if (image.colorType === 0 || image.colorType === 4)
        throw new ScrubRejected("malformed", "PLTE in a greyscale image", at);
      const entries = length / 3;
      const limit = image.colorType === 3 ? 2 ** image.bitDepth : 256;
      if (!Number.isInteger(entries) || entries < 1 || entries > limit)
        throw new ScrubRejected("malformed", `PLTE length ${length} (3 × 1-${limit} entries)`, at);
      const data = await reader.readExact(length, "PLTE");
      observe(data);
      const stored = await checkCrc();
      sawPlte = true;
      paletteEntries = entries;
      report.keep(type, total);
      yield chunkHeader;
      yield data;
      yield stored;
      continue;
    }
    if (type === "IDAT") {
      if (idatDone) throw new ScrubRejected("malformed", "IDAT after the animation frames", at);
      if (image.colorType === 3 && !sawPlte)
        throw new ScrubRejected("malformed", "IDAT before the PLTE of a palette image", at);
      idat ??= new IdatStream(imageDataBytes(image));
      const stream = idat;
      yield chunkHeader;
      for await (const piece of reader.stream(length, type, observe)) {
        yield piece;
        await stream.write(piece);
      }
      idatEndAt = reader.offset;
      yield await checkCrc();
      report.keep(type, total);
      continue;
    }
    if (type === "iCCP" && settings.keepIccProfile) {
      // Readers use the first iCCP before PLTE and IDAT and ignore the rest.
      const why = seen.has(type)
        ? "second"
        : sawPlte || idat !== null || idatDone
          ? "after PLTE/IDAT: ignored by readers"
          : length > settings.maxIccBytes
            ? "over the size limit"
            : null;
      seen.add(type);
      if (why !== null) {
        await reader.skip(length, type, observe);
        await checkCrc();
        report.remove(`iCCP (${why})`, total);
        continue;
      }
      const data = await reader.readHeld(length, type, observe);
      let rewritten: ReturnType<typeof rewriteIccp>;
      try {
        await checkCrc();
        rewritten = rewriteIccp(data, settings.maxIccBytes);
      } finally {
        reader.release(length);
      }
      if (rewritten === null) {
        report.remove("iCCP (invalid profile)", total);
        continue;
      }
      report.keep(type, rewritten.data.length + 12);
      if (rewritten.renamed) report.remove("iCCP profile name", rewritten.nameBytes);
      if (rewritten.neutral.textTags > 0) report.remove("ICC text tags (replaced)", rewritten.neutral.textBytes);
      yield* chunkBytes(type, rewritten.data);
      continue;
    }
    if (PNG_KEPT_CHUNKS.has(type) && type !== "iCCP") {
      const misplaced = (BEFORE_IDAT.has(type) && (idat !== null || idatDone)) || (BEFORE_PLTE.has(type) && sawPlte);
      const duplicate = ONCE.has(type) && seen.has(type);
      if (misplaced || duplicate) {
        await reader.skip(length, type, observe);
        await checkCrc();
        report.remove(`${type} (${duplicate ? "duplicate" : "misplaced"})`, total);
        continue;
      }
      if (CHECKED.has(type)) {
        if (length > 1024) {
          await reader.skip(length, type, observe);
          await checkCrc();
          report.remove(`${type} (invalid)`, total);
          continue;
        }
        const data = await reader.readExact(length, type);
        observe(data);
        const stored = await checkCrc();
        if (ancillaryProblem(type, data, image, paletteEntries) !== null) {
          report.remove(`${type} (invalid)`, total);
          continue;
        }
        if (type === "acTL") report.frames = data.readUInt32BE(0);
        seen.add(type);
        report.keep(type, total);
        yield chunkHeader;
        yield data;
        yield stored;
        continue;
      }
      // fdAT: frame data, streamed.
      if (type === "fdAT" && length < 4) {
        await reader.skip(length, type, observe);
        await checkCrc();
        report.remove("fdAT (invalid)", total);
        continue;
      }
      yield chunkHeader;
      yield* reader.stream(length, type, observe);
      yield await checkCrc();
      report.keep(type, total);
      continue;
    }
    if (CRITICAL.has(type) || (typeBytes[0] as number) < 0x61) {
      throw new ScrubRejected("unsupported-feature", `unknown critical chunk ${type}`, at);
    }
    if (type === "eXIf" && !sawExif && idat === null && !idatDone) {
      sawExif = true;
      const prefix = await reader.readExact(Math.min(length, EXIF_PREFIX_BYTES), "eXIf");
      observe(prefix);
      await reader.skip(length - prefix.length, "eXIf", observe);
      await checkCrc();
      report.remove("eXIf", total);
      const orientation = readOrientation(prefix);
      if (isRotatingOrientation(orientation)) {
        report.orientation = orientation;
        if (settings.preserveOrientation) {
          const parts = chunkBytes("eXIf", minimalExifTiff(orientation));
          report.orientationWritten = true;
          report.keep("eXIf (Orientation only)", 12 + 26);
          yield* parts;
        }
      }
      continue;
    }
    await reader.skip(length, type, observe);
    await checkCrc();
    report.remove(type, total);
  }

  const trailing = await reader.drain();
  if (trailing > 0) report.remove("trailing data after IEND", trailing);
}
