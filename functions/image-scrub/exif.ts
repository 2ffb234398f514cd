/**
 * The only EXIF the scrubber reads or writes: IFD0 Orientation (tag 0x0112). Everything else in an
 * EXIF block (GPS, camera, dates, MakerNotes, thumbnails) is dropped unread.
 */

/** `Exif\0\0`, the identifier of a JPEG APP1 EXIF segment (and an optional prefix in WebP/PNG). */
export const EXIF_HEADER = Buffer.from("Exif\0\0", "latin1");

const ORIENTATION_TAG = 0x0112;
const TYPE_SHORT = 3;
const TYPE_LONG = 4;

/** True for orientations that change how the image is displayed (2-8). */
export function isRotatingOrientation(value: number | undefined): value is number {
  return value !== undefined && Number.isInteger(value) && value >= 2 && value <= 8;
}

/**
 * Reads IFD0 Orientation from TIFF-structured EXIF bytes (starting at the byte-order mark; an
 * `Exif\0\0` prefix is skipped). Returns undefined when absent, out of range (not 1-8) or when the
 * structure is broken: a broken EXIF block is dropped anyway, so it is not a reason to reject.
 */
export function readOrientation(bytes: Uint8Array): number | undefined {
  let buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length >= 6 && buf.subarray(0, 6).equals(EXIF_HEADER)) buf = buf.subarray(6);
  if (buf.length < 8) return undefined;
  const order = buf.toString("latin1", 0, 2);
  if (order !== "II" && order !== "MM") return undefined;
  const little = order === "II";
  const u16 = (at: number): number => (little ? buf.readUInt16LE(at) : buf.readUInt16BE(at));
  const u32 = (at: number): number => (little ? buf.readUInt32LE(at) : buf.readUInt32BE(at));
  if (u16(2) !== 42) return undefined;
  const ifd0 = u32(4);
  if (ifd0 < 8 || ifd0 + 2 > buf.length) return undefined;
  const count = u16(ifd0);
  for (let i = 0; i < count; i++) {
    const entry = ifd0 + 2 + i * 12;
    if (entry + 12 > buf.length) return undefined;
    if (u16(entry) !== ORIENTATION_TAG) continue;
    const type = u16(entry + 2);
    if (u32(entry + 4) !== 1) return undefined;
    const value = type === TYPE_SHORT ? u16(entry + 8) : type === TYPE_LONG ? u32(entry + 8) : 0;
    return value >= 1 && value <= 8 ? value : undefined;
  }
  return undefined;
}

/**
 * A big-endian TIFF structure whose only IFD holds Orientation: 26 bytes, always the same for the
 * same value (so scrubbing is idempotent).
 */
export function minimalExifTiff(orientation: number): Buffer {
  const out = Buffer.alloc(26);
  out.write("MM", 0, "latin1");
  out.writeUInt16BE(42, 2);
  out.writeUInt32BE(8, 4); // IFD0 offset
  out.writeUInt16BE(1, 8); // one entry
  out.writeUInt16BE(ORIENTATION_TAG, 10);
  out.writeUInt16BE(TYPE_SHORT, 12);
  out.writeUInt32BE(1, 14); // count
  out.writeUInt16BE(orientation, 18); // value, left-justified in the 4-byte field
  out.writeUInt32BE(0, 22); // no next IFD (no IFD1, so no thumbnail)
  return out;
}
