/**
 * Corpus check: runs the scrubber over every image in a directory (default ../shared/corpus next
 * to the project root) and confirms the result with checks that do not trust the scrubber:
 *
 *  - exiftool (`exiftool -j -G1 -a -u`) on every output: only an allow-list of structural tags may
 *    remain (no GPS, camera make/model/serial, dates, XMP, IPTC, Photoshop, MakerNotes, comments,
 *    text chunks, thumbnails); the ICC profile is kept by design and its tags are allowed;
 *  - a raw byte scan of every output for metadata signatures;
 *  - an independent container walker (written separately from the scrubber, no streaming) that
 *    extracts the pixel-relevant bytes (JPEG tables + entropy-coded data, PNG IHDR/PLTE/IDAT/...,
 *    WebP VP8/VP8L/ALPH/ANMF) from input and output and compares them byte for byte, and decides
 *    whether an input is malformed (then the scrubber must reject it, for a matching reason);
 *  - a decoder where one exists: PNG via zlib inflate; djpeg / dwebp when installed;
 *  - orientation kept, idempotence, and derived truncated / corrupted copies (made in memory).
 *
 * Usage (after bundling, see README.md): corpus-check [dir] [--keep-outputs <dir>] [--json <file>]
 * Prints a table and a JSON summary; exits 1 when any check fails, 64 on usage errors.
 * Outputs go to a temporary directory outside the project and are deleted unless --keep-outputs.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { mkdir, mkdtemp, open, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { pipeline } from "node:stream/promises";
import { promisify } from "node:util";
import { crc32, inflateSync } from "node:zlib";
import { SCRUBBER_VERSION, type ScrubResult, scrub, scrubBuffer } from "./scrubber";
import { isScrubRejected, type RejectReason } from "./errors";
import { runIfEntryPoint } from "../shared/entry";

const run = promisify(execFile);

// ---------------------------------------------------------------------------------------------
// Independent container walker (oracle). Deliberately simple: whole file in memory, no reuse of
// the scrubber's parsers.

type Format = "jpeg" | "png" | "webp" | "tiff" | "heif" | "other";

interface Inspection {
  readonly format: Format;
  /** Problem that makes the input unacceptable, with the reasons a correct rejection may give. */
  readonly problem: { readonly text: string; readonly reasons: readonly RejectReason[] } | null;
  /** Pixel-relevant parts in order (compared between input and output). */
  readonly pixelParts: readonly Buffer[];
  /** Colour-relevant parts (ICC profile, Adobe APP14) in order. */
  readonly colourParts: readonly Buffer[];
  /** Byte ranges holding compressed pixel data or ICC data (short signatures are not searched there). */
  readonly payload: readonly (readonly [number, number])[];
  /** Offset just after the image proper (EOI / IEND / RIFF end); bytes beyond are trailing data. */
  readonly imageEnd: number;
  /** Structural parts found, by name (markers / chunk types), for the leak checks. */
  readonly parts: readonly string[];
}

function sniff(b: Buffer): Format {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return "png";
  if (b.length >= 12 && b.toString("latin1", 0, 4) === "RIFF" && b.toString("latin1", 8, 12) === "WEBP") return "webp";
  const m4 = b.toString("latin1", 0, 4);
  if (m4 === "II*\0" || m4 === "MM\0*" || m4 === "II+\0" || m4 === "MM\0+") return "tiff";
  if (b.length >= 12 && b.toString("latin1", 4, 8) === "ftyp") {
    const brands = b.toString("latin1", 8, Math.min(b.length, 64));
    if (/heic|heix|hevc|hevx|heim|heis|mif1|msf1|avif|avis/.test(brands)) return "heif";
  }
  return "other";
}

function problem(text: string, ...reasons: RejectReason[]): { text: string; reasons: RejectReason[] } {
  return { text, reasons };
}

function inspectJpeg(b: Buffer): Inspection {
  const pixelParts: Buffer[] = [];
  const colourParts: Buffer[] = [];
  const payload: [number, number][] = [];
  const parts: string[] = [];
  const icc: Buffer[] = [];
  let p = 2;
  let sawSof = false;
  let sawSos = false;
  const fail = (text: string, ...reasons: RejectReason[]): Inspection => ({
    format: "jpeg",
    problem: problem(text, ...reasons),
    pixelParts,
    colourParts,
    payload,
    imageEnd: b.length,
    parts,
  });
  for (;;) {
    if (p >= b.length) return fail("no EOI", "truncated");
    if (b[p] !== 0xff) return fail(`garbage at ${p}`, "malformed");
    while (p < b.length && b[p] === 0xff) p++;
    if (p >= b.length) return fail("no EOI", "truncated");
    const m = b[p] as number;
    p++;
    if (m === 0xd9) {
      if (!sawSos) return fail("EOI before SOS", "malformed");
      parts.push("EOI");
      break;
    }
    if (m === 0x00 || m === 0xd8 || (m >= 0xd0 && m <= 0xd7) || m === 0x01 || m < 0xc0)
      return fail(`bad marker ${m.toString(16)}`, "malformed");
    if (m === 0xdc) return fail("DNL", "unsupported-feature");
    if (m === 0xde || m === 0xdf || [0xc5, 0xc6, 0xc7, 0xcd, 0xce, 0xcf].includes(m))
      return fail("hierarchical", "unsupported-feature");
    if (m === 0xc8 || (m >= 0xf0 && m <= 0xfd)) return fail("JPEG extension marker", "unsupported-feature");
    if (sawSof && [0xc0, 0xc1, 0xc2, 0xc3, 0xc9, 0xca, 0xcb].includes(m)) return fail("second SOF", "malformed");
    if (p + 2 > b.length) return fail("segment length cut", "truncated");
    const len = b.readUInt16BE(p);
    if (len < 2) return fail("segment length < 2", "malformed");
    if (p + len > b.length) return fail(`segment ${m.toString(16)} cut`, "truncated");
    const data = b.subarray(p + 2, p + len);
    const start = p + 2;
    p += len;
    if (m >= 0xe0 && m <= 0xef) {
      const ident = data.toString("latin1", 0, Math.min(data.length, 40)).split("\0")[0] ?? "";
      parts.push(`APP${m - 0xe0} ${ident}`.trim());
      if (m === 0xe2 && ident === "ICC_PROFILE" && !sawSos) {
        icc.push(data);
        payload.push([start, start + data.length]);
      }
      if (m === 0xee && ident.startsWith("Adobe") && data.length >= 12)
        colourParts.push(Buffer.concat([Buffer.from("Adobe:"), data.subarray(0, 12)]));
      continue;
    }
    if (m === 0xfe) {
      parts.push("COM");
      continue;
    }
    const name =
      m === 0xc4
        ? "DHT"
        : m === 0xdb
          ? "DQT"
          : m === 0xdd
            ? "DRI"
            : m === 0xcc
              ? "DAC"
              : m === 0xda
                ? "SOS"
                : `SOF${m - 0xc0}`;
    parts.push(name);
    if (name.startsWith("SOF")) {
      sawSof = true;
      if (data.length < 6) return fail("short SOF", "malformed");
      if (data.readUInt16BE(1) === 0) return fail("height 0 (DNL)", "unsupported-feature");
    }
    pixelParts.push(Buffer.concat([Buffer.of(m), data]));
    if (m === 0xda) {
      if (!sawSof) return fail("SOS before SOF", "malformed");
      sawSos = true;
      const ecsStart = p;
      let q = p;
      for (;;) {
        q = b.indexOf(0xff, q);
        if (q < 0 || q + 1 >= b.length) return fail("entropy-coded data cut", "truncated");
        let r = q + 1;
        while (r < b.length && b[r] === 0xff) r++;
        if (r >= b.length) return fail("entropy-coded data cut", "truncated");
        const n = b[r] as number;
        if (n === 0x00 || (n >= 0xd0 && n <= 0xd7)) {
          q = r + 1;
          continue;
        }
        break;
      }
      pixelParts.push(b.subarray(ecsStart, q));
      payload.push([ecsStart, q]);
      p = q;
    }
  }
  if (icc.length > 0) {
    const count = icc[0]?.[13] ?? 0;
    const ordered = [...icc].sort((x, y) => (x[12] ?? 0) - (y[12] ?? 0));
    const complete = icc.length === count && ordered.every((c, i) => c[12] === i + 1 && c[13] === count);
    if (complete) colourParts.unshift(Buffer.concat([Buffer.from("ICC:"), ...ordered.map((c) => c.subarray(14))]));
  }
  return { format: "jpeg", problem: null, pixelParts, colourParts, payload, imageEnd: p, parts };
}

const PNG_PIXEL = new Set(["IHDR", "PLTE", "IDAT", "tRNS", "acTL", "fcTL", "fdAT", "sBIT", "bKGD"]);
const PNG_COLOUR = new Set(["gAMA", "cHRM", "sRGB", "iCCP", "cICP", "mDCV", "cLLI", "pHYs"]);

const PNG_ONCE = new Set([
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
  "acTL",
]);

/** IHDR: a bit depth allowed for the colour type, compression 0, filter 0, interlace 0 or 1. */
function pngHeaderValid(ihdr: Buffer): boolean {
  const depths: Record<number, number[]> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
  return (
    ihdr.length === 13 &&
    (depths[ihdr[9] as number] ?? []).includes(ihdr[8] as number) &&
    ihdr[10] === 0 &&
    ihdr[11] === 0 &&
    (ihdr[12] as number) <= 1
  );
}

function inspectPng(b: Buffer): Inspection {
  const pixelParts: Buffer[] = [];
  const colourParts: Buffer[] = [];
  const payload: [number, number][] = [];
  const parts: string[] = [];
  let p = 8;
  const fail = (text: string, ...reasons: RejectReason[]): Inspection => ({
    format: "png",
    problem: problem(text, ...reasons),
    pixelParts,
    colourParts,
    payload,
    imageEnd: b.length,
    parts,
  });
  let first = true;
  let idat = false;
  const seen = new Set<string>();
  for (;;) {
    if (p + 8 > b.length) return fail("no IEND", "truncated");
    const len = b.readUInt32BE(p);
    const type = b.toString("latin1", p + 4, p + 8);
    if (len > 0x7fffffff) return fail("chunk length", "malformed");
    if (!/^[A-Za-z]{4}$/.test(type)) return fail("chunk type", "malformed");
    if (p + 12 + len > b.length) return fail(`${type} cut`, "truncated");
    const data = b.subarray(p + 8, p + 8 + len);
    const crc = b.readUInt32BE(p + 8 + len);
    if (crc32(data, crc32(b.subarray(p + 4, p + 8))) >>> 0 !== crc) return fail(`${type} CRC`, "crc-mismatch");
    if (first !== (type === "IHDR")) return fail("IHDR placement", "malformed");
    if (type === "IHDR" && !pngHeaderValid(data)) return fail("IHDR fields", "malformed");
    first = false;
    parts.push(type);
    if (type === "IDAT" || type === "fdAT" || type === "iCCP") payload.push([p + 8, p + 8 + len]);
    if (type === "IDAT") idat = true;
    // Decoders use the first of a chunk the format allows once; the profile name of iCCP is free text (replaced).
    const repeated = PNG_ONCE.has(type) && seen.has(type);
    seen.add(type);
    const compared = type === "iCCP" ? data.subarray(data.indexOf(0) + 1) : data;
    if (PNG_PIXEL.has(type) && !repeated) pixelParts.push(Buffer.concat([Buffer.from(type, "latin1"), compared]));
    if (PNG_COLOUR.has(type) && !repeated) colourParts.push(Buffer.concat([Buffer.from(type, "latin1"), compared]));
    if (type[0] === type[0]?.toUpperCase() && !["IHDR", "PLTE", "IDAT", "IEND"].includes(type))
      return fail(`unknown critical ${type}`, "unsupported-feature");
    p += 12 + len;
    if (type === "IEND") {
      if (!idat) return fail("no IDAT", "malformed");
      break;
    }
  }
  return { format: "png", problem: null, pixelParts, colourParts, payload, imageEnd: p, parts };
}

function inspectWebp(b: Buffer): Inspection {
  const pixelParts: Buffer[] = [];
  const colourParts: Buffer[] = [];
  const payload: [number, number][] = [];
  const parts: string[] = [];
  const size = b.readUInt32LE(4);
  const end = 8 + size;
  const fail = (text: string, ...reasons: RejectReason[]): Inspection => ({
    format: "webp",
    problem: problem(text, ...reasons),
    pixelParts,
    colourParts,
    payload,
    imageEnd: b.length,
    parts,
  });
  if (size < 12) return fail("RIFF size", "malformed");
  if (end > b.length) {
    // Walk what is there first: a structural error before the cut is the better reason.
  }
  let p = 12;
  let image = false;
  while (p < end) {
    if (end - p < 8) return fail("chunk header crosses the end", "malformed");
    if (p + 8 > b.length) return fail("file shorter than RIFF size", "truncated");
    const cc = b.toString("latin1", p, p + 4);
    const len = b.readUInt32LE(p + 4);
    const padded = len + (len & 1);
    if (p + 8 + padded > end) return fail(`${JSON.stringify(cc)} overruns RIFF`, "malformed");
    if (p === 12 && !["VP8X", "VP8 ", "VP8L"].includes(cc)) return fail("first chunk", "malformed");
    if (p + 8 + padded > b.length) return fail("file shorter than RIFF size", "truncated");
    parts.push(cc);
    const data = b.subarray(p + 8, p + 8 + len);
    if (cc === "VP8X") {
      if (len !== 10) return fail("VP8X size", "malformed");
      pixelParts.push(
        Buffer.concat([Buffer.from("VP8X"), Buffer.of((data[0] as number) & ~0x0c), data.subarray(4, 10)]),
      );
    }
    if (["VP8 ", "VP8L", "ALPH", "ANIM", "ANMF"].includes(cc)) {
      pixelParts.push(Buffer.concat([Buffer.from(cc, "latin1"), data]));
      if (cc !== "ANIM") payload.push([p + 8, p + 8 + len]);
      if (cc !== "ALPH" && cc !== "ANIM") image = true;
      if (cc === "ANMF") {
        if (len < 24) return fail("ANMF too small", "malformed");
        let q = 16;
        while (q < len) {
          if (len - q < 8) return fail("ANMF sub-chunk header", "malformed");
          const sc = data.toString("latin1", q, q + 4);
          const sl = data.readUInt32LE(q + 4);
          if (q + 8 + sl + (sl & 1) > len) return fail("ANMF sub-chunk overrun", "malformed");
          if (!["ALPH", "VP8 ", "VP8L"].includes(sc)) return fail(`unknown chunk in ANMF ${sc}`, "unsupported-feature");
          q += 8 + sl + (sl & 1);
        }
      }
    }
    if (cc === "ICCP") {
      colourParts.push(Buffer.concat([Buffer.from("ICCP"), data]));
      payload.push([p + 8, p + 8 + len]);
    }
    p += 8 + padded;
  }
  if (!image) return fail("no image chunk", "malformed");
  return { format: "webp", problem: null, pixelParts, colourParts, payload, imageEnd: end, parts };
}

export function inspect(b: Buffer): Inspection {
  const format = sniff(b);
  const none = { pixelParts: [], colourParts: [], payload: [], imageEnd: b.length, parts: [] };
  if (b.length === 0) return { format: "other", problem: problem("empty", "empty"), ...none };
  if (format === "jpeg") return inspectJpeg(b);
  if (format === "png") return inspectPng(b);
  if (format === "webp") return inspectWebp(b);
  if (format === "tiff" || format === "heif")
    return { format, problem: problem(`${format} not supported yet`, "unsupported-type"), ...none };
  return { format, problem: problem("not an image type we know", "unknown-type", "disallowed-type"), ...none };
}

// ---------------------------------------------------------------------------------------------
// exiftool oracle

/** Tags that may remain in a scrubbed file, by exiftool family-1 group. "*" allows the whole group. */
const ALLOWED_TAGS: Readonly<Record<string, readonly string[] | "*">> = {
  System: "*",
  ExifTool: ["ExifToolVersion", "Warning"],
  File: [
    "FileType",
    "FileTypeExtension",
    "MIMEType",
    "ImageWidth",
    "ImageHeight",
    "BitsPerSample",
    "ColorComponents",
    "EncodingProcess",
    "YCbCrSubSampling",
    "ExifByteOrder",
  ],
  Composite: ["ImageSize", "Megapixels"],
  JFIF: ["JFIFVersion", "ResolutionUnit", "XResolution", "YResolution"],
  Adobe: ["DCTEncodeVersion", "APP14Flags0", "APP14Flags1", "ColorTransform"],
  IFD0: ["Orientation"],
  PNG: [
    "ImageWidth",
    "ImageHeight",
    "BitDepth",
    "ColorType",
    "Compression",
    "Filter",
    "Interlace",
    "Gamma",
    "WhitePointX",
    "WhitePointY",
    "RedX",
    "RedY",
    "GreenX",
    "GreenY",
    "BlueX",
    "BlueY",
    "SRGBRendering",
    "ProfileName",
    "BackgroundColor",
    "Palette",
    "Transparency",
    "SignificantBits",
    "AnimationFrames",
    "AnimationPlays",
    "ColorPrimaries",
    "TransferCharacteristics",
    "MatrixCoefficients",
    "VideoFullRangeFlag",
  ],
  "PNG-pHYs": ["PixelUnits", "PixelsPerUnitX", "PixelsPerUnitY"],
  RIFF: [
    "VP8Version",
    "ImageWidth",
    "ImageHeight",
    "HorizontalScale",
    "VerticalScale",
    "WebP_Flags",
    "AlphaCompression",
    "AlphaFiltering",
    "AlphaPreprocessing",
    "AnimationLoopCount",
    "BackgroundColor",
    "Duration",
  ],
};

/** Privacy categories the issue names, recognised in exiftool's group:tag keys. */
const CATEGORIES: readonly { readonly name: string; readonly test: (group: string, tag: string) => boolean }[] = [
  { name: "GPS", test: (g, t) => g === "GPS" || /GPS/i.test(t) || (/^XMP-exif$/.test(g) && /GPS/.test(t)) },
  {
    name: "camera make/model/serial",
    test: (g, t) =>
      !g.startsWith("ICC") &&
      /^(Make|Model|UniqueCameraModel|.*SerialNumber|LensMake|LensModel|OwnerName|CameraOwnerName|CameraModelName|InternalSerialNumber)$/.test(
        t,
      ),
  },
  {
    name: "capture dates",
    test: (g, t) => !g.startsWith("ICC") && g !== "System" && /(Date|TimeCreated|DateTime|TimeStamp)/.test(t),
  },
  { name: "XMP", test: (g) => g.startsWith("XMP") },
  { name: "IPTC", test: (g) => g.startsWith("IPTC") },
  { name: "Photoshop", test: (g) => g === "Photoshop" },
  { name: "MakerNotes", test: (g, t) => /MakerNote/i.test(t) || MAKERNOTE_GROUPS.test(g) },
  { name: "comments", test: (g, t) => /Comment/i.test(t) && !g.startsWith("ICC") },
  { name: "text chunks", test: (g, t) => g === "PNG" && !(ALLOWED_TAGS.PNG as readonly string[]).includes(t) },
  { name: "thumbnails", test: (_g, t) => /Thumbnail|Preview|JpgFromRaw|OtherImage/i.test(t) },
];

const MAKERNOTE_GROUPS =
  /^(Canon|Nikon|Olympus|Panasonic|Pentax|Sony|Samsung|Casio|FujiFilm|Fujifilm|Kodak|Minolta|Ricoh|Sanyo|JVC|Leica|Sigma|Apple|Google|GoPro|FLIR|Motorola|Reconyx|HP|GE|Nintendo|Microsoft|DJI|Huawei|Xiaomi|MakerNotes|MakerUnknown|InfiRay|Unknown)/;

function allowed(group: string, tag: string): boolean {
  if (group.startsWith("ICC")) return true; // the ICC profile is kept by design (DESIGN.md §6)
  const list = ALLOWED_TAGS[group];
  return list === "*" || (list?.includes(tag) ?? false);
}

function categorize(group: string, tag: string): string {
  return CATEGORIES.find((c) => c.test(group, tag))?.name ?? "other";
}

type ExifRecord = Readonly<Record<string, unknown>>;

async function exiftool(files: readonly string[]): Promise<Map<string, ExifRecord>> {
  const out = new Map<string, ExifRecord>();
  for (let i = 0; i < files.length; i += 100) {
    const batch = files.slice(i, i + 100);
    let stdout: string;
    try {
      ({ stdout } = await run("exiftool", ["-j", "-G1", "-a", "-u", ...batch], { maxBuffer: 256 * 1024 * 1024 }));
    } catch (error) {
      // exiftool exits 1 when a file has an error but still prints JSON for all files.
      const partial = (error as { stdout?: string }).stdout;
      if (!partial) throw error;
      stdout = partial;
    }
    for (const record of JSON.parse(stdout) as ExifRecord[]) out.set(String(record.SourceFile), record);
  }
  return out;
}

const ORIENTATION_TEXT: Readonly<Record<string, number>> = {
  "Horizontal (normal)": 1,
  "Mirror horizontal": 2,
  "Rotate 180": 3,
  "Mirror vertical": 4,
  "Mirror horizontal and rotate 270 CW": 5,
  "Rotate 90 CW": 6,
  "Mirror horizontal and rotate 90 CW": 7,
  "Rotate 270 CW": 8,
};

function orientationOf(record: ExifRecord | undefined): number | null {
  const value = record?.["IFD0:Orientation"];
  if (typeof value === "number") return value;
  if (typeof value === "string") return ORIENTATION_TEXT[value] ?? null;
  return null;
}

function findings(record: ExifRecord | undefined): { tag: string; category: string }[] {
  if (record === undefined) return [];
  const out: { tag: string; category: string }[] = [];
  for (const key of Object.keys(record)) {
    if (key === "SourceFile") continue;
    const colon = key.indexOf(":");
    const group = colon < 0 ? "" : key.slice(0, colon);
    const tag = colon < 0 ? key : key.slice(colon + 1);
    if (!allowed(group, tag)) out.push({ tag: key, category: categorize(group, tag) });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Raw byte scan

interface Signature {
  readonly name: string;
  readonly bytes: Buffer;
  /** Short signatures are not searched inside compressed payload (chance matches). */
  readonly outsidePayloadOnly: boolean;
}

const sig = (name: string, text: string, outsidePayloadOnly = false): Signature => ({
  name,
  bytes: Buffer.from(text, "latin1"),
  outsidePayloadOnly,
});

const SIGNATURES: readonly Signature[] = [
  sig("Exif header", "Exif\0\0"),
  sig("TIFF header (MM)", "MM\0*", true),
  sig("TIFF header (II)", "II*\0", true),
  sig("XMP namespace", "http://ns.adobe.com/xap/1.0/"),
  sig("extended XMP", "http://ns.adobe.com/xmp/extension/"),
  sig("XMP packet", "<?xpacket"),
  sig("XMP meta", "x:xmpmeta"),
  sig("Photoshop IRB", "Photoshop 3.0"),
  sig("8BIM resource", "8BIM", true),
  sig("PNG XMP keyword", "XML:com.adobe.xmp"),
  sig("PNG raw profile", "Raw profile type"),
  sig("JFXX thumbnail", "JFXX\0", true),
  sig("MPF", "MPF\0", true),
  sig("FPXR", "FPXR", true),
  sig("Ducky", "Ducky", true),
  sig("PNG tEXt", "tEXt", true),
  sig("PNG iTXt", "iTXt", true),
  sig("PNG zTXt", "zTXt", true),
  sig("PNG eXIf", "eXIf", true),
  sig("PNG tIME", "tIME", true),
  sig("WebP EXIF", "EXIF", true),
  sig("WebP XMP", "XMP ", true),
  sig("WebP XMP (NUL)", "XMP\0", true),
];

function countOccurrences(
  b: Buffer,
  needle: Buffer,
  payload: readonly (readonly [number, number])[],
  outsideOnly: boolean,
): number {
  let count = 0;
  let at = b.indexOf(needle);
  while (at >= 0) {
    const inside = payload.some(([s, e]) => at >= s && at + needle.length <= e);
    if (!(outsideOnly && inside)) count++;
    at = b.indexOf(needle, at + 1);
  }
  return count;
}

/** Signature hits in a scrubbed file beyond what the Orientation-only EXIF legitimately contains. */
function rawScan(b: Buffer, insp: Inspection, format: Format, orientationWritten: boolean): string[] {
  const expected: Record<string, number> = {};
  if (orientationWritten) {
    expected["TIFF header (MM)"] = 1;
    if (format === "jpeg") expected["Exif header"] = 1;
    if (format === "png") expected["PNG eXIf"] = 1;
    if (format === "webp") expected["WebP EXIF"] = 1;
  }
  const hits: string[] = [];
  for (const s of SIGNATURES) {
    const n = countOccurrences(b, s.bytes, insp.payload, s.outsidePayloadOnly);
    if (n > (expected[s.name] ?? 0)) hits.push(`${s.name}×${n}`);
  }
  return hits;
}

// ---------------------------------------------------------------------------------------------
// Decoders (optional) and helpers

async function which(tool: string): Promise<boolean> {
  try {
    await run("sh", ["-c", `command -v ${tool}`]);
    return true;
  } catch {
    return false;
  }
}

async function decode(tool: "djpeg" | "dwebp", file: string): Promise<string> {
  const args = tool === "djpeg" ? ["-pnm", file] : [file, "-ppm", "-o", "-"];
  const { stdout } = await run(tool, args, { encoding: "buffer", maxBuffer: 1024 * 1024 * 1024 });
  return createHash("sha256").update(stdout).digest("hex");
}

function pngPixels(b: Buffer): string | null {
  const parts: Buffer[] = [];
  let p = 8;
  while (p + 12 <= b.length) {
    const len = b.readUInt32BE(p);
    const type = b.toString("latin1", p + 4, p + 8);
    if (type === "IDAT") parts.push(b.subarray(p + 8, p + 8 + len));
    if (type === "IEND") break;
    p += 12 + len;
  }
  try {
    return createHash("sha256")
      .update(inflateSync(Buffer.concat(parts)))
      .digest("hex");
  } catch {
    return null;
  }
}

/**
 * ICC profiles are kept with their text tags neutralised (icc.ts), so the oracle compares what
 * decides the colours: the colour-relevant header fields and the data of every tag that is not text. Written here independently of icc.ts. Returns null when the profile does
 * not parse. `texts` collects the strings found in text tags (for the leak check).
 */
function iccColourKey(profile: Buffer, texts: string[] = []): Buffer | null {
  if (profile.length < 132 || profile.toString("latin1", 36, 40) !== "acsp") return null;
  const size = Math.min(profile.readUInt32BE(0), profile.length);
  const count = profile.readUInt32BE(128);
  if (132 + 12 * count > size) return null;
  // Version, class, colour spaces, 'acsp', rendering intent and illuminant (the informational
  // header fields are zeroed by the scrubber).
  const parts: Buffer[] = [profile.subarray(8, 24), profile.subarray(36, 40), profile.subarray(64, 80)];
  for (let i = 0; i < count; i++) {
    const e = 132 + 12 * i;
    const sig = profile.toString("latin1", e, e + 4);
    const off = profile.readUInt32BE(e + 4);
    const len = profile.readUInt32BE(e + 8);
    if (off + len > size || len < 8) return null;
    const data = profile.subarray(off, off + len);
    const type = data.toString("latin1", 0, 4);
    if (type === "text") texts.push(data.toString("latin1", 8).replace(/\0+$/, ""));
    else if (type === "desc") texts.push(data.toString("latin1", 12, 12 + Math.max(0, data.readUInt32BE(8) - 1)));
    else if (type === "mluc") {
      const n = data.readUInt32BE(8);
      for (let r = 0; r < n && 16 + 12 * r + 12 <= data.length; r++) {
        const l = data.readUInt32BE(16 + 12 * r + 4);
        const o = data.readUInt32BE(16 + 12 * r + 8);
        texts.push(
          Buffer.from(data.subarray(o, o + l))
            .swap16()
            .toString("utf16le"),
        );
      }
    }
    if (["text", "desc", "mluc"].includes(type) || ["desc", "cprt", "dmnd", "dmdd"].includes(sig)) continue;
    parts.push(Buffer.from(sig, "latin1"), data);
  }
  return Buffer.concat(parts);
}

/** The ICC profile held by a colour part ("ICC:" JPEG, "iCCP" PNG, "ICCP" WebP), or null for other parts. */
function iccOfPart(part: Buffer): Buffer | null {
  const tag = part.toString("latin1", 0, 4);
  if (tag === "ICC:" || tag === "ICCP") return part.subarray(4);
  if (tag !== "iCCP") return null;
  // inspectPng leaves out the free-text profile name: the part holds the method byte and the zlib stream.
  try {
    return inflateSync(part.subarray(5));
  } catch {
    return null;
  }
}

/** Colour parts with ICC profiles replaced by their colour key. */
function colourKeys(parts: readonly Buffer[], texts?: string[]): Buffer[] {
  return parts.map((part) => {
    const icc = iccOfPart(part);
    if (icc === null) return part;
    return Buffer.concat([Buffer.from("ICC-colour:"), iccColourKey(icc, texts) ?? Buffer.from("unparsable")]);
  });
}

function sameParts(a: readonly Buffer[], b: readonly Buffer[]): boolean {
  return a.length === b.length && a.every((x, i) => x.equals(b[i] as Buffer));
}

function sha256(b: Uint8Array): string {
  return createHash("sha256").update(b).digest("hex");
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms (hang)`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Scrubs in memory and reports the outcome; never throws for ScrubRejected. */
async function attempt(
  bytes: Uint8Array,
): Promise<{ ok: true; bytes: Buffer; result: ScrubResult } | { ok: false; reason: string; message: string }> {
  try {
    const out = await withTimeout(scrubBuffer(bytes), 20_000, "scrub");
    return { ok: true, ...out };
  } catch (error) {
    if (isScrubRejected(error)) return { ok: false, reason: error.reason, message: error.message };
    return { ok: false, reason: "CRASH", message: error instanceof Error ? error.message : String(error) };
  }
}

// ---------------------------------------------------------------------------------------------
// The check

interface Row {
  file: string;
  format: Format;
  status: "scrubbed" | "rejected" | "error";
  reason?: string;
  message?: string;
  bytesIn: number;
  bytesOut?: number;
  removedBytes?: number;
  removed?: string;
  orientation?: number | null;
  orientationOut?: number | null;
  iccKept?: boolean;
  exifTagsBefore?: number;
  exifTagsAfter?: number;
  categoriesBefore?: string[];
  /** Raw-scan hits on the original: shows the scan would catch what the scrubber removed. */
  rawHitsBefore?: number;
  derived: string[];
  failures: string[];
  notes: string[];
}

function parseArgs(argv: readonly string[]): { dir: string; keep: string | null; json: string | null } | string {
  let dir: string | null = null;
  let keep: string | null = null;
  let json: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === "--keep-outputs") keep = argv[++i] ?? null;
    else if (a === "--json") json = argv[++i] ?? null;
    else if (a === "-h" || a === "--help") return "help";
    else if (a.startsWith("-")) return `unknown option ${a}`;
    else if (dir === null) dir = a;
    else return "too many arguments";
  }
  return { dir: dir ?? join(projectRoot(), "..", "shared", "corpus"), keep, json };
}

/** Nearest ancestor of the working directory holding package.json (the project root). */
function projectRoot(): string {
  let here = process.cwd();
  for (;;) {
    if (existsSync(join(here, "package.json"))) return here;
    const up = dirname(here);
    if (up === here) return process.cwd();
    here = up;
  }
}

function listImages(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      const full = join(d, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && !/^(README\.md|MANIFEST\.tsv)$/.test(entry.name)) out.push(full);
    }
  };
  walk(dir);
  return out.sort();
}

function manifest(dir: string): Map<string, { sha256: string; bytes: number }> {
  const file = join(dir, "MANIFEST.tsv");
  const out = new Map<string, { sha256: string; bytes: number }>();
  if (!existsSync(file)) return out;
  const lines = readFileSync(file, "utf8").split("\n").slice(1);
  for (const line of lines) {
    const [name, digest, bytes] = line.split("\t");
    if (name && digest) out.set(name, { sha256: digest, bytes: Number(bytes) });
  }
  return out;
}

const USAGE = `Usage: corpus-check [dir] [--keep-outputs <dir>] [--json <file>]
Scrubs every image under dir (default ../shared/corpus from the project root) into a temporary
directory and verifies the outputs with exiftool, a raw signature scan and an independent parser.`;

export async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args === "help") {
    console.log(USAGE);
    return 0;
  }
  if (typeof args === "string") {
    console.error(`corpus-check: ${args}\n${USAGE}`);
    return 64;
  }
  const dir = resolve(args.dir);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    console.error(`corpus-check: ${dir} is not a directory`);
    return 64;
  }
  if (!(await which("exiftool"))) {
    console.error("corpus-check: exiftool is not installed (Debian package libimage-exiftool-perl)");
    return 1;
  }
  const decoders = { djpeg: await which("djpeg"), dwebp: await which("dwebp") };
  const files = listImages(dir);
  const listed = manifest(dir);
  const work = args.keep ? resolve(args.keep) : await mkdtemp(join(tmpdir(), "image-scrub-corpus-"));
  await mkdir(work, { recursive: true });
  const started = process.hrtime.bigint();
  const rows: Row[] = [];
  const outputs = new Map<string, { row: Row; originalPath: string; result: ScrubResult }>();

  try {
    for (const [i, file] of files.entries()) {
      const rel = relative(dir, file);
      const original = readFileSync(file);
      const insp = inspect(original);
      const row: Row = {
        file: rel,
        format: insp.format,
        status: "error",
        bytesIn: original.length,
        derived: [],
        failures: [],
        notes: [],
      };
      rows.push(row);
      const entry = listed.get(rel);
      if (listed.size > 0 && entry === undefined) row.notes.push("not in MANIFEST.tsv");
      if (entry !== undefined && entry.sha256 !== sha256(original))
        row.failures.push("sha256 differs from MANIFEST.tsv");

      // The real path: stream from the file through the core into a temp file, like the CLI.
      const outPath = join(work, `${String(i).padStart(4, "0")}-${basename(file)}`);
      const handle = await open(outPath, "w");
      const { output, result } = scrub(() => createReadStream(file));
      let value: ScrubResult | undefined;
      try {
        await withTimeout(pipeline(output, handle.createWriteStream()), 60_000, "scrub");
        value = await result;
      } catch (error) {
        await rm(outPath, { force: true });
        if (isScrubRejected(error)) {
          row.status = "rejected";
          row.reason = error.reason;
          row.message = error.message;
        } else {
          row.failures.push(`crashed: ${error instanceof Error ? error.message : String(error)}`);
        }
      }

      if (row.status === "rejected") {
        if (insp.problem === null)
          row.failures.push(`rejected a file the independent parser finds well-formed (${row.reason})`);
        else if (!insp.problem.reasons.includes(row.reason as RejectReason)) {
          row.failures.push(
            `reason ${row.reason} does not match the problem found (${insp.problem.text}: ${insp.problem.reasons.join("|")})`,
          );
        }
        continue;
      }
      if (value === undefined) continue;
      row.status = "scrubbed";
      const bytes = readFileSync(outPath);
      if (insp.problem !== null)
        row.failures.push(`accepted a file the independent parser rejects (${insp.problem.text})`);
      row.bytesOut = bytes.length;
      row.removedBytes = value.removedBytes;
      row.removed = value.removed.map((r) => `${r.name}×${r.count}`).join(", ");
      row.orientation = value.orientation;
      if (value.originalSha256 !== sha256(original)) row.failures.push("result.originalSha256 is wrong");
      if (value.outputSha256 !== sha256(bytes) || value.outputBytes !== bytes.length)
        row.failures.push("result output checksum/size is wrong");
      const inspOut = inspect(bytes);
      outputs.set(outPath, { row, originalPath: file, result: value });
      if (inspOut.problem !== null) row.failures.push(`output is not well-formed: ${inspOut.problem.text}`);
      if (inspOut.imageEnd !== bytes.length)
        row.failures.push(`output has ${bytes.length - inspOut.imageEnd} bytes after the image`);
      if (!sameParts(insp.pixelParts, inspOut.pixelParts))
        row.failures.push("pixel data (tables / entropy-coded data / IDAT / VP8) differs");
      const iccOf = (parts: readonly Buffer[]): Buffer[] => colourKeys(parts.filter((b) => iccOfPart(b) !== null));
      row.iccKept =
        iccOf(insp.colourParts).length > 0 && sameParts(iccOf(insp.colourParts), iccOf(inspOut.colourParts));
      const outTexts: string[] = [];
      if (!sameParts(colourKeys(insp.colourParts), colourKeys(inspOut.colourParts, outTexts))) {
        row.failures.push("colour data (ICC colour tags / Adobe / gAMA...) differs");
      }
      const iccText = outTexts.filter((t) => t !== "" && t !== "ICC profile");
      if (iccText.length > 0)
        row.failures.push(
          `ICC text tags not neutralised: ${iccText.map((t) => JSON.stringify(t.slice(0, 40))).join(", ")}`,
        );
      if (insp.format === "jpeg") {
        const bad = inspOut.parts.filter(
          (p) => !/^(SOF\d+|DHT|DQT|DRI|DAC|SOS|EOI|APP0 JFIF|APP1 Exif|APP2 ICC_PROFILE|APP14 Adobe)$/.test(p),
        );
        if (bad.length > 0) row.failures.push(`JPEG segments left: ${[...new Set(bad)].join(", ")}`);
        if (inspOut.parts.filter((p) => p === "APP1 Exif").length > (value.orientationPreserved ? 1 : 0))
          row.failures.push("more than the Orientation-only APP1 Exif");
      }
      if (insp.format === "png") {
        const bad = inspOut.parts.filter(
          (p) => !PNG_PIXEL.has(p) && !PNG_COLOUR.has(p) && p !== "IEND" && p !== "eXIf",
        );
        if (bad.length > 0) row.failures.push(`PNG chunks left: ${[...new Set(bad)].join(", ")}`);
        const before = pngPixels(original);
        const after = pngPixels(bytes);
        if (after === null || before !== after) row.failures.push("PNG IDAT does not inflate to the same bytes");
      }
      if (insp.format === "webp") {
        const bad = inspOut.parts.filter(
          (p) => !["VP8X", "VP8 ", "VP8L", "ALPH", "ANIM", "ANMF", "ICCP"].includes(p) && p !== "EXIF",
        );
        if (bad.length > 0) row.failures.push(`WebP chunks left: ${[...new Set(bad)].join(", ")}`);
        if (bytes.readUInt32LE(4) !== bytes.length - 8) row.failures.push("RIFF size does not match the file");
      }
      row.rawHitsBefore = rawScan(original, insp, insp.format, false).length;
      const hits = rawScan(bytes, inspOut, insp.format, value.orientationPreserved);
      if (hits.length > 0) row.failures.push(`metadata signatures in output: ${hits.join(", ")}`);
      for (const tool of ["djpeg", "dwebp"] as const) {
        if (
          !decoders[tool] ||
          (tool === "djpeg") !== (insp.format === "jpeg") ||
          (tool === "dwebp") !== (insp.format === "webp")
        )
          continue;
        try {
          if ((await decode(tool, file)) !== (await decode(tool, outPath)))
            row.failures.push(`${tool}: decoded pixels differ`);
        } catch (error) {
          row.notes.push(`${tool} failed: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
        }
      }

      // Idempotence: scrubbing the output again gives the same bytes.
      const again = await attempt(bytes);
      if (!again.ok) row.failures.push(`scrubbing the output again rejects it (${again.reason})`);
      else if (!again.bytes.equals(bytes)) row.failures.push("not idempotent: scrubbing twice changes the bytes");

      // Derived damaged copies, in memory: must be rejected for the right reason, never crash or hang.
      const derived: { name: string; bytes: Buffer; expect: RejectReason[] }[] = [];
      const end = insp.imageEnd;
      derived.push({
        name: "cut at half",
        bytes: original.subarray(0, Math.floor(Math.min(end, original.length) / 2)),
        expect: ["truncated"],
      });
      derived.push({ name: "cut before the end", bytes: original.subarray(0, end - 1), expect: ["truncated"] });
      if (insp.format === "png") {
        const idat = insp.payload.find(([s, e]) => e > s && original.toString("latin1", s - 4, s) === "IDAT");
        if (idat !== undefined) {
          const flipped = Buffer.from(original);
          const at = Math.floor((idat[0] + idat[1]) / 2);
          flipped[at] = (flipped[at] as number) ^ 0x55;
          derived.push({ name: "IDAT byte flipped", bytes: flipped, expect: ["crc-mismatch"] });
        }
      }
      if (insp.format === "jpeg" && original.length > 6) {
        const at = 4 + original.readUInt16BE(4); // end of the first segment after SOI
        const garbage = Buffer.concat([original.subarray(0, at), Buffer.from([0x00, 0x01]), original.subarray(at)]);
        derived.push({ name: "garbage between segments", bytes: garbage, expect: ["malformed"] });
      }
      if (insp.format === "webp") {
        const big = Buffer.from(original);
        big.writeUInt32LE(original.readUInt32LE(4) + 1000, 4);
        derived.push({ name: "RIFF size too big", bytes: big, expect: ["truncated"] });
      }
      for (const d of derived) {
        const outcome = await attempt(d.bytes);
        if (outcome.ok) row.failures.push(`derived "${d.name}" was accepted`);
        else if (outcome.reason === "CRASH") row.failures.push(`derived "${d.name}" crashed: ${outcome.message}`);
        else if (!d.expect.includes(outcome.reason as RejectReason))
          row.failures.push(`derived "${d.name}" rejected as ${outcome.reason}, expected ${d.expect.join("|")}`);
        else row.derived.push(`${d.name}: ${outcome.reason}`);
      }
    }

    // exiftool on every output and its original, in batches.
    const tagsOut = await exiftool([...outputs.keys()]);
    const tagsIn = await exiftool([...outputs.values()].map((o) => o.originalPath));
    for (const [out, entry] of outputs) {
      const { row } = entry;
      const orig = entry.originalPath;
      const after = tagsOut.get(out);
      const before = tagsIn.get(orig);
      if (after === undefined) {
        row.failures.push("exiftool did not read the output");
        continue;
      }
      const leaks = findings(after);
      const earlier = findings(before);
      row.exifTagsBefore = earlier.length;
      row.exifTagsAfter = leaks.length;
      row.categoriesBefore = [...new Set(earlier.map((f) => f.category))].sort();
      if (leaks.length > 0)
        row.failures.push(`exiftool finds: ${leaks.map((l) => `${l.tag} (${l.category})`).join(", ")}`);
      const error = after["ExifTool:Error"];
      if (error !== undefined) row.failures.push(`exiftool error on output: ${String(error)}`);
      const warning = after["ExifTool:Warning"];
      if (warning !== undefined) row.notes.push(`exiftool warning: ${String(warning)}`);
      const oIn = orientationOf(before);
      const oOut = orientationOf(after);
      row.orientationOut = oOut;
      if (oIn !== null && oIn !== 1 && oOut !== oIn) {
        if (entry.result.orientation === oIn) row.notes.push(`orientation ${oIn} reported, not written`);
        else row.failures.push(`orientation ${oIn} lost (output ${oOut ?? "none"})`);
      }
      if (oOut !== null && oIn !== oOut) row.failures.push(`orientation ${oOut} in output, ${oIn ?? "none"} in input`);
      for (const key of Object.keys(after)) {
        if (key.startsWith("ICC") && /Make|Model|Device/.test(key) && String(after[key]).includes("Binary")) {
          row.notes.push("ICC profile carries display make/model data (kept with the profile)");
          break;
        }
      }
    }
  } finally {
    if (!args.keep) await rm(work, { recursive: true, force: true });
  }

  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  printTable(rows);
  const summary = summarize(rows, dir, decoders, seconds);
  const json = JSON.stringify(summary, null, 2);
  console.log(json);
  if (args.json) await writeFile(args.json, `${json}\n`);
  return summary.failed === 0 ? 0 : 1;
}

function printTable(rows: readonly Row[]): void {
  const header = [
    "result",
    "format",
    "file",
    "bytes in",
    "bytes out",
    "removed",
    "orient",
    "ICC",
    "tags before>after",
    "checks",
  ];
  const lines = rows.map((r) => [
    r.failures.length > 0 ? "FAIL" : "pass",
    r.format,
    r.file,
    String(r.bytesIn),
    r.bytesOut === undefined ? "-" : String(r.bytesOut),
    r.status === "rejected" ? `rejected: ${r.reason}` : String(r.removedBytes ?? "-"),
    r.orientation ? `${r.orientation}>${r.orientationOut ?? "-"}` : "-",
    r.iccKept ? "kept" : "-",
    r.exifTagsBefore === undefined ? "-" : `${r.exifTagsBefore}>${r.exifTagsAfter}`,
    r.failures.length > 0
      ? r.failures.join("; ")
      : r.status === "scrubbed"
        ? `ok (+${r.derived.length} derived)`
        : (r.message ?? ""),
  ]);
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...lines.map((l) => (l[i] as string).length))));
  const fmt = (cells: readonly string[]): string =>
    cells
      .map((c, i) =>
        i === cells.length - 1
          ? c
          : c.length > (widths[i] as number)
            ? `${c.slice(0, (widths[i] as number) - 1)}…`
            : c.padEnd(widths[i] as number),
      )
      .join("  ");
  console.log(fmt(header));
  for (const l of lines) console.log(fmt(l));
  for (const r of rows) for (const n of r.notes) console.log(`note: ${r.file}: ${n}`);
}

function summarize(rows: readonly Row[], dir: string, decoders: Record<string, boolean>, seconds: number) {
  const perFormat: Record<
    string,
    {
      files: number;
      scrubbed: number;
      rejected: number;
      passed: number;
      failed: number;
      bytesIn: number;
      bytesOut: number;
      bytesRemoved: number;
    }
  > = {};
  const reasons: Record<string, number> = {};
  const before: Record<string, number> = {};
  let derived = 0;
  for (const r of rows) {
    const f = perFormat[r.format] ?? {
      files: 0,
      scrubbed: 0,
      rejected: 0,
      passed: 0,
      failed: 0,
      bytesIn: 0,
      bytesOut: 0,
      bytesRemoved: 0,
    };
    perFormat[r.format] = f;
    f.files++;
    if (r.status === "scrubbed") {
      f.scrubbed++;
      f.bytesIn += r.bytesIn;
      f.bytesOut += r.bytesOut ?? 0;
      f.bytesRemoved += r.removedBytes ?? 0;
    }
    if (r.status === "rejected") {
      f.rejected++;
      reasons[`${r.format}: ${r.reason}`] = (reasons[`${r.format}: ${r.reason}`] ?? 0) + 1;
    }
    if (r.failures.length > 0) f.failed++;
    else f.passed++;
    for (const c of r.categoriesBefore ?? []) before[c] = (before[c] ?? 0) + 1;
    derived += r.derived.length;
  }
  const failed = rows.filter((r) => r.failures.length > 0);
  return {
    corpus: dir,
    scrubberVersion: SCRUBBER_VERSION,
    files: rows.length,
    scrubbed: rows.filter((r) => r.status === "scrubbed").length,
    rejected: rows.filter((r) => r.status === "rejected").length,
    passed: rows.length - failed.length,
    failed: failed.length,
    perFormat,
    rejectReasons: reasons,
    filesWithMetadataBefore: before,
    filesWithMetadataAfter: rows.filter((r) => (r.exifTagsAfter ?? 0) > 0).length,
    originalsFlaggedByRawScan: rows.filter((r) => (r.rawHitsBefore ?? 0) > 0).length,
    outputsFlaggedByRawScan: rows.filter((r) => r.failures.some((f) => f.startsWith("metadata signatures"))).length,
    orientationsPreserved: rows.filter((r) => r.orientation && r.orientationOut === r.orientation).length,
    iccProfilesKept: rows.filter((r) => r.iccKept).length,
    derivedDamagedCopiesRejected: derived,
    decoders: {
      png: "zlib inflate of IDAT",
      jpeg: decoders.djpeg ? "djpeg" : "none installed (tables + entropy-coded data compared byte for byte)",
      webp: decoders.dwebp ? "dwebp" : "none installed (VP8/VP8L/ALPH/ANMF payloads compared byte for byte)",
    },
    seconds: Math.round(seconds * 100) / 100,
    failures: failed.map((r) => ({ file: r.file, failures: r.failures })),
  };
}

runIfEntryPoint(import.meta.url, "corpus-check", main, 1);
