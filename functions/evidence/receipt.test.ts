import { constants, createHash, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { describe, expect, it } from "vitest";
import { derToRawEcdsa, type EvidenceSigner } from "./algorithms";
import { canonicalize, type EvidenceDocument } from "./canonical";
import { EvidenceSigningError } from "./certificate";
import { documentDigest, RECEIPT_TYPE, signReceipt, verifyJwsSignature, verifyReceipt } from "./receipt";
import type { Verification } from "./verification";
import { digestSigner, TEST_KEY_ARN } from "../../test/support/evidence/digest-signers";

// No JOSE library (jose, node-jose, jsonwebtoken) is installed: the independent checks below are
// node:crypto's own, with `dsaEncoding: "ieee-p1363"` (the r || s form of RFC 7518 §3.4) and PSS
// parameters, over the signing input built by hand, plus the ES256 example of RFC 7515 Appendix A.3.

const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const OTHER_ARN = TEST_KEY_ARN.replace(/.$/, "1");

/** A signing receipt, as issue 19 describes one. */
const DOCUMENT: EvidenceDocument = {
  kind: "signature",
  tenant: "acme",
  document: { bucket: "example-clean", key: "acme/3f1c/contract.pdf", version: "v3", sha256: "cd".repeat(32) },
  signer: "jane@acme.example",
  consentAt: "2026-03-01T10:00:00Z",
  purpose: "Rahmenvertrag 2026 – Annahme",
};

const b64url = (text: string) => Buffer.from(text, "utf8").toString("base64url");
const keyOf = (key: KeyObject) => ({ publicKey: { key } });

function rejection(result: Verification): [string, string] {
  if (result.valid) throw new Error("the receipt verified");
  return [result.reason, result.message];
}

/** A receipt signed by node:crypto alone: header and payload as given, r || s from node:crypto. */
function handMade(header: object, payload: string, key: KeyObject = ec.privateKey): string {
  const input = `${b64url(JSON.stringify(header))}.${b64url(payload)}`;
  const signature = sign("sha256", Buffer.from(input), { key, dsaEncoding: "ieee-p1363" });
  return `${input}.${signature.toString("base64url")}`;
}

const HEADER = { alg: "ES256", kid: TEST_KEY_ARN, typ: RECEIPT_TYPE };

describe("verifyJwsSignature: RFC 7515 Appendix A.3 (ES256)", () => {
  // The RFC's example key (public part) and JWS.
  const key = createPublicKey({
    key: {
      kty: "EC",
      crv: "P-256",
      x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
      y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
    },
    format: "jwk",
  });
  const header = "eyJhbGciOiJFUzI1NiJ9";
  const payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
  const signature = "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

  it("accepts the RFC's example", () => {
    // Act / Assess
    expect(verifyJwsSignature("ES256", `${header}.${payload}`, Buffer.from(signature, "base64url"), key)).toBe(true);
  });

  it("rejects it with one payload character changed", () => {
    // Act / Assess
    expect(
      verifyJwsSignature(
        "ES256",
        `${header}.${payload.replace("eyJpc3", "eyJpc4")}`,
        Buffer.from(signature, "base64url"),
        key,
      ),
    ).toBe(false);
  });

  it("is not a receipt: no kid, no typ, a payload that is not canonical", () => {
    // Act / Assess
    expect(rejection(verifyReceipt(`${header}.${payload}.${signature}`, keyOf(key)))).toEqual([
      "malformed",
      `the JWS typ is undefined, not ${RECEIPT_TYPE}`,
    ]);
  });
});

describe("signReceipt", () => {
  it("makes a compact JWS: canonical header with alg ES256, kid and typ; the canonical document as payload", async () => {
    // Act
    const receipt = await signReceipt(DOCUMENT, digestSigner(ec.privateKey));

    // Assess
    const [header, payload, signature] = receipt.split(".");
    expect(Buffer.from(header ?? "", "base64url").toString()).toBe(
      `{"alg":"ES256","kid":"${TEST_KEY_ARN}","typ":"${RECEIPT_TYPE}"}`,
    );
    expect(Buffer.from(payload ?? "", "base64url").toString()).toBe(canonicalize(DOCUMENT));
    expect(receipt).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);
    // Independent check: node:crypto over the signing input, r || s as IEEE P1363.
    const input = Buffer.from(`${header}.${payload}`);
    const raw = Buffer.from(signature ?? "", "base64url");
    expect(verify("sha256", input, { key: ec.publicKey, dsaEncoding: "ieee-p1363" }, raw)).toBe(true);
  });

  it("signs the digest of the signing input, and carries KMS's DER signature as r || s", async () => {
    // Prepare: a signer that keeps the DER it returned
    const inner = digestSigner(ec.privateKey);
    const returned: Buffer[] = [];
    const signer: EvidenceSigner = {
      ...inner,
      signDigest: async (digest) => {
        const der = Buffer.from(await inner.signDigest(digest));
        returned.push(der);
        return der;
      },
    };

    // Act
    const receipt = await signReceipt(DOCUMENT, signer);

    // Assess
    const [header, payload, signature] = receipt.split(".");
    const digest = createHash("sha256").update(`${header}.${payload}`).digest();
    expect(inner.digests).toEqual([digest]);
    expect(returned[0]?.[0]).toBe(0x30);
    expect(Buffer.from(signature ?? "", "base64url")).toEqual(derToRawEcdsa(returned[0] ?? Buffer.alloc(0)));
  });

  it("makes a PS256 receipt with an RSA key, which node:crypto verifies with PSS and a 32-byte salt", async () => {
    // Act
    const receipt = await signReceipt(DOCUMENT, digestSigner(rsa.privateKey));

    // Assess
    const [header, payload, signature] = receipt.split(".");
    expect(JSON.parse(Buffer.from(header ?? "", "base64url").toString()).alg).toBe("PS256");
    const options = { key: rsa.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 };
    expect(
      verify("sha256", Buffer.from(`${header}.${payload}`), options, Buffer.from(signature ?? "", "base64url")),
    ).toBe(true);
    expect(verifyReceipt(receipt, keyOf(rsa.publicKey)).valid).toBe(true);
  });

  it("fails for a signer that answers with something that is not DER", async () => {
    // Prepare
    const signer: EvidenceSigner = {
      keyId: TEST_KEY_ARN,
      algorithm: "ECDSA_SHA_256",
      signDigest: async () => Buffer.alloc(64, 1),
    };

    // Act / Assess
    await expect(signReceipt(DOCUMENT, signer)).rejects.toThrow(EvidenceSigningError);
  });

  it("fails for a document without a canonical form, before asking the signer", async () => {
    // Prepare
    const signer = digestSigner(ec.privateKey);

    // Act / Assess
    await expect(signReceipt({ at: new Date(0) } as unknown as EvidenceDocument, signer)).rejects.toThrow(
      "$.at: a Date object is not a JSON object (only plain objects)",
    );
    expect(signer.digests).toEqual([]);
  });
});

describe("verifyReceipt", () => {
  it("accepts a receipt and answers its key, algorithm, document and the document's digest", async () => {
    // Prepare
    const receipt = await signReceipt(DOCUMENT, digestSigner(ec.privateKey));

    // Act
    const result = verifyReceipt(`${receipt}\n`, { ...keyOf(ec.publicKey), keyId: TEST_KEY_ARN });

    // Assess
    expect(result).toEqual({
      valid: true,
      kind: "receipt",
      keyId: TEST_KEY_ARN,
      algorithm: "ECDSA_SHA_256",
      digest: documentDigest(DOCUMENT),
      document: DOCUMENT,
    });
    expect(documentDigest(DOCUMENT)).toBe(createHash("sha256").update(canonicalize(DOCUMENT)).digest("hex"));
  });

  it("accepts a receipt made by node:crypto alone (ieee-p1363), with no signer of ours", () => {
    // Act / Assess
    expect(verifyReceipt(handMade(HEADER, canonicalize(DOCUMENT)), keyOf(ec.publicKey)).valid).toBe(true);
  });

  it("rejects one changed byte in the payload: bad signature", async () => {
    // Prepare: still canonical, still base64url, one character of the document changed
    const [header, , signature] = (await signReceipt(DOCUMENT, digestSigner(ec.privateKey))).split(".");
    const payload = b64url(canonicalize({ ...DOCUMENT, signer: "jane@acme.exampla" }));

    // Act / Assess
    expect(rejection(verifyReceipt(`${header}.${payload}.${signature}`, keyOf(ec.publicKey)))).toEqual([
      "bad-signature",
      "the signature is not ES256 by this public key over the header and payload",
    ]);
  });

  it("rejects one changed byte in the signature: bad signature", async () => {
    // Prepare
    const [header, payload, signature] = (await signReceipt(DOCUMENT, digestSigner(ec.privateKey))).split(".");
    const bytes = Buffer.from(signature ?? "", "base64url");
    bytes.writeUInt8(bytes.readUInt8(33) ^ 0x80, 33);

    // Act / Assess
    expect(
      rejection(verifyReceipt(`${header}.${payload}.${bytes.toString("base64url")}`, keyOf(ec.publicKey)))[0],
    ).toBe("bad-signature");
  });

  it("rejects a DER signature where JWS carries r || s: bad signature, saying why", async () => {
    // Prepare
    const [header, payload] = (await signReceipt(DOCUMENT, digestSigner(ec.privateKey))).split(".");
    const der = sign("sha256", Buffer.from(`${header}.${payload}`), ec.privateKey);

    // Act / Assess
    expect(rejection(verifyReceipt(`${header}.${payload}.${der.toString("base64url")}`, keyOf(ec.publicKey)))).toEqual([
      "bad-signature",
      `an ES256 signature is 64 bytes (r || s); this one is ${der.length}`,
    ]);
  });

  it("rejects one changed byte in the key ID: wrong key ID when one is expected, else bad signature", async () => {
    // Prepare: the kid is in the signed header
    const [, payload, signature] = (await signReceipt(DOCUMENT, digestSigner(ec.privateKey))).split(".");
    const receipt = `${b64url(canonicalize({ ...HEADER, kid: OTHER_ARN }))}.${payload}.${signature}`;

    // Act / Assess
    expect(rejection(verifyReceipt(receipt, { ...keyOf(ec.publicKey), keyId: TEST_KEY_ARN }))).toEqual([
      "wrong-key-id",
      `signed with key ${OTHER_ARN}, expected ${TEST_KEY_ARN}`,
    ]);
    expect(rejection(verifyReceipt(receipt, keyOf(ec.publicKey)))[0]).toBe("bad-signature");
  });

  it.each([
    ["none", 'JWS alg "none" is not one evidence uses (ES256, PS256)'],
    ["HS256", 'JWS alg "HS256" is not one evidence uses (ES256, PS256)'],
    ["ES384", 'JWS alg "ES384" is not one evidence uses (ES256, PS256)'],
    [
      "PS256",
      "RSASSA_PSS_SHA_256 needs an RSA_2048, RSA_3072 or RSA_4096 key; the public key is an EC key on prime256v1",
    ],
  ])("rejects the algorithm changed to %s: wrong algorithm", async (alg, message) => {
    // Prepare
    const [, payload, signature] = (await signReceipt(DOCUMENT, digestSigner(ec.privateKey))).split(".");
    const receipt = `${b64url(canonicalize({ ...HEADER, alg }))}.${payload}.${signature}`;

    // Act / Assess
    expect(rejection(verifyReceipt(receipt, keyOf(ec.publicKey)))).toEqual(["wrong-algorithm", message]);
  });

  it.each<[string, () => string, string]>([
    [
      "two parts",
      () => "eyJhIjoxfQ.eyJhIjoxfQ",
      "not a receipt: a compact JWS is three base64url parts (no padding) joined by dots",
    ],
    [
      "padding",
      () => `${handMade(HEADER, "{}")}=`,
      "not a receipt: a compact JWS is three base64url parts (no padding) joined by dots",
    ],
    [
      "a header that is not JSON",
      () => `${b64url("alg")}.${b64url("{}")}.AAAA`,
      "not a receipt: the header or payload is not JSON: Unexpected token 'a', \"alg\" is not valid JSON",
    ],
    ["another typ", () => handMade({ ...HEADER, typ: "JWT" }, "{}"), `the JWS typ is "JWT", not ${RECEIPT_TYPE}`],
    [
      "an embedded key",
      () => handMade({ ...HEADER, jwk: { kty: "EC" } }, "{}"),
      "the JWS header has parameters a receipt does not: jwk",
    ],
    [
      "a crit header",
      () => handMade({ ...HEADER, crit: ["exp"] }, "{}"),
      "the JWS header has parameters a receipt does not: crit",
    ],
    ["no kid", () => handMade({ alg: "ES256", typ: RECEIPT_TYPE }, "{}"), "the JWS header names no key (kid)"],
    ["a payload that is an array", () => handMade(HEADER, "[]"), "the payload is not a JSON object"],
    [
      "a payload not in canonical form",
      () => handMade(HEADER, JSON.stringify(DOCUMENT, null, 1)),
      "the payload is not its document's canonical form (RFC 8785)",
    ],
    [
      "a payload with a fraction",
      () => handMade(HEADER, '{"a":0.5}'),
      "the payload has no canonical form: $.a: 0.5 is not an integer: evidence holds only integers (write it as a string)",
    ],
  ])("rejects %s as malformed, even when validly signed", (_, receipt, message) => {
    // Act / Assess
    expect(rejection(verifyReceipt(receipt(), keyOf(ec.publicKey)))).toEqual(["malformed", message]);
  });
});
