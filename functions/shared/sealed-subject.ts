/**
 * Sealed subjects (docs/cross-partition.md §7, writes during an outage): the commercial standby's
 * upload function must never learn a subject's sovereign pseudonym, yet failback must bring a subject
 * whose first upload happens during the outage home. So the standby upload encrypts the message
 * `sip-sealed-subject-v1\0<tenant>\0<subject>` (UTF-8) to the PUBLIC key of a sovereign KMS key
 * (RSA_3072, ENCRYPT_DECRYPT) with RSA-OAEP, SHA-256 for both the OAEP hash and MGF1 (the KMS
 * algorithm RSAES_OAEP_SHA_256), locally with node:crypto: no KMS call, the sovereign side may be down.
 * The ciphertext travels, standard base64, in the upload's user metadata `sealed-subject`, signed
 * into the upload like every other metadata value. Only the sovereign side can open it (KMS Decrypt
 * under the private key that never leaves KMS): failback then derives the sovereign pseudonym.
 */
import { constants, createPublicKey, type KeyObject, privateDecrypt, publicEncrypt } from "node:crypto";
import { DecryptCommand, type KMSClient } from "@aws-sdk/client-kms";

/** User metadata (x-amz-meta-*) of an outage upload: the sealed tenant and subject, base64. */
export const SEALED_SUBJECT_METADATA = "sealed-subject";
/**
 * User metadata of an outage upload brought home: `<partition>/<inbox bucket>/<key>#<version>` of the
 * inbox object it was copied from (the homecoming's idempotence marker).
 */
export const OUTAGE_UPLOAD_METADATA = "outage-upload";
/** Domain separation of the sealed message. */
export const SEALED_SUBJECT_DOMAIN = "sip-sealed-subject-v1";
/** The smallest RSA modulus accepted (KMS key spec RSA_3072). */
export const MIN_SEALING_KEY_BITS = 3072;
/** What RSA-OAEP with SHA-256 holds under a key of `bits`: k - 2·hLen - 2 bytes. */
export const maxSealedBytes = (bits: number): number => bits / 8 - 2 * 32 - 2;

/** Decrypts a sealed subject's ciphertext (KMS Decrypt in deployments, a local private key in tests). */
export type Unseal = (ciphertext: Uint8Array) => Promise<Uint8Array>;

/** The tenant and subject cannot be sealed (too long for the key, or holding a NUL). */
export class SealError extends Error {
  override readonly name = "SealError";
  constructor(
    message: string,
    /** The message's length in bytes and the most the key holds (too long), else undefined. */
    readonly sizes?: { readonly bytes: number; readonly maxBytes: number },
  ) {
    super(message);
  }
}

/** A sealed subject cannot be opened or is malformed (wrong key, tampered, not this format). */
export class UnsealError extends Error {
  override readonly name = "UnsealError";
}

/** The sealing key, or why it is unusable: an RSA public key (SPKI PEM) of at least 3072 bits. */
export function sealingPublicKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: "pem" });
  } catch (error) {
    throw new SealError(`not a PEM public key (${(error as Error).message})`);
  }
  if (key.asymmetricKeyType !== "rsa")
    throw new SealError(`the sealing key is ${String(key.asymmetricKeyType)}, not RSA (KMS key spec RSA_3072)`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_SEALING_KEY_BITS)
    throw new SealError(`the sealing key has ${bits} bits; at least ${MIN_SEALING_KEY_BITS} (KMS key spec RSA_3072)`);
  return key;
}

/** The sealed message: domain, tenant and subject, separated by NUL (neither may hold one). */
export function sealedMessage(tenant: string, subject: string): Buffer {
  if (tenant.includes("\0") || subject.includes("\0")) throw new SealError("tenant and subject must not contain NUL");
  return Buffer.from(`${SEALED_SUBJECT_DOMAIN}\0${tenant}\0${subject}`, "utf8");
}

/** Seals tenant and subject to the public key (PEM or key object): base64 of the RSA-OAEP-SHA-256 ciphertext. */
export function sealSubject(publicKey: string | KeyObject, tenant: string, subject: string): string {
  const key = typeof publicKey === "string" ? sealingPublicKey(publicKey) : publicKey;
  const message = sealedMessage(tenant, subject);
  const maxBytes = maxSealedBytes(key.asymmetricKeyDetails?.modulusLength ?? 0);
  if (message.length > maxBytes)
    throw new SealError(
      `the sealed message (domain, tenant and subject) is ${message.length} bytes; the sealing key holds at most ${maxBytes}`,
      { bytes: message.length, maxBytes },
    );
  return publicEncrypt(
    { key, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
    new Uint8Array(message),
  ).toString("base64");
}

/** KMS Decrypt with RSAES_OAEP_SHA_256 under the sovereign sealing key (ARN or alias). */
export function kmsUnseal(kms: KMSClient, keyId: string): Unseal {
  return async (ciphertext) => {
    const answer = await kms.send(
      new DecryptCommand({ KeyId: keyId, CiphertextBlob: ciphertext, EncryptionAlgorithm: "RSAES_OAEP_SHA_256" }),
    );
    if (answer.Plaintext === undefined) throw new UnsealError(`KMS Decrypt under ${keyId} returned no plaintext`);
    return answer.Plaintext;
  };
}

/** The same decryption with a local private key: tests and local runs only. */
export function localUnseal(privateKey: string | KeyObject): Unseal {
  return async (ciphertext) =>
    privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, ciphertext);
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * Opens a sealed subject: the tenant and subject it holds. Strict: standard base64, the domain
 * prefix, exactly two NULs, a non-empty tenant and subject, valid UTF-8. Throws UnsealError otherwise
 * (also when `unseal` fails: another key, or a tampered ciphertext).
 */
export async function openSealedSubject(
  unseal: Unseal,
  sealed: string,
): Promise<{ readonly tenant: string; readonly subject: string }> {
  if (!BASE64.test(sealed) || sealed.length % 4 !== 0) throw new UnsealError("the sealed subject is not base64");
  let plaintext: Uint8Array;
  try {
    plaintext = await unseal(Buffer.from(sealed, "base64"));
  } catch (error) {
    // Another key or a changed ciphertext; any other failure (KMS unreachable, access denied) is thrown as it is.
    if (!isUndecryptable(error)) throw error;
    throw new UnsealError(`the sealed subject cannot be opened (${(error as Error).message || (error as Error).name})`);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(plaintext);
  } catch {
    throw new UnsealError("the sealed subject is not UTF-8");
  }
  const parts = text.split("\0");
  if (parts.length !== 3 || parts[0] !== SEALED_SUBJECT_DOMAIN)
    throw new UnsealError(`the sealed subject is not ${SEALED_SUBJECT_DOMAIN}\\0<tenant>\\0<subject>`);
  const [, tenant = "", subject = ""] = parts;
  if (tenant === "" || subject === "") throw new UnsealError("the sealed subject names no tenant or no subject");
  return { tenant, subject };
}

/** KMS's answer to a ciphertext of another key or a changed one, or OpenSSL's (a local key). */
function isUndecryptable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error.name === "InvalidCiphertextException" || error.name === "IncorrectKeyException") return true;
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" && (code.startsWith("ERR_OSSL") || code.startsWith("ERR_CRYPTO"));
}
