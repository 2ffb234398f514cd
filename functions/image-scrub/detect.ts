import { ScrubRejected } from "./errors";

/** Formats the scrubber rewrites. */
export type ImageType = "jpeg" | "png" | "webp";

export const IMAGE_TYPES: readonly ImageType[] = ["jpeg", "png", "webp"];

export const MEDIA_TYPES: Readonly<Record<ImageType, string>> = {
  jpeg: "image/jpeg",
  png: "image/png",
  webp: "image/webp",
};

/** Everything `detect` can tell apart. */
export type DetectedFormat =
  | ImageType
  | "tiff"
  | "bigtiff"
  | "heic"
  | "heif"
  | "avif"
  | "gif"
  | "bmp"
  | "pdf"
  | "jxl"
  | "jp2"
  | "ico"
  | "isobmff"
  | "riff"
  | "unknown";

/** Formats recognised as images we intend to support later: rejected with "not supported yet". */
const NOT_YET: ReadonlySet<DetectedFormat> = new Set(["tiff", "bigtiff", "heic", "heif", "avif"]);

export interface Detection {
  readonly format: DetectedFormat;
  /** Human-readable name used in messages ("JPEG", "TIFF (BigTIFF)", "HEIC"). */
  readonly label: string;
}

/** How many leading bytes `detect` looks at (enough for an ISOBMFF `ftyp` box with a few brands). */
export const DETECT_BYTES = 64;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const HEIC_BRANDS = new Set(["heic", "heix", "hevc", "hevx", "heim", "heis", "hevm", "hevs"]);
const HEIF_BRANDS = new Set(["mif1", "msf1", "mif2", "mif3"]);
const AVIF_BRANDS = new Set(["avif", "avis"]);

function startsWith(head: Uint8Array, bytes: readonly number[], at = 0): boolean {
  if (head.length < at + bytes.length) return false;
  return bytes.every((b, i) => head[at + i] === b);
}

function ascii(head: Uint8Array, at: number, length: number): string {
  if (head.length < at + length) return "";
  return Buffer.from(head.buffer, head.byteOffset + at, length).toString("latin1");
}

function detectIsobmff(head: Uint8Array): Detection | null {
  if (ascii(head, 4, 4) !== "ftyp") return null;
  const boxSize = Buffer.from(head.buffer, head.byteOffset, head.byteLength).readUInt32BE(0);
  const brands = [ascii(head, 8, 4)];
  for (let at = 16; at + 4 <= Math.min(boxSize, head.length); at += 4) brands.push(ascii(head, at, 4));
  const major = brands[0] ?? "";
  if (AVIF_BRANDS.has(major)) return { format: "avif", label: "AVIF" };
  if (HEIC_BRANDS.has(major)) return { format: "heic", label: "HEIC" };
  if (HEIF_BRANDS.has(major)) {
    if (brands.some((b) => AVIF_BRANDS.has(b))) return { format: "avif", label: "AVIF" };
    if (brands.some((b) => HEIC_BRANDS.has(b))) return { format: "heic", label: "HEIC" };
    return { format: "heif", label: "HEIF" };
  }
  if (brands.some((b) => AVIF_BRANDS.has(b))) return { format: "avif", label: "AVIF" };
  if (brands.some((b) => HEIC_BRANDS.has(b) || HEIF_BRANDS.has(b))) return { format: "heif", label: "HEIF" };
  if (major === "jxl ") return { format: "jxl", label: "JPEG XL" };
  if (major === "jp2 " || major === "jpx ") return { format: "jp2", label: "JPEG 2000" };
  return { format: "isobmff", label: `ISO media file (brand ${JSON.stringify(major)})` };
}

/**
 * Identifies the format from the leading bytes only (never from a file name or declared type).
 * `head` should hold the first DETECT_BYTES bytes, or the whole input when it is shorter.
 */
export function detect(head: Uint8Array): Detection {
  if (startsWith(head, [0xff, 0xd8, 0xff])) return { format: "jpeg", label: "JPEG" };
  if (startsWith(head, PNG_SIGNATURE)) return { format: "png", label: "PNG" };
  if (ascii(head, 0, 4) === "RIFF") {
    const form = ascii(head, 8, 4);
    if (form === "WEBP") return { format: "webp", label: "WebP" };
    return { format: "riff", label: `RIFF ${JSON.stringify(form)} container` };
  }
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) {
    return { format: "tiff", label: "TIFF" };
  }
  if (startsWith(head, [0x49, 0x49, 0x2b, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])) {
    return { format: "bigtiff", label: "TIFF (BigTIFF)" };
  }
  const iso = detectIsobmff(head);
  if (iso !== null) return iso;
  const magic6 = ascii(head, 0, 6);
  if (magic6 === "GIF87a" || magic6 === "GIF89a") return { format: "gif", label: "GIF" };
  if (ascii(head, 0, 5) === "%PDF-") return { format: "pdf", label: "PDF" };
  if (startsWith(head, [0xff, 0x0a])) return { format: "jxl", label: "JPEG XL" };
  if (startsWith(head, [0x00, 0x00, 0x00, 0x0c, 0x4a, 0x58, 0x4c, 0x20])) return { format: "jxl", label: "JPEG XL" };
  if (startsWith(head, [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20])) return { format: "jp2", label: "JPEG 2000" };
  if (startsWith(head, [0xff, 0x4f, 0xff, 0x51])) return { format: "jp2", label: "JPEG 2000 codestream" };
  if (
    ascii(head, 0, 2) === "BM" &&
    head.length >= 26 &&
    head[6] === 0 &&
    head[7] === 0 &&
    head[8] === 0 &&
    head[9] === 0
  ) {
    return { format: "bmp", label: "BMP" };
  }
  if (startsWith(head, [0x00, 0x00, 0x01, 0x00]) && head.length >= 6 && (head[4] ?? 0) + (head[5] ?? 0) > 0) {
    return { format: "ico", label: "ICO" };
  }
  return { format: "unknown", label: "unknown" };
}

/** True for the formats the scrubber recognises but does not rewrite yet. */
export function isNotSupportedYet(format: DetectedFormat): boolean {
  return NOT_YET.has(format);
}

/**
 * Throws the rejection for a detection the caller may not process, or returns the image type.
 * `size` is the number of bytes available (0 ⇒ empty input).
 */
export function requireAllowed(detection: Detection, allowed: readonly ImageType[], size: number): ImageType {
  if (size === 0) throw new ScrubRejected("empty", "input is empty");
  const { format, label } = detection;
  if (format === "jpeg" || format === "png" || format === "webp") {
    if (!allowed.includes(format)) {
      throw new ScrubRejected(
        "disallowed-type",
        `${label} is not an allowed type here (allowed: ${allowed.join(", ")})`,
      );
    }
    return format;
  }
  if (NOT_YET.has(format)) {
    throw new ScrubRejected("unsupported-type", `${label} is not supported yet (supported: JPEG, PNG, WebP)`);
  }
  if (format === "unknown") {
    throw new ScrubRejected("unknown-type", "not a recognised image format (JPEG, PNG, WebP)");
  }
  throw new ScrubRejected("disallowed-type", `${label} is not an allowed type (allowed: ${allowed.join(", ")})`);
}
