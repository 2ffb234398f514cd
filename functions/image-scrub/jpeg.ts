import { ScrubRejected } from "./errors";
import { EXIF_HEADER, isRotatingOrientation, minimalExifTiff, readOrientation } from "./exif";
import { IccInvalid, type NeutralisedIcc, neutraliseIccProfile } from "./icc";
import {
  type Frame,
  type FrameComponent,
  type FrameKind,
  type HuffmanTable,
  huffmanTable,
  type Scan,
  type ScanComponent,
  ScanWalker,
} from "./jpeg-entropy";
import type { ByteReader } from "./reader";
import { checkPixels, type FormatSettings, identifier, type Report } from "./report";

/*
 * JPEG rewriter (DESIGN.md §6). Walks the marker segments; keeps SOI, the first APP0 JFIF (without
 * its thumbnail), APP14 Adobe (first 12 bytes), a complete APP2 ICC profile whose assembled bytes
 * are a well-formed profile (reassembled, validated and its text tags neutralised by icc.ts, cut
 * into chunks again), DQT, DHT, DRI, SOFn, every SOS with its entropy-coded data (all scans, with
 * the tables between them) and EOI. Everything else is dropped: APP1 (Exif, XMP, extended XMP),
 * APP13, COM, other APPn, DAC, fill bytes and whatever follows EOI. An input Orientation 2-8 is
 * written back as a minimal APP1 Exif.
 *
 * Kept segments are parsed to their exact length (DQT, DHT, SOF, SOS, DRI). The Huffman-coded data
 * of every scan is walked symbol by symbol (jpeg-entropy.ts) so that bytes after the last coded
 * block of a restart interval or scan, which decoders skip, are dropped instead of copied.
 *
 * Fail-closed: garbage between segments, a truncated file, reserved markers, hierarchical, DNL or
 * arithmetic-coded files, invalid Huffman data are rejected.
 */

const SOI = 0xd8;
const EOI = 0xd9;
const SOS = 0xda;
const DQT = 0xdb;
const DNL = 0xdc;
const DRI = 0xdd;
const DHP = 0xde;
const EXP = 0xdf;
const DHT = 0xc4;
const JPG = 0xc8;
const DAC = 0xcc;
const APP0 = 0xe0;
const APP1 = 0xe1;
const APP2 = 0xe2;
const APP14 = 0xee;
const APP15 = 0xef;
const COM = 0xfe;

const ICC_IDENT = Buffer.from("ICC_PROFILE\0", "latin1");
const ICC_HEADER_BYTES = ICC_IDENT.length + 2; // identifier + sequence number + count
/** Profile bytes per APP2 segment written: 65535 − length field − identifier − sequence and count. */
const ICC_CHUNK_BYTES = 65_535 - 2 - ICC_HEADER_BYTES;
const JFIF_BYTES = 14; // "JFIF\0", version, units, densities, thumbnail size
const ADOBE_BYTES = 12; // "Adobe", version, flags0, flags1, transform

/** Frame markers we rewrite: baseline, extended, progressive, lossless (Huffman coding). */
const NON_DIFFERENTIAL_SOF = new Set([0xc0, 0xc1, 0xc2, 0xc3]);
/** Arithmetic-coded frames: browsers do not decode them and the entropy walker does not follow them. */
const ARITHMETIC_SOF = new Set([0xc9, 0xca, 0xcb]);
const FRAME_KIND: ReadonlyMap<number, FrameKind> = new Map([
  [0xc0, "sequential"],
  [0xc1, "sequential"],
  [0xc2, "progressive"],
  [0xc3, "lossless"],
]);
/** Differential frames exist only in hierarchical files. */
const DIFFERENTIAL_SOF = new Set([0xc5, 0xc6, 0xc7, 0xcd, 0xce, 0xcf]);

const APP_LABELS: Readonly<Record<string, string>> = {
  Exif: "Exif",
  "http://ns.adobe.com/xap/1.0/": "XMP",
  "http://ns.adobe.com/xmp/extension/": "XMP extension",
  "Photoshop 3.0": "Photoshop",
};

function hex(marker: number): string {
  return `0xFF${marker.toString(16).toUpperCase().padStart(2, "0")}`;
}

function markerName(marker: number): string {
  if (marker >= APP0 && marker <= APP15) return `APP${marker - APP0}`;
  if (marker === COM) return "COM";
  if (marker === DQT) return "DQT";
  if (marker === DHT) return "DHT";
  if (marker === DRI) return "DRI";
  if (marker === DAC) return "DAC";
  if (marker === SOS) return "SOS";
  if (NON_DIFFERENTIAL_SOF.has(marker) || ARITHMETIC_SOF.has(marker) || DIFFERENTIAL_SOF.has(marker))
    return `SOF${marker - 0xc0}`;
  return hex(marker);
}

function appName(marker: number, prefix: Buffer): string {
  const ident = identifier(prefix, 40);
  const label = APP_LABELS[ident] ?? ident.slice(0, 24);
  return label ? `APP${marker - APP0} ${label}` : `APP${marker - APP0}`;
}

function segmentHeader(marker: number, dataLength: number): Buffer {
  const header = Buffer.allocUnsafe(4);
  header[0] = 0xff;
  header[1] = marker;
  header.writeUInt16BE(dataLength + 2, 2);
  return header;
}

/**
 * Collects the chunks of one APP2 ICC profile and releases them only when all are present with
 * consistent sequence numbers (all or none).
 */
class IccCollector {
  private chunks: (Buffer | undefined)[] = [];
  private count = 0;
  private received = 0;
  private bytes = 0;
  private state: "collecting" | "emitted" | "dropped" = "collecting";
  private dropReason = "APP2 ICC_PROFILE (invalid)";

  constructor(
    private readonly reader: ByteReader,
    private readonly report: Report,
    private readonly maxBytes: number,
  ) {}

  /** Adds one APP2 ICC_PROFILE segment's data; returns the whole profile's segments once complete. */
  add(data: Buffer): Buffer[] | null {
    const segmentBytes = data.length + 4;
    if (this.state !== "collecting") {
      this.report.remove(this.state === "emitted" ? "APP2 ICC_PROFILE (extra)" : this.dropReason, segmentBytes);
      return null;
    }
    if (data.length < ICC_HEADER_BYTES) return this.invalid(segmentBytes);
    const seq = data[ICC_IDENT.length] as number;
    const count = data[ICC_IDENT.length + 1] as number;
    if (count === 0 || seq === 0 || seq > count) return this.invalid(segmentBytes);
    if (this.count === 0) {
      this.count = count;
      this.chunks = new Array<Buffer | undefined>(count).fill(undefined);
    }
    if (count !== this.count || this.chunks[seq - 1] !== undefined) return this.invalid(segmentBytes);
    if (this.bytes + segmentBytes > this.maxBytes) {
      this.report.remove("APP2 ICC_PROFILE (over the size limit)", segmentBytes);
      return this.drop("APP2 ICC_PROFILE (over the size limit)");
    }
    const copy = Buffer.from(data); // own copy: do not pin the source chunk
    this.reader.hold(copy.length);
    this.chunks[seq - 1] = copy;
    this.bytes += segmentBytes;
    this.received += 1;
    if (this.received < this.count) return null;
    // Complete: reassemble, validate and neutralise the text tags (icc.ts), cut into as few chunks as fit.
    const profile = Buffer.concat(this.chunks.map((chunk) => (chunk as Buffer).subarray(ICC_HEADER_BYTES)));
    let neutral: NeutralisedIcc;
    try {
      neutral = neutraliseIccProfile(profile);
    } catch (error) {
      if (!(error instanceof IccInvalid)) throw error;
      return this.drop("APP2 ICC_PROFILE (invalid profile)");
    }
    const chunkCount = Math.ceil(neutral.profile.length / ICC_CHUNK_BYTES);
    if (chunkCount > 255 || neutral.profile.length > this.maxBytes)
      return this.drop("APP2 ICC_PROFILE (over the size limit)");
    for (const chunk of this.chunks) this.reader.release((chunk as Buffer).length);
    this.chunks = [];
    this.state = "emitted";
    const out: Buffer[] = [];
    for (let i = 0; i < chunkCount; i++) {
      const data = Buffer.concat([
        ICC_IDENT,
        Buffer.of(i + 1, chunkCount),
        neutral.profile.subarray(i * ICC_CHUNK_BYTES, (i + 1) * ICC_CHUNK_BYTES),
      ]);
      out.push(segmentHeader(APP2, data.length), data);
      this.report.keep("APP2 ICC_PROFILE", data.length + 4);
    }
    if (neutral.textTags > 0) this.report.remove("ICC text tags (replaced)", neutral.textBytes);
    return out;
  }

  /** Called at the first SOS: a profile still missing chunks is dropped whole. */
  finish(): void {
    if (this.state === "collecting" && this.received > 0) this.drop("APP2 ICC_PROFILE (incomplete)");
    if (this.state === "collecting") this.state = "dropped";
  }

  private invalid(segmentBytes: number): null {
    this.report.remove("APP2 ICC_PROFILE (invalid)", segmentBytes);
    return this.drop("APP2 ICC_PROFILE (invalid)");
  }

  private drop(name: string): null {
    this.dropReason = name;
    for (const chunk of this.chunks) {
      if (chunk === undefined) continue;
      this.report.remove(name, chunk.length + 4);
      this.reader.release(chunk.length);
    }
    this.chunks = [];
    this.state = "dropped";
    return null;
  }
}

/** Reads the next marker: 0xFF, optional fill bytes, the code. Anything else is garbage ⇒ reject. */
async function nextMarker(reader: ByteReader, report: Report): Promise<number> {
  const at = reader.offset;
  const first = await reader.readByte("a marker");
  if (first !== 0xff) {
    throw new ScrubRejected(
      "malformed",
      `expected a marker, found byte 0x${first.toString(16)} (garbage between segments)`,
      at,
    );
  }
  let fill = 0;
  let code = await reader.readByte("a marker");
  while (code === 0xff) {
    fill += 1;
    code = await reader.readByte("a marker");
  }
  if (fill > 0) report.remove("fill bytes", fill);
  if (code === 0x00) throw new ScrubRejected("malformed", "stuffed 0xFF00 outside entropy-coded data", at);
  return code;
}

/**
 * Copies one scan's entropy-coded data (stuffed 0xFF00 and RSTn included) as the walker follows
 * it, dropping what follows the last coded block of an interval or of the scan. Returns the code
 * of the marker that ends the scan (already consumed). Holds back at most MCU_MARGIN_BYTES between
 * source pieces, so that no MCU is decoded from bytes not seen yet.
 */
async function* copyScan(reader: ByteReader, report: Report, walker: ScanWalker): AsyncGenerator<Buffer, number, void> {
  let carry: Buffer = Buffer.alloc(0);
  try {
    for (;;) {
      const piece = await reader.current();
      if (piece === null) throw new ScrubRejected("truncated", "input ends inside entropy-coded data", reader.offset);
      const window = carry.length === 0 ? piece : Buffer.concat([carry, piece]);
      const step = walker.walk(window, false);
      for (const out of step.out) yield out;
      if (step.done) {
        reader.advance(step.position - carry.length);
        if (walker.extraneousBytes > 0) report.remove("data after the coded blocks of a scan", walker.extraneousBytes);
        if (walker.fillBytes > 0) report.remove("fill bytes", walker.fillBytes);
        return step.marker;
      }
      reader.advance(piece.length);
      reader.release(carry.length);
      carry = Buffer.from(window.subarray(step.position));
      reader.hold(carry.length);
    }
  } finally {
    reader.release(carry.length);
  }
}

function parseDqt(data: Buffer, at: number): void {
  let p = 0;
  while (p < data.length) {
    const pq = (data[p] as number) >> 4;
    const tq = (data[p] as number) & 15;
    if (pq > 1 || tq > 3) throw new ScrubRejected("malformed", `DQT table ${data[p]} (precision ${pq}, id ${tq})`, at);
    p += 1 + 64 * (pq + 1);
  }
  if (p !== data.length) throw new ScrubRejected("malformed", "DQT length does not match its tables", at);
}

function parseDht(data: Buffer, at: number, dc: (HuffmanTable | null)[], ac: (HuffmanTable | null)[]): void {
  let p = 0;
  while (p < data.length) {
    if (p + 17 > data.length) throw new ScrubRejected("malformed", "DHT length does not match its tables", at);
    const tc = (data[p] as number) >> 4;
    const th = (data[p] as number) & 15;
    if (tc > 1 || th > 3) throw new ScrubRejected("malformed", `DHT table class ${tc} id ${th}`, at);
    const counts = data.subarray(p + 1, p + 17);
    let n = 0;
    for (const c of counts) n += c;
    if (n > 256 || p + 17 + n > data.length)
      throw new ScrubRejected("malformed", "DHT length does not match its tables", at);
    const values = data.subarray(p + 17, p + 17 + n);
    if (tc === 0) {
      for (const v of values) if (v > 16) throw new ScrubRejected("malformed", `DHT DC table symbol ${v} above 16`, at);
    }
    (tc === 0 ? dc : ac)[th] = huffmanTable(counts, values, at);
    p += 17 + n;
  }
}

function parseFrame(marker: number, frame: Buffer, at: number): Frame {
  const kind = FRAME_KIND.get(marker) as FrameKind;
  const precision = frame[0] as number;
  const okPrecision =
    kind === "lossless" ? precision >= 2 && precision <= 16 : precision === 8 || (precision === 12 && marker !== 0xc0);
  if (!okPrecision) throw new ScrubRejected("malformed", `${markerName(marker)} sample precision ${precision}`, at);
  const height = frame.readUInt16BE(1);
  const width = frame.readUInt16BE(3);
  const count = frame[5] as number;
  const raw: { id: number; h: number; v: number }[] = [];
  for (let i = 0; i < count; i++) {
    const id = frame[6 + 3 * i] as number;
    const h = (frame[7 + 3 * i] as number) >> 4;
    const v = (frame[7 + 3 * i] as number) & 15;
    const tq = frame[8 + 3 * i] as number;
    if (h < 1 || h > 4 || v < 1 || v > 4 || tq > 3)
      throw new ScrubRejected(
        "malformed",
        `${markerName(marker)} component ${id}: sampling ${h}x${v}, table ${tq}`,
        at,
      );
    if (raw.some((c) => c.id === id))
      throw new ScrubRejected("malformed", `${markerName(marker)} component id ${id} twice`, at);
    raw.push({ id, h, v });
  }
  const hMax = Math.max(...raw.map((c) => c.h));
  const vMax = Math.max(...raw.map((c) => c.v));
  const unit = kind === "lossless" ? 1 : 8;
  const components: FrameComponent[] = raw.map((c) => ({
    ...c,
    unitsAcross: Math.ceil(Math.ceil((width * c.h) / hMax) / unit),
    unitsDown: Math.ceil(Math.ceil((height * c.v) / vMax) / unit),
    nonZero: null,
  }));
  return { kind, width, height, hMax, vMax, components };
}

/** Parses and checks an SOS header against the frame; returns the scan and the header to write. */
function parseScan(
  header: Buffer,
  frame: Frame,
  dc: (HuffmanTable | null)[],
  ac: (HuffmanTable | null)[],
  at: number,
): { scan: Scan; out: Buffer } {
  const count = header[0] as number;
  const components: ScanComponent[] = [];
  let lastIndex = -1;
  let blocks = 0;
  const ss = header[1 + 2 * count] as number;
  const se = header[2 + 2 * count] as number;
  const ah = (header[3 + 2 * count] as number) >> 4;
  const al = (header[3 + 2 * count] as number) & 15;
  const needDc = frame.kind !== "progressive" || ss === 0;
  const needAc = frame.kind === "sequential" || (frame.kind === "progressive" && ss > 0);
  for (let i = 0; i < count; i++) {
    const id = header[1 + 2 * i] as number;
    const index = frame.components.findIndex((c) => c.id === id);
    if (index <= lastIndex)
      throw new ScrubRejected("malformed", `SOS component ${id} not in the frame, repeated or out of order`, at);
    lastIndex = index;
    const component = frame.components[index] as FrameComponent;
    blocks += component.h * component.v;
    const td = (header[2 + 2 * i] as number) >> 4;
    const ta = (header[2 + 2 * i] as number) & 15;
    const dcTable = td <= 3 ? (dc[td] ?? null) : null;
    const acTable = ta <= 3 ? (ac[ta] ?? null) : null;
    if ((needDc && dcTable === null) || (needAc && acTable === null)) {
      throw new ScrubRejected("malformed", `SOS component ${id} uses a Huffman table that is not defined`, at);
    }
    components.push({ component, dc: needDc ? dcTable : null, ac: needAc ? acTable : null });
  }
  if (count > 1 && blocks > 10) throw new ScrubRejected("malformed", `SOS MCU of ${blocks} blocks (at most 10)`, at);
  const out = Buffer.from(header);
  if (frame.kind === "sequential") {
    // Decoders ignore these for sequential frames: write the values T.81 prescribes.
    out.set([0, 63, 0], 1 + 2 * count);
  } else if (frame.kind === "lossless") {
    if (ss < 1 || ss > 7 || se !== 0 || ah !== 0 || al >= 16)
      throw new ScrubRejected("malformed", `lossless SOS predictor ${ss}, Se ${se}, Ah ${ah}, Al ${al}`, at);
  } else {
    const dcScan = ss === 0;
    const valid = (dcScan ? se === 0 : se >= ss && se <= 63 && count === 1) && al <= 13 && (ah === 0 || ah === al + 1);
    if (!valid)
      throw new ScrubRejected(
        "malformed",
        `progressive SOS Ss ${ss}, Se ${se}, Ah ${ah}, Al ${al} with ${count} components`,
        at,
      );
  }
  return { scan: { components, ss, se, ah }, out };
}

/** Rewrites a JPEG read from `reader` (positioned at SOI), yielding the scrubbed bytes. */
export async function* scrubJpeg(
  reader: ByteReader,
  settings: FormatSettings,
  report: Report,
): AsyncGenerator<Buffer, void, void> {
  const soi = await reader.readExact(2, "SOI");
  if (soi[0] !== 0xff || soi[1] !== SOI) throw new ScrubRejected("malformed", "JPEG does not start with SOI", 0);
  report.keep("SOI", 2);
  yield Buffer.of(0xff, SOI);

  const rewriter = new JpegRewriter(reader, settings, report);
  let marker = await nextMarker(reader, report);
  for (;;) {
    const markerAt = reader.offset - 2;
    if (marker === EOI) {
      if (!rewriter.sawScan) throw new ScrubRejected("malformed", "EOI before any scan", markerAt);
      report.keep("EOI", 2);
      yield Buffer.of(0xff, EOI);
      break;
    }
    checkSegmentMarker(marker, markerAt);
    const lengthField = (await reader.readExact(2, `${markerName(marker)} length`)).readUInt16BE(0);
    if (lengthField < 2)
      throw new ScrubRejected("malformed", `${markerName(marker)} length ${lengthField} < 2`, markerAt);
    const segment = { marker, at: markerAt, lengthField, dataLength: lengthField - 2, bytes: lengthField + 2 };
    if (marker === SOS) {
      marker = yield* rewriter.scan(segment); // the marker that ends the scan, already read
      continue;
    }
    yield* rewriter.segment(segment);
    marker = await nextMarker(reader, report);
  }

  const trailing = await reader.drain();
  if (trailing > 0) report.remove("trailing data after EOI", trailing);
}

/** Rejects a marker that cannot start a segment here (before its length is read). */
function checkSegmentMarker(marker: number, at: number): void {
  if (marker === SOI) throw new ScrubRejected("malformed", "second SOI inside the image", at);
  if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
    throw new ScrubRejected("malformed", `marker ${hex(marker)} outside entropy-coded data`, at);
  }
  if (marker === DNL) throw new ScrubRejected("unsupported-feature", "DNL marker (height defined after the scan)", at);
  if (marker === DHP || marker === EXP || DIFFERENTIAL_SOF.has(marker)) {
    throw new ScrubRejected("unsupported-feature", `hierarchical JPEG (marker ${hex(marker)})`, at);
  }
  if (marker === JPG || (marker >= 0xf0 && marker <= 0xfd)) {
    throw new ScrubRejected("unsupported-feature", `JPEG extension marker ${hex(marker)} (e.g. JPEG-LS)`, at);
  }
  if (marker < 0xc0) throw new ScrubRejected("malformed", `reserved marker ${hex(marker)}`, at);
}

/** A marker segment whose length field has been read. */
interface Segment {
  readonly marker: number;
  /** Offset of the marker. */
  readonly at: number;
  readonly lengthField: number;
  /** Bytes after the length field. */
  readonly dataLength: number;
  /** The whole segment, marker included. */
  readonly bytes: number;
}

/** Checks every field of a scan header is in its range (issue 14: kept bytes are validated). */
function checkScanHeader(header: Buffer, segment: Segment): void {
  const components = header[0] ?? 0;
  if (components < 1 || components > 4 || segment.dataLength !== 4 + 2 * components) {
    throw new ScrubRejected(
      "malformed",
      `SOS header length ${segment.lengthField} does not match ${components} components`,
      segment.at,
    );
  }
  for (let c = 0; c < components; c++) {
    const tables = header[2 + 2 * c] as number;
    if (tables >> 4 > 3 || (tables & 15) > 3)
      throw new ScrubRejected("malformed", `SOS table selectors 0x${tables.toString(16)} (0-3 exist)`, segment.at);
  }
  const [ss, se, approx] = [
    header[1 + 2 * components] as number,
    header[2 + 2 * components] as number,
    header[3 + 2 * components] as number,
  ];
  if (ss > 63 || se > 63 || approx >> 4 > 13) {
    throw new ScrubRejected(
      "malformed",
      `SOS spectral selection ${ss}-${se} / approximation 0x${approx.toString(16)} out of range`,
      segment.at,
    );
  }
}

/** The segments between SOI and EOI, and what the ones seen so far decided (frame, tables, first of a kind). */
class JpegRewriter {
  sawScan = false;
  private sawFrame = false;
  private sawJfif = false;
  private sawExif = false;
  private frame: Frame | null = null;
  private restartInterval = 0;
  private readonly dcTables: (HuffmanTable | null)[] = [null, null, null, null];
  private readonly acTables: (HuffmanTable | null)[] = [null, null, null, null];
  private readonly icc: IccCollector;

  constructor(
    private readonly reader: ByteReader,
    private readonly settings: FormatSettings,
    private readonly report: Report,
  ) {
    this.icc = new IccCollector(reader, report, settings.keepIccProfile ? settings.maxIccBytes : -1);
  }

  /** One segment other than SOS. */
  async *segment(segment: Segment): AsyncGenerator<Buffer, void, void> {
    const { marker, at, dataLength } = segment;
    if (ARITHMETIC_SOF.has(marker)) {
      throw new ScrubRejected(
        "unsupported-feature",
        `arithmetic-coded JPEG (${markerName(marker)}); browsers do not decode it`,
        at,
      );
    }
    if (NON_DIFFERENTIAL_SOF.has(marker)) {
      yield* this.frameHeader(segment);
    } else if (marker === DAC) {
      // Conditioning for arithmetic coding, which is rejected at the frame: meaningless for Huffman data.
      await this.reader.skip(dataLength, "DAC");
      this.report.remove("DAC", segment.bytes);
    } else if (marker === DQT || marker === DHT || marker === DRI) {
      yield* this.table(segment);
    } else if (marker === COM) {
      await this.reader.skip(dataLength, "COM");
      this.report.remove("COM", segment.bytes);
    } else if (marker >= APP0 && marker <= APP15) {
      yield* this.app(segment);
    } else {
      throw new ScrubRejected("malformed", `unexpected marker ${hex(marker)}`, at);
    }
  }

  /** SOS: the header checked against the frame and tables, then the entropy-coded data as the walker follows it. */
  async *scan(segment: Segment): AsyncGenerator<Buffer, number, void> {
    const { reader, report, frame } = this;
    if (frame === null) throw new ScrubRejected("malformed", "SOS before any SOF", segment.at);
    const header = await reader.readExact(segment.dataLength, "SOS");
    checkScanHeader(header, segment);
    const { scan, out } = parseScan(header, frame, this.dcTables, this.acTables, segment.at);
    if (!this.sawScan) this.icc.finish();
    report.keep("SOS", segment.bytes);
    yield segmentHeader(SOS, segment.dataLength);
    yield out;
    const flagsBefore = ScanWalker.flagBytes(frame);
    const walker = new ScanWalker(frame, scan, this.restartInterval, segment.at);
    reader.hold(ScanWalker.flagBytes(frame) - flagsBefore); // progressive: coefficient flags, kept to EOI
    const marker = yield* copyScan(reader, report, walker);
    this.sawScan = true;
    return marker;
  }

  /** SOF0-3: the one frame header, its size within the pixel limit. */
  private async *frameHeader(segment: Segment): AsyncGenerator<Buffer, void, void> {
    const { marker, at, dataLength } = segment;
    if (this.sawFrame) throw new ScrubRejected("malformed", "second SOF (a non-hierarchical JPEG has one frame)", at);
    const frame = await this.reader.readExact(dataLength, markerName(marker));
    const components = frame[5] ?? 0;
    if (dataLength < 6 || components < 1 || dataLength !== 6 + 3 * components) {
      throw new ScrubRejected(
        "malformed",
        `${markerName(marker)} length ${segment.lengthField} does not match ${components} components`,
        at,
      );
    }
    const height = frame.readUInt16BE(1);
    const width = frame.readUInt16BE(3);
    if (height === 0) throw new ScrubRejected("unsupported-feature", "frame height 0 (defined by DNL)", at);
    checkPixels(width, height, this.settings.maxPixels, at, markerName(marker));
    this.report.width = width;
    this.report.height = height;
    this.frame = parseFrame(marker, frame, at);
    this.sawFrame = true;
    this.report.keep(markerName(marker), segment.bytes);
    yield segmentHeader(marker, dataLength);
    yield frame;
  }

  /** DQT, DHT, DRI: parsed to their exact length and kept. */
  private async *table(segment: Segment): AsyncGenerator<Buffer, void, void> {
    const { marker, at, dataLength } = segment;
    if (marker === DRI && dataLength !== 2)
      throw new ScrubRejected("malformed", `DRI length ${segment.lengthField} (must be 4)`, at);
    const data = await this.reader.readExact(dataLength, markerName(marker));
    if (marker === DQT) parseDqt(data, at);
    else if (marker === DHT) parseDht(data, at, this.dcTables, this.acTables);
    else this.restartInterval = data.readUInt16BE(0);
    this.report.keep(markerName(marker), segment.bytes);
    yield segmentHeader(marker, dataLength);
    yield data;
  }

  /** APPn: JFIF, Adobe, ICC and the orientation of the first Exif are kept (rewritten); the rest is dropped. */
  private async *app(segment: Segment): AsyncGenerator<Buffer, void, void> {
    const { marker, dataLength } = segment;
    const prefix = await this.reader.readExact(Math.min(dataLength, 40), `APP${marker - APP0}`);
    const name = appName(marker, prefix);
    const rest = dataLength - prefix.length;
    if (marker === APP0 && name === "APP0 JFIF" && !this.sawJfif && !this.sawFrame && dataLength >= JFIF_BYTES) {
      yield* this.jfif(prefix, dataLength, rest);
    } else if (marker === APP14 && name === "APP14 Adobe" && dataLength >= ADOBE_BYTES) {
      // Decides the colour transform (RGB / YCbCr / CMYK / YCCK): keep exactly what decoders read.
      await this.reader.skip(rest, "APP14 Adobe");
      this.report.keep("APP14 Adobe", ADOBE_BYTES + 4);
      if (dataLength > ADOBE_BYTES) this.report.remove("APP14 Adobe (extra bytes)", dataLength - ADOBE_BYTES);
      yield segmentHeader(APP14, ADOBE_BYTES);
      yield Buffer.from(prefix.subarray(0, ADOBE_BYTES));
    } else if (
      marker === APP2 &&
      prefix.length >= ICC_IDENT.length &&
      prefix.subarray(0, ICC_IDENT.length).equals(ICC_IDENT)
    ) {
      yield* this.iccChunk(prefix, segment.bytes, rest);
    } else if (
      marker === APP1 &&
      name === "APP1 Exif" &&
      !this.sawExif &&
      !this.sawScan &&
      prefix.length >= EXIF_HEADER.length
    ) {
      yield* this.exif(prefix, name, segment.bytes, rest);
    } else {
      await this.reader.skip(rest, name);
      this.report.remove(name, segment.bytes);
    }
  }

  /** Keeps the JFIF header (version, units, density) without its thumbnail. */
  private async *jfif(prefix: Buffer, dataLength: number, rest: number): AsyncGenerator<Buffer, void, void> {
    this.sawJfif = true;
    await this.reader.skip(rest, "APP0 JFIF");
    const jfif = Buffer.from(prefix.subarray(0, JFIF_BYTES));
    const hadThumbnail = jfif[12] !== 0 || jfif[13] !== 0 || dataLength > JFIF_BYTES;
    jfif[12] = 0;
    jfif[13] = 0;
    this.report.keep("APP0 JFIF", JFIF_BYTES + 4);
    if (hadThumbnail) this.report.remove("APP0 JFIF thumbnail", dataLength - JFIF_BYTES);
    yield segmentHeader(APP0, JFIF_BYTES);
    yield jfif;
  }

  /** One APP2 ICC_PROFILE chunk: collected until the profile is complete (only before the first scan). */
  private async *iccChunk(prefix: Buffer, segmentBytes: number, rest: number): AsyncGenerator<Buffer, void, void> {
    if (!this.settings.keepIccProfile || this.sawScan) {
      await this.reader.skip(rest, "APP2 ICC_PROFILE");
      this.report.remove(this.sawScan ? "APP2 ICC_PROFILE (after the first scan)" : "APP2 ICC_PROFILE", segmentBytes);
      return;
    }
    const data = Buffer.concat([prefix, await this.reader.readExact(rest, "APP2 ICC_PROFILE")]);
    const complete = this.icc.add(data);
    if (complete !== null) yield* complete;
  }

  /** The first Exif block before the first scan is the one decoders use for the orientation. */
  private async *exif(
    prefix: Buffer,
    name: string,
    segmentBytes: number,
    rest: number,
  ): AsyncGenerator<Buffer, void, void> {
    this.sawExif = true;
    const tiff = Buffer.concat([prefix.subarray(EXIF_HEADER.length), await this.reader.readExact(rest, "APP1 Exif")]);
    this.report.remove(name, segmentBytes);
    const orientation = readOrientation(tiff);
    if (!isRotatingOrientation(orientation)) return;
    this.report.orientation = orientation;
    if (!this.settings.preserveOrientation) return;
    const payload = Buffer.concat([EXIF_HEADER, minimalExifTiff(orientation)]);
    this.report.orientationWritten = true;
    this.report.keep("APP1 Exif (Orientation only)", payload.length + 4);
    yield segmentHeader(APP1, payload.length);
    yield payload;
  }
}
