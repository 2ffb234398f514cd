import { constants, createHash, generateKeyPairSync, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ALGORITHMS, derToRawEcdsa, describeKey, KEY_ARN, SignatureFormatError, verifySignature } from "./algorithms";
import { derSignature, digestSigner, signP256Digest, signPssDigest } from "../../test/support/evidence/digest-signers";

const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest();

describe("the test signers stand in for KMS Sign with MessageType DIGEST", () => {
  // KMS signs the digest it is given without hashing it again; so do these. The proof that they sign
  // as KMS does is that node:crypto verifies their signature over the MESSAGE the digest came from.
  it("ECDSA_SHA_256: a DER signature of the digest alone verifies over the message (node:crypto, DER)", () => {
    for (let i = 0; i < 50; i++) {
      // Prepare
      const message = Buffer.from(`evidence ${i}`);

      // Act
      const signature = signP256Digest(ec.privateKey, sha256(message));

      // Assess
      expect(verify("sha256", message, { key: ec.publicKey, dsaEncoding: "der" }, signature)).toBe(true);
      expect(verify("sha256", sha256(message), ec.publicKey, signature)).toBe(false);
    }
  });

  it("RSASSA_PSS_SHA_256: a signature of the digest alone verifies over the message (node:crypto, PSS, salt 32)", () => {
    // Prepare
    const message = Buffer.from("evidence");
    const rsa3072 = generateKeyPairSync("rsa", { modulusLength: 3072 });

    // Act
    const signatures = [
      signPssDigest(rsa.privateKey, sha256(message)),
      signPssDigest(rsa3072.privateKey, sha256(message)),
    ];

    // Assess
    expect(verify("sha256", message, { key: rsa.publicKey, ...PSS }, signatures[0] ?? Buffer.alloc(0))).toBe(true);
    expect(verify("sha256", message, { key: rsa3072.publicKey, ...PSS }, signatures[1] ?? Buffer.alloc(0))).toBe(true);
    expect(verify("sha256", sha256(message), { key: rsa.publicKey, ...PSS }, signatures[0] ?? Buffer.alloc(0))).toBe(
      false,
    );
  });

  it("refuse a digest that is not 32 bytes, as KMS does", async () => {
    // Act / Assess
    await expect(digestSigner(ec.privateKey).signDigest(Buffer.from("short"))).rejects.toThrow(/32 bytes/);
  });
});

describe("verifySignature", () => {
  it("checks ECDSA signatures as DER (certificates) or r || s (JWS)", () => {
    // Prepare
    const message = Buffer.from("m");
    const der = sign("sha256", message, ec.privateKey);
    const raw = sign("sha256", message, { key: ec.privateKey, dsaEncoding: "ieee-p1363" });

    // Act / Assess
    expect(verifySignature("ECDSA_SHA_256", message, ec.publicKey, der)).toBe(true);
    expect(verifySignature("ECDSA_SHA_256", message, ec.publicKey, raw, "ieee-p1363")).toBe(true);
    expect(verifySignature("ECDSA_SHA_256", message, ec.publicKey, raw)).toBe(false);
  });

  it("checks RSASSA-PSS with SHA-256 and a 32-byte salt, and nothing else", () => {
    // Prepare
    const message = Buffer.from("m");
    const pss32 = sign("sha256", message, { key: rsa.privateKey, ...PSS });
    const pss20 = sign("sha256", message, { key: rsa.privateKey, ...PSS, saltLength: 20 });
    const pkcs1 = sign("sha256", message, rsa.privateKey);

    // Act / Assess
    expect(verifySignature("RSASSA_PSS_SHA_256", message, rsa.publicKey, pss32)).toBe(true);
    expect(verifySignature("RSASSA_PSS_SHA_256", message, rsa.publicKey, pss20)).toBe(false);
    expect(verifySignature("RSASSA_PSS_SHA_256", message, rsa.publicKey, pkcs1)).toBe(false);
  });
});

describe("ALGORITHMS", () => {
  it("fit each key to its algorithm only", () => {
    // Prepare
    const p384 = generateKeyPairSync("ec", { namedCurve: "P-384" }).publicKey;
    const rsa1024 = generateKeyPairSync("rsa", { modulusLength: 1024 }).publicKey;

    // Act / Assess
    expect(ALGORITHMS.ECDSA_SHA_256.fits(ec.publicKey)).toBe(true);
    expect(ALGORITHMS.ECDSA_SHA_256.fits(p384)).toBe(false);
    expect(ALGORITHMS.ECDSA_SHA_256.fits(rsa.publicKey)).toBe(false);
    expect(ALGORITHMS.RSASSA_PSS_SHA_256.fits(rsa.publicKey)).toBe(true);
    expect(ALGORITHMS.RSASSA_PSS_SHA_256.fits(rsa1024)).toBe(false);
    expect(ALGORITHMS.RSASSA_PSS_SHA_256.fits(ec.publicKey)).toBe(false);
    expect(describeKey(p384)).toBe("an EC key on secp384r1");
    expect(describeKey(rsa1024)).toBe("an RSA key of 1024 bits");
  });

  it("take key ARNs of every partition, and no aliases or bare key IDs", () => {
    // Act / Assess
    for (const arn of [
      "arn:aws:kms:eu-central-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab",
    ])
      expect(KEY_ARN.test(arn), arn).toBe(true);
    for (const id of [
      "alias/prod/evidence",
      "arn:aws:kms:eu-central-1:111122223333:alias/evidence",
      "1234abcd-12ab-34cd-56ef-1234567890ab",
      "arn:aws:s3:::bucket",
    ])
      expect(KEY_ARN.test(id), id).toBe(false);
  });
});

describe("derToRawEcdsa", () => {
  it("gives r || s that node:crypto verifies as IEEE P1363, for signatures node:crypto made as DER", () => {
    // node:crypto's own conversion (dsaEncoding) is the independent check of ours.
    for (let i = 0; i < 100; i++) {
      // Prepare
      const message = Buffer.from(`m${i}`);
      const der = sign("sha256", message, ec.privateKey);

      // Act
      const raw = derToRawEcdsa(der);

      // Assess
      expect(raw).toHaveLength(64);
      expect(verify("sha256", message, { key: ec.publicKey, dsaEncoding: "ieee-p1363" }, raw)).toBe(true);
    }
  });

  it("pads short integers and drops the sign byte of long ones", () => {
    // Prepare: r = 1 (one byte), s with its top bit set (DER puts 0x00 in front: 33 bytes)
    const s = 0x80n << 248n;

    // Act
    const raw = derToRawEcdsa(derSignature(1n, s));

    // Assess
    expect(raw.toString("hex")).toBe(`${"00".repeat(31)}01${"80"}${"00".repeat(31)}`);
  });

  it.each([
    ["an empty input", "", "not a DER SEQUENCE of the signature's length"],
    ["another tag", "3106020101020101", "not a DER SEQUENCE of the signature's length"],
    ["a wrong length", "3007020101020101", "not a DER SEQUENCE of the signature's length"],
    ["bytes after the integers", "300702010102010100", "bytes after the DER SEQUENCE's two integers"],
    ["a missing s", "3003020101", "s is not a DER INTEGER inside the SEQUENCE"],
    ["a negative r", "3006020181020101", "r is negative"],
    ["a non-minimal r", "300702020001020101", "r is not minimally encoded"],
    ["an r of 33 bytes", `3026022101${"00".repeat(32)}020101`, "r is longer than 32 bytes"],
  ])("refuses %s", (_, hex, message) => {
    // Act / Assess
    expect(() => derToRawEcdsa(Buffer.from(hex, "hex"))).toThrow(new SignatureFormatError(message));
  });
});
