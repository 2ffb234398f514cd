/**
 * What checking a piece of evidence (a certificate or a receipt) found, shared by both checks and the
 * `verify-evidence` command line. The checks run in this order and report the first failure:
 *
 * | reason            | means                                                                      |
 * | ----------------- | -------------------------------------------------------------------------- |
 * | `malformed`       | not a certificate or receipt: not JSON, a field missing or of a wrong      |
 * |                   | type, an unknown field or format, a value without a canonical form          |
 * | `wrong-key-id`    | signed, it says, by another key than the one expected (`--key-id`, or the   |
 * |                   | `KeyId` of the get-public-key JSON)                                         |
 * | `wrong-algorithm` | an algorithm evidence does not use, one the public key cannot check, or     |
 * |                   | one KMS does not list for the key                                           |
 * | `digest-mismatch` | the signed content was changed after signing (certificates: the recorded   |
 * |                   | digest is not the SHA-256 of the canonical content)                         |
 * | `bad-signature`   | the signature is not the key's signature over that digest                  |
 */
import { ALGORITHMS, describeKey, isSigningAlgorithm, type SigningAlgorithm } from "./algorithms";
import type { EvidenceDocument } from "./canonical";
import type { VerificationKey } from "./public-key";

export type VerificationFailure =
  | "malformed"
  | "wrong-key-id"
  | "wrong-algorithm"
  | "digest-mismatch"
  | "bad-signature";

export interface VerifiedEvidence {
  readonly valid: true;
  readonly kind: "certificate" | "receipt";
  /** The key that signed it (its ARN). */
  readonly keyId: string;
  readonly algorithm: SigningAlgorithm;
  /** Hex SHA-256 of what was signed: a certificate's signed content, a receipt's payload (the document). */
  readonly digest: string;
  readonly document: EvidenceDocument;
}

export interface RejectedEvidence {
  readonly valid: false;
  readonly reason: VerificationFailure;
  /** What exactly failed, for a person. */
  readonly message: string;
}

export type Verification = VerifiedEvidence | RejectedEvidence;

/** What the evidence must have been signed with. */
export interface VerifyOptions {
  readonly publicKey: VerificationKey;
  /** The key ARN the evidence must name. @default - the public key's `keyId`, if it has one; else any */
  readonly keyId?: string;
}

export const reject = (reason: VerificationFailure, message: string): RejectedEvidence => ({
  valid: false,
  reason,
  message,
});

/** The key a piece of evidence names, against the one expected; undefined when it passes. */
export function checkKeyId(keyId: string, options: VerifyOptions): RejectedEvidence | undefined {
  const expected = options.keyId ?? options.publicKey.keyId;
  if (expected !== undefined && keyId !== expected)
    return reject("wrong-key-id", `signed with key ${keyId}, expected ${expected}`);
  return undefined;
}

/** The algorithm a piece of evidence names, against the public key; undefined when it passes. */
export function checkAlgorithm(algorithm: string, options: VerifyOptions): RejectedEvidence | undefined {
  if (!isSigningAlgorithm(algorithm))
    return reject(
      "wrong-algorithm",
      `${JSON.stringify(algorithm)} is not an evidence algorithm (${Object.keys(ALGORITHMS).join(", ")})`,
    );
  const key = options.publicKey.key;
  if (!ALGORITHMS[algorithm].fits(key))
    return reject(
      "wrong-algorithm",
      `${algorithm} needs an ${ALGORITHMS[algorithm].keySpec} key; the public key is ${describeKey(key)}`,
    );
  const listed = options.publicKey.signingAlgorithms;
  if (listed !== undefined && !listed.includes(algorithm))
    return reject(
      "wrong-algorithm",
      `KMS lists ${listed.join(", ") || "no evidence algorithm"} for the key, not ${algorithm}`,
    );
  return undefined;
}
