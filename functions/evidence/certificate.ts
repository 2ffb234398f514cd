/**
 * Signed evidence certificates: an evidence document (what a data-subject request found and did, a
 * signing record, a deployment manifest), signed by a KMS key, in a JSON file anyone can check offline
 * with the key's public key.
 *
 * ```json
 * {
 *   "format": "sip-evidence-certificate/1",
 *   "keyId": "<the signing key's ARN>",
 *   "algorithm": "ECDSA_SHA_256",
 *   "document": { … },
 *   "digest": "<hex SHA-256 of the signed content>",
 *   "signature": "<base64 of the signature KMS returned>"
 * }
 * ```
 *
 * The signed content is the RFC 8785 canonical form (canonical.ts) of the object of the first four
 * fields, `{"algorithm","document","format","keyId"}`: the key ID and algorithm are signed with the
 * document, so neither can be changed unnoticed. `digest` is its SHA-256, which KMS signs with
 * `MessageType: "DIGEST"` (the content never leaves the caller); the signature is then an ordinary
 * ECDSA-SHA-256 (or RSASSA-PSS-SHA-256) signature over the canonical content, which node:crypto,
 * OpenSSL or `aws kms verify` check.
 */
import { createHash } from "node:crypto";
import {
  type EvidenceSigner,
  isSigningAlgorithm,
  KEY_ARN,
  type SigningAlgorithm,
  SignatureFormatError,
  derToRawEcdsa,
  verifySignature,
} from "./algorithms";
import { CanonicalizationError, canonicalBytes, canonicalize, type EvidenceDocument, parseJson } from "./canonical";
import { fromBase64, SHA256_HEX, sha256Hex } from "./encoding";
import {
  checkAlgorithm,
  checkKeyId,
  type RejectedEvidence,
  reject,
  type Verification,
  type VerifyOptions,
} from "./verification";

export const CERTIFICATE_FORMAT = "sip-evidence-certificate/1";

export interface EvidenceCertificate {
  readonly format: typeof CERTIFICATE_FORMAT;
  /** The ARN of the KMS key that signed. */
  readonly keyId: string;
  readonly algorithm: SigningAlgorithm;
  readonly document: EvidenceDocument;
  /** Hex SHA-256 of the signed content (`signedContent`): what KMS signed. */
  readonly digest: string;
  /** Base64 of the signature as KMS returned it (DER for ECDSA). */
  readonly signature: string;
}

type SignedFields = Pick<EvidenceCertificate, "format" | "keyId" | "algorithm" | "document">;

const FIELDS = ["format", "keyId", "algorithm", "document", "digest", "signature"] as const;

/** A signer or document that cannot make a certificate. */
export class EvidenceSigningError extends Error {
  override readonly name = "EvidenceSigningError";
}

/** The bytes a certificate's signature covers: the canonical form of its format, key ID, algorithm and document. */
export function signedContent(fields: SignedFields): Buffer {
  const { format, keyId, algorithm, document } = fields;
  return canonicalBytes({ algorithm, document, format, keyId });
}

/** Checks what the signer says about itself before KMS is asked. */
export function checkSigner(signer: EvidenceSigner): void {
  if (!KEY_ARN.test(signer.keyId))
    throw new EvidenceSigningError(
      `the signer's key ID ${JSON.stringify(signer.keyId)} is not a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>); evidence records the key's ARN, not an alias`,
    );
  if (!isSigningAlgorithm(signer.algorithm))
    throw new EvidenceSigningError(`the signer's algorithm ${String(signer.algorithm)} is not an evidence algorithm`);
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Signs `document` with `signer` (KMS Sign over the SHA-256 digest of the signed content). Throws
 * CanonicalizationError for a document without a canonical form, EvidenceSigningError for a signer
 * that names no key ARN or answers with something that is not a signature of its algorithm.
 */
export async function signEvidence(document: EvidenceDocument, signer: EvidenceSigner): Promise<EvidenceCertificate> {
  checkSigner(signer);
  if (!isPlainObject(document)) throw new CanonicalizationError("$", "an evidence document is a JSON object");
  canonicalize(document); // refuses what has no canonical form, with the path inside the document
  const content = signedContent({
    format: CERTIFICATE_FORMAT,
    keyId: signer.keyId,
    algorithm: signer.algorithm,
    document,
  });
  const digest = createHash("sha256").update(content).digest();
  const signature = Buffer.from(await signer.signDigest(digest));
  if (signature.length === 0) throw new EvidenceSigningError(`the signer (${signer.keyId}) returned no signature`);
  if (signer.algorithm === "ECDSA_SHA_256") {
    try {
      derToRawEcdsa(signature);
    } catch (error) {
      throw new EvidenceSigningError(`the signer returned no DER ECDSA signature: ${(error as Error).message}`);
    }
  }
  // The certificate holds the document as signed (a copy: the caller's object may change later).
  const signed = JSON.parse(content.toString("utf8")) as SignedFields;
  return {
    format: CERTIFICATE_FORMAT,
    keyId: signer.keyId,
    algorithm: signer.algorithm,
    document: signed.document,
    digest: digest.toString("hex"),
    signature: signature.toString("base64"),
  };
}

/** The certificate as a file: indented JSON, fields in a fixed order, a final newline. */
export function formatCertificate(certificate: EvidenceCertificate): string {
  const ordered = Object.fromEntries(FIELDS.map((field) => [field, certificate[field]]));
  return `${JSON.stringify(ordered, null, 2)}\n`;
}

/** Checks a certificate file's text offline with the public key; never throws. */
export function verifyCertificate(text: string, options: VerifyOptions): Verification {
  const parsed = parseCertificate(text);
  if ("valid" in parsed) return parsed;
  const refused = checkKeyId(parsed.keyId, options) ?? checkAlgorithm(parsed.algorithm, options);
  if (refused !== undefined) return refused;
  const algorithm = parsed.algorithm as SigningAlgorithm;
  const digest = sha256Hex(parsed.content);
  if (digest !== parsed.digest)
    return reject(
      "digest-mismatch",
      `the signed content (document, key ID, algorithm) hashes to ${digest}, not to the recorded digest ${parsed.digest}: it was changed after signing`,
    );
  if (!verifySignature(algorithm, parsed.content, options.publicKey.key, parsed.signature))
    return reject(
      "bad-signature",
      `the signature is not ${algorithm} by this public key over the digest${derProblem(algorithm, parsed.signature)}`,
    );
  return { valid: true, kind: "certificate", keyId: parsed.keyId, algorithm, digest, document: parsed.document };
}

function derProblem(algorithm: SigningAlgorithm, signature: Buffer): string {
  if (algorithm !== "ECDSA_SHA_256") return "";
  try {
    derToRawEcdsa(signature);
    return "";
  } catch (error) {
    if (error instanceof SignatureFormatError) return ` (nor a DER ECDSA signature: ${error.message})`;
    throw error;
  }
}

interface ParsedCertificate {
  readonly keyId: string;
  /** Not yet checked: an unknown algorithm is a `wrong-algorithm`, not a malformed file. */
  readonly algorithm: string;
  readonly document: EvidenceDocument;
  readonly digest: string;
  /** The signed content, recomputed from the file's fields. */
  readonly content: Buffer;
  readonly signature: Buffer;
}

/** The certificate's fields, checked for form (not yet for key, algorithm, digest or signature). */
function parseCertificate(text: string): ParsedCertificate | RejectedEvidence {
  let value: unknown;
  try {
    value = parseJson(text);
  } catch (error) {
    const what = error instanceof SyntaxError ? "not JSON: " : "";
    return reject("malformed", `not a certificate: ${what}${(error as Error).message}`);
  }
  if (!isPlainObject(value)) return reject("malformed", "not a certificate: the file holds no JSON object");
  const missing = FIELDS.filter((field) => !Object.hasOwn(value, field));
  const unknown = Object.keys(value).filter((field) => !(FIELDS as readonly string[]).includes(field));
  if (missing.length > 0) return reject("malformed", `not a certificate: lacks ${missing.join(", ")}`);
  if (unknown.length > 0) return reject("malformed", `has fields a certificate does not have: ${unknown.join(", ")}`);
  const { format, keyId, algorithm, document, digest, signature } = value;
  if (format !== CERTIFICATE_FORMAT)
    return reject("malformed", `format ${JSON.stringify(format)} is not ${CERTIFICATE_FORMAT}`);
  if (typeof keyId !== "string" || keyId === "") return reject("malformed", "keyId is not a key ARN");
  if (typeof algorithm !== "string") return reject("malformed", "algorithm is not a string");
  if (!isPlainObject(document)) return reject("malformed", "document is not a JSON object");
  if (typeof digest !== "string" || !SHA256_HEX.test(digest))
    return reject("malformed", "digest is not a SHA-256 in lower-case hex (64 characters)");
  const bytes = typeof signature === "string" && signature !== "" ? fromBase64(signature) : undefined;
  if (bytes === undefined) return reject("malformed", "signature is not padded base64");
  const fields = { format: CERTIFICATE_FORMAT, keyId, algorithm: algorithm as SigningAlgorithm, document } as const;
  try {
    const content = signedContent(fields as SignedFields);
    return { keyId, algorithm, document: document as EvidenceDocument, digest, content, signature: bytes };
  } catch (error) {
    if (!(error instanceof CanonicalizationError)) throw error;
    return reject("malformed", `${error.path.replace(/^\$\./, "")}: ${error.problem}`);
  }
}
