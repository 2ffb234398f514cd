/**
 * Structural check of an ICC profile (ICC.1:2022 §7): header, declared size, signature and tag
 * table bounds. It does not look at the tags' contents (text tags are another module's concern);
 * it only proves that the bytes are laid out as a profile, so that nothing else rides along.
 */

const HEADER_BYTES = 128;
const TAG_ENTRY_BYTES = 12;

export type IccCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

function fail(reason: string): IccCheck {
  return { ok: false, reason };
}

/** Validates `bytes` as one whole ICC profile: size field = length, "acsp" at 36, every tag inside the profile. */
export function validateIccProfile(bytes: Uint8Array): IccCheck {
  if (bytes.length < HEADER_BYTES + 4) return fail(`profile of ${bytes.length} bytes is shorter than the 132-byte header and tag count`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = view.getUint32(0);
  if (size !== bytes.length) return fail(`profile size field ${size} does not match its ${bytes.length} bytes`);
  if (view.getUint32(36) !== 0x61637370) return fail("no 'acsp' signature at offset 36");
  const count = view.getUint32(HEADER_BYTES);
  const tableEnd = HEADER_BYTES + 4 + count * TAG_ENTRY_BYTES;
  if (tableEnd > size) return fail(`tag table of ${count} entries runs past the end of the profile`);
  for (let i = 0; i < count; i++) {
    const entry = HEADER_BYTES + 4 + i * TAG_ENTRY_BYTES;
    const offset = view.getUint32(entry + 4);
    const length = view.getUint32(entry + 8);
    if (offset < tableEnd || offset + length > size) return fail(`tag ${i} (offset ${offset}, ${length} bytes) lies outside the tag data area`);
  }
  return { ok: true };
}
