import { ScrubRejected } from "./errors";
import { isRotatingOrientation, minimalExifTiff, readOrientation } from "./exif";
import { IccInvalid, type NeutralisedIcc, neutraliseIccProfile } from "./icc";
import type { ByteReader } from "./reader";
import { checkPixels, type FormatSettings, type Report } from "./report";
import {
  checkAlphHeader,
  checkVp8Partitions,
  readVp8Frame,
  readVp8lHeader,
  VP8_HEAD_BYTES,
  type Vp8Frame,
} from "./webp-bitstream";

/*
 * WebP rewriter (DESIGN.md §6). Walks every RIFF chunk (flags can lie): keeps VP8X, ICCP, ANIM,
 * ANMF, ALPH, VP8 and VP8L; drops EXIF, "XMP " and unknown chunks wherever they are and anything
 * after the RIFF payload; clears the EXIF/XMP flags in VP8X and writes the new RIFF size. With
 * Orientation 2-8 in the first EXIF chunk of an extended file, a minimal EXIF chunk is written
 * instead (the EXIF flag then stays set).
 *
 * Every kept chunk is checked against the container's structure (issue 14): one VP8X, first; one
 * ICCP (its text tags neutralised, icc.ts); one ANIM of exactly 6 bytes, before the frames, only in
 * an animation; ANMF frames inside the canvas holding [ALPH] VP8 or VP8L; a still image is one
 * [ALPH] VP8 or one VP8L whose size is the canvas; ALPH header fields valid and uncompressed alpha
 * exactly one byte per pixel; VP8 frame header and partition layout valid (webp-bitstream.ts).
 * Reserved bits (VP8X, ANMF) are written as zero. Anything else is rejected.
 *
 * The RIFF size comes first in the output but depends on what is dropped later, so this runs in
 * two passes over the input: pass 1 (plan === null) validates everything and emits nothing; pass 2
 * emits, using pass 1's plan. Payloads are streamed in both passes.
 */

const FLAG_ICC = 0x20;
const FLAG_ALPHA = 0x10;
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
  /** Whether an ICCP chunk is written (present, flagged, valid and wanted): decides the ICC flag. */
  readonly iccKept: boolean;
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
  for (const c of bytes)
    out += c >= 0x20 && c <= 0x7e && c !== 0x5c ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`;
  return out;
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
  let inputFlags = 0;
  let animated = false;
  let canvas = { width: 0, height: 0 };
  let sawImage = false;
  let sawAnim = false;
  let sawIcc = false;
  let iccKept = false;
  /** An ALPH chunk was kept and the VP8 chunk it belongs to must come next. */
  let alphPending = false;
  let sawExif = false;
  let exifOrientation: number | undefined;
  let frameCount = 0;

  while (reader.offset < end) {
    const at = reader.offset;
    if (end - at < 8) throw new ScrubRejected("malformed", "chunk header crosses the end of the RIFF payload", at);
    const header = await reader.readExact(8, "a RIFF chunk header");
    const fourcc = header.toString("latin1", 0, 4);
    const name = fourCcName(header.subarray(0, 4));
    const size = header.readUInt32LE(4);
    const pad = size & 1;
    if (at + 8 + size + pad > end) {
      throw new ScrubRejected("malformed", `chunk "${name}" of ${size} bytes runs past the RIFF end`, at);
    }
    const total = 8 + size + pad;
    if (first && fourcc !== "VP8X" && fourcc !== "VP8 " && fourcc !== "VP8L") {
      throw new ScrubRejected("malformed", `first chunk is "${name}", not VP8X/VP8/VP8L`, at);
    }
    const isFirst = first;
    first = false;
    if (alphPending && fourcc !== "VP8 ")
      throw new ScrubRejected("malformed", `ALPH is followed by "${name}", not by its VP8 chunk`, at);

    const drop = async (what: string, already = 0): Promise<void> => {
      await reader.skip(size - already + pad, fourcc);
      report.remove(what, total);
    };
    const padding = async function* (): AsyncGenerator<Buffer, void, void> {
      if (!pad) return;
      await reader.skip(1, `${fourcc} padding`);
      if (emit) yield Buffer.of(0);
    };

    if (fourcc === "VP8X") {
      if (!isFirst) throw new ScrubRejected("malformed", "VP8X is not the first chunk", at);
      if (size !== 10) throw new ScrubRejected("malformed", `VP8X size ${size} (must be 10)`, at);
      extended = true;
      const data = Buffer.from(await reader.readExact(10, "VP8X"));
      inputFlags = data[0] as number;
      animated = (inputFlags & FLAG_ANIMATION) !== 0;
      canvas = { width: u24le(data, 4) + 1, height: u24le(data, 7) + 1 };
      checkPixels(canvas.width, canvas.height, settings.maxPixels, at, "VP8X canvas");
      report.width = canvas.width;
      report.height = canvas.height;
      // Reserved bits and bytes are zeroed (readers ignore them); ICC and EXIF follow what is written.
      let flags = inputFlags & (FLAG_ALPHA | FLAG_ANIMATION);
      if (plan?.iccKept) flags |= FLAG_ICC;
      if (plan?.exifOrientation !== undefined) flags |= FLAG_EXIF;
      data[0] = flags;
      data.fill(0, 1, 4);
      if (emit) {
        yield header;
        yield data;
      }
      outSize += total;
      report.keep(fourcc, total);
    } else if (fourcc === "VP8 " || fourcc === "VP8L") {
      if (!isFirst && !extended)
        throw new ScrubRejected("malformed", `second image bitstream ("${name}") in a simple-format file`, at);
      if (animated) throw new ScrubRejected("malformed", `"${name}" outside ANMF in an animated file`, at);
      if (sawImage) throw new ScrubRejected("malformed", `second image bitstream ("${name}")`, at);
      const dims = yield* keepBitstream(header, size, at, extended ? canvas : null);
      if (!extended) {
        report.width = dims.width;
        report.height = dims.height;
      }
      yield* padding();
      alphPending = false;
      sawImage = true;
      outSize += total;
      report.keep(fourcc, total);
    } else if (fourcc === "ALPH") {
      if (!extended) throw new ScrubRejected("malformed", "ALPH in a simple-format file", at);
      if (animated) throw new ScrubRejected("malformed", "ALPH outside ANMF in an animated file", at);
      if (sawImage) throw new ScrubRejected("malformed", "ALPH after the image bitstream", at);
      yield* keepAlpha(header, size, at, canvas);
      yield* padding();
      alphPending = true;
      outSize += total;
      report.keep(fourcc, total);
    } else if (fourcc === "ANIM") {
      if (!animated) {
        await drop("ANIM (not an animation)");
      } else {
        if (sawAnim) throw new ScrubRejected("malformed", "second ANIM chunk", at);
        if (frameCount > 0) throw new ScrubRejected("malformed", "ANIM after the first ANMF frame", at);
        if (size !== 6)
          throw new ScrubRejected("malformed", `ANIM size ${size} (must be 6: background colour, loop count)`, at);
        sawAnim = true;
        const data = await reader.readExact(6, "ANIM");
        if (emit) {
          yield header;
          yield data;
        }
        outSize += total;
        report.keep(fourcc, total);
      }
    } else if (fourcc === "ANMF") {
      if (!animated) throw new ScrubRejected("malformed", "ANMF in a file without the animation flag", at);
      if (!sawAnim) throw new ScrubRejected("malformed", "ANMF before ANIM", at);
      yield* keepFrame(header, size, at);
      yield* padding();
      outSize += total;
      report.keep(fourcc, total);
      sawImage = true;
    } else if (fourcc === "ICCP") {
      if (!settings.keepIccProfile) await drop("ICCP");
      else if (!extended) await drop("ICCP (simple-format file: ignored by readers)");
      else if (sawIcc) await drop("ICCP (second)");
      else if ((inputFlags & FLAG_ICC) === 0) await drop("ICCP (ICC flag not set: ignored by readers)");
      else if (size > settings.maxIccBytes) {
        sawIcc = true;
        await drop("ICCP (over the size limit)");
      } else {
        sawIcc = true;
        const original = await reader.readHeld(size, "ICCP");
        await reader.skip(pad, "ICCP padding");
        let neutral: NeutralisedIcc | null = null;
        try {
          neutral = neutraliseIccProfile(original);
        } catch (error) {
          if (!(error instanceof IccInvalid)) throw error;
        }
        reader.release(size);
        if (neutral === null) {
          report.remove("ICCP (invalid profile)", total);
        } else {
          iccKept = true;
          const profile = neutral.profile;
          const outTotal = 8 + profile.length + (profile.length & 1);
          if (emit) {
            yield chunkHeader("ICCP", profile.length);
            yield profile;
            if (profile.length & 1) yield Buffer.of(0);
          }
          outSize += outTotal;
          report.keep("ICCP", outTotal);
          if (neutral.textTags > 0) report.remove("ICC text tags (replaced)", neutral.textBytes);
        }
      }
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
      await drop(`unknown chunk "${name}"`);
    }
  }
  if (alphPending) throw new ScrubRejected("malformed", "ALPH without its VP8 chunk", reader.offset);
  if (!sawImage) throw new ScrubRejected("malformed", "no image data (VP8/VP8L/ANMF)", reader.offset);
  report.frames = Math.max(1, frameCount);

  const trailing = await reader.drain();
  if (trailing > 0) report.remove("trailing data after RIFF", trailing);
  return { riffSize: outSize, exifOrientation, iccKept };

  /**
   * Copies a VP8 or VP8L chunk's payload after checking its header (and, for VP8, the partition
   * layout); `expected` dimensions (canvas or frame) must match. Returns the bitstream's size.
   */
  async function* keepBitstream(
    header: Buffer,
    size: number,
    at: number,
    expected: { width: number; height: number } | null,
  ): AsyncGenerator<Buffer, { width: number; height: number }, void> {
    const fourcc = header.toString("latin1", 0, 4);
    const head = await reader.readExact(Math.min(size, fourcc === "VP8 " ? VP8_HEAD_BYTES : 5), fourcc);
    let dims: { width: number; height: number };
    let table: { at: number; bytes: Buffer; filled: number } | null = null;
    let frame: Vp8Frame | null = null;
    if (fourcc === "VP8 ") {
      frame = readVp8Frame(head, size, at);
      dims = frame;
      const bytes = Buffer.alloc(3 * (frame.partitions - 1));
      if (frame.tableAt + bytes.length > size)
        throw new ScrubRejected("malformed", "VP8 partition table runs past the chunk", at);
      const inHead = Math.max(0, Math.min(head.length, frame.tableAt + bytes.length) - frame.tableAt);
      if (inHead > 0) head.copy(bytes, 0, frame.tableAt, frame.tableAt + inHead);
      table = { at: frame.tableAt, bytes, filled: inHead };
    } else {
      dims = readVp8lHeader(head, at);
    }
    checkPixels(dims.width, dims.height, settings.maxPixels, at, fourcc.trim());
    if (expected !== null && (dims.width !== expected.width || dims.height !== expected.height)) {
      throw new ScrubRejected(
        "malformed",
        `${fourcc.trim()} is ${dims.width}x${dims.height}, its canvas or frame ${expected.width}x${expected.height}`,
        at,
      );
    }
    if (emit) {
      yield header;
      yield head;
    }
    let position = head.length;
    const observe =
      table === null || table.filled === table.bytes.length
        ? undefined
        : (piece: Buffer): void => {
            const t = table as { at: number; bytes: Buffer; filled: number };
            const from = Math.max(position, t.at);
            const to = Math.min(position + piece.length, t.at + t.bytes.length);
            if (from < to) {
              piece.copy(t.bytes, from - t.at, from - position, to - position);
              t.filled += to - from;
            }
            position += piece.length;
          };
    if (emit) yield* reader.stream(size - head.length, fourcc, observe);
    else await reader.skip(size - head.length, fourcc, observe);
    if (frame !== null && table !== null) checkVp8Partitions(frame, table.bytes, size, at);
    return dims;
  }

  /** Copies an ALPH chunk's payload after checking its header byte against the image size. */
  async function* keepAlpha(
    header: Buffer,
    size: number,
    at: number,
    dims: { width: number; height: number },
  ): AsyncGenerator<Buffer, void, void> {
    if (size < 1) throw new ScrubRejected("malformed", "empty ALPH chunk", at);
    const first = await reader.readExact(1, "ALPH");
    checkAlphHeader(first[0] as number, size - 1, dims.width, dims.height, at);
    if (emit) {
      yield header;
      yield first;
      yield* reader.stream(size - 1, "ALPH");
    } else {
      await reader.skip(size - 1, "ALPH");
    }
  }

  /** Copies one animation frame: its 16-byte header and [ALPH] VP8 or VP8L, each checked. */
  async function* keepFrame(header: Buffer, size: number, at: number): AsyncGenerator<Buffer, void, void> {
    if (size < ANMF_HEADER_BYTES + 8) throw new ScrubRejected("malformed", `ANMF size ${size} too small`, at);
    const frame = Buffer.from(await reader.readExact(ANMF_HEADER_BYTES, "ANMF header"));
    const x = u24le(frame, 0) * 2;
    const y = u24le(frame, 3) * 2;
    const dims = { width: u24le(frame, 6) + 1, height: u24le(frame, 9) + 1 };
    checkPixels(dims.width, dims.height, settings.maxPixels, at, "ANMF frame");
    if (x + dims.width > canvas.width || y + dims.height > canvas.height) {
      throw new ScrubRejected(
        "malformed",
        `ANMF frame ${dims.width}x${dims.height} at ${x},${y} lies outside the ${canvas.width}x${canvas.height} canvas`,
        at,
      );
    }
    frame[15] = (frame[15] as number) & 0x03; // reserved bits zeroed; blending and disposal kept
    frameCount += 1;
    if (emit) {
      yield header;
      yield frame;
    }
    const frameEnd = at + 8 + size;
    let alph = false;
    let image = false;
    while (reader.offset < frameEnd) {
      const subAt = reader.offset;
      if (frameEnd - subAt < 8)
        throw new ScrubRejected("malformed", "ANMF sub-chunk header crosses the frame end", subAt);
      const sub = await reader.readExact(8, "an ANMF sub-chunk header");
      const fourcc = sub.toString("latin1", 0, 4);
      const name = fourCcName(sub.subarray(0, 4));
      const subSize = sub.readUInt32LE(4);
      const subPad = subSize & 1;
      if (subAt + 8 + subSize + subPad > frameEnd) {
        throw new ScrubRejected("malformed", `ANMF sub-chunk "${name}" runs past the frame end`, subAt);
      }
      if (!FRAME_CHUNKS.has(fourcc)) {
        // Unknown chunks may trail a frame (WebP container spec); dropping them would change the
        // ANMF size after its header was written, so fail closed instead of passing them through.
        throw new ScrubRejected("unsupported-feature", `chunk "${name}" inside an ANMF frame`, subAt);
      }
      if (image) throw new ScrubRejected("malformed", `"${name}" after the frame's image bitstream`, subAt);
      if (fourcc === "ALPH") {
        if (alph) throw new ScrubRejected("malformed", "second ALPH in an ANMF frame", subAt);
        alph = true;
        yield* keepAlpha(sub, subSize, subAt, dims);
      } else {
        if (alph && fourcc === "VP8L")
          throw new ScrubRejected("malformed", "ALPH before VP8L (VP8L carries its own alpha)", subAt);
        yield* keepBitstream(sub, subSize, subAt, dims);
        image = true;
      }
      if (subPad) {
        await reader.skip(1, `${fourcc} padding`);
        if (emit) yield Buffer.of(0);
      }
    }
    if (!image) throw new ScrubRejected("malformed", "ANMF frame without VP8/VP8L", at);
  }
}

/** VP8X flag bits, exported for tests. */
export const VP8X_FLAGS = {
  icc: FLAG_ICC,
  alpha: FLAG_ALPHA,
  exif: FLAG_EXIF,
  xmp: FLAG_XMP,
  animation: FLAG_ANIMATION,
} as const;
