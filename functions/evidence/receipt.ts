/**
 * Signed receipts: the same evidence document as a compact JWS (RFC 7515), for clients that want a
 * token rather than a file, verifiable offline with the key's public key by any JOSE library.
 *
 * `<base64url(header)>.<base64url(payload)>.<base64url(signature)>`, where
 * - the protected header is `{"alg":"ES256","kid":"<key ARN>","typ":"sip-evidence-receipt+jws"}` (PS256
 *   for an RSA key), in canonical form; `typ` keeps a receipt from being taken for another token;
 * - the payload is the document's RFC 8785 canonical form, so its SHA-256 (the receipt's `digest`) is
 *   the same for everyone who has the document;
 * - the signature is KMS's over SHA-256 of the signing input (`MessageType: "DIGEST"`): for ES256 the
 *   DER signature KMS returns, converted to r || s (RFC 7518 §3.4); for PS256 as KMS returns it.
 */
import { createHash, type KeyObject } from "node:crypto";
import { ALGORITHMS, derToRawEcdsa, type EvidenceSigner, type SigningAlgorithm, verifySignature } from "./algorithms";
import { CanonicalizationError, canonicalBytes, canonicalize, type EvidenceDocument, parseJson } from "./canonical";
import { checkSigner, EvidenceSigningError } from "./certificate";
import { fromBase64url, sha256Hex } from "./encoding";
import {
  checkAlgorithm,
  checkKeyId,
  type RejectedEvidence,
  reject,
  type Verification,
  type VerifyOptions,
} from "./verification";

export const RECEIPT_TYPE = "sip-evidence-receipt+jws";

type JwsAlgorithm = (typeof ALGORITHMS)[SigningAlgorithm]["jws"];

const BY_JWS: Readonly<Record<JwsAlgorithm, SigningAlgorithm>> = {
  ES256: "ECDSA_SHA_256",
  PS256: "RSASSA_PSS_SHA_256",
};

const HEADER_FIELDS = ["alg", "kid", "typ"];

/** Hex SHA-256 of a document's canonical form: a receipt's `digest`, the same wherever it is computed. */
export const documentDigest = (document: EvidenceDocument): string => sha256Hex(canonicalBytes(document));

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The compact JWS of `document`, signed by `signer` (KMS Sign over the SHA-256 of the signing input).
 * Throws CanonicalizationError for a document without a canonical form, EvidenceSigningError for a
 * signer that names no key ARN or does not answer with a signature of its algorithm.
 */
export async function signReceipt(document: EvidenceDocument, signer: EvidenceSigner): Promise<string> {
  checkSigner(signer);
  if (!isPlainObject(document)) throw new CanonicalizationError("$", "an evidence document is a JSON object");
  const header = canonicalize({ alg: ALGORITHMS[signer.algorithm].jws, kid: signer.keyId, typ: RECEIPT_TYPE });
  const payload = canonicalize(document);
  const signingInput = `${Buffer.from(header).toString("base64url")}.${Buffer.from(payload).toString("base64url")}`;
  const digest = createHash("sha256").update(signingInput, "ascii").digest();
  const signature = Buffer.from(await signer.signDigest(digest));
  let jose: Buffer;
  try {
    jose = signer.algorithm === "ECDSA_SHA_256" ? derToRawEcdsa(signature) : signature;
  } catch (error) {
    throw new EvidenceSigningError(`the signer returned no DER ECDSA signature: ${(error as Error).message}`);
  }
  if (jose.length === 0) throw new EvidenceSigningError(`the signer (${signer.keyId}) returned no signature`);
  return `${signingInput}.${jose.toString("base64url")}`;
}

/**
 * True when `signature` is a valid JWS signature (RFC 7515 §5.2, RFC 7518 §3.4 and §3.5) of `alg`
 * over `signingInput` (`<header>.<payload>` as sent) under `key`. Nothing else of the JWS is checked.
 */
export function verifyJwsSignature(alg: JwsAlgorithm, signingInput: string, signature: Uint8Array, key: KeyObject) {
  return verifySignature(BY_JWS[alg], Buffer.from(signingInput, "ascii"), key, signature, "ieee-p1363");
}

/** Checks a receipt (a compact JWS; surrounding whitespace allowed) offline with the public key; never throws. */
export function verifyReceipt(text: string, options: VerifyOptions): Verification {
  const parsed = parseReceipt(text.trim());
  if ("valid" in parsed) return parsed;
  const { header, payload, signature, signingInput } = parsed;
  const wrongKey = checkKeyId(header.kid, options);
  if (wrongKey !== undefined) return wrongKey;
  const algorithm = Object.hasOwn(BY_JWS, header.alg) ? BY_JWS[header.alg as JwsAlgorithm] : undefined;
  if (algorithm === undefined)
    return reject("wrong-algorithm", `JWS alg ${JSON.stringify(header.alg)} is not one evidence uses (ES256, PS256)`);
  const wrongAlgorithm = checkAlgorithm(algorithm, options);
  if (wrongAlgorithm !== undefined) return wrongAlgorithm;
  const jws = ALGORITHMS[algorithm].jws;
  if (jws === "ES256" && signature.length !== 64)
    return reject("bad-signature", `an ES256 signature is 64 bytes (r || s); this one is ${signature.length}`);
  if (!verifyJwsSignature(jws, signingInput, signature, options.publicKey.key))
    return reject("bad-signature", `the signature is not ${jws} by this public key over the header and payload`);
  return {
    valid: true,
    kind: "receipt",
    keyId: header.kid,
    algorithm,
    digest: sha256Hex(payload),
    document: parseJson(payload.toString("utf8")) as EvidenceDocument,
  };
}

interface ParsedReceipt {
  readonly header: { readonly alg: string; readonly kid: string };
  readonly payload: Buffer;
  readonly signature: Buffer;
  readonly signingInput: string;
}

function parseReceipt(compact: string): ParsedReceipt | RejectedEvidence {
  const parts = compact.split(".");
  const [head, body, tail] = parts.map(fromBase64url);
  if (parts.length !== 3 || head === undefined || body === undefined || tail === undefined)
    return reject("malformed", "not a receipt: a compact JWS is three base64url parts (no padding) joined by dots");
  let header: unknown;
  let document: unknown;
  try {
    header = parseJson(head.toString("utf8"));
    document = parseJson(body.toString("utf8"));
  } catch (error) {
    return reject("malformed", `not a receipt: the header or payload is not JSON: ${(error as Error).message}`);
  }
  if (!isPlainObject(header)) return reject("malformed", "the JWS header is not a JSON object");
  const unknown = Object.keys(header).filter((name) => !HEADER_FIELDS.includes(name));
  if (unknown.length > 0)
    return reject("malformed", `the JWS header has parameters a receipt does not: ${unknown.join(", ")}`);
  const { alg, kid, typ } = header;
  if (typ !== RECEIPT_TYPE) return reject("malformed", `the JWS typ is ${JSON.stringify(typ)}, not ${RECEIPT_TYPE}`);
  if (typeof kid !== "string" || kid === "") return reject("malformed", "the JWS header names no key (kid)");
  if (typeof alg !== "string") return reject("malformed", "the JWS header names no algorithm (alg)");
  if (!isPlainObject(document)) return reject("malformed", "the payload is not a JSON object");
  try {
    if (!canonicalBytes(document).equals(body))
      return reject("malformed", "the payload is not its document's canonical form (RFC 8785)");
  } catch (error) {
    if (!(error instanceof CanonicalizationError)) throw error;
    return reject("malformed", `the payload has no canonical form: ${error.message}`);
  }
  return { header: { alg, kid }, payload: body, signature: tail, signingInput: `${parts[0]}.${parts[1]}` };
}
