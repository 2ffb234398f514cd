import { generateKeyPairSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { PublicKeyError, readPublicKey } from "./public-key";
import { TEST_KEY_ARN } from "../../test/support/evidence/digest-signers";

const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const der = ec.publicKey.export({ type: "spki", format: "der" });
const pem = ec.publicKey.export({ type: "spki", format: "pem" }) as string;

/** What `aws kms get-public-key --key-id <arn>` prints for an ECC_NIST_P256 SIGN_VERIFY key. */
const getPublicKey = (overrides: Record<string, unknown> = {}) =>
  Buffer.from(
    JSON.stringify(
      {
        KeyId: TEST_KEY_ARN,
        PublicKey: der.toString("base64"),
        CustomerMasterKeySpec: "ECC_NIST_P256",
        KeySpec: "ECC_NIST_P256",
        KeyUsage: "SIGN_VERIFY",
        SigningAlgorithms: ["ECDSA_SHA_256"],
        ...overrides,
      },
      null,
      4,
    ),
  );

describe("readPublicKey", () => {
  it.each([
    ["PEM", Buffer.from(pem)],
    ["DER", der],
    [
      "the base64 of the DER (get-public-key --output text), with a newline",
      Buffer.from(`${der.toString("base64")}\n`),
    ],
  ])("reads %s", (_, bytes) => {
    // Act
    const found = readPublicKey(bytes);

    // Assess
    expect(found.key.equals(ec.publicKey)).toBe(true);
    expect(found.keyId).toBeUndefined();
    expect(found.signingAlgorithms).toBeUndefined();
  });

  it("reads the JSON of aws kms get-public-key with the key's ARN and algorithms", () => {
    // Act
    const found = readPublicKey(getPublicKey());

    // Assess
    expect(found.key.equals(ec.publicKey)).toBe(true);
    expect(found.keyId).toBe(TEST_KEY_ARN);
    expect(found.signingAlgorithms).toEqual(["ECDSA_SHA_256"]);
  });

  it("keeps only the algorithms evidence uses from an RSA key's list", () => {
    // Prepare
    const json = getPublicKey({
      PublicKey: rsa.publicKey.export({ type: "spki", format: "der" }).toString("base64"),
      SigningAlgorithms: ["RSASSA_PKCS1_V1_5_SHA_256", "RSASSA_PSS_SHA_256", "RSASSA_PSS_SHA_512"],
    });

    // Act / Assess
    expect(readPublicKey(json).signingAlgorithms).toEqual(["RSASSA_PSS_SHA_256"]);
  });

  it.each([
    [
      "a private key",
      () => Buffer.from(ec.privateKey.export({ type: "pkcs8", format: "pem" }) as string),
      /holds a private key: give the public key/,
    ],
    [
      "a P-384 key",
      () => generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey.export({ type: "spki", format: "der" }),
      /is an EC key on secp384r1; evidence is signed with ECC_NIST_P256 \(ECDSA_SHA_256\) or RSA keys/,
    ],
    [
      "an Ed25519 key",
      () => Buffer.from(generateKeyPairSync("ed25519").publicKey.export({ type: "spki", format: "pem" }) as string),
      /is a key of type ed25519/,
    ],
    [
      "an encryption key's JSON",
      () => getPublicKey({ KeyUsage: "ENCRYPT_DECRYPT" }),
      /of a ENCRYPT_DECRYPT key; evidence keys are SIGN_VERIFY/,
    ],
    ["JSON without PublicKey", () => Buffer.from('{"KeyId":"x"}'), /JSON without a base64 PublicKey/],
    ["broken JSON", () => Buffer.from("{nope"), /is not JSON/],
    [
      "a broken PEM",
      () => Buffer.from("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"),
      /is not a readable PEM public key/,
    ],
    ["base64 that is no key", () => Buffer.from("AAAA"), /is not a readable DER public key/],
    ["text", () => Buffer.from("hello, world"), /is not a public key: expected PEM/],
    ["words and spaces", () => Buffer.from("not evidence\n"), /is not a public key: expected PEM/],
  ])("refuses %s, saying why", (_, bytes, message) => {
    // Act / Assess
    expect(() => readPublicKey(bytes())).toThrow(PublicKeyError);
    expect(() => readPublicKey(bytes())).toThrow(message);
  });
});
