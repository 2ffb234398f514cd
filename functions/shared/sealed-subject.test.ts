import { constants, generateKeyPairSync, publicEncrypt } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  localUnseal,
  maxSealedBytes,
  openSealedSubject,
  SealError,
  sealingPublicKey,
  sealSubject,
  UnsealError,
} from "./sealed-subject";

/** Key pairs as KMS RSA_3072 would hold them: the public half as SPKI PEM. */
function rsaPair(bits = 3072) {
  return generateKeyPairSync("rsa", {
    modulusLength: bits,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}
const pair = rsaPair();
const other = rsaPair();

/** What KMS would decrypt to: any plaintext sealed the same way (RSA-OAEP, SHA-256 hash and MGF1). */
const sealRaw = (plaintext: string) =>
  publicEncrypt(
    { key: pair.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
    Buffer.from(plaintext, "utf8"),
  ).toString("base64");

describe("sealed subjects", () => {
  it("open to the tenant and subject they seal, with the private key only", async () => {
    // Act
    const sealed = sealSubject(pair.publicKey, "acme", "jane.doe@example.org");

    // Assess
    expect(Buffer.from(sealed, "base64")).toHaveLength(384);
    expect(sealed).not.toMatch(/jane|acme/);
    expect(await openSealedSubject(localUnseal(pair.privateKey), sealed)).toEqual({
      tenant: "acme",
      subject: "jane.doe@example.org",
    });
  });

  it("differ on every seal of the same subject (OAEP is randomized)", () => {
    expect(sealSubject(pair.publicKey, "acme", "s")).not.toBe(sealSubject(pair.publicKey, "acme", "s"));
  });

  it("do not open with another key", async () => {
    // Prepare
    const sealed = sealSubject(pair.publicKey, "acme", "s");

    // Act and assess
    await expect(openSealedSubject(localUnseal(other.privateKey), sealed)).rejects.toThrow(UnsealError);
  });

  it("do not open once a byte of the ciphertext changed", async () => {
    // Prepare
    const bytes = Buffer.from(sealSubject(pair.publicKey, "acme", "s"), "base64");
    bytes[100] = (bytes[100] ?? 0) ^ 1;

    // Act and assess
    await expect(openSealedSubject(localUnseal(pair.privateKey), bytes.toString("base64"))).rejects.toThrow(
      /cannot be opened/,
    );
  });

  it("refuse a message longer than RSA-3072 OAEP-SHA-256 holds (318 bytes), and accept one of exactly that", () => {
    // Prepare: the domain, two NULs and the tenant take 21 + 2 + 4 bytes.
    const fits = "x".repeat(318 - 27);

    // Act and assess
    expect(maxSealedBytes(3072)).toBe(318);
    expect(() => sealSubject(pair.publicKey, "acme", fits)).not.toThrow();
    const error = (() => {
      try {
        sealSubject(pair.publicKey, "acme", `${fits}x`);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(SealError);
    expect((error as SealError).sizes).toEqual({ bytes: 319, maxBytes: 318 });
  });

  it("refuse a NUL in tenant or subject", () => {
    expect(() => sealSubject(pair.publicKey, "ac\0me", "s")).toThrow(/NUL/);
  });

  it.each([
    ["another domain", "sip-sealed-subject-v2\0acme\0s"],
    ["a third NUL", "sip-sealed-subject-v1\0acme\0s\0x"],
    ["one NUL only", "sip-sealed-subject-v1\0acme"],
    ["an empty subject", "sip-sealed-subject-v1\0acme\0"],
    ["an empty tenant", "sip-sealed-subject-v1\0\0s"],
  ])("refuse a plaintext with %s", async (_what, plaintext) => {
    await expect(openSealedSubject(localUnseal(pair.privateKey), sealRaw(plaintext))).rejects.toThrow(UnsealError);
  });

  it("pass on a failure of the decryption itself (KMS unreachable): it is no verdict on the seal", async () => {
    const unreachable = async (): Promise<Uint8Array> => {
      throw Object.assign(new Error("connect ETIMEDOUT"), { name: "TimeoutError" });
    };
    const sealed = sealSubject(pair.publicKey, "acme", "s");
    await expect(openSealedSubject(unreachable, sealed)).rejects.toThrow(/ETIMEDOUT/);
    await expect(openSealedSubject(unreachable, sealed)).rejects.not.toThrow(UnsealError);
  });

  it("refuse what is not base64 before decrypting", async () => {
    let called = false;
    const unseal = async () => {
      called = true;
      return new Uint8Array();
    };
    await expect(openSealedSubject(unseal, "not base64!")).rejects.toThrow(/not base64/);
    expect(called).toBe(false);
  });

  it.each([
    ["an RSA key of 2048 bits", () => rsaPair(2048).publicKey, /2048 bits/],
    [
      "an EC key",
      () =>
        generateKeyPairSync("ec", {
          namedCurve: "P-256",
          publicKeyEncoding: { type: "spki", format: "pem" },
          privateKeyEncoding: { type: "pkcs8", format: "pem" },
        }).publicKey,
      /not RSA/,
    ],
    ["text that is no PEM", () => "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----", /not a PEM/],
  ])("refuse %s as the sealing key", (_what, pem, message) => {
    expect(() => sealingPublicKey(pem())).toThrow(message);
  });
});
