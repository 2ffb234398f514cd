/**
 * The signing algorithms evidence uses, as KMS names them, what key each needs, how a signature is
 * checked with node:crypto, and the signer interface KMS (or a test key) implements.
 *
 * - ECDSA_SHA_256 on an ECC_NIST_P256 key (the default): KMS returns the signature DER-encoded
 *   (ANSI X9.62, RFC 3279 §2.2.3), which is what certificates record; a JWS (ES256) carries the same
 *   signature as the raw 64 bytes r || s (RFC 7518 §3.4), converted here.
 * - RSASSA_PSS_SHA_256 on an RSA key of 2048 bits or more: SHA-256 for the digest and MGF1, a
 *   32-byte salt (KMS's and JWS PS256's parameters alike); the signature is the same bytes in both.
 */
import { constants, type KeyObject, verify } from "node:crypto";

export type SigningAlgorithm = "ECDSA_SHA_256" | "RSASSA_PSS_SHA_256";

/** The KMS key that signs evidence, as KMS's Sign with `MessageType: "DIGEST"` behaves. */
export interface EvidenceSigner {
  /** The key's ARN, recorded in every certificate and receipt. */
  readonly keyId: string;
  readonly algorithm: SigningAlgorithm;
  /**
   * Signs a SHA-256 digest without hashing it again, and returns the signature as KMS does (DER for
   * ECDSA). Anyone can check it over the message the digest was taken of, with the public key.
   */
  signDigest(digest: Uint8Array): Promise<Uint8Array>;
}

interface Algorithm {
  /** The JWS `alg` (RFC 7518) of the same signature. */
  readonly jws: "ES256" | "PS256";
  /** The key it needs, in KMS's words. */
  readonly keySpec: string;
  readonly fits: (key: KeyObject) => boolean;
}

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 } as const;

export const ALGORITHMS: Readonly<Record<SigningAlgorithm, Algorithm>> = {
  ECDSA_SHA_256: {
    jws: "ES256",
    keySpec: "ECC_NIST_P256",
    fits: (key) => key.asymmetricKeyType === "ec" && key.asymmetricKeyDetails?.namedCurve === "prime256v1",
  },
  RSASSA_PSS_SHA_256: {
    jws: "PS256",
    keySpec: "RSA_2048, RSA_3072 or RSA_4096",
    fits: (key) => key.asymmetricKeyType === "rsa" && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048,
  },
};

export const isSigningAlgorithm = (name: unknown): name is SigningAlgorithm =>
  typeof name === "string" && Object.hasOwn(ALGORITHMS, name);

/** A KMS key ARN (`arn:<partition>:kms:<region>:<account>:key/<key id>`); aliases are not key IDs. */
export const KEY_ARN = /^arn:[a-z][a-z0-9-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/;

/** What a public key is, for messages: "an EC key on prime256v1", "an RSA key of 2048 bits". */
export function describeKey(key: KeyObject): string {
  const details = key.asymmetricKeyDetails;
  if (key.asymmetricKeyType === "ec") return `an EC key on ${details?.namedCurve ?? "an unknown curve"}`;
  if (key.asymmetricKeyType === "rsa") return `an RSA key of ${details?.modulusLength ?? "unknown"} bits`;
  return `a key of type ${key.asymmetricKeyType ?? "unknown"}`;
}

/**
 * True when `signature` is `algorithm`'s signature over SHA-256(`message`) under `key`. ECDSA
 * signatures are DER (`der`, as KMS returns them) or r || s (`ieee-p1363`, as JWS carries them).
 */
export function verifySignature(
  algorithm: SigningAlgorithm,
  message: Uint8Array,
  key: KeyObject,
  signature: Uint8Array,
  ecdsaEncoding: "der" | "ieee-p1363" = "der",
): boolean {
  const options = algorithm === "ECDSA_SHA_256" ? { key, dsaEncoding: ecdsaEncoding } : { key, ...PSS };
  return verify("sha256", message, options, signature);
}

/** The P-256 group order's size: r and s are at most 32 bytes. */
const P256_BYTES = 32;

/** A signature that is not what it claims to be. */
export class SignatureFormatError extends Error {
  override readonly name = "SignatureFormatError";
}

/**
 * The raw r || s form (JWS ES256, IEEE P1363) of a DER-encoded P-256 ECDSA signature, as KMS returns
 * it: SEQUENCE { INTEGER r, INTEGER s }, strict DER (minimal lengths and integers, nothing after).
 */
export function derToRawEcdsa(der: Uint8Array): Buffer {
  const bytes = Buffer.from(der);
  if (bytes[0] !== 0x30 || bytes.length < 2 || (bytes[1] ?? 0) >= 0x80 || bytes[1] !== bytes.length - 2)
    throw new SignatureFormatError("not a DER SEQUENCE of the signature's length");
  const r = derInteger(bytes, 2, "r");
  const s = derInteger(bytes, r.end, "s");
  if (s.end !== bytes.length) throw new SignatureFormatError("bytes after the DER SEQUENCE's two integers");
  return Buffer.concat([r.value, s.value]);
}

function derInteger(bytes: Buffer, at: number, name: string): { value: Buffer; end: number } {
  const length = bytes[at + 1] ?? 0;
  const start = at + 2;
  const end = start + length;
  if (bytes[at] !== 0x02 || length === 0 || length >= 0x80 || end > bytes.length)
    throw new SignatureFormatError(`${name} is not a DER INTEGER inside the SEQUENCE`);
  const first = bytes[start] ?? 0;
  if (first >= 0x80) throw new SignatureFormatError(`${name} is negative`);
  if (first === 0 && length > 1 && (bytes[start + 1] ?? 0) < 0x80)
    throw new SignatureFormatError(`${name} is not minimally encoded`);
  const value = bytes.subarray(first === 0 && length > 1 ? start + 1 : start, end);
  if (value.length > P256_BYTES) throw new SignatureFormatError(`${name} is longer than ${P256_BYTES} bytes`);
  return { value: Buffer.concat([Buffer.alloc(P256_BYTES - value.length), value]), end };
}
