/**
 * Test stand-ins for KMS `Sign` with `MessageType: "DIGEST"`: no KMS (nor an emulator) runs here.
 *
 * Like KMS, they receive only the 32-byte SHA-256 digest and sign it without hashing it again, and
 * answer what KMS answers: a DER-encoded ECDSA signature (ANSI X9.62, RFC 3279 §2.2.3) or an RSASSA-PSS
 * signature with SHA-256, MGF1-SHA-256 and a 32-byte salt. node:crypto's `sign` always hashes its input
 * (with a null algorithm it hashes with SHA-256 too), so signing a given digest is done here from its
 * parts: for ECDSA, the curve arithmetic is node:crypto's (ECDH computes k·G) and the rest is the
 * textbook formula (SEC 1 §4.1.3); for PSS, the encoding of RFC 8017 §9.1.1 and node:crypto's raw RSA
 * (`privateEncrypt` without padding). Their signatures therefore verify with `crypto.verify("sha256",
 * message, ...)` exactly as KMS's do: the tests check that first, so that a verifier that accepts them
 * accepts KMS's.
 */
import { constants, createECDH, createHash, type KeyObject, privateEncrypt, randomBytes } from "node:crypto";
import type { EvidenceSigner, SigningAlgorithm } from "../../../functions/evidence/algorithms";

/** An ARN of the form KMS gives, for test keys. */
export const TEST_KEY_ARN = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";

/** The order of the P-256 group. */
const N = 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n;

const toBigInt = (bytes: Uint8Array): bigint => BigInt(`0x${Buffer.from(bytes).toString("hex") || "0"}`);
const toBytes = (value: bigint, length: number): Buffer =>
  Buffer.from(value.toString(16).padStart(length * 2, "0"), "hex");
const mod = (a: bigint, m: bigint): bigint => ((a % m) + m) % m;

function modPow(base: bigint, exponent: bigint, m: bigint): bigint {
  let result = 1n;
  let b = mod(base, m);
  for (let e = exponent; e > 0n; e >>= 1n) {
    if (e & 1n) result = (result * b) % m;
    b = (b * b) % m;
  }
  return result;
}

/** A DER INTEGER of a positive value: minimal, with a 0x00 in front when the top bit is set. */
function derInteger(value: bigint): Buffer {
  const hex = value.toString(16);
  let bytes = Buffer.from(hex.length % 2 === 1 ? `0${hex}` : hex, "hex");
  if ((bytes[0] ?? 0) >= 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes]);
  return Buffer.concat([Buffer.from([0x02, bytes.length]), bytes]);
}

/** DER SEQUENCE { INTEGER r, INTEGER s }, as KMS returns ECDSA signatures. */
export function derSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** ECDSA over P-256 of a given 32-byte digest (no hashing), DER-encoded. */
export function signP256Digest(privateKey: KeyObject, digest: Uint8Array): Buffer {
  const d = toBigInt(Buffer.from(privateKey.export({ format: "jwk" }).d ?? "", "base64url"));
  const e = toBigInt(digest);
  for (;;) {
    const k = toBigInt(randomBytes(32));
    if (k === 0n || k >= N) continue;
    const ecdh = createECDH("prime256v1");
    ecdh.setPrivateKey(toBytes(k, 32));
    const r = mod(toBigInt(ecdh.getPublicKey().subarray(1, 33)), N);
    const s = mod(modPow(k, N - 2n, N) * (e + r * d), N);
    if (r !== 0n && s !== 0n) return derSignature(r, s);
  }
}

function mgf1(seed: Buffer, length: number): Buffer {
  const blocks: Buffer[] = [];
  for (let counter = 0; blocks.length * 32 < length; counter++) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    blocks.push(createHash("sha256").update(seed).update(c).digest());
  }
  return Buffer.concat(blocks).subarray(0, length);
}

/** RSASSA-PSS (RFC 8017 §8.1.1) of a given SHA-256 digest: MGF1-SHA-256, 32-byte salt, as KMS signs. */
export function signPssDigest(privateKey: KeyObject, digest: Uint8Array): Buffer {
  const modBits = privateKey.asymmetricKeyDetails?.modulusLength ?? 0;
  const emBits = modBits - 1;
  const emLength = Math.ceil(emBits / 8);
  const salt = randomBytes(32);
  const h = createHash("sha256").update(Buffer.alloc(8)).update(digest).update(salt).digest();
  const db = Buffer.concat([Buffer.alloc(emLength - 32 - 32 - 2), Buffer.from([0x01]), salt]);
  const mask = mgf1(h, db.length);
  const masked = Buffer.from(db.map((byte, i) => byte ^ (mask[i] ?? 0)));
  masked[0] = (masked[0] ?? 0) & (0xff >> (8 * emLength - emBits));
  const em = Buffer.concat([masked, h, Buffer.from([0xbc])]);
  const block = Buffer.concat([Buffer.alloc(modBits / 8 - em.length), em]);
  return privateEncrypt({ key: privateKey, padding: constants.RSA_NO_PADDING }, block);
}

/** An EvidenceSigner that signs as KMS's Sign with MessageType DIGEST does, with a local private key. */
export function digestSigner(
  privateKey: KeyObject,
  keyId: string = TEST_KEY_ARN,
  algorithm: SigningAlgorithm = privateKey.asymmetricKeyType === "rsa" ? "RSASSA_PSS_SHA_256" : "ECDSA_SHA_256",
): EvidenceSigner & { readonly digests: Buffer[] } {
  const digests: Buffer[] = [];
  return {
    keyId,
    algorithm,
    digests,
    async signDigest(digest) {
      if (digest.length !== 32) throw new Error(`KMS: a SHA-256 digest is 32 bytes, not ${digest.length}`);
      digests.push(Buffer.from(digest));
      return algorithm === "ECDSA_SHA_256" ? signP256Digest(privateKey, digest) : signPssDigest(privateKey, digest);
    },
  };
}
