/**
 * One entry point for checking evidence of either form: a certificate (a JSON object) or a receipt
 * (a compact JWS), told apart by their text.
 */
import { verifyCertificate } from "./certificate";
import { verifyReceipt } from "./receipt";
import { reject, type Verification, type VerifyOptions } from "./verification";

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

/** Checks the bytes of a certificate or receipt file offline with the public key; never throws. */
export function verifyEvidence(bytes: Uint8Array, options: VerifyOptions): Verification {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return reject("malformed", "not UTF-8 text: neither a certificate nor a receipt");
  }
  const trimmed = text.trim();
  if (trimmed.startsWith("{")) return verifyCertificate(text, options);
  if (COMPACT_JWS.test(trimmed)) return verifyReceipt(trimmed, options);
  return reject("malformed", "neither a certificate (a JSON object) nor a receipt (a compact JWS)");
}
