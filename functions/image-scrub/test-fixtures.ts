/**
 * Test fixtures, assembled byte by byte (the project tests on a fresh clone, without ../shared).
 * Not a test file itself: imported by the *.test.ts suites.
 */
import { deflateSync, crc32 } from "node:zlib";

// ---------------------------------------------------------------------------------------------
// EXIF / TIFF

interface IfdEntry {
  readonly tag: number;
  readonly type: 2 | 3 | 4 | 5 | 7; // ASCII, SHORT, LONG, RATIONAL, UNDEFINED
  readonly value: string | number | readonly number[] | Buffer;
}

/**
 * A TIFF structure as found in EXIF: IFD0 (Make, Model, DateTime, optional Orientation, pointers
 * to an Exif IFD and a GPS IFD) and IFD1 with a JPEG thumbnail.
 */
export function exifTiff(options: { orientation?: number; littleEndian?: boolean } = {}): Buffer {
  const le = options.littleEndian ?? false;
  const ifd0: IfdEntry[] = [
    { tag: 0x010f, type: 2, value: "Canon" },
    { tag: 0x0110, type: 2, value: "Canon EOS 5D Mark IV" },
  ];
  if (options.orientation !== undefined) ifd0.push({ tag: 0x0112, type: 3, value: options.orientation });
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

  const parts: Buffer[] = [];
  let size = 8;
  const u16 = (v: number): Buffer => {
    const b = Buffer.alloc(2);
    le ? b.writeUInt16LE(v) : b.writeUInt16BE(v);
    return b;
  };
  const u32 = (v: number): Buffer => {
    const b = Buffer.alloc(4);
    le ? b.writeUInt32LE(v) : b.writeUInt32BE(v);
    return b;
  };
  const valueBytes = (e: IfdEntry): Buffer => {
    if (Buffer.isBuffer(e.value)) return e.value;
    if (typeof e.value === "string") return Buffer.from(`${e.value}\0`, "latin1");
    if (e.type === 3) return Buffer.concat([u16(e.value as number), Buffer.alloc(2)]);
    if (e.type === 4) return u32(e.value as number);
    return Buffer.concat((e.value as number[]).map((n) => u32(n)));
  };
  const count = (e: IfdEntry): number =>
    Buffer.isBuffer(e.value) ? e.value.length : typeof e.value === "string" ? e.value.length + 1 : e.type === 5 ? (e.value as number[]).length / 2 : 1;
  /** Lays out one IFD at offset `at`; returns its bytes and a patcher for LONG values. */
  const layout = (entries: IfdEntry[], at: number, next: number): { bytes: Buffer; patch: (tag: number, v: number) => void } => {
    const dirBytes = 2 + entries.length * 12 + 4;
    let dataAt = at + dirBytes;
    const dir = Buffer.alloc(dirBytes);
    const data: Buffer[] = [];
    (le ? dir.writeUInt16LE : dir.writeUInt16BE).call(dir, entries.length, 0);
    const slots = new Map<number, number>();
    entries.forEach((e, i) => {
      const o = 2 + i * 12;
      const v = valueBytes(e);
      (le ? dir.writeUInt16LE : dir.writeUInt16BE).call(dir, e.tag, o);
      (le ? dir.writeUInt16LE : dir.writeUInt16BE).call(dir, e.type, o + 2);
      (le ? dir.writeUInt32LE : dir.writeUInt32BE).call(dir, count(e), o + 4);
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
  };
  const ifdSize = (entries: IfdEntry[]): number => layout(entries, 0, 0).bytes.length;
  const at0 = 8;
  const atExif = at0 + ifdSize(ifd0);
  const atGps = atExif + ifdSize(exifIfd);
  const at1 = atGps + ifdSize(gpsIfd);
  const atThumb = at1 + ifdSize(ifd1);
  const l0 = layout(ifd0, at0, at1);
  l0.patch(0x8769, atExif);
  l0.patch(0x8825, atGps);
  const l1 = layout(ifd1, at1, 0);
  l1.patch(0x0201, atThumb);
  parts.push(Buffer.from(le ? "II" : "MM", "latin1"), u16(42), u32(8));
  parts.push(l0.bytes, layout(exifIfd, atExif, 0).bytes, layout(gpsIfd, atGps, 0).bytes, l1.bytes, thumbnail);
  size = parts.reduce((n, p) => n + p.length, 0);
  return Buffer.concat(parts, size);
}

export const XMP_PACKET = Buffer.from(
  '<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF>' +
    '<rdf:Description exif:GPSLatitude="52,31.2N" xmp:CreateDate="2024-05-17"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>',
  "latin1",
);

/**
 * An ICC profile of `size` bytes: size field, "acsp" at 36 and, from 144 bytes on, a tag table with
 * one tag whose data (a byte pattern) lies inside the profile, so that it is structurally valid.
 */
export function iccProfile(size = 300): Buffer {
  const icc = Buffer.alloc(size);
  icc.writeUInt32BE(size, 0);
  icc.write("acsp", 36, "latin1");
  if (size < 144) return icc;
  icc.writeUInt32BE(1, 128); // tag count
  icc.write("zzzz", 132, "latin1");
  icc.writeUInt32BE(144, 136); // offset
  icc.writeUInt32BE(size - 144, 140); // size
  for (let i = 144; i < size; i++) icc[i] = (i * 7) & 0xff;
  return icc;
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
export const DHT = seg(0xc4, Buffer.concat([Buffer.of(0x00, 1), Buffer.alloc(15), Buffer.of(0), Buffer.of(0x10, 1), Buffer.alloc(15), Buffer.of(0)]));

/**
 * Tables for decodable coded fixtures: DC table 0 {"0" → difference 0}, AC table 0 {"0" → run 0 /
 * size 10, "10" → EOB}. A block is "0", then `ac` × ("0" + 10 bits), then "10" when ac < 63.
 */
export const DHT_CODED = seg(
  0xc4,
  Buffer.concat([Buffer.of(0x00, 1), Buffer.alloc(15), Buffer.of(0x00), Buffer.of(0x10, 1, 1), Buffer.alloc(14), Buffer.of(0x0a, 0x00)]),
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
  const out = Buffer.alloc(Math.ceil((blocks * bitsPerBlock) / 8) * 2 + (restart ? Math.ceil(blocks / restart) * 3 : 0) + 16);
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
    out.push(app(2, "ICC_PROFILE\0", Buffer.concat([Buffer.of(i + 1, chunks), profile.subarray(i * size, (i + 1) * size)])));
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
  return chunk("zTXt", Buffer.concat([Buffer.from(`${keyword}\0\0`, "latin1"), deflateSync(Buffer.from(text, "latin1"))]));
}

/** Walks PNG chunks: [type, data, crcValid]. */
export function pngChunks(png: Buffer): { type: string; data: Buffer; crcOk: boolean }[] {
  const out: { type: string; data: Buffer; crcOk: boolean }[] = [];
  let p = 8;
  while (p + 12 <= png.length) {
    const len = png.readUInt32BE(p);
    const type = png.toString("latin1", p + 4, p + 8);
    const data = png.subarray(p + 8, p + 8 + len);
    const crcOk = (crc32(data, crc32(png.subarray(p + 4, p + 8))) >>> 0) === png.readUInt32BE(p + 8 + len);
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

/** A VP8 key-frame header for width × height followed by `body` synthetic bytes. */
export function vp8Payload(width: number, height: number, body = 40, seed = 3): Buffer {
  const head = Buffer.from([0x50, 0x01, 0x00, 0x9d, 0x01, 0x2a, 0, 0, 0, 0]);
  head.writeUInt16LE(width, 6);
  head.writeUInt16LE(height, 8);
  const rest = Buffer.alloc(body);
  for (let i = 0; i < body; i++) rest[i] = (i * 31 + seed) & 0xff;
  return Buffer.concat([head, rest]);
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
      while (!(jpeg[q] === 0xff && jpeg[q + 1] !== 0 && !((jpeg[q + 1] as number) >= 0xd0 && (jpeg[q + 1] as number) <= 0xd7))) q++;
      out.push({ marker: 0, data: jpeg.subarray(p, q) });
      p = q;
    }
  }
  return out;
}
