/**
 * The public key that evidence is verified with, in the forms KMS and OpenSSL give it:
 * - the JSON of `aws kms get-public-key --key-id <arn>` (`PublicKey` is the DER SubjectPublicKeyInfo
 *   in base64; its `KeyId`, `KeyUsage` and `SigningAlgorithms` are checked too);
 * - the base64 text of `aws kms get-public-key --query PublicKey --output text`;
 * - its bytes (`... | base64 -d > key.der`: DER SubjectPublicKeyInfo);
 * - PEM (`openssl pkey -pubin -inform DER -in key.der -out key.pem`: `-----BEGIN PUBLIC KEY-----`).
 */
import { createPublicKey, type KeyObject } from "node:crypto";
import { ALGORITHMS, describeKey, isSigningAlgorithm, type SigningAlgorithm } from "./algorithms";

export interface VerificationKey {
  readonly key: KeyObject;
  /** The key's ARN, when the file names it (get-public-key JSON): evidence must name the same key. */
  readonly keyId?: string;
  /** The algorithms KMS lists for the key (get-public-key JSON): evidence must use one of them. */
  readonly signingAlgorithms?: readonly SigningAlgorithm[];
}

/** A file that holds no usable public key. */
export class PublicKeyError extends Error {
  override readonly name = "PublicKeyError";
}

const BASE64_TEXT = /^[A-Za-z0-9+/\r\n]+={0,2}$/;

/** The verification key in `bytes` (any of the forms above); throws PublicKeyError saying what is wrong. */
export function readPublicKey(bytes: Uint8Array): VerificationKey {
  const buffer = Buffer.from(bytes);
  const text = buffer.toString("utf8").trim();
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(text))
    throw new PublicKeyError("holds a private key: give the public key (aws kms get-public-key)");
  if (text.startsWith("-----BEGIN PUBLIC KEY-----")) return usable({ key: spki(text, "pem") });
  if (text.startsWith("{")) return fromGetPublicKey(text);
  if (BASE64_TEXT.test(text)) return usable({ key: spki(Buffer.from(text, "base64"), "der") });
  if (buffer[0] === 0x30) return usable({ key: spki(buffer, "der") });
  throw new PublicKeyError(
    "is not a public key: expected PEM (BEGIN PUBLIC KEY), DER, its base64, or the JSON of aws kms get-public-key",
  );
}

function spki(key: string | Buffer, format: "pem" | "der"): KeyObject {
  try {
    return format === "pem" ? createPublicKey({ key, format }) : createPublicKey({ key, format, type: "spki" });
  } catch (error) {
    throw new PublicKeyError(`is not a readable ${format.toUpperCase()} public key (${(error as Error).message})`);
  }
}

function fromGetPublicKey(text: string): VerificationKey {
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new PublicKeyError(`is not JSON (${(error as Error).message})`);
  }
  const { PublicKey, KeyId, KeyUsage, SigningAlgorithms } = answer;
  if (typeof PublicKey !== "string" || !BASE64_TEXT.test(PublicKey))
    throw new PublicKeyError("is JSON without a base64 PublicKey: expected the output of aws kms get-public-key");
  if (KeyUsage !== undefined && KeyUsage !== "SIGN_VERIFY")
    throw new PublicKeyError(`is the public key of a ${String(KeyUsage)} key; evidence keys are SIGN_VERIFY`);
  if (KeyId !== undefined && typeof KeyId !== "string") throw new PublicKeyError("has a KeyId that is not a string");
  const listed = Array.isArray(SigningAlgorithms) ? SigningAlgorithms.filter(isSigningAlgorithm) : undefined;
  return usable({
    key: spki(Buffer.from(PublicKey, "base64"), "der"),
    ...(KeyId === undefined ? {} : { keyId: KeyId }),
    ...(listed === undefined ? {} : { signingAlgorithms: listed }),
  });
}

function usable(found: VerificationKey): VerificationKey {
  if (!Object.values(ALGORITHMS).some((algorithm) => algorithm.fits(found.key)))
    throw new PublicKeyError(
      `is ${describeKey(found.key)}; evidence is signed with ECC_NIST_P256 (ECDSA_SHA_256) or RSA keys of 2048 bits or more (RSASSA_PSS_SHA_256)`,
    );
  return found;
}
