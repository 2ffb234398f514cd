import { ScrubRejected } from "./errors";

/** One kind of segment / chunk the scrubber kept or removed, with how often and how many bytes. */
export interface PartTally {
  /** Segment or chunk name, e.g. "APP1 Exif", "tEXt", "XMP ", "trailing data after EOI". */
  readonly name: string;
  readonly count: number;
  /** Bytes in the input (JPEG: marker + length + data; PNG/WebP: header + data + CRC/padding). */
  readonly bytes: number;
}

/** Settings the format rewriters need (resolved from ScrubOptions). */
export interface FormatSettings {
  readonly maxPixels: number;
  readonly keepIccProfile: boolean;
  readonly maxIccBytes: number;
  readonly preserveOrientation: boolean;
}

/** Mutable record filled in while a rewriter runs. */
export class Report {
  private readonly removedParts = new Map<string, { count: number; bytes: number }>();
  private readonly keptParts = new Map<string, { count: number; bytes: number }>();
  /** Input EXIF orientation when it is 2-8. */
  orientation: number | undefined;
  /** Whether a minimal Orientation-only EXIF block was written. */
  orientationWritten = false;
  width = 0;
  height = 0;
  /** Number of frames (JPEG: scans are not frames, so 1; APNG/WebP: animation frames). */
  frames = 1;

  remove(name: string, bytes: number): void {
    const entry = this.removedParts.get(name) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += bytes;
    this.removedParts.set(name, entry);
  }

  keep(name: string, bytes: number): void {
    const entry = this.keptParts.get(name) ?? { count: 0, bytes: 0 };
    entry.count += 1;
    entry.bytes += bytes;
    this.keptParts.set(name, entry);
  }

  /** Removed parts in first-seen order. */
  get removed(): PartTally[] {
    return [...this.removedParts].map(([name, t]) => ({ name, count: t.count, bytes: t.bytes }));
  }

  /** Kept parts in first-seen order. */
  get kept(): PartTally[] {
    return [...this.keptParts].map(([name, t]) => ({ name, count: t.count, bytes: t.bytes }));
  }

  get removedBytes(): number {
    let sum = 0;
    for (const t of this.removedParts.values()) sum += t.bytes;
    return sum;
  }
}

/** Rejects when width × height exceeds the limit (or a dimension is zero). */
export function checkPixels(width: number, height: number, maxPixels: number, offset: number, what: string): void {
  if (width <= 0 || height <= 0) {
    throw new ScrubRejected("malformed", `${what} declares an empty image (${width}x${height})`, offset);
  }
  if (width * height > maxPixels) {
    throw new ScrubRejected(
      "too-many-pixels",
      `${what} declares ${width}x${height} = ${width * height} pixels, above the limit of ${maxPixels}`,
      offset,
    );
  }
}

/** Printable ASCII identifier at the start of a segment payload (up to NUL), for naming dropped parts. */
export function identifier(data: Uint8Array, max = 40): string {
  let out = "";
  for (let i = 0; i < data.length && i < max; i++) {
    const c = data[i] as number;
    if (c === 0) break;
    if (c < 0x20 || c > 0x7e) return out.trim();
    out += String.fromCharCode(c);
  }
  return out.trim();
}
