import { crc32, deflateSync, inflateSync } from "node:zlib";
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
 * is inflated, its text tags neutralised (icc.ts) and deflated again, with a new CRC.
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
/** Profile name written into a kept iCCP (the input's name is free text). */
const ICCP_NAME = Buffer.from("ICC profile\0\0", "latin1"); // name, NUL, compression method 0

/** The ICC profile of an iCCP chunk's data, neutralised; null when the chunk or profile is invalid. */
function neutraliseIccp(data: Buffer, maxIccBytes: number): NeutralisedIcc | null {
  const nul = data.indexOf(0);
  if (nul < 1 || nul > 79 || data[nul + 1] !== 0) return null;
  try {
    return neutraliseIccProfile(inflateSync(data.subarray(nul + 2), { maxOutputLength: maxIccBytes }));
  } catch (error) {
    if (error instanceof IccInvalid || (error instanceof Error && "code" in error)) return null;
    throw error;
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
export async function* scrubPng(reader: ByteReader, settings: FormatSettings, report: Report): AsyncGenerator<Buffer, void, void> {
  const signature = await reader.readExact(8, "the PNG signature");
  if (!signature.equals(PNG_SIGNATURE)) throw new ScrubRejected("malformed", "bad PNG signature", 0);
  report.keep("signature", 8);
  yield PNG_SIGNATURE;

  let first = true;
  let sawIdat = false;
  let sawPlte = false;
  let sawIcc = false;
  let sawExif = false;
  for (;;) {
    const at = reader.offset;
    const header = await reader.readExact(8, "a chunk header (IEND missing)");
    const length = header.readUInt32BE(0);
    const typeBytes = header.subarray(4, 8);
    if (!isChunkType(typeBytes)) throw new ScrubRejected("malformed", "invalid chunk type", at + 4);
    const type = typeBytes.toString("latin1");
    if (length > MAX_CHUNK_LENGTH) throw new ScrubRejected("malformed", `${type} length ${length} above 2^31-1`, at);
    if (first !== (type === "IHDR")) throw new ScrubRejected("malformed", first ? `first chunk is ${type}, not IHDR` : "second IHDR", at);
    first = false;
    let crc = crc32(typeBytes);
    const observe = (piece: Buffer): void => {
      crc = crc32(piece, crc);
    };
    const checkCrc = async (): Promise<Buffer> => {
      const stored = await reader.readExact(4, `the ${type} CRC`);
      if (stored.readUInt32BE(0) !== crc >>> 0) throw new ScrubRejected("crc-mismatch", `${type} chunk CRC does not match`, at);
      return stored;
    };
    const total = length + 12;

    if (type === "IHDR") {
      if (length !== 13) throw new ScrubRejected("malformed", `IHDR length ${length} (must be 13)`, at);
      const data = await reader.readExact(13, "IHDR");
      observe(data);
      const stored = await checkCrc();
      const width = data.readUInt32BE(0);
      const height = data.readUInt32BE(4);
      checkPixels(width, height, settings.maxPixels, at, "IHDR");
      report.width = width;
      report.height = height;
      report.keep(type, total);
      yield header;
      yield data;
      yield stored;
      continue;
    }
    if (type === "IEND") {
      if (length !== 0) throw new ScrubRejected("malformed", `IEND length ${length} (must be 0)`, at);
      const stored = await checkCrc();
      if (!sawIdat) throw new ScrubRejected("malformed", "IEND before any IDAT", at);
      report.keep(type, total);
      yield header;
      yield stored;
      break;
    }
    if (type === "IDAT") sawIdat = true;
    if (type === "acTL") {
      const data = await reader.readExact(Math.min(length, 8), "acTL");
      if (length === 8) report.frames = data.readUInt32BE(0);
      observe(data);
      yield header;
      yield data;
      yield* reader.stream(length - data.length, type, observe);
      yield await checkCrc();
      report.keep(type, total);
      continue;
    }
    if (type === "PLTE") sawPlte = true;
    if (type === "iCCP" && settings.keepIccProfile) {
      const why = sawIcc ? "second" : sawPlte || sawIdat ? "after PLTE/IDAT: ignored by readers" : length > settings.maxIccBytes ? "over the size limit" : null;
      sawIcc = true;
      if (why !== null) {
        await reader.skip(length, type, observe);
        await checkCrc();
        report.remove(`iCCP (${why})`, total);
        continue;
      }
      const data = await reader.readHeld(length, type, observe);
      await checkCrc();
      const neutral = neutraliseIccp(data, settings.maxIccBytes);
      reader.release(length);
      if (neutral === null) {
        report.remove("iCCP (invalid profile)", total);
        continue;
      }
      const rebuilt = Buffer.concat([ICCP_NAME, deflateSync(neutral.profile)]);
      report.keep(type, rebuilt.length + 12);
      if (neutral.textTags > 0) report.remove("ICC text tags (replaced)", neutral.textBytes);
      yield* chunkBytes(type, rebuilt);
      continue;
    }
    if (PNG_KEPT_CHUNKS.has(type) && type !== "iCCP") {
      yield header;
      yield* reader.stream(length, type, observe);
      yield await checkCrc();
      report.keep(type, total);
      continue;
    }
    if (CRITICAL.has(type) || (typeBytes[0] as number) < 0x61) {
      throw new ScrubRejected("unsupported-feature", `unknown critical chunk ${type}`, at);
    }
    if (type === "eXIf" && !sawExif && !sawIdat) {
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
