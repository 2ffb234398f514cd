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
  const riff = await reader.readExact(12, "the RIFF header");
  if (riff.toString("latin1", 0, 4) !== "RIFF" || riff.toString("latin1", 8, 12) !== "WEBP") {
    throw new ScrubRejected("malformed", "not a RIFF WEBP header", 0);
  }
  const riffSize = riff.readUInt32LE(4);
  if (riffSize < 12) throw new ScrubRejected("malformed", `RIFF size ${riffSize} too small for a WebP`, 4);
  const end = 8 + riffSize;
  if (plan !== null) {
    const header = Buffer.from(riff);
    header.writeUInt32LE(plan.riffSize, 4);
    yield header;
  }
  report.keep("RIFF header", 12);

  const walker = new WebpWalker(reader, settings, report, plan);
  while (reader.offset < end) {
    const at = reader.offset;
    if (end - at < 8) throw new ScrubRejected("malformed", "chunk header crosses the end of the RIFF payload", at);
    const header = await reader.readExact(8, "a RIFF chunk header");
    const size = header.readUInt32LE(4);
    const chunk: RiffChunk = {
      at,
      header,
      fourcc: header.toString("latin1", 0, 4),
      name: fourCcName(header.subarray(0, 4)),
      size,
      pad: size & 1,
      total: 8 + size + (size & 1),
    };
    if (at + chunk.total > end) {
      throw new ScrubRejected("malformed", `chunk "${chunk.name}" of ${size} bytes runs past the RIFF end`, at);
    }
    yield* walker.chunk(chunk);
  }
  return await walker.finish();
}

/** A RIFF chunk whose header has been read. */
interface RiffChunk {
  readonly at: number;
  readonly header: Buffer;
  readonly fourcc: string;
  /** Printable FourCC. */
  readonly name: string;
  readonly size: number;
  /** 1 when a padding byte follows the data. */
  readonly pad: number;
  /** Header, data and padding. */
  readonly total: number;
}

type Dimensions = { width: number; height: number };

/** The chunks of one pass, and what the ones seen so far decided (format, canvas, first of a kind, output size). */
class WebpWalker {
  private readonly emit: boolean;
  private outSize = 4; // "WEBP"
  private first = true;
  private extended = false;
  private inputFlags = 0;
  private animated = false;
  private canvas: Dimensions = { width: 0, height: 0 };
  private sawImage = false;
  private sawAnim = false;
  private sawIcc = false;
  private iccKept = false;
  /** An ALPH chunk was kept and the VP8 chunk it belongs to must come next. */
  private alphPending = false;
  private sawExif = false;
  private exifOrientation: number | undefined;
  private frameCount = 0;

  constructor(
    private readonly reader: ByteReader,
    private readonly settings: FormatSettings,
    private readonly report: Report,
    private readonly plan: WebpPlan | null,
  ) {
    this.emit = plan !== null;
  }

  /** One chunk: kept (checked against the structure so far), rewritten, or dropped. */
  async *chunk(c: RiffChunk): AsyncGenerator<Buffer, void, void> {
    const { fourcc, name, at } = c;
    if (this.first && fourcc !== "VP8X" && fourcc !== "VP8 " && fourcc !== "VP8L") {
      throw new ScrubRejected("malformed", `first chunk is "${name}", not VP8X/VP8/VP8L`, at);
    }
    const isFirst = this.first;
    this.first = false;
    if (this.alphPending && fourcc !== "VP8 ")
      throw new ScrubRejected("malformed", `ALPH is followed by "${name}", not by its VP8 chunk`, at);

    if (fourcc === "VP8X") yield* this.vp8x(c, isFirst);
    else if (fourcc === "VP8 " || fourcc === "VP8L") yield* this.image(c, isFirst);
    else if (fourcc === "ALPH") yield* this.alpha(c);
    else if (fourcc === "ANIM") yield* this.anim(c);
    else if (fourcc === "ANMF") yield* this.frame(c);
    else if (fourcc === "ICCP") yield* this.iccp(c);
    else if (fourcc === "EXIF") yield* this.exif(c);
    else if (fourcc === "XMP ") await this.drop(c, "XMP ");
    // Includes "XMP\0" (seen in the wild) and any vendor chunk: unknown data may be metadata.
    else await this.drop(c, `unknown chunk "${name}"`);
  }

  /** After the last chunk: the image is complete; returns the plan. */
  async finish(): Promise<WebpPlan> {
    const { reader, report } = this;
    if (this.alphPending) throw new ScrubRejected("malformed", "ALPH without its VP8 chunk", reader.offset);
    if (!this.sawImage) throw new ScrubRejected("malformed", "no image data (VP8/VP8L/ANMF)", reader.offset);
    report.frames = Math.max(1, this.frameCount);
    const trailing = await reader.drain();
    if (trailing > 0) report.remove("trailing data after RIFF", trailing);
    return { riffSize: this.outSize, exifOrientation: this.exifOrientation, iccKept: this.iccKept };
  }

  /** Counts a chunk written as read. */
  private kept(c: RiffChunk): void {
    this.outSize += c.total;
    this.report.keep(c.fourcc, c.total);
  }

  private async drop(c: RiffChunk, what: string, already = 0): Promise<void> {
    await this.reader.skip(c.size - already + c.pad, c.fourcc);
    this.report.remove(what, c.total);
  }

  private async *padding(c: RiffChunk): AsyncGenerator<Buffer, void, void> {
    if (!c.pad) return;
    await this.reader.skip(1, `${c.fourcc} padding`);
    if (this.emit) yield Buffer.of(0);
  }

  /** VP8X, first: the canvas and the flags (reserved bits zeroed; ICC and EXIF follow what is written). */
  private async *vp8x(c: RiffChunk, isFirst: boolean): AsyncGenerator<Buffer, void, void> {
    const { at, size } = c;
    if (!isFirst) throw new ScrubRejected("malformed", "VP8X is not the first chunk", at);
    if (size !== 10) throw new ScrubRejected("malformed", `VP8X size ${size} (must be 10)`, at);
    this.extended = true;
    const data = Buffer.from(await this.reader.readExact(10, "VP8X"));
    this.inputFlags = data[0] as number;
    this.animated = (this.inputFlags & FLAG_ANIMATION) !== 0;
    this.canvas = { width: u24le(data, 4) + 1, height: u24le(data, 7) + 1 };
    checkPixels(this.canvas.width, this.canvas.height, this.settings.maxPixels, at, "VP8X canvas");
    this.report.width = this.canvas.width;
    this.report.height = this.canvas.height;
    // Reserved bits and bytes are zeroed (readers ignore them); ICC and EXIF follow what is written.
    let flags = this.inputFlags & (FLAG_ALPHA | FLAG_ANIMATION);
    if (this.plan?.iccKept) flags |= FLAG_ICC;
    if (this.plan?.exifOrientation !== undefined) flags |= FLAG_EXIF;
    data[0] = flags;
    data.fill(0, 1, 4);
    if (this.emit) {
      yield c.header;
      yield data;
    }
    this.kept(c);
  }

  /** The still image's VP8 or VP8L bitstream. */
  private async *image(c: RiffChunk, isFirst: boolean): AsyncGenerator<Buffer, void, void> {
    const { at, name } = c;
    if (!isFirst && !this.extended)
      throw new ScrubRejected("malformed", `second image bitstream ("${name}") in a simple-format file`, at);
    if (this.animated) throw new ScrubRejected("malformed", `"${name}" outside ANMF in an animated file`, at);
    if (this.sawImage) throw new ScrubRejected("malformed", `second image bitstream ("${name}")`, at);
    const dims = yield* this.keepBitstream(c.header, c.size, at, this.extended ? this.canvas : null);
    if (!this.extended) {
      this.report.width = dims.width;
      this.report.height = dims.height;
    }
    yield* this.padding(c);
    this.alphPending = false;
    this.sawImage = true;
    this.kept(c);
  }

  /** The still image's ALPH chunk (its VP8 chunk must follow). */
  private async *alpha(c: RiffChunk): AsyncGenerator<Buffer, void, void> {
    const { at } = c;
    if (!this.extended) throw new ScrubRejected("malformed", "ALPH in a simple-format file", at);
    if (this.animated) throw new ScrubRejected("malformed", "ALPH outside ANMF in an animated file", at);
    if (this.sawImage) throw new ScrubRejected("malformed", "ALPH after the image bitstream", at);
    yield* this.keepAlpha(c.header, c.size, at, this.canvas);
    yield* this.padding(c);
    this.alphPending = true;
    this.kept(c);
  }

  /** ANMF: one frame of an animation, after ANIM. */
  private async *frame(c: RiffChunk): AsyncGenerator<Buffer, void, void> {
    if (!this.animated) throw new ScrubRejected("malformed", "ANMF in a file without the animation flag", c.at);
    if (!this.sawAnim) throw new ScrubRejected("malformed", "ANMF before ANIM", c.at);
    yield* this.keepFrame(c.header, c.size, c.at);
    yield* this.padding(c);
    this.kept(c);
    this.sawImage = true;
  }

  /** ANIM: one, of exactly 6 bytes, before the frames, only in an animation (else dropped). */
  private async *anim(c: RiffChunk): AsyncGenerator<Buffer, void, void> {
    const { at, size } = c;
    if (!this.animated) {
      await this.drop(c, "ANIM (not an animation)");
      return;
    }
    if (this.sawAnim) throw new ScrubRejected("malformed", "second ANIM chunk", at);
    if (this.frameCount > 0) throw new ScrubRejected("malformed", "ANIM after the first ANMF frame", at);
    if (size !== 6)
      throw new ScrubRejected("malformed", `ANIM size ${size} (must be 6: background colour, loop count)`, at);
    this.sawAnim = true;
    const data = await this.reader.readExact(6, "ANIM");
    if (this.emit) {
      yield c.header;
      yield data;
    }
    this.kept(c);
  }

  /** ICCP: the one profile of an extended file with the ICC flag, its text tags neutralised (else dropped). */
  private async *iccp(c: RiffChunk): AsyncGenerator<Buffer, void, void> {
    const { size, pad, total } = c;
    const { settings, reader, report } = this;
    const ignored = !settings.keepIccProfile
      ? ""
      : !this.extended
        ? " (simple-format file: ignored by readers)"
        : this.sawIcc
          ? " (second)"
          : (this.inputFlags & FLAG_ICC) === 0
            ? " (ICC flag not set: ignored by readers)"
            : undefined;
    if (ignored !== undefined) {
      await this.drop(c, `ICCP${ignored}`);
      return;
    }
    this.sawIcc = true;
    if (size > settings.maxIccBytes) {
      await this.drop(c, "ICCP (over the size limit)");
      return;
    }
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
      return;
    }
    this.iccKept = true;
    const profile = neutral.profile;
    const outTotal = 8 + profile.length + (profile.length & 1);
    if (this.emit) {
      yield chunkHeader("ICCP", profile.length);
      yield profile;
      if (profile.length & 1) yield Buffer.of(0);
    }
    this.outSize += outTotal;
    report.keep("ICCP", outTotal);
    if (neutral.textTags > 0) report.remove("ICC text tags (replaced)", neutral.textBytes);
  }

  /** EXIF: dropped; the first one's orientation is written back as a minimal EXIF chunk (extended files). */
  private async *exif(c: RiffChunk): AsyncGenerator<Buffer, void, void> {
    const { report, settings } = this;
    if (this.sawExif) {
      await this.drop(c, "EXIF");
      return;
    }
    this.sawExif = true;
    const prefix = await this.reader.readExact(Math.min(c.size, EXIF_PREFIX_BYTES), "EXIF");
    const orientation = readOrientation(prefix);
    await this.drop(c, "EXIF", prefix.length);
    if (!isRotatingOrientation(orientation)) return;
    report.orientation = orientation;
    if (!this.extended || !settings.preserveOrientation) return;
    this.exifOrientation = orientation;
    const tiff = minimalExifTiff(orientation);
    if (this.emit) {
      yield chunkHeader("EXIF", tiff.length);
      yield tiff;
    }
    this.outSize += 8 + tiff.length;
    report.orientationWritten = true;
    report.keep("EXIF (Orientation only)", 8 + tiff.length);
  }

  /**
   * Copies a VP8 or VP8L chunk's payload after checking its header (and, for VP8, the partition
   * layout); `expected` dimensions (canvas or frame) must match. Returns the bitstream's size.
   */
  private async *keepBitstream(
    header: Buffer,
    size: number,
    at: number,
    expected: Dimensions | null,
  ): AsyncGenerator<Buffer, Dimensions, void> {
    const { reader, emit } = this;
    const fourcc = header.toString("latin1", 0, 4);
    const head = await reader.readExact(Math.min(size, fourcc === "VP8 " ? VP8_HEAD_BYTES : 5), fourcc);
    let dims: Dimensions;
    let table: PartitionTable | null = null;
    let frame: Vp8Frame | null = null;
    if (fourcc === "VP8 ") {
      frame = readVp8Frame(head, size, at);
      dims = frame;
      table = partitionTable(frame, head, size, at);
    } else {
      dims = readVp8lHeader(head, at);
    }
    checkPixels(dims.width, dims.height, this.settings.maxPixels, at, fourcc.trim());
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
    const observe = table === null ? undefined : tableObserver(table, head.length);
    if (emit) yield* reader.stream(size - head.length, fourcc, observe);
    else await reader.skip(size - head.length, fourcc, observe);
    if (frame !== null && table !== null) checkVp8Partitions(frame, table.bytes, size, at);
    return dims;
  }

  /** Copies an ALPH chunk's payload after checking its header byte against the image size. */
  private async *keepAlpha(
    header: Buffer,
    size: number,
    at: number,
    dims: Dimensions,
  ): AsyncGenerator<Buffer, void, void> {
    const { reader } = this;
    if (size < 1) throw new ScrubRejected("malformed", "empty ALPH chunk", at);
    const first = await reader.readExact(1, "ALPH");
    checkAlphHeader(first[0] as number, size - 1, dims.width, dims.height, at);
    if (this.emit) {
      yield header;
      yield first;
      yield* reader.stream(size - 1, "ALPH");
    } else {
      await reader.skip(size - 1, "ALPH");
    }
  }

  /** Copies one animation frame: its 16-byte header and [ALPH] VP8 or VP8L, each checked. */
  private async *keepFrame(header: Buffer, size: number, at: number): AsyncGenerator<Buffer, void, void> {
    const { reader, canvas } = this;
    if (size < ANMF_HEADER_BYTES + 8) throw new ScrubRejected("malformed", `ANMF size ${size} too small`, at);
    const frame = Buffer.from(await reader.readExact(ANMF_HEADER_BYTES, "ANMF header"));
    const x = u24le(frame, 0) * 2;
    const y = u24le(frame, 3) * 2;
    const dims = { width: u24le(frame, 6) + 1, height: u24le(frame, 9) + 1 };
    checkPixels(dims.width, dims.height, this.settings.maxPixels, at, "ANMF frame");
    if (x + dims.width > canvas.width || y + dims.height > canvas.height) {
      throw new ScrubRejected(
        "malformed",
        `ANMF frame ${dims.width}x${dims.height} at ${x},${y} lies outside the ${canvas.width}x${canvas.height} canvas`,
        at,
      );
    }
    frame[15] = (frame[15] as number) & 0x03; // reserved bits zeroed; blending and disposal kept
    this.frameCount += 1;
    if (this.emit) {
      yield header;
      yield frame;
    }
    yield* this.frameChunks(at + 8 + size, dims, at);
  }

  /** The sub-chunks of one ANMF frame, up to `frameEnd`: [ALPH] then VP8, or VP8L. */
  private async *frameChunks(frameEnd: number, dims: Dimensions, at: number): AsyncGenerator<Buffer, void, void> {
    const { reader } = this;
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
        yield* this.keepAlpha(sub, subSize, subAt, dims);
      } else {
        if (alph && fourcc === "VP8L")
          throw new ScrubRejected("malformed", "ALPH before VP8L (VP8L carries its own alpha)", subAt);
        yield* this.keepBitstream(sub, subSize, subAt, dims);
        image = true;
      }
      if (subPad) {
        await reader.skip(1, `${fourcc} padding`);
        if (this.emit) yield Buffer.of(0);
      }
    }
    if (!image) throw new ScrubRejected("malformed", "ANMF frame without VP8/VP8L", at);
  }
}

/** A VP8 partition table being filled from the bytes that pass (it may lie beyond the first read). */
interface PartitionTable {
  readonly at: number;
  readonly bytes: Buffer;
  filled: number;
}

/** The VP8 frame's partition table, filled with what the first read (`head`) holds of it. */
function partitionTable(frame: Vp8Frame, head: Buffer, size: number, at: number): PartitionTable {
  const bytes = Buffer.alloc(3 * (frame.partitions - 1));
  if (frame.tableAt + bytes.length > size)
    throw new ScrubRejected("malformed", "VP8 partition table runs past the chunk", at);
  const inHead = Math.max(0, Math.min(head.length, frame.tableAt + bytes.length) - frame.tableAt);
  if (inHead > 0) head.copy(bytes, 0, frame.tableAt, frame.tableAt + inHead);
  return { at: frame.tableAt, bytes, filled: inHead };
}

/** Copies the table's bytes out of the pieces that pass, from chunk offset `start` on; undefined once it is full. */
function tableObserver(table: PartitionTable, start: number): ((piece: Buffer) => void) | undefined {
  if (table.filled === table.bytes.length) return undefined;
  let position = start;
  return (piece: Buffer): void => {
    const from = Math.max(position, table.at);
    const to = Math.min(position + piece.length, table.at + table.bytes.length);
    if (from < to) {
      piece.copy(table.bytes, from - table.at, from - position, to - position);
      table.filled += to - from;
    }
    position += piece.length;
  };
}

/** VP8X flag bits, exported for tests. */
export const VP8X_FLAGS = {
  icc: FLAG_ICC,
  alpha: FLAG_ALPHA,
  exif: FLAG_EXIF,
  xmp: FLAG_XMP,
  animation: FLAG_ANIMATION,
} as const;
