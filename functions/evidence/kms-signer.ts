/**
 * The production EvidenceSigner: KMS `Sign` with `MessageType: "DIGEST"` under an asymmetric
 * `SIGN_VERIFY` key of the sovereign partition (ECC_NIST_P256 with ECDSA_SHA_256, or RSA with
 * RSASSA_PSS_SHA_256). Only the 32-byte digest goes to KMS, never the evidence; the caller needs
 * kms:Sign on the key. Kept apart from the verification code, so that `verify-evidence` bundles no
 * AWS SDK.
 */
import { type KMSClient, SignCommand } from "@aws-sdk/client-kms";
import { type EvidenceSigner, KEY_ARN, type SigningAlgorithm } from "./algorithms";
import { EvidenceSigningError } from "./certificate";

/**
 * A signer for the key `keyArn` (its ARN, which certificates record: not an alias). Each signature
 * is checked to come from that key and algorithm, as KMS reports them.
 */
export function kmsSigner(
  kms: Pick<KMSClient, "send">,
  keyArn: string,
  algorithm: SigningAlgorithm = "ECDSA_SHA_256",
): EvidenceSigner {
  if (!KEY_ARN.test(keyArn))
    throw new EvidenceSigningError(
      `${JSON.stringify(keyArn)} is not a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>): evidence records the key's ARN, so give that, not an alias or a bare key ID`,
    );
  return {
    keyId: keyArn,
    algorithm,
    async signDigest(digest) {
      if (digest.length !== 32) throw new EvidenceSigningError(`a SHA-256 digest is 32 bytes, not ${digest.length}`);
      const answer = await kms.send(
        new SignCommand({ KeyId: keyArn, Message: digest, MessageType: "DIGEST", SigningAlgorithm: algorithm }),
      );
      if (answer.Signature === undefined || answer.Signature.length === 0)
        throw new EvidenceSigningError(`KMS Sign under ${keyArn} returned no signature`);
      if (answer.KeyId !== keyArn || answer.SigningAlgorithm !== algorithm)
        throw new EvidenceSigningError(
          `KMS signed with ${answer.KeyId ?? "an unnamed key"} and ${answer.SigningAlgorithm ?? "an unnamed algorithm"}, not ${keyArn} and ${algorithm}`,
        );
      return answer.Signature;
    },
  };
}
