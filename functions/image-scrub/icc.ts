import { createHash } from "node:crypto";

/*
 * ICC profile text neutraliser (issue 14). A kept colour profile (JPEG APP2, PNG iCCP, WebP ICCP)
 * is needed for the colours, but its text tags can carry anything: the description, copyright,
 * device manufacturer / model descriptions, and any other tag of a text type (textDescriptionType
 * 'desc', textType 'text', multiLocalizedUnicodeType 'mluc'). This module walks the tag table,
 * replaces every such tag with a fixed value of the same type, and rebuilds the profile:
 *
 *  - header: what decides the colours is copied (version, class, colour spaces, rendering intent,
 *    illuminant); the informational fields are zeroed because they can carry anything and no CMM
 *    uses them for the transform: preferred CMM, date and time, primary platform, the flags other
 *    than "embedded" / "not independent", the device manufacturer and model, the device attributes
 *    other than the four ICC media bits, the creator, and the reserved bytes 100-127 (the spec
 *    says zero); the size is rewritten and the profile ID recomputed (MD5, ICC.1:2010 7.2.18) when
 *    the input had one, else left zero;
 *  - tag table in the input's order; tags that shared one data element still share one;
 *  - every other tag's data copied byte for byte (curves, matrices, LUTs: the colour transform
 *    stays identical), each element starting on a 4-byte boundary, zero padding, nothing else:
 *    gaps, bytes after the declared size and bytes between elements are not copied.
 *
 * A profile whose structure does not hold (sizes, offsets, signature, version, duplicate tags) is
 * reported as invalid; callers drop it rather than keep bytes nobody validated.
 */

export const ICC_HEADER_BYTES = 128;
const TAG_ENTRY_BYTES = 12;
const PROFILE_ID_AT = 84;
const RESERVED_AT = 100;
/** Header byte ranges that do not take part in the colour transform (ICC.1:2010 7.2): zeroed. */
const INFORMATIONAL_HEADER_FIELDS: readonly (readonly [number, number])[] = [
  [4, 8], // preferred CMM type
  [24, 36], // date and time
  [40, 48], // primary platform, profile flags (bits 0-1 restored below)
  [48, 56], // device manufacturer, device model
  [56, 64], // device attributes (bits 0-3 restored below)
  [80, 84], // profile creator
];

/** Tag types that hold free text. */
export const ICC_TEXT_TYPES: ReadonlySet<string> = new Set(["desc", "text", "mluc"]);
/** Tags that are text by definition, whatever type they claim. */
export const ICC_TEXT_TAGS: ReadonlySet<string> = new Set(["desc", "cprt", "dmnd", "dmdd"]);
/** The fixed content written into neutralised text tags: the description gets a generic name, the rest nothing. */
export const ICC_NEUTRAL_DESCRIPTION = "ICC profile";

export class IccInvalid extends Error {
  override readonly name = "IccInvalid";
}

export interface IccTag {
  readonly signature: string;
  readonly offset: number;
  readonly size: number;
  /** Type signature: the first four bytes of the data element. */
  readonly type: string;
}

export interface NeutralisedIcc {
  readonly profile: Buffer;
  /** Number of tag table entries whose content was replaced. */
  readonly textTags: number;
  /** Bytes of the input's text elements that were replaced (shared elements counted once). */
  readonly textBytes: number;
  /** False when the output equals the input byte for byte. */
  readonly changed: boolean;
}

function align4(n: number): number {
  return (n + 3) & ~3;
}

/** Validates the header and tag table; returns the tags in table order. Throws IccInvalid. */
export function readIccTags(profile: Uint8Array): { size: number; version: number; tags: IccTag[] } {
  const p = Buffer.from(profile.buffer, profile.byteOffset, profile.byteLength);
  if (p.length < ICC_HEADER_BYTES + 4) throw new IccInvalid(`${p.length} bytes is too short for an ICC profile`);
  const size = p.readUInt32BE(0);
  if (size < ICC_HEADER_BYTES + 4 || size > p.length)
    throw new IccInvalid(`profile size field ${size} does not fit the ${p.length} bytes present`);
  if (p.toString("latin1", 36, 40) !== "acsp") throw new IccInvalid("no 'acsp' signature at byte 36");
  const version = p[8] as number;
  if (version !== 2 && version !== 4) throw new IccInvalid(`profile major version ${version} (2 and 4 are supported)`);
  const count = p.readUInt32BE(ICC_HEADER_BYTES);
  const tableEnd = ICC_HEADER_BYTES + 4 + count * TAG_ENTRY_BYTES;
  if (tableEnd > size) throw new IccInvalid(`tag count ${count} does not fit the profile`);
  const tags: IccTag[] = [];
  const seen = new Set<string>();
  for (let i = 0; i < count; i++) {
    const at = ICC_HEADER_BYTES + 4 + i * TAG_ENTRY_BYTES;
    const signature = p.toString("latin1", at, at + 4);
    const offset = p.readUInt32BE(at + 4);
    const length = p.readUInt32BE(at + 8);
    if (seen.has(signature)) throw new IccInvalid(`tag '${signature}' appears twice`);
    seen.add(signature);
    if (offset < tableEnd || length < 8 || offset + length > size) {
      throw new IccInvalid(`tag '${signature}' at ${offset}+${length} lies outside the tag data area`);
    }
    tags.push({ signature, offset, size: length, type: p.toString("latin1", offset, offset + 4) });
  }
  return { size, version, tags };
}

function neutralElement(type: string, text: string): Buffer {
  const ascii = Buffer.from(`${text}\0`, "latin1");
  if (type === "text") return Buffer.concat([Buffer.from("text\0\0\0\0", "latin1"), ascii]);
  if (type === "desc") {
    // textDescriptionType: ASCII count + string, Unicode language + count (0), ScriptCode code + count (0), 67 bytes.
    const head = Buffer.alloc(12);
    head.write("desc", 0, "latin1");
    head.writeUInt32BE(ascii.length, 8);
    return Buffer.concat([head, ascii, Buffer.alloc(4 + 4 + 2 + 1 + 67)]);
  }
  // mluc: one record, en-US.
  const utf16 = Buffer.from(text, "utf16le").swap16();
  const head = Buffer.alloc(28);
  head.write("mluc", 0, "latin1");
  head.writeUInt32BE(1, 8);
  head.writeUInt32BE(12, 12);
  head.write("enUS", 16, "latin1");
  head.writeUInt32BE(utf16.length, 20);
  head.writeUInt32BE(28, 24);
  return Buffer.concat([head, utf16]);
}

/** The type a text tag is rewritten as: its own when it is a text type, else the natural one for the version. */
function textTypeFor(tag: IccTag, version: number): string | null {
  if (ICC_TEXT_TYPES.has(tag.type)) return tag.type;
  if (!ICC_TEXT_TAGS.has(tag.signature)) return null;
  if (version >= 4) return "mluc";
  return tag.signature === "cprt" ? "text" : "desc";
}

/** MD5 profile ID per ICC.1:2010 7.2.18: over the whole profile with flags, rendering intent and ID zeroed. */
export function iccProfileId(profile: Uint8Array): Buffer {
  const copy = Buffer.from(profile);
  copy.fill(0, 44, 48);
  copy.fill(0, 64, 68);
  copy.fill(0, PROFILE_ID_AT, PROFILE_ID_AT + 16);
  return createHash("md5").update(copy).digest();
}

/** Rebuilds `input` with every text tag replaced by a fixed value of its type. Throws IccInvalid. */
export function neutraliseIccProfile(input: Uint8Array): NeutralisedIcc {
  const source = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  const { version, tags } = readIccTags(source);

  // One output element per distinct (offset, size): shared data stays shared.
  const elements = new Map<string, { offset: number; data: Buffer }>();
  let textTags = 0;
  let textBytes = 0;
  for (const tag of tags) {
    const key = `${tag.offset}:${tag.size}`;
    const type = textTypeFor(tag, version);
    if (type !== null) textTags += 1;
    if (elements.has(key)) continue;
    if (type !== null) textBytes += tag.size;
    const data =
      type === null
        ? source.subarray(tag.offset, tag.offset + tag.size)
        : neutralElement(type, tag.signature === "desc" ? ICC_NEUTRAL_DESCRIPTION : "");
    elements.set(key, { offset: tag.offset, data });
  }
  const ordered = [...elements.entries()].sort((a, b) => a[1].offset - b[1].offset || a[0].localeCompare(b[0]));

  let at = align4(ICC_HEADER_BYTES + 4 + tags.length * TAG_ENTRY_BYTES);
  const placed = new Map<string, { offset: number; size: number }>();
  for (const [key, element] of ordered) {
    placed.set(key, { offset: at, size: element.data.length });
    at = align4(at + element.data.length);
  }
  const out = Buffer.alloc(at);
  source.copy(out, 0, 0, ICC_HEADER_BYTES);
  out.writeUInt32BE(at, 0);
  for (const [from, to] of INFORMATIONAL_HEADER_FIELDS) out.fill(0, from, to);
  out[47] = (source[47] as number) & 0x03; // flags: embedded, cannot be used independently
  out[63] = (source[63] as number) & 0x0f; // attributes: transparency, matte, negative, black and white
  out.fill(0, RESERVED_AT, ICC_HEADER_BYTES);
  out.writeUInt32BE(tags.length, ICC_HEADER_BYTES);
  tags.forEach((tag, i) => {
    const entry = ICC_HEADER_BYTES + 4 + i * TAG_ENTRY_BYTES;
    const where = placed.get(`${tag.offset}:${tag.size}`) as { offset: number; size: number };
    out.write(tag.signature, entry, "latin1");
    out.writeUInt32BE(where.offset, entry + 4);
    out.writeUInt32BE(where.size, entry + 8);
  });
  for (const [key, element] of ordered) element.data.copy(out, (placed.get(key) as { offset: number }).offset);
  const hadId = source.subarray(PROFILE_ID_AT, PROFILE_ID_AT + 16).some((b) => b !== 0);
  if (hadId) iccProfileId(out).copy(out, PROFILE_ID_AT);
  else out.fill(0, PROFILE_ID_AT, PROFILE_ID_AT + 16);
  return { profile: out, textTags, textBytes, changed: !out.equals(source) };
}
