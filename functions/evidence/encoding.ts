/** Byte encodings of evidence: SHA-256 in hex, and base64 and base64url read strictly. */
import { createHash } from "node:crypto";

/** Lower-case hex SHA-256 of `bytes`. */
export const sha256Hex = (bytes: Uint8Array): string => createHash("sha256").update(bytes).digest("hex");

export const SHA256_HEX = /^[0-9a-f]{64}$/;

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * The bytes of padded base64 text (RFC 4648 §4), or undefined when it is not exactly that: Node's
 * decoder skips characters it does not know and ignores stray bits, so two texts could give one value.
 */
export function fromBase64(text: string): Buffer | undefined {
  if (!BASE64.test(text)) return undefined;
  const bytes = Buffer.from(text, "base64");
  return bytes.toString("base64") === text ? bytes : undefined;
}

/** The bytes of unpadded base64url text (RFC 7515 §2), or undefined when it is not exactly that. */
export function fromBase64url(text: string): Buffer | undefined {
  if (!BASE64URL.test(text) || text.length % 4 === 1) return undefined;
  const bytes = Buffer.from(text, "base64url");
  return bytes.toString("base64url") === text ? bytes : undefined;
}
