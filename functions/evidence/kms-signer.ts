/**
 * The production EvidenceSigner: KMS `Sign` with `MessageType: "DIGEST"` under an asymmetric
 * `SIGN_VERIFY` key of the sovereign partition (ECC_NIST_P256 with ECDSA_SHA_256, or RSA with
 * RSASSA_PSS_SHA_256). Only the 32-byte digest goes to KMS, never the evidence; the caller needs
 * kms:Sign on the key. Kept apart from the verification code, so that `verify-evidence` bundles no
 * AWS SDK.
 */
import { GetPublicKeyCommand, type KMSClient, SignCommand } from "@aws-sdk/client-kms";
import { type EvidenceSigner, isSigningAlgorithm, KEY_ARN, type SigningAlgorithm } from "./algorithms";
import { EvidenceSigningError } from "./certificate";
import { readPublicKey, type VerificationKey } from "./public-key";

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

/**
 * The key's public key from KMS (`GetPublicKey`, once; a failed call is asked again next time), with
 * its ARN and algorithms, so that evidence is verified against exactly this key.
 */
export function kmsPublicKey(kms: Pick<KMSClient, "send">, keyArn: string): () => Promise<VerificationKey> {
  let pending: Promise<VerificationKey> | undefined;
  return () => {
    pending ??= (async () => {
      const answer = await kms.send(new GetPublicKeyCommand({ KeyId: keyArn }));
      if (answer.PublicKey === undefined)
        throw new EvidenceSigningError(`KMS GetPublicKey of ${keyArn} returned no key`);
      const { key } = readPublicKey(answer.PublicKey);
      return {
        key,
        keyId: answer.KeyId ?? keyArn,
        ...(answer.SigningAlgorithms === undefined
          ? {}
          : { signingAlgorithms: answer.SigningAlgorithms.filter(isSigningAlgorithm) }),
      };
    })().catch((error: unknown) => {
      pending = undefined;
      throw error;
    });
    return pending;
  };
}
