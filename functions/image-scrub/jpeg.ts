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

  const icc = new IccCollector(reader, report, settings.keepIccProfile ? settings.maxIccBytes : -1);
  let sawFrame = false;
  let sawScan = false;
  let sawJfif = false;
  let sawExif = false;
  let frame: Frame | null = null;
  let restartInterval = 0;
  const dcTables: (HuffmanTable | null)[] = [null, null, null, null];
  const acTables: (HuffmanTable | null)[] = [null, null, null, null];

  let marker = await nextMarker(reader, report);
  for (;;) {
    const markerAt = reader.offset - 2;
    if (marker === EOI) {
      if (!sawScan) throw new ScrubRejected("malformed", "EOI before any scan", markerAt);
      report.keep("EOI", 2);
      yield Buffer.of(0xff, EOI);
      break;
    }
    if (marker === SOI) throw new ScrubRejected("malformed", "second SOI inside the image", markerAt);
    if ((marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      throw new ScrubRejected("malformed", `marker ${hex(marker)} outside entropy-coded data`, markerAt);
    }
    if (marker === DNL)
      throw new ScrubRejected("unsupported-feature", "DNL marker (height defined after the scan)", markerAt);
    if (marker === DHP || marker === EXP || DIFFERENTIAL_SOF.has(marker)) {
      throw new ScrubRejected("unsupported-feature", `hierarchical JPEG (marker ${hex(marker)})`, markerAt);
    }
    if (marker === JPG || (marker >= 0xf0 && marker <= 0xfd)) {
      throw new ScrubRejected("unsupported-feature", `JPEG extension marker ${hex(marker)} (e.g. JPEG-LS)`, markerAt);
    }
    if (marker < 0xc0) throw new ScrubRejected("malformed", `reserved marker ${hex(marker)}`, markerAt);

    const lengthField = (await reader.readExact(2, `${markerName(marker)} length`)).readUInt16BE(0);
    if (lengthField < 2)
      throw new ScrubRejected("malformed", `${markerName(marker)} length ${lengthField} < 2`, markerAt);
    const dataLength = lengthField - 2;
    const segmentBytes = lengthField + 2;

    if (marker === SOS) {
      if (frame === null) throw new ScrubRejected("malformed", "SOS before any SOF", markerAt);
      const header = await reader.readExact(dataLength, "SOS");
      const components = header[0] ?? 0;
      if (components < 1 || components > 4 || dataLength !== 4 + 2 * components) {
        throw new ScrubRejected(
          "malformed",
          `SOS header length ${lengthField} does not match ${components} components`,
          markerAt,
        );
      }
      // Every field of the scan header is in its range (issue 14: kept bytes are validated), then
      // parseScan checks it against the frame and the tables defined so far.
      for (let c = 0; c < components; c++) {
        const tables = header[2 + 2 * c] as number;
        if (tables >> 4 > 3 || (tables & 15) > 3)
          throw new ScrubRejected("malformed", `SOS table selectors 0x${tables.toString(16)} (0-3 exist)`, markerAt);
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
          markerAt,
        );
      }
      const { scan, out } = parseScan(header, frame, dcTables, acTables, markerAt);
      if (!sawScan) icc.finish();
      report.keep("SOS", segmentBytes);
      yield segmentHeader(SOS, dataLength);
      yield out;
      const flagsBefore = ScanWalker.flagBytes(frame);
      const walker = new ScanWalker(frame, scan, restartInterval, markerAt);
      reader.hold(ScanWalker.flagBytes(frame) - flagsBefore); // progressive: coefficient flags, kept to EOI
      marker = yield* copyScan(reader, report, walker);
      sawScan = true;
      continue;
    }

    if (ARITHMETIC_SOF.has(marker)) {
      throw new ScrubRejected(
        "unsupported-feature",
        `arithmetic-coded JPEG (${markerName(marker)}); browsers do not decode it`,
        markerAt,
      );
    }
    if (NON_DIFFERENTIAL_SOF.has(marker)) {
      if (sawFrame)
        throw new ScrubRejected("malformed", "second SOF (a non-hierarchical JPEG has one frame)", markerAt);
      const frame_ = await reader.readExact(dataLength, markerName(marker));
      const components = frame_[5] ?? 0;
      if (dataLength < 6 || components < 1 || dataLength !== 6 + 3 * components) {
        throw new ScrubRejected(
          "malformed",
          `${markerName(marker)} length ${lengthField} does not match ${components} components`,
          markerAt,
        );
      }
      const height = frame_.readUInt16BE(1);
      const width = frame_.readUInt16BE(3);
      if (height === 0) throw new ScrubRejected("unsupported-feature", "frame height 0 (defined by DNL)", markerAt);
      checkPixels(width, height, settings.maxPixels, markerAt, markerName(marker));
      report.width = width;
      report.height = height;
      frame = parseFrame(marker, frame_, markerAt);
      sawFrame = true;
      report.keep(markerName(marker), segmentBytes);
      yield segmentHeader(marker, dataLength);
      yield frame_;
    } else if (marker === DAC) {
      // Conditioning for arithmetic coding, which is rejected at the frame: meaningless for Huffman data.
      await reader.skip(dataLength, "DAC");
      report.remove("DAC", segmentBytes);
    } else if (marker === DQT || marker === DHT || marker === DRI) {
      if (marker === DRI && dataLength !== 2)
        throw new ScrubRejected("malformed", `DRI length ${lengthField} (must be 4)`, markerAt);
      const data = await reader.readExact(dataLength, markerName(marker));
      if (marker === DQT) parseDqt(data, markerAt);
      else if (marker === DHT) parseDht(data, markerAt, dcTables, acTables);
      else restartInterval = data.readUInt16BE(0);
      report.keep(markerName(marker), segmentBytes);
      yield segmentHeader(marker, dataLength);
      yield data;
    } else if (marker === COM) {
      await reader.skip(dataLength, "COM");
      report.remove("COM", segmentBytes);
    } else if (marker >= APP0 && marker <= APP15) {
      yield* handleApp(marker, dataLength, segmentBytes);
    } else {
      throw new ScrubRejected("malformed", `unexpected marker ${hex(marker)}`, markerAt);
    }
    marker = await nextMarker(reader, report);
  }

  const trailing = await reader.drain();
  if (trailing > 0) report.remove("trailing data after EOI", trailing);

  async function* handleApp(
    appMarker: number,
    dataLength: number,
    segmentBytes: number,
  ): AsyncGenerator<Buffer, void, void> {
    const prefix = await reader.readExact(Math.min(dataLength, 40), `APP${appMarker - APP0}`);
    const name = appName(appMarker, prefix);
    const rest = dataLength - prefix.length;

    if (appMarker === APP0 && name === "APP0 JFIF" && !sawJfif && !sawFrame && dataLength >= JFIF_BYTES) {
      // Keep the JFIF header (version, units, density) without its thumbnail.
      sawJfif = true;
      await reader.skip(rest, "APP0 JFIF");
      const jfif = Buffer.from(prefix.subarray(0, JFIF_BYTES));
      const hadThumbnail = jfif[12] !== 0 || jfif[13] !== 0 || dataLength > JFIF_BYTES;
      jfif[12] = 0;
      jfif[13] = 0;
      report.keep("APP0 JFIF", JFIF_BYTES + 4);
      if (hadThumbnail) report.remove("APP0 JFIF thumbnail", dataLength - JFIF_BYTES);
      yield segmentHeader(APP0, JFIF_BYTES);
      yield jfif;
      return;
    }
    if (appMarker === APP14 && name === "APP14 Adobe" && dataLength >= ADOBE_BYTES) {
      // Decides the colour transform (RGB / YCbCr / CMYK / YCCK): keep exactly what decoders read.
      await reader.skip(rest, "APP14 Adobe");
      report.keep("APP14 Adobe", ADOBE_BYTES + 4);
      if (dataLength > ADOBE_BYTES) report.remove("APP14 Adobe (extra bytes)", dataLength - ADOBE_BYTES);
      yield segmentHeader(APP14, ADOBE_BYTES);
      yield Buffer.from(prefix.subarray(0, ADOBE_BYTES));
      return;
    }
    if (
      appMarker === APP2 &&
      prefix.length >= ICC_IDENT.length &&
      prefix.subarray(0, ICC_IDENT.length).equals(ICC_IDENT)
    ) {
      if (!settings.keepIccProfile || sawScan) {
        await reader.skip(rest, "APP2 ICC_PROFILE");
        report.remove(sawScan ? "APP2 ICC_PROFILE (after the first scan)" : "APP2 ICC_PROFILE", segmentBytes);
        return;
      }
      const data = Buffer.concat([prefix, await reader.readExact(rest, "APP2 ICC_PROFILE")]);
      const complete = icc.add(data);
      if (complete !== null) yield* complete;
      return;
    }
    if (appMarker === APP1 && name === "APP1 Exif" && !sawExif && !sawScan && prefix.length >= EXIF_HEADER.length) {
      // The first Exif block before the first scan is the one decoders use for the orientation.
      sawExif = true;
      const tiff = Buffer.concat([prefix.subarray(EXIF_HEADER.length), await reader.readExact(rest, "APP1 Exif")]);
      report.remove(name, segmentBytes);
      const orientation = readOrientation(tiff);
      if (isRotatingOrientation(orientation)) {
        report.orientation = orientation;
        if (settings.preserveOrientation) {
          const payload = Buffer.concat([EXIF_HEADER, minimalExifTiff(orientation)]);
          report.orientationWritten = true;
          report.keep("APP1 Exif (Orientation only)", payload.length + 4);
          yield segmentHeader(APP1, payload.length);
          yield payload;
        }
      }
      return;
    }
    await reader.skip(rest, name);
    report.remove(name, segmentBytes);
  }
}
