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

  const rewriter = new PngRewriter(reader, settings, report);
  for (;;) {
    const at = reader.offset;
    const header = await reader.readExact(8, "a chunk header (IEND missing)");
    const length = header.readUInt32BE(0);
    const typeBytes = header.subarray(4, 8);
    if (!isChunkType(typeBytes)) throw new ScrubRejected("malformed", "invalid chunk type", at + 4);
    const type = typeBytes.toString("latin1");
    if (length > MAX_CHUNK_LENGTH) throw new ScrubRejected("malformed", `${type} length ${length} above 2^31-1`, at);
    if ((rewriter.header === null) !== (type === "IHDR"))
      throw new ScrubRejected(
        "malformed",
        rewriter.header === null ? `first chunk is ${type}, not IHDR` : "second IHDR",
        at,
      );
    const ended = yield* rewriter.chunk(new Chunk(reader, at, header, length, type));
    if (ended) break;
  }

  const trailing = await reader.drain();
  if (trailing > 0) report.remove("trailing data after IEND", trailing);
}

/** One chunk whose header has been read: its CRC covers every byte read (`observe`) and is checked at its end. */
class Chunk {
  private crc: number;
  readonly typeBytes: Buffer;
  /** The whole chunk: length, type, data and CRC. */
  readonly total: number;

  constructor(
    private readonly reader: ByteReader,
    readonly at: number,
    readonly header: Buffer,
    readonly length: number,
    readonly type: string,
  ) {
    this.typeBytes = header.subarray(4, 8);
    this.crc = crc32(this.typeBytes);
    this.total = length + 12;
  }

  readonly observe = (piece: Buffer): void => {
    this.crc = crc32(piece, this.crc);
  };

  /** Reads the stored CRC; rejects unless it matches the bytes observed. */
  async checkCrc(): Promise<Buffer> {
    const stored = await this.reader.readExact(4, `the ${this.type} CRC`);
    if (stored.readUInt32BE(0) !== this.crc >>> 0)
      throw new ScrubRejected("crc-mismatch", `${this.type} chunk CRC does not match`, this.at);
    return stored;
  }

  /** Reads the data whole (observed). */
  async read(what: string): Promise<Buffer> {
    const data = await this.reader.readExact(this.length, what);
    this.observe(data);
    return data;
  }

  /** Skips the data, checks the CRC and counts the chunk as removed. */
  async drop(report: Report, name: string): Promise<void> {
    await this.reader.skip(this.length, this.type, this.observe);
    await this.checkCrc();
    report.remove(name, this.total);
  }
}

/** The chunks after the signature, and what the ones seen so far decided (header, palette, image data). */
class PngRewriter {
  header: PngHeader | null = null;
  private sawExif = false;
  private sawPlte = false;
  private paletteEntries = 0;
  private idat: IdatStream | null = null;
  private idatDone = false;
  private idatEndAt = 0;
  private readonly seen = new Set<string>();

  constructor(
    private readonly reader: ByteReader,
    private readonly settings: FormatSettings,
    private readonly report: Report,
  ) {}

  /** One chunk; returns true after IEND. */
  async *chunk(c: Chunk): AsyncGenerator<Buffer, boolean, void> {
    const { type } = c;
    if (this.idat !== null && (type === "IEND" || type === "fcTL" || type === "fdAT")) {
      // The image data is over (chunks dropped between IDATs do not count): its zlib stream must have ended exactly here.
      await this.idat.finish(this.idatEndAt);
      this.idat = null;
      this.idatDone = true;
    }
    if (type === "IHDR") {
      yield* this.ihdr(c);
      return false;
    }
    const image = this.header as PngHeader;
    if (type === "IEND") {
      if (c.length !== 0) throw new ScrubRejected("malformed", `IEND length ${c.length} (must be 0)`, c.at);
      const stored = await c.checkCrc();
      if (!this.idatDone) throw new ScrubRejected("malformed", "IEND before any IDAT", c.at);
      this.report.keep(type, c.total);
      yield c.header;
      yield stored;
      return true;
    }
    if (type === "PLTE") yield* this.plte(c, image);
    else if (type === "IDAT") yield* this.imageData(c, image);
    else if (type === "iCCP" && this.settings.keepIccProfile) yield* this.iccp(c);
    else if (PNG_KEPT_CHUNKS.has(type) && type !== "iCCP") yield* this.kept(c, image);
    else if (CRITICAL.has(type) || (c.typeBytes[0] as number) < 0x61)
      throw new ScrubRejected("unsupported-feature", `unknown critical chunk ${type}`, c.at);
    else if (type === "eXIf" && !this.sawExif && this.idat === null && !this.idatDone) yield* this.exif(c);
    else await c.drop(this.report, type);
    return false;
  }

  private async *ihdr(c: Chunk): AsyncGenerator<Buffer, void, void> {
    if (c.length !== 13) throw new ScrubRejected("malformed", `IHDR length ${c.length} (must be 13)`, c.at);
    const data = await c.read("IHDR");
    const stored = await c.checkCrc();
    const header = parseIhdr(data, c.at);
    this.header = header;
    checkPixels(header.width, header.height, this.settings.maxPixels, c.at, "IHDR");
    this.report.width = header.width;
    this.report.height = header.height;
    this.report.keep(c.type, c.total);
    yield c.header;
    yield data;
    yield stored;
  }

  private async *plte(c: Chunk, image: PngHeader): AsyncGenerator<Buffer, void, void> {
    const { at, length } = c;
    if (this.sawPlte || this.idatDone || this.idat !== null)
      throw new ScrubRejected("malformed", "second or misplaced PLTE", at);
    if (image.colorType === 0 || image.colorType === 4)
      throw new ScrubRejected("malformed", "PLTE in a greyscale image", at);
    const entries = length / 3;
    const limit = image.colorType === 3 ? 2 ** image.bitDepth : 256;
    if (!Number.isInteger(entries) || entries < 1 || entries > limit)
      throw new ScrubRejected("malformed", `PLTE length ${length} (3 × 1-${limit} entries)`, at);
    const data = await c.read("PLTE");
    const stored = await c.checkCrc();
    this.sawPlte = true;
    this.paletteEntries = entries;
    this.report.keep(c.type, c.total);
    yield c.header;
    yield data;
    yield stored;
  }

  /** IDAT: streamed, and inflated on the way (IdatStream). */
  private async *imageData(c: Chunk, image: PngHeader): AsyncGenerator<Buffer, void, void> {
    if (this.idatDone) throw new ScrubRejected("malformed", "IDAT after the animation frames", c.at);
    if (image.colorType === 3 && !this.sawPlte)
      throw new ScrubRejected("malformed", "IDAT before the PLTE of a palette image", c.at);
    this.idat ??= new IdatStream(imageDataBytes(image));
    const stream = this.idat;
    yield c.header;
    for await (const piece of this.reader.stream(c.length, c.type, c.observe)) {
      yield piece;
      await stream.write(piece);
    }
    this.idatEndAt = this.reader.offset;
    yield await c.checkCrc();
    this.report.keep(c.type, c.total);
  }

  /** The first iCCP before PLTE and IDAT is rewritten (readers use it and ignore the rest); others are dropped. */
  private async *iccp(c: Chunk): AsyncGenerator<Buffer, void, void> {
    const { type, length } = c;
    const { report, settings } = this;
    const why = this.seen.has(type)
      ? "second"
      : this.sawPlte || this.idat !== null || this.idatDone
        ? "after PLTE/IDAT: ignored by readers"
        : length > settings.maxIccBytes
          ? "over the size limit"
          : null;
    this.seen.add(type);
    if (why !== null) {
      await c.drop(report, `iCCP (${why})`);
      return;
    }
    const data = await this.reader.readHeld(length, type, c.observe);
    let rewritten: ReturnType<typeof rewriteIccp>;
    try {
      await c.checkCrc();
      rewritten = rewriteIccp(data, settings.maxIccBytes);
    } finally {
      this.reader.release(length);
    }
    if (rewritten === null) {
      report.remove("iCCP (invalid profile)", c.total);
      return;
    }
    report.keep(type, rewritten.data.length + 12);
    if (rewritten.renamed) report.remove("iCCP profile name", rewritten.nameBytes);
    if (rewritten.neutral.textTags > 0) report.remove("ICC text tags (replaced)", rewritten.neutral.textBytes);
    yield* chunkBytes(type, rewritten.data);
  }

  /** The other kept chunks: dropped when misplaced or repeated, small ones checked field by field, fdAT streamed. */
  private async *kept(c: Chunk, image: PngHeader): AsyncGenerator<Buffer, void, void> {
    const { type, length } = c;
    const misplaced =
      (BEFORE_IDAT.has(type) && (this.idat !== null || this.idatDone)) || (BEFORE_PLTE.has(type) && this.sawPlte);
    const duplicate = ONCE.has(type) && this.seen.has(type);
    if (misplaced || duplicate) {
      await c.drop(this.report, `${type} (${duplicate ? "duplicate" : "misplaced"})`);
      return;
    }
    if (CHECKED.has(type)) {
      yield* this.checked(c, image);
      return;
    }
    // fdAT: frame data, streamed.
    if (type === "fdAT" && length < 4) {
      await c.drop(this.report, "fdAT (invalid)");
      return;
    }
    yield c.header;
    yield* this.reader.stream(length, type, c.observe);
    yield await c.checkCrc();
    this.report.keep(type, c.total);
  }

  /** A small kept ancillary chunk, read whole and checked field by field (else dropped). */
  private async *checked(c: Chunk, image: PngHeader): AsyncGenerator<Buffer, void, void> {
    const { type } = c;
    if (c.length > 1024) {
      await c.drop(this.report, `${type} (invalid)`);
      return;
    }
    const data = await c.read(type);
    const stored = await c.checkCrc();
    if (ancillaryProblem(type, data, image, this.paletteEntries) !== null) {
      this.report.remove(`${type} (invalid)`, c.total);
      return;
    }
    if (type === "acTL") this.report.frames = data.readUInt32BE(0);
    this.seen.add(type);
    this.report.keep(type, c.total);
    yield c.header;
    yield data;
    yield stored;
  }

  /** The first eXIf before the image data: dropped, its orientation written back as a minimal eXIf. */
  private async *exif(c: Chunk): AsyncGenerator<Buffer, void, void> {
    const { report, settings } = this;
    this.sawExif = true;
    const prefix = await this.reader.readExact(Math.min(c.length, EXIF_PREFIX_BYTES), "eXIf");
    c.observe(prefix);
    await this.reader.skip(c.length - prefix.length, "eXIf", c.observe);
    await c.checkCrc();
    report.remove("eXIf", c.total);
    const orientation = readOrientation(prefix);
    if (!isRotatingOrientation(orientation)) return;
    report.orientation = orientation;
    if (!settings.preserveOrientation) return;
    const parts = chunkBytes("eXIf", minimalExifTiff(orientation));
    report.orientationWritten = true;
    report.keep("eXIf (Orientation only)", 12 + 26);
    yield* parts;
  }
}
