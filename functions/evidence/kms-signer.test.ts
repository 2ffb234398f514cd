import { generateKeyPairSync } from "node:crypto";
import type { KMSClient, SignCommand, SignCommandOutput } from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import { formatCertificate, signEvidence, verifyCertificate } from "./certificate";
import { kmsSigner } from "./kms-signer";
import { verifyReceipt, signReceipt } from "./receipt";
import { signP256Digest, TEST_KEY_ARN } from "../../test/support/evidence/digest-signers";

const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });

/**
 * A KMS client whose Sign answers as KMS does for MessageType DIGEST (the test signer's ECDSA over
 * the digest as given, DER-encoded), unless `answer` says otherwise; it keeps every command's input.
 */
function fakeKms(answer: (input: SignCommand["input"]) => Partial<SignCommandOutput> = () => ({})) {
  const inputs: SignCommand["input"][] = [];
  const client = {
    send: async (command: SignCommand) => {
      inputs.push(command.input);
      return {
        KeyId: command.input.KeyId,
        SigningAlgorithm: command.input.SigningAlgorithm,
        Signature: signP256Digest(ec.privateKey, command.input.Message ?? new Uint8Array()),
        ...answer(command.input),
      };
    },
  };
  return { client: client as unknown as Pick<KMSClient, "send">, inputs };
}

describe("kmsSigner", () => {
  it("asks KMS Sign for a signature of the digest (MessageType DIGEST), under the key ARN and algorithm", async () => {
    // Prepare
    const kms = fakeKms();
    const digest = Buffer.alloc(32, 7);

    // Act
    await kmsSigner(kms.client, TEST_KEY_ARN).signDigest(digest);

    // Assess
    expect(kms.inputs).toEqual([
      { KeyId: TEST_KEY_ARN, Message: digest, MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_256" },
    ]);
  });

  it("makes certificates and receipts that verify with the key's public key", async () => {
    // Prepare
    const signer = kmsSigner(fakeKms().client, TEST_KEY_ARN);
    const document = { kind: "deployment", commit: "9316724", stacks: { example: "ab".repeat(32) } };

    // Act
    const certificate = await signEvidence(document, signer);
    const receipt = await signReceipt(document, signer);

    // Assess
    const options = { publicKey: { key: ec.publicKey, keyId: TEST_KEY_ARN } };
    expect(verifyCertificate(formatCertificate(certificate), options).valid).toBe(true);
    expect(verifyReceipt(receipt, options).valid).toBe(true);
  });

  it.each(["alias/prod/evidence", "arn:aws-eusc:kms:eusc-de-east-1:111122223333:alias/evidence", "0f1e2d3c-4b5a"])(
    "fails for %s, which is not a key ARN",
    (keyId) => {
      // Act / Assess
      expect(() => kmsSigner(fakeKms().client, keyId)).toThrow(/is not a KMS key ARN .*give that, not an alias/);
    },
  );

  it("fails for a digest that is not 32 bytes, without asking KMS", async () => {
    // Prepare
    const kms = fakeKms();

    // Act / Assess
    await expect(kmsSigner(kms.client, TEST_KEY_ARN).signDigest(Buffer.alloc(48))).rejects.toThrow(
      "a SHA-256 digest is 32 bytes, not 48",
    );
    expect(kms.inputs).toEqual([]);
  });

  it.each<[string, Partial<SignCommandOutput>, string | RegExp]>([
    ["no signature", { Signature: undefined }, `KMS Sign under ${TEST_KEY_ARN} returned no signature`],
    ["another key", { KeyId: TEST_KEY_ARN.replace(/.$/, "1") }, /^KMS signed with arn:.*1 and ECDSA_SHA_256, not arn:/],
    ["another algorithm", { SigningAlgorithm: "ECDSA_SHA_384" }, /and ECDSA_SHA_384, not .* and ECDSA_SHA_256$/],
  ])("fails when KMS answers with %s", async (_, answer, message) => {
    // Prepare
    const signer = kmsSigner(fakeKms(() => answer).client, TEST_KEY_ARN);

    // Act / Assess
    await expect(signer.signDigest(Buffer.alloc(32))).rejects.toThrow(message);
  });
});
