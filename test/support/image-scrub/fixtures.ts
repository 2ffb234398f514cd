/**
 * Test fixtures, assembled byte by byte (the project tests on a fresh clone, without ../shared).
 * Not a test file itself: imported by the *.test.ts suites.
 */
import { createHash } from "node:crypto";
import { deflateSync, crc32 } from "node:zlib";

// ---------------------------------------------------------------------------------------------
// EXIF / TIFF

interface IfdEntry {
  readonly tag: number;
  readonly type: 2 | 3 | 4 | 5 | 7; // ASCII, SHORT, LONG, RATIONAL, UNDEFINED
  readonly value: string | number | readonly number[] | Buffer;
}

/** The IFDs of the EXIF fixture: camera make, model and dates, a serial, a MakerNote, GPS, and a thumbnail. */
function exifIfds(orientation: number | undefined) {
  const ifd0: IfdEntry[] = [
    { tag: 0x010f, type: 2, value: "Canon" },
    { tag: 0x0110, type: 2, value: "Canon EOS 5D Mark IV" },
  ];
  if (orientation !== undefined) ifd0.push({ tag: 0x0112, type: 3, value: orientation });
  ifd0.push({ tag: 0x0132, type: 2, value: "2024:05:17 10:11:12" });
  ifd0.push({ tag: 0x8769, type: 4, value: 0 }); // Exif IFD pointer, patched below
  ifd0.push({ tag: 0x8825, type: 4, value: 0 }); // GPS IFD pointer, patched below
  const exifIfd: IfdEntry[] = [
    { tag: 0x9003, type: 2, value: "2024:05:17 10:11:12" }, // DateTimeOriginal
    { tag: 0xa431, type: 2, value: "SN-0123456789" }, // BodySerialNumber
    { tag: 0x927c, type: 7, value: Buffer.from("Nikon\0\x02\x10\0\0MakerNoteSecret", "latin1") },
  ];
  const gpsIfd: IfdEntry[] = [
    { tag: 0x0001, type: 2, value: "N" },
    { tag: 0x0002, type: 5, value: [52, 1, 31, 1, 1234, 100] },
    { tag: 0x0003, type: 2, value: "E" },
    { tag: 0x0004, type: 5, value: [13, 1, 24, 1, 5678, 100] },
  ];
  const thumbnail = Buffer.from([0xff, 0xd8, 0xff, 0xd9]);
  const ifd1: IfdEntry[] = [
    { tag: 0x0201, type: 4, value: 0 }, // JPEGInterchangeFormat, patched
    { tag: 0x0202, type: 4, value: thumbnail.length },
  ];
  return { ifd0, exifIfd, gpsIfd, ifd1, thumbnail };
}

/** Writes TIFF values and IFDs in one byte order. */
class TiffWriter {
  constructor(private readonly le: boolean) {}

  u16(v: number): Buffer {
    const b = Buffer.alloc(2);
    this.le ? b.writeUInt16LE(v) : b.writeUInt16BE(v);
    return b;
  }

  u32(v: number): Buffer {
    const b = Buffer.alloc(4);
    this.le ? b.writeUInt32LE(v) : b.writeUInt32BE(v);
    return b;
  }

  valueBytes(e: IfdEntry): Buffer {
    if (Buffer.isBuffer(e.value)) return e.value;
    if (typeof e.value === "string") return Buffer.from(`${e.value}\0`, "latin1");
    if (e.type === 3) return Buffer.concat([this.u16(e.value as number), Buffer.alloc(2)]);
    if (e.type === 4) return this.u32(e.value as number);
    return Buffer.concat((e.value as number[]).map((n) => this.u32(n)));
  }

  static count(e: IfdEntry): number {
    return Buffer.isBuffer(e.value)
      ? e.value.length
      : typeof e.value === "string"
        ? e.value.length + 1
        : e.type === 5
          ? (e.value as number[]).length / 2
          : 1;
  }

  /** Lays out one IFD at offset `at`; returns its bytes and a patcher for LONG values. */
  layout(entries: IfdEntry[], at: number, next: number): { bytes: Buffer; patch: (tag: number, v: number) => void } {
    const le = this.le;
    const dirBytes = 2 + entries.length * 12 + 4;
    let dataAt = at + dirBytes;
    const dir = Buffer.alloc(dirBytes);
    const data: Buffer[] = [];
    (le ? dir.writeUInt16LE : dir.writeUInt16BE).call(dir, entries.length, 0);
    const slots = new Map<number, number>();
    entries.forEach((e, i) => {
      const o = 2 + i * 12;
      const v = this.valueBytes(e);
      (le ? dir.writeUInt16LE : dir.writeUInt16BE).call(dir, e.tag, o);
      (le ? dir.writeUInt16LE : dir.writeUInt16BE).call(dir, e.type, o + 2);
      (le ? dir.writeUInt32LE : dir.writeUInt32BE).call(dir, TiffWriter.count(e), o + 4);
      if (v.length <= 4) {
        v.copy(dir, o + 8);
        slots.set(e.tag, o + 8);
      } else {
        (le ? dir.writeUInt32LE : dir.writeUInt32BE).call(dir, dataAt, o + 8);
        const padded = v.length % 2 === 1 ? Buffer.concat([v, Buffer.alloc(1)]) : v;
        data.push(padded);
        dataAt += padded.length;
      }
    });
    (le ? dir.writeUInt32LE : dir.writeUInt32BE).call(dir, next, dirBytes - 4);
    const bytes = Buffer.concat([dir, ...data]);
    return {
      bytes,
      patch: (tag, v) => {
        const slot = slots.get(tag);
        if (slot !== undefined) (le ? bytes.writeUInt32LE : bytes.writeUInt32BE).call(bytes, v, slot);
      },
    };
  }
}

/**
 * A TIFF structure as found in EXIF: IFD0 (Make, Model, DateTime, optional Orientation, pointers
 * to an Exif IFD and a GPS IFD) and IFD1 with a JPEG thumbnail.
 */
export function exifTiff(options: { orientation?: number; littleEndian?: boolean } = {}): Buffer {
  const le = options.littleEndian ?? false;
  const { ifd0, exifIfd, gpsIfd, ifd1, thumbnail } = exifIfds(options.orientation);
  const w = new TiffWriter(le);
  const parts: Buffer[] = [];
  const ifdSize = (entries: IfdEntry[]): number => w.layout(entries, 0, 0).bytes.length;
  const at0 = 8;
  const atExif = at0 + ifdSize(ifd0);
  const atGps = atExif + ifdSize(exifIfd);
  const at1 = atGps + ifdSize(gpsIfd);
  const atThumb = at1 + ifdSize(ifd1);
  const l0 = w.layout(ifd0, at0, at1);
  l0.patch(0x8769, atExif);
  l0.patch(0x8825, atGps);
  const l1 = w.layout(ifd1, at1, 0);
  l1.patch(0x0201, atThumb);
  parts.push(Buffer.from(le ? "II" : "MM", "latin1"), w.u16(42), w.u32(8));
  parts.push(l0.bytes, w.layout(exifIfd, atExif, 0).bytes, w.layout(gpsIfd, atGps, 0).bytes, l1.bytes, thumbnail);
  const size = parts.reduce((n, p) => n + p.length, 0);
  return Buffer.concat(parts, size);
}

export const XMP_PACKET = Buffer.from(
  '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>' +
    '<rdf:Description exif:GPSLatitude="52,31.2N" xmp:CreateDate="2024-05-17"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>',
  "latin1",
);

/**
 * A structurally valid v2 ICC profile of at least `size` bytes (rounded up to a multiple of 4) with
 * one 'rTRC' curve tag and no text tags, so the ICC neutraliser leaves it unchanged.
 */
export function iccProfile(size = 300): Buffer {
  const total = Math.max(160, Math.ceil(size / 4) * 4);
  const icc = Buffer.alloc(total);
  icc.writeUInt32BE(total, 0);
  icc[8] = 2;
  icc[9] = 0x10;
  icc.write("mntrRGB XYZ ", 12, "latin1");
  icc.write("acsp", 36, "latin1");
  icc.writeUInt32BE(1, 128);
  icc.write("rTRC", 132, "latin1");
  icc.writeUInt32BE(144, 136);
  icc.writeUInt32BE(total - 144, 140);
  icc.write("curv", 144, "latin1");
  const entries = (total - 156) / 2;
  icc.writeUInt32BE(entries, 152);
  for (let i = 0; i < entries; i++) icc.writeUInt16BE((i * 7) & 0xffff, 156 + 2 * i);
  return icc;
}

const iccU32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v >>> 0);
  return b;
};
const iccS15 = (v: number): Buffer => iccU32(Math.round(v * 65536));
const iccXyz = (x: number, y: number, z: number): Buffer =>
  Buffer.concat([Buffer.from("XYZ \0\0\0\0", "latin1"), iccS15(x), iccS15(y), iccS15(z)]);

/** A v2 textDescriptionType: ASCII, Unicode and ScriptCode parts, all `s`. */
function iccDesc(s: string): Buffer {
  const ascii = Buffer.from(`${s}\0`, "latin1");
  const unicode = Buffer.from(`${s}\0`, "utf16le").swap16();
  const mac = Buffer.alloc(67);
  mac.write(s.slice(0, 66), 0, "latin1");
  return Buffer.concat([
    Buffer.from("desc\0\0\0\0", "latin1"),
    iccU32(ascii.length),
    ascii,
    iccU32(0x656e5553),
    iccU32(unicode.length / 2),
    unicode,
    Buffer.of(0, 0, Math.min(s.length + 1, 67)),
    mac,
  ]);
}

const iccText = (s: string): Buffer =>
  Buffer.concat([Buffer.from("text\0\0\0\0", "latin1"), Buffer.from(`${s}\0`, "latin1")]);

/** A v4 multiLocalizedUnicodeType with an enUS and a deDE record. */
function iccMluc(s: string): Buffer {
  const utf16 = Buffer.from(s, "utf16le").swap16();
  const utf16de = Buffer.from(`${s} (de)`, "utf16le").swap16();
  return Buffer.concat([
    Buffer.from("mluc\0\0\0\0", "latin1"),
    iccU32(2),
    iccU32(12),
    Buffer.from("enUS", "latin1"),
    iccU32(utf16.length),
    iccU32(40),
    Buffer.from("deDE", "latin1"),
    iccU32(utf16de.length),
    iccU32(40 + utf16.length),
    utf16,
    utf16de,
  ]);
}

/** The test profile's tag elements, each with the signatures that point at it. */
function iccTestElements(version: 2 | 4, text: string): [string[], Buffer][] {
  const str = version === 4 ? iccMluc : iccDesc;
  const curve = Buffer.concat([Buffer.from("curv\0\0\0\0", "latin1"), iccU32(1), Buffer.of(0x02, 0x33)]);
  return [
    [["desc"], str(`${text} desc`)],
    [["cprt"], version === 4 ? iccMluc(`${text} cprt`) : iccText(`${text} cprt`)],
    [["dmnd"], str(`${text} dmnd`)],
    [["dmdd"], str(`${text} dmdd`)],
    [["wtpt"], iccXyz(0.9642, 1, 0.8249)],
    [["rXYZ"], iccXyz(0.4361, 0.2225, 0.0139)],
    [["gXYZ"], iccXyz(0.3851, 0.7169, 0.0971)],
    [["bXYZ"], iccXyz(0.1431, 0.0606, 0.7141)],
    [["rTRC", "gTRC", "bTRC"], curve],
  ];
}

/** The profile header for a profile of `size` bytes; with `canary` in its reserved bytes. */
function iccTestHeader(size: number, version: 2 | 4, canary: string | undefined): Buffer {
  const header = Buffer.alloc(128);
  header.writeUInt32BE(size, 0);
  header.write("lcms", 4, "latin1");
  header[8] = version;
  header[9] = version === 4 ? 0x30 : 0x10;
  header.write("mntrRGB XYZ ", 12, "latin1");
  header.writeUInt16BE(2024, 24);
  header.write("acspAPPL", 36, "latin1");
  header.writeUInt32BE(0, 64);
  iccS15(0.9642).copy(header, 68);
  iccS15(1).copy(header, 72);
  iccS15(0.8249).copy(header, 76);
  header.write("lcms", 80, "latin1");
  if (canary !== undefined) header.write(canary.slice(0, 28), 100, "latin1");
  return header;
}

/**
 * A minimal but real RGB matrix/TRC display profile (ICC v2 or v4): white point, primaries, one
 * gamma 2.2 curve shared by rTRC/gTRC/bTRC, and the text tags desc, cprt, dmnd, dmdd (v2:
 * textDescriptionType / textType; v4: mluc). With `canary`, every text tag, the Unicode and
 * ScriptCode parts of 'desc', the reserved header bytes and an unreferenced gap between tag
 * elements carry it.
 */
export function iccTestProfile(options: { canary?: string; version?: 2 | 4 } = {}): Buffer {
  const version = options.version ?? 2;
  const elements = iccTestElements(version, options.canary ?? "Display");
  const tagCount = elements.reduce((n, [sigs]) => n + sigs.length, 0);
  const table: Buffer[] = [];
  const data: Buffer[] = [];
  let at = 128 + 4 + 12 * tagCount;
  for (const [index, [sigs, element]] of elements.entries()) {
    for (const sig of sigs) table.push(Buffer.concat([Buffer.from(sig, "latin1"), iccU32(at), iccU32(element.length)]));
    const padded = Buffer.alloc((element.length + 3) & ~3);
    element.copy(padded);
    data.push(padded);
    at += padded.length;
    if (index === 4 && options.canary !== undefined) {
      // An unreferenced gap between elements.
      const gap = Buffer.alloc((options.canary.length + 3) & ~3);
      gap.write(options.canary, 0, "latin1");
      data.push(gap);
      at += gap.length;
    }
  }
  const header = iccTestHeader(at, version, options.canary);
  const profile = Buffer.concat([header, iccU32(tagCount), ...table, ...data]);
  if (version === 4) {
    const copy = Buffer.from(profile);
    copy.fill(0, 44, 48);
    copy.fill(0, 64, 68);
    createHash("md5").update(copy).digest().copy(profile, 84);
  }
  return profile;
}

// ---------------------------------------------------------------------------------------------
// JPEG

export function seg(marker: number, data: Uint8Array): Buffer {
  const header = Buffer.from([0xff, marker, 0, 0]);
  header.writeUInt16BE(data.length + 2, 2);
  return Buffer.concat([header, data]);
}

export const SOI = Buffer.from([0xff, 0xd8]);
export const EOI = Buffer.from([0xff, 0xd9]);

export const JFIF = seg(0xe0, Buffer.from([0x4a, 0x46, 0x49, 0x46, 0x00, 1, 1, 0, 0, 72, 0, 72, 0, 0]));
/** Quantisation table 0, all ones. */
export const DQT = seg(0xdb, Buffer.concat([Buffer.of(0x00), Buffer.alloc(64, 1)]));
/** DC table 0 and AC table 0 each with a single 1-bit code for symbol 0 (DC diff 0 / EOB). */
export const DHT = seg(
  0xc4,
  Buffer.concat([
    Buffer.of(0x00, 1),
    Buffer.alloc(15),
    Buffer.of(0),
    Buffer.of(0x10, 1),
    Buffer.alloc(15),
    Buffer.of(0),
  ]),
);

/**
 * Tables for decodable coded fixtures: DC table 0 {"0" → difference 0}, AC table 0 {"0" → run 0 /
 * size 10, "10" → EOB}. A block is "0", then `ac` × ("0" + 10 bits), then "10" when ac < 63.
 */
export const DHT_CODED = seg(
  0xc4,
  Buffer.concat([
    Buffer.of(0x00, 1),
    Buffer.alloc(15),
    Buffer.of(0x00),
    Buffer.of(0x10, 1, 1),
    Buffer.alloc(14),
    Buffer.of(0x0a, 0x00),
  ]),
);

/** DRI segment: a restart marker every `mcus` MCUs. */
export function dri(mcus: number): Buffer {
  const data = Buffer.alloc(2);
  data.writeUInt16BE(mcus, 0);
  return seg(0xdd, data);
}

/**
 * Huffman-coded data of `blocks` single-component blocks for DHT_CODED, with pseudo-random
 * coefficient bits (so 0xFF bytes occur and are stuffed), an RSTn after every `restart` blocks
 * (0: none) and 1-bits padding at the end of each interval. With ac = 7 or 55 a block is a whole
 * number of bytes (10 / 76).
 */
export function codedScan(blocks: number, options: { seed?: number; restart?: number; ac?: number } = {}): Buffer {
  const ac = options.ac ?? 7;
  const restart = options.restart ?? 0;
  const bitsPerBlock = 1 + 11 * ac + (ac < 63 ? 2 : 0);
  const out = Buffer.alloc(
    Math.ceil((blocks * bitsPerBlock) / 8) * 2 + (restart ? Math.ceil(blocks / restart) * 3 : 0) + 16,
  );
  let n = 0;
  let acc = 0;
  let count = 0;
  let x = (options.seed ?? 1) >>> 0 || 1;
  const byte = (b: number): void => {
    out[n++] = b;
    if (b === 0xff) out[n++] = 0x00;
  };
  const put = (value: number, bits: number): void => {
    for (let i = bits - 1; i >= 0; i--) {
      acc = (acc << 1) | ((value >> i) & 1);
      if (++count === 8) {
        byte(acc);
        acc = 0;
        count = 0;
      }
    }
  };
  const pad = (): void => {
    if (count > 0) put(0xff, 8 - count);
  };
  for (let b = 0; b < blocks; b++) {
    if (restart && b > 0 && b % restart === 0) {
      pad();
      out[n++] = 0xff;
      out[n++] = 0xd0 + ((b / restart - 1) % 8);
    }
    put(0, 1);
    for (let k = 0; k < ac; k++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      put(0, 1);
      put(x & 0x3ff, 10);
    }
    if (ac < 63) put(0b10, 2);
  }
  pad();
  return Buffer.from(out.subarray(0, n));
}

export function sof(marker: number, width: number, height: number, components = 1): Buffer {
  const data = Buffer.alloc(6 + 3 * components);
  data[0] = 8;
  data.writeUInt16BE(height, 1);
  data.writeUInt16BE(width, 3);
  data[5] = components;
  for (let c = 0; c < components; c++) data.set([c + 1, 0x11, 0], 6 + 3 * c);
  return seg(marker, data);
}

export function sos(components = 1, spectral: [number, number, number] = [0, 63, 0]): Buffer {
  const data = Buffer.alloc(4 + 2 * components);
  data[0] = components;
  for (let c = 0; c < components; c++) data.set([c + 1, 0x00], 1 + 2 * c);
  data.set(spectral, 1 + 2 * components);
  return seg(0xda, data);
}

/**
 * A decodable 16x16 greyscale baseline JPEG (four blocks, every coefficient zero: mid grey). With
 * the one-symbol tables above each block is the bits "00", so the scan is one 0x00 byte.
 */
export function baselineJpeg(): { bytes: Buffer; scan: Buffer } {
  const scan = Buffer.from([0x00]);
  return { bytes: Buffer.concat([SOI, JFIF, DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]), scan };
}

export function app(n: number, identifier: string, payload: Uint8Array = Buffer.alloc(0)): Buffer {
  return seg(0xe0 + n, Buffer.concat([Buffer.from(identifier, "latin1"), payload]));
}

export function exifApp1(orientation?: number, littleEndian = false): Buffer {
  return app(1, "Exif\0\0", exifTiff({ orientation, littleEndian }));
}

export function iccChunks(profile: Buffer, chunks: number): Buffer[] {
  const size = Math.ceil(profile.length / chunks);
  const out: Buffer[] = [];
  for (let i = 0; i < chunks; i++) {
    out.push(
      app(2, "ICC_PROFILE\0", Buffer.concat([Buffer.of(i + 1, chunks), profile.subarray(i * size, (i + 1) * size)])),
    );
  }
  return out;
}

/** APP14 Adobe: version 100, flags 0, transform (0 = RGB/CMYK, 1 = YCbCr, 2 = YCCK). */
export function adobeApp14(transform: number, extra = Buffer.alloc(0)): Buffer {
  return app(14, "Adobe", Buffer.concat([Buffer.from([0, 100, 0, 0, 0, 0, transform]), extra]));
}

/** Pseudo-random entropy-coded bytes with 0xFF stuffed as 0xFF00 and RSTn markers every `restart` bytes. */
export function entropyData(length: number, seed = 1, restart = 0): Buffer {
  const out = Buffer.alloc(length + Math.ceil(length / 64) + (restart ? Math.ceil(length / restart) * 2 : 0) + 16);
  let x = seed >>> 0 || 1;
  let n = 0;
  let rst = 0;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const byte = x & 0xff;
    out[n++] = byte;
    if (byte === 0xff) out[n++] = 0x00;
    if (restart && i > 0 && i % restart === 0) {
      out[n++] = 0xff;
      out[n++] = 0xd0 + (rst++ % 8);
    }
  }
  return out.subarray(0, n);
}

// ---------------------------------------------------------------------------------------------
// PNG

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function chunk(type: string, data: Uint8Array = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(data.length, 0);
  header.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(data, crc32(header.subarray(4))) >>> 0);
  return Buffer.concat([header, data, crc]);
}

export function ihdr(width: number, height: number, colorType = 2): Buffer {
  const data = Buffer.alloc(13);
  data.writeUInt32BE(width, 0);
  data.writeUInt32BE(height, 4);
  data[8] = 8;
  data[9] = colorType;
  return chunk("IHDR", data);
}

/** Raw scanlines (filter 0) of an RGB gradient. */
export function rgbRows(width: number, height: number): Buffer {
  const rows = Buffer.alloc(height * (1 + width * 3));
  for (let y = 0; y < height; y++) {
    const row = y * (1 + width * 3);
    for (let x = 0; x < width; x++) rows.set([(x * 16) & 0xff, (y * 16) & 0xff, 128], row + 1 + x * 3);
  }
  return rows;
}

/** A decodable RGB PNG; the zlib stream is split over `idatChunks` IDAT chunks. */
export function pngImage(width = 4, height = 4, idatChunks = 2): { idat: Buffer[]; zlib: Buffer } {
  const zlib = deflateSync(rgbRows(width, height));
  const size = Math.ceil(zlib.length / idatChunks);
  const idat: Buffer[] = [];
  for (let i = 0; i < idatChunks; i++) idat.push(chunk("IDAT", zlib.subarray(i * size, (i + 1) * size)));
  return { idat, zlib };
}

/** iCCP with a profile name and a deflated profile (compression method 0). */
export function iccpChunk(name = "ICC profile", profile: Buffer = iccProfile(300)): Buffer {
  return chunk("iCCP", Buffer.concat([Buffer.from(`${name}\0\0`, "latin1"), deflateSync(profile)]));
}

export function textChunk(keyword: string, text: string): Buffer {
  return chunk("tEXt", Buffer.from(`${keyword}\0${text}`, "latin1"));
}

export function itxtXmp(): Buffer {
  return chunk("iTXt", Buffer.concat([Buffer.from("XML:com.adobe.xmp\0\0\0\0\0", "latin1"), XMP_PACKET]));
}

export function ztxtChunk(keyword: string, text: string): Buffer {
  return chunk(
    "zTXt",
    Buffer.concat([Buffer.from(`${keyword}\0\0`, "latin1"), deflateSync(Buffer.from(text, "latin1"))]),
  );
}

/** Walks PNG chunks: [type, data, crcValid]. */
export function pngChunks(png: Buffer): { type: string; data: Buffer; crcOk: boolean }[] {
  const out: { type: string; data: Buffer; crcOk: boolean }[] = [];
  let p = 8;
  while (p + 12 <= png.length) {
    const len = png.readUInt32BE(p);
    const type = png.toString("latin1", p + 4, p + 8);
    const data = png.subarray(p + 8, p + 8 + len);
    const crcOk = crc32(data, crc32(png.subarray(p + 4, p + 8))) >>> 0 === png.readUInt32BE(p + 8 + len);
    out.push({ type, data, crcOk });
    p += 12 + len;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// WebP (structurally valid containers; the VP8/VP8L payloads are synthetic, not decodable)

export function riffChunk(fourcc: string, data: Uint8Array): Buffer {
  const header = Buffer.alloc(8);
  header.write(fourcc, 0, "latin1");
  header.writeUInt32LE(data.length, 4);
  return Buffer.concat([header, data, data.length % 2 === 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
}

export function riff(chunks: readonly Buffer[]): Buffer {
  const body = Buffer.concat([Buffer.from("WEBP", "latin1"), ...chunks]);
  const header = Buffer.alloc(8);
  header.write("RIFF", 0, "latin1");
  header.writeUInt32LE(body.length, 4);
  return Buffer.concat([header, body]);
}

export function vp8x(flags: number, width: number, height: number): Buffer {
  const data = Buffer.alloc(10);
  data[0] = flags;
  data.writeUIntLE(width - 1, 4, 3);
  data.writeUIntLE(height - 1, 7, 3);
  return riffChunk("VP8X", data);
}

/**
 * A VP8 key frame for width × height: frame tag, start code, dimensions, a first partition of 8
 * zero bytes (which decodes as a header with every flag off and one token partition) and a token
 * partition of `body` synthetic bytes (structurally valid, not decodable).
 */
export function vp8Payload(width: number, height: number, body = 40, seed = 3): Buffer {
  const firstPartition = 8;
  const head = Buffer.from([0, 0, 0, 0x9d, 0x01, 0x2a, 0, 0, 0, 0]);
  head.writeUIntLE((firstPartition << 5) | 0x10, 0, 3); // key frame, version 0, shown
  head.writeUInt16LE(width, 6);
  head.writeUInt16LE(height, 8);
  const rest = Buffer.alloc(body);
  for (let i = 0; i < body; i++) rest[i] = (i * 31 + seed) & 0xff;
  return Buffer.concat([head, Buffer.alloc(firstPartition), rest]);
}

/** Boolean entropy encoder of RFC 6386 §7.3: encodes `bits` ([probability, bit]) and flushes. */
export function boolEncode(bits: readonly (readonly [number, number])[]): Buffer {
  const out: number[] = [];
  let range = 255;
  let bottom = 0; // kept below 2^32
  let bitCount = 24;
  const put = (probability: number, bit: number): void => {
    const split = 1 + (((range - 1) * probability) >> 8);
    if (bit) {
      bottom += split;
      range -= split;
    } else {
      range = split;
    }
    while (range < 128) {
      range <<= 1;
      if (bottom >= 0x8000_0000) {
        let q = out.length - 1;
        while (q >= 0 && out[q] === 255) out[q--] = 0;
        out[q] = (out[q] as number) + 1;
      }
      bottom = (bottom * 2) % 0x1_0000_0000;
      if (--bitCount === 0) {
        out.push(Math.floor(bottom / 0x100_0000) & 0xff);
        bottom %= 0x100_0000;
        bitCount = 8;
      }
    }
  };
  for (const [probability, bit] of bits) put(probability, bit);
  for (let i = 0; i < 32; i++) put(128, 0);
  return Buffer.from(out);
}

/** A VP8 key frame whose first partition header asks for `partitions` token partitions, with their size table. */
export function vp8MultiPartition(width: number, height: number, partitionSizes: readonly number[]): Buffer {
  const log2 = Math.log2(partitionSizes.length);
  const literal = (value: number, n: number): [number, number][] =>
    Array.from({ length: n }, (_, i) => [128, (value >> (n - 1 - i)) & 1]);
  const first = boolEncode([...literal(0, 3), ...literal(0, 10), ...literal(0, 1), ...literal(log2, 2)]);
  const head = Buffer.from([0, 0, 0, 0x9d, 0x01, 0x2a, 0, 0, 0, 0]);
  head.writeUIntLE((first.length << 5) | 0x10, 0, 3);
  head.writeUInt16LE(width, 6);
  head.writeUInt16LE(height, 8);
  const table = Buffer.alloc(3 * (partitionSizes.length - 1));
  partitionSizes.slice(0, -1).forEach((size, i) => {
    table.writeUIntLE(size, 3 * i, 3);
  });
  return Buffer.concat([head, first, table, ...partitionSizes.map((size) => Buffer.alloc(size, 0x11))]);
}

/** A VP8L header for width × height followed by synthetic bytes. */
export function vp8lPayload(width: number, height: number, body = 21): Buffer {
  const head = Buffer.alloc(5);
  head[0] = 0x2f;
  head.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 1);
  return Buffer.concat([head, Buffer.alloc(body, 0x5a)]);
}

export function anmf(width: number, height: number, frame: Buffer[], x = 0, y = 0): Buffer {
  const header = Buffer.alloc(16);
  header.writeUIntLE(x / 2, 0, 3);
  header.writeUIntLE(y / 2, 3, 3);
  header.writeUIntLE(width - 1, 6, 3);
  header.writeUIntLE(height - 1, 9, 3);
  header.writeUIntLE(100, 12, 3); // duration
  return riffChunk("ANMF", Buffer.concat([header, ...frame]));
}

/** Walks top-level RIFF chunks: [fourcc, data]. */
export function webpChunks(webp: Buffer): { fourcc: string; data: Buffer }[] {
  const out: { fourcc: string; data: Buffer }[] = [];
  let p = 12;
  while (p + 8 <= webp.length) {
    const size = webp.readUInt32LE(p + 4);
    out.push({ fourcc: webp.toString("latin1", p, p + 4), data: webp.subarray(p + 8, p + 8 + size) });
    p += 8 + size + (size & 1);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Real WebP files (decodable by dwebp), made for these tests from two synthetic 16x16 RGBA images
// with libwebp 1.2.4: cwebp -q 70 (lossy), cwebp -lossless, cwebp -q 80 -alpha_method 0 -exact
// (VP8X + uncompressed ALPH + VP8), cwebp -q 80 (compressed ALPH), img2webp -lossy (2 ANMF frames).

const REAL_WEBP_BASE64 = {
  lossy:
    "UklGRlAAAABXRUJQVlA4IEQAAACwAQCdASoQABAAAkA4JbACdAEOtNWAAP7prD7t2nT8D7M9R5cmzeXJ7uLfV0//4dd69M0of/UZ" +
    "1fwgv81NT/9frtAAAA==",
  lossless: "UklGRjQAAABXRUJQVlA4TCcAAAAvD8ADAJkyRPQ/NhHR/wCRtk0l3L/hwVOBQJI/7QYPT0yASx2o/wAA",
  alphaRaw:
    "UklGRnQBAABXRUJQVlA4WAoAAAAQAAAADwAADwAAQUxQSAEBAAAA//////////9gYGBgYGBgYP//////////YGBgYGBgYGD/////" +
    "/////2BgYGBgYGBg//////////9gYGBgYGBgYP//////////YGBgYGBgYGD//////////2BgYGBgYGBg//////////9gYGBgYGBg" +
    "YP//////////YGBgYGBgYGD//////////2BgYGBgYGBg//////////9gYGBgYGBgYP//////////YGBgYGBgYGD//////////2Bg" +
    "YGBgYGBg//////////9gYGBgYGBgYP//////////YGBgYGBgYGD//////////2BgYGBgYGBg//////////9gYGBgYGBgYABWUDgg" +
    "TAAAANABAJ0BKhAAEAABQCYlsAJ0AQ61idUAAP798GNoX/RhCFRcfshUWAUqQ2Zf/Jit4uH6o92ZWbHBBOOgv/+r0z1X//1p+epu" +
    "L8GAAAA=",
  alphaLossless:
    "UklGRoYAAABXRUJQVlA4WAoAAAAQAAAADwAADwAAQUxQSBMAAAABD/Cw/4iIIBZM5i/dnUFE/0MXAFZQOCBMAAAA0AEAnQEqEAAQ" +
    "AAFAJiWwAnQBDrWJ1QAA/v3wY2hf9GEIVFx+yFRYBSpDZl/8mK3i4fqj3ZlZscEE46C//6vTPVf//Wn56m4vwYAAAA==",
  animated:
    "UklGRgoBAABXRUJQVlA4WAoAAAASAAAADwAADwAAQU5JTQYAAAD/////AABBTk1GeAAAAAAAAAAAAA8AAA8AAGQAAAJBTFBIEwAA" +
    "AAEP8LD/iIggFkzmL92dQUT/QxcAVlA4IEQAAADwAQCdASoQABAAAgA0JbACdAEPC/vL1QAA/vxrUVaE1U+Ecy6/cFnZ//BZZvJt" +
    "a7pDdcdXZBV/+AYL//88f/P0MgAAAEFOTUZeAAAAAAAAAAAADwAADwAAZAAAAFZQOCBGAAAAtAEAnQEqEAAQAAAANCWwAnQBDrTV" +
    "gAD+6aw+7f2Xrl9vVtpkErtgZQvqOrJmd//w6716ZpQ/+rz0rjiZVr+8a7Ta+AAAAA==",
} as const;

/** A real, decodable WebP (see above). */
export function realWebp(name: keyof typeof REAL_WEBP_BASE64): Buffer {
  return Buffer.from(REAL_WEBP_BASE64[name], "base64");
}

// ---------------------------------------------------------------------------------------------
// Sources

/** Yields `bytes` in pieces of `size` bytes (copies, like a socket would deliver). */
export async function* pieces(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array, void, void> {
  for (let at = 0; at < bytes.length; at += size) yield Uint8Array.prototype.slice.call(bytes, at, at + size);
}

/** Walks JPEG marker segments of a file the scrubber wrote: [marker, data]; the scans as marker 0. */
export function jpegSegments(jpeg: Buffer): { marker: number; data: Buffer }[] {
  const out: { marker: number; data: Buffer }[] = [];
  let p = 2;
  out.push({ marker: 0xd8, data: Buffer.alloc(0) });
  while (p < jpeg.length) {
    const m = jpeg[p + 1] as number;
    if (m === 0xd9) {
      out.push({ marker: m, data: Buffer.alloc(0) });
      break;
    }
    const len = jpeg.readUInt16BE(p + 2);
    out.push({ marker: m, data: jpeg.subarray(p + 4, p + 2 + len) });
    p += 2 + len;
    if (m === 0xda) {
      let q = p;
      while (
        !(
          jpeg[q] === 0xff &&
          jpeg[q + 1] !== 0 &&
          !((jpeg[q + 1] as number) >= 0xd0 && (jpeg[q + 1] as number) <= 0xd7)
        )
      )
        q++;
      out.push({ marker: 0, data: jpeg.subarray(p, q) });
      p = q;
    }
  }
  return out;
}
