import { ScrubRejected } from "./errors";
import { isRotatingOrientation, minimalExifTiff, readOrientation } from "./exif";
import type { ByteReader } from "./reader";
import { checkPixels, type FormatSettings, type Report } from "./report";

/*
 * WebP rewriter (DESIGN.md §6). Walks every RIFF chunk (flags can lie): keeps VP8X, ICCP, ANIM,
 * ANMF (whole frames), ALPH, VP8 and VP8L; drops EXIF, "XMP " and unknown chunks wherever they
 * are and anything after the RIFF payload; clears the EXIF/XMP flags in VP8X and writes the new
 * RIFF size. With Orientation 2-8 in the first EXIF chunk of an extended file, a minimal EXIF
 * chunk is written instead (the EXIF flag then stays set).
 *
 * The RIFF size comes first in the output but depends on what is dropped later, so this runs in
 * two passes over the input: pass 1 (plan === null) validates everything and emits nothing; pass 2
 * emits, using pass 1's plan. Payloads are streamed in both passes.
 */

const FLAG_ICC = 0x20;
const FLAG_EXIF = 0x08;
const FLAG_XMP = 0x04;
const FLAG_ANIMATION = 0x02;
const ANMF_HEADER_BYTES = 16;
const EXIF_PREFIX_BYTES = 65_536;
const FRAME_CHUNKS = new Set(["ALPH", "VP8 ", "VP8L"]);

/** What pass 1 learned and pass 2 needs before it can write the first byte. */
export interface WebpPlan {
  /** RIFF size field of the output (output length − 8). */
  readonly riffSize: number;
  /** Orientation to write as a minimal EXIF chunk, if any. */
  readonly exifOrientation: number | undefined;
}

function u24le(buf: Buffer, at: number): number {
  return (buf[at] as number) | ((buf[at + 1] as number) << 8) | ((buf[at + 2] as number) << 16);
}

function chunkHeader(fourcc: string, size: number): Buffer {
  const header = Buffer.allocUnsafe(8);
  header.write(fourcc, 0, "latin1");
  header.writeUInt32LE(size, 4);
  return header;
}

/** Printable form of a FourCC for names and messages: bytes outside ASCII 0x20-0x7E become \xNN. */
export function fourCcName(bytes: Buffer): string {
  let out = "";
  for (const c of bytes) out += c >= 0x20 && c <= 0x7e && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`;
  return out;
}

/** Width and height from the start of a VP8 (lossy) or VP8L (lossless) bitstream. */
function bitstreamSize(fourcc: string, head: Buffer, at: number): { width: number; height: number } {
  if (fourcc === "VP8 ") {
    if (head.length < 10 || head[3] !== 0x9d || head[4] !== 0x01 || head[5] !== 0x2a) {
      throw new ScrubRejected("malformed", "VP8 chunk without a key frame start code", at);
    }
    return { width: head.readUInt16LE(6) & 0x3fff, height: head.readUInt16LE(8) & 0x3fff };
  }
  if (head.length < 5 || head[0] !== 0x2f) throw new ScrubRejected("malformed", "VP8L chunk without its signature", at);
  const bits = head.readUInt32LE(1);
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}

/**
 * One pass over a WebP. With `plan === null` it validates and yields nothing, returning the plan;
 * with a plan it yields the scrubbed file.
 */
export async function* walkWebp(
  reader: ByteReader,
  settings: FormatSettings,
  report: Report,
  plan: WebpPlan | null,
): AsyncGenerator<Buffer, WebpPlan, void> {
  const emit = plan !== null;
  const riff = await reader.readExact(12, "the RIFF header");
  if (riff.toString("latin1", 0, 4) !== "RIFF" || riff.toString("latin1", 8, 12) !== "WEBP") {
    throw new ScrubRejected("malformed", "not a RIFF WEBP header", 0);
  }
  const riffSize = riff.readUInt32LE(4);
  if (riffSize < 12) throw new ScrubRejected("malformed", `RIFF size ${riffSize} too small for a WebP`, 4);
  const end = 8 + riffSize;
  if (emit) {
    const header = Buffer.from(riff);
    header.writeUInt32LE(plan.riffSize, 4);
    yield header;
  }
  report.keep("RIFF header", 12);

  let outSize = 4; // "WEBP"
  let first = true;
  let extended = false;
  let sawImage = false;
  let sawExif = false;
  let exifOrientation: number | undefined;
  let frameCount = 0;

  while (reader.offset < end) {
    const at = reader.offset;
    if (end - at < 8) throw new ScrubRejected("malformed", "chunk header crosses the end of the RIFF payload", at);
    const header = await reader.readExact(8, "a RIFF chunk header");
    const fourcc = header.toString("latin1", 0, 4);
    const size = header.readUInt32LE(4);
    const pad = size & 1;
    if (at + 8 + size + pad > end) {
      throw new ScrubRejected("malformed", `chunk "${fourCcName(header.subarray(0, 4))}" of ${size} bytes runs past the RIFF end`, at);
    }
    const total = 8 + size + pad;
    if (first && fourcc !== "VP8X" && fourcc !== "VP8 " && fourcc !== "VP8L") {
      throw new ScrubRejected("malformed", `first chunk is "${fourCcName(header.subarray(0, 4))}", not VP8X/VP8/VP8L`, at);
    }
    const isFirst = first;
    first = false;

    const keepWhole = async function* (head?: Buffer): AsyncGenerator<Buffer, void, void> {
      if (emit) yield header;
      let done = 0;
      if (head !== undefined) {
        if (emit) yield head;
        done = head.length;
      }
      if (emit) yield* reader.stream(size - done, fourcc);
      else await reader.skip(size - done, fourcc);
      if (pad) {
        await reader.skip(1, `${fourcc} padding`);
        if (emit) yield Buffer.of(0);
      }
      outSize += total;
      report.keep(fourcc, total);
    };
    const drop = async (name: string, already = 0): Promise<void> => {
      await reader.skip(size - already + pad, fourcc);
      report.remove(name, total);
    };

    if (fourcc === "VP8X") {
      if (!isFirst) throw new ScrubRejected("malformed", "VP8X is not the first chunk", at);
      if (size !== 10) throw new ScrubRejected("malformed", `VP8X size ${size} (must be 10)`, at);
      extended = true;
      const data = Buffer.from(await reader.readExact(10, "VP8X"));
      const width = u24le(data, 4) + 1;
      const height = u24le(data, 7) + 1;
      checkPixels(width, height, settings.maxPixels, at, "VP8X canvas");
      report.width = width;
      report.height = height;
      let flags = (data[0] as number) & ~(FLAG_EXIF | FLAG_XMP);
      if (!settings.keepIccProfile) flags &= ~FLAG_ICC;
      if (plan?.exifOrientation !== undefined) flags |= FLAG_EXIF;
      data[0] = flags;
      if (emit) {
        yield header;
        yield data;
      }
      outSize += total;
      report.keep(fourcc, total);
    } else if (fourcc === "VP8 " || fourcc === "VP8L") {
      const head = await reader.readExact(Math.min(size, 10), fourcc);
      const { width, height } = bitstreamSize(fourcc, head, at);
      checkPixels(width, height, settings.maxPixels, at, fourcc.trim());
      if (!extended) {
        report.width = width;
        report.height = height;
      }
      sawImage = true;
      yield* keepWhole(head);
    } else if (fourcc === "ALPH" || fourcc === "ANIM") {
      yield* keepWhole();
    } else if (fourcc === "ICCP") {
      if (settings.keepIccProfile) yield* keepWhole();
      else await drop("ICCP");
    } else if (fourcc === "ANMF") {
      yield* keepFrame(header, size, at);
      if (pad) {
        await reader.skip(1, "ANMF padding");
        if (emit) yield Buffer.of(0);
      }
      outSize += total;
      report.keep(fourcc, total);
      sawImage = true;
    } else if (fourcc === "EXIF") {
      if (!sawExif) {
        sawExif = true;
        const prefix = await reader.readExact(Math.min(size, EXIF_PREFIX_BYTES), "EXIF");
        const orientation = readOrientation(prefix);
        await drop("EXIF", prefix.length);
        if (isRotatingOrientation(orientation)) {
          report.orientation = orientation;
          if (extended && settings.preserveOrientation) {
            exifOrientation = orientation;
            const tiff = minimalExifTiff(orientation);
            if (emit) {
              yield chunkHeader("EXIF", tiff.length);
              yield tiff;
            }
            outSize += 8 + tiff.length;
            report.orientationWritten = true;
            report.keep("EXIF (Orientation only)", 8 + tiff.length);
          }
        }
      } else {
        await drop("EXIF");
      }
    } else if (fourcc === "XMP ") {
      await drop("XMP ");
    } else {
      // Includes "XMP\0" (seen in the wild) and any vendor chunk: unknown data may be metadata.
      await drop(`unknown chunk "${fourCcName(header.subarray(0, 4))}"`);
    }
  }
  if (!sawImage) throw new ScrubRejected("malformed", "no image data (VP8/VP8L/ANMF)", reader.offset);
  report.frames = Math.max(1, frameCount);

  const trailing = await reader.drain();
  if (trailing > 0) report.remove("trailing data after RIFF", trailing);
  return { riffSize: outSize, exifOrientation };

  /** Copies one animation frame: its 16-byte header and ALPH/VP8/VP8L sub-chunks, unchanged. */
  async function* keepFrame(header: Buffer, size: number, at: number): AsyncGenerator<Buffer, void, void> {
    if (size < ANMF_HEADER_BYTES + 8) throw new ScrubRejected("malformed", `ANMF size ${size} too small`, at);
    const frame = await reader.readExact(ANMF_HEADER_BYTES, "ANMF header");
    const width = u24le(frame, 6) + 1;
    const height = u24le(frame, 9) + 1;
    checkPixels(width, height, settings.maxPixels, at, "ANMF frame");
    frameCount += 1;
    if (emit) {
      yield header;
      yield frame;
    }
    const frameEnd = at + 8 + size;
    while (reader.offset < frameEnd) {
      const subAt = reader.offset;
      if (frameEnd - subAt < 8) throw new ScrubRejected("malformed", "ANMF sub-chunk header crosses the frame end", subAt);
      const sub = await reader.readExact(8, "an ANMF sub-chunk header");
      const fourcc = sub.toString("latin1", 0, 4);
      const subSize = sub.readUInt32LE(4);
      const subPad = subSize & 1;
      if (subAt + 8 + subSize + subPad > frameEnd) {
        throw new ScrubRejected("malformed", `ANMF sub-chunk "${fourCcName(sub.subarray(0, 4))}" runs past the frame end`, subAt);
      }
      if (!FRAME_CHUNKS.has(fourcc)) {
        // Unknown chunks may trail a frame (WebP container spec); dropping them would change the
        // ANMF size after its header was written, so fail closed instead of passing them through.
        throw new ScrubRejected("unsupported-feature", `chunk "${fourCcName(sub.subarray(0, 4))}" inside an ANMF frame`, subAt);
      }
      let done = 0;
      if (emit) yield sub;
      if (fourcc !== "ALPH") {
        const head = await reader.readExact(Math.min(subSize, 10), fourcc);
        const dims = bitstreamSize(fourcc, head, subAt);
        checkPixels(dims.width, dims.height, settings.maxPixels, subAt, `ANMF ${fourcc.trim()}`);
        if (emit) yield head;
        done = head.length;
      }
      if (emit) yield* reader.stream(subSize - done, fourcc);
      else await reader.skip(subSize - done, fourcc);
      if (subPad) {
        await reader.skip(1, `${fourcc} padding`);
        if (emit) yield Buffer.of(0);
      }
    }
  }
}

/** VP8X flag bits, exported for tests. */
export const VP8X_FLAGS = { icc: FLAG_ICC, exif: FLAG_EXIF, xmp: FLAG_XMP, animation: FLAG_ANIMATION } as const;
