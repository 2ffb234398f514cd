import { spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { EvidenceSigner } from "./algorithms";
import { CanonicalizationError, canonicalize, type EvidenceDocument } from "./canonical";
import {
  CERTIFICATE_FORMAT,
  type EvidenceCertificate,
  EvidenceSigningError,
  formatCertificate,
  signEvidence,
  signedContent,
  verifyCertificate,
} from "./certificate";
import type { VerificationKey } from "./public-key";
import type { Verification } from "./verification";
import { digestSigner, TEST_KEY_ARN } from "../../test/support/evidence/digest-signers";

const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const otherEc = generateKeyPairSync("ec", { namedCurve: "P-256" });
const OTHER_ARN = TEST_KEY_ARN.replace(/.$/, "1");

/** A certificate of a completed erasure request, as issue 18 describes one. */
const DOCUMENT: EvidenceDocument = {
  kind: "erasure",
  request: "req-2026-0042",
  tenant: "acme",
  subject: "3f1c9a0e5b7d2c4a6e8f0a1b2c3d4e5f",
  approvals: [
    { by: "ann@acme.example", at: "2026-03-01T09:00:00Z", role: "requester" },
    { by: "bob@acme.example", at: "2026-03-01T09:12:00Z", role: "approver" },
  ],
  erased: [
    { bucket: "example-originals", key: "acme/3f1c/1", versions: ["v1", "v2"], size: 52_311, sha256: "ab".repeat(32) },
  ],
  held: [],
  note: "Löschung bestätigt ✓",
};

const keyOf = (key: KeyObject, extra: Partial<VerificationKey> = {}): { publicKey: VerificationKey } => ({
  publicKey: { key, ...extra },
});

/** The file text with `edit` applied to the parsed certificate. */
const edited = (certificate: EvidenceCertificate, edit: (c: Record<string, unknown>) => void): string => {
  const copy = JSON.parse(formatCertificate(certificate)) as Record<string, unknown>;
  edit(copy);
  return JSON.stringify(copy, null, 2);
};

/** The reason and message of a rejection (fails the test when the evidence was valid). */
function rejection(result: Verification): [string, string] {
  if (result.valid) throw new Error("the evidence verified");
  return [result.reason, result.message];
}

describe("signEvidence", () => {
  it("signs the SHA-256 digest of the canonical form of format, key ID, algorithm and document", async () => {
    // Prepare
    const signer = digestSigner(ec.privateKey);

    // Act
    const certificate = await signEvidence(DOCUMENT, signer);

    // Assess
    const content = canonicalize({
      algorithm: "ECDSA_SHA_256",
      document: DOCUMENT,
      format: CERTIFICATE_FORMAT,
      keyId: TEST_KEY_ARN,
    });
    expect(signedContent(certificate).toString("utf8")).toBe(content);
    expect(certificate).toMatchObject({
      format: CERTIFICATE_FORMAT,
      keyId: TEST_KEY_ARN,
      algorithm: "ECDSA_SHA_256",
      document: DOCUMENT,
    });
    expect(certificate.digest).toBe(createHash("sha256").update(content, "utf8").digest("hex"));
    expect(signer.digests.map((d) => d.toString("hex"))).toEqual([certificate.digest]);
    // Independent check: an ordinary ECDSA-SHA-256 signature (DER) over the canonical content.
    expect(
      verify("sha256", Buffer.from(content, "utf8"), ec.publicKey, Buffer.from(certificate.signature, "base64")),
    ).toBe(true);
  });

  it("keeps the document as signed, not the caller's object, which may change later", async () => {
    // Prepare
    const document = { count: -0, items: ["a"] };

    // Act
    const certificate = await signEvidence(document, digestSigner(ec.privateKey));
    document.items.push("b");

    // Assess
    expect(certificate.document).toEqual({ count: 0, items: ["a"] });
    expect(verifyCertificate(formatCertificate(certificate), keyOf(ec.publicKey)).valid).toBe(true);
  });

  it("writes the file with its fields in a fixed order and a final newline", async () => {
    // Act
    const text = formatCertificate(await signEvidence({ b: 1, a: 2 }, digestSigner(ec.privateKey)));

    // Assess
    expect(Object.keys(JSON.parse(text))).toEqual(["format", "keyId", "algorithm", "document", "digest", "signature"]);
    expect(text.endsWith("}\n")).toBe(true);
  });

  it("fails for a document without a canonical form, naming the value, before asking the signer", async () => {
    // Prepare
    const signer = digestSigner(ec.privateKey);

    // Act / Assess
    await expect(signEvidence({ erased: [{ size: 1.5 }] }, signer)).rejects.toThrow(
      new CanonicalizationError(
        "$.erased[0].size",
        "1.5 is not an integer: evidence holds only integers (write it as a string)",
      ),
    );
    await expect(signEvidence([] as unknown as EvidenceDocument, signer)).rejects.toThrow(
      /an evidence document is a JSON object/,
    );
    expect(signer.digests).toEqual([]);
  });

  it("fails for a signer that names an alias instead of the key ARN", async () => {
    // Prepare
    const signer = digestSigner(ec.privateKey, "alias/prod/evidence");

    // Act / Assess
    await expect(signEvidence(DOCUMENT, signer)).rejects.toThrow(EvidenceSigningError);
    await expect(signEvidence(DOCUMENT, signer)).rejects.toThrow(/"alias\/prod\/evidence" is not a KMS key ARN/);
  });

  it("fails when the signer answers with something that is not a DER ECDSA signature", async () => {
    // Prepare
    const signer: EvidenceSigner = {
      keyId: TEST_KEY_ARN,
      algorithm: "ECDSA_SHA_256",
      signDigest: async () => Buffer.alloc(64, 1),
    };

    // Act / Assess
    await expect(signEvidence(DOCUMENT, signer)).rejects.toThrow(/the signer returned no DER ECDSA signature/);
  });
});

describe("verifyCertificate", () => {
  it.each([
    ["ECDSA_SHA_256 (ECC_NIST_P256)", ec],
    ["RSASSA_PSS_SHA_256 (RSA 2048)", rsa],
  ])("accepts a certificate signed with %s and answers what it says", async (_, pair) => {
    // Prepare
    const certificate = await signEvidence(DOCUMENT, digestSigner(pair.privateKey));

    // Act
    const result = verifyCertificate(formatCertificate(certificate), keyOf(pair.publicKey));

    // Assess
    expect(result).toEqual({
      valid: true,
      kind: "certificate",
      keyId: TEST_KEY_ARN,
      algorithm: certificate.algorithm,
      digest: certificate.digest,
      document: DOCUMENT,
    });
  });

  it("accepts a certificate signed by node:crypto over the canonical content (no signer of ours involved)", () => {
    // Prepare
    const fields = {
      format: CERTIFICATE_FORMAT,
      keyId: TEST_KEY_ARN,
      algorithm: "ECDSA_SHA_256",
      document: DOCUMENT,
    } as const;
    const content = Buffer.from(canonicalize({ ...fields }), "utf8");
    const text = JSON.stringify({
      ...fields,
      digest: createHash("sha256").update(content).digest("hex"),
      signature: sign("sha256", content, ec.privateKey).toString("base64"),
    });

    // Act / Assess
    expect(verifyCertificate(text, keyOf(ec.publicKey)).valid).toBe(true);
  });

  it.each([
    ["ECDSA_SHA_256", ec, []],
    ["RSASSA_PSS_SHA_256", rsa, ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:32"]],
  ])("signs with %s so that OpenSSL verifies the signature over the canonical content", async (_, pair, options) => {
    // Prepare: the files an auditor would write from the certificate, with no code of ours
    const certificate = await signEvidence(DOCUMENT, digestSigner(pair.privateKey));
    const dir = mkdtempSync(join(tmpdir(), "evidence-openssl-"));
    writeFileSync(join(dir, "key.pem"), pair.publicKey.export({ type: "spki", format: "pem" }));
    writeFileSync(join(dir, "content.json"), signedContent(certificate));
    writeFileSync(join(dir, "signature.bin"), Buffer.from(certificate.signature, "base64"));

    // Act
    const args = ["dgst", "-sha256", "-verify", "key.pem", ...options, "-signature", "signature.bin", "content.json"];
    const result = spawnSync("openssl", args, { cwd: dir, encoding: "utf8" });
    rmSync(dir, { recursive: true, force: true });

    // Assess
    expect(result.stdout.trim()).toBe("Verified OK");
    expect(result.status).toBe(0);
  });

  it("accepts the file however it is indented or ordered, since the canonical form is what is signed", async () => {
    // Prepare
    const certificate = await signEvidence(DOCUMENT, digestSigner(ec.privateKey));
    const reordered = JSON.parse(JSON.stringify(certificate), (_, value) =>
      value !== null && typeof value === "object" && !Array.isArray(value)
        ? Object.fromEntries(Object.entries(value).reverse())
        : value,
    );

    // Act / Assess
    expect(verifyCertificate(JSON.stringify(reordered), keyOf(ec.publicKey)).valid).toBe(true);
    expect(verifyCertificate(`\n${JSON.stringify(certificate, null, "\t")}\n\n`, keyOf(ec.publicKey)).valid).toBe(true);
  });

  it("checks the key ID against the one expected, and the algorithms KMS lists for the key", async () => {
    // Prepare
    const text = formatCertificate(await signEvidence(DOCUMENT, digestSigner(ec.privateKey)));

    // Act / Assess
    expect(verifyCertificate(text, { ...keyOf(ec.publicKey), keyId: TEST_KEY_ARN }).valid).toBe(true);
    expect(verifyCertificate(text, keyOf(ec.publicKey, { keyId: TEST_KEY_ARN })).valid).toBe(true);
    expect(rejection(verifyCertificate(text, keyOf(ec.publicKey, { keyId: OTHER_ARN })))).toEqual([
      "wrong-key-id",
      `signed with key ${TEST_KEY_ARN}, expected ${OTHER_ARN}`,
    ]);
    expect(rejection(verifyCertificate(text, keyOf(ec.publicKey, { signingAlgorithms: [] })))).toEqual([
      "wrong-algorithm",
      "KMS lists no evidence algorithm for the key, not ECDSA_SHA_256",
    ]);
  });
});

describe("verifyCertificate: tampering", () => {
  it("rejects one changed byte in the document: digest mismatch", async () => {
    // Prepare
    const text = formatCertificate(await signEvidence(DOCUMENT, digestSigner(ec.privateKey)));
    const tampered = text.replace('"size": 52311', '"size": 52312');

    // Act
    const [reason, message] = rejection(verifyCertificate(tampered, keyOf(ec.publicKey)));

    // Assess
    expect(tampered).not.toBe(text);
    expect(reason).toBe("digest-mismatch");
    expect(message).toMatch(
      /^the signed content \(document, key ID, algorithm\) hashes to [0-9a-f]{64}, not to the recorded digest [0-9a-f]{64}: it was changed after signing$/,
    );
  });

  it("rejects a recomputed digest over a changed document: bad signature", async () => {
    // Prepare: the tamperer changes the document and writes the matching digest
    const certificate = await signEvidence(DOCUMENT, digestSigner(ec.privateKey));
    const changed = { ...certificate, document: { ...DOCUMENT, held: ["acme/3f1c/2"] } };
    const text = formatCertificate({
      ...changed,
      digest: createHash("sha256").update(signedContent(changed)).digest("hex"),
    });

    // Act / Assess
    expect(rejection(verifyCertificate(text, keyOf(ec.publicKey)))).toEqual([
      "bad-signature",
      "the signature is not ECDSA_SHA_256 by this public key over the digest",
    ]);
  });

  it.each([
    ["ECDSA", ec],
    ["RSASSA-PSS", rsa],
  ])("rejects one changed byte in the %s signature: bad signature", async (_, pair) => {
    // Prepare
    const certificate = await signEvidence(DOCUMENT, digestSigner(pair.privateKey));
    const results = [10, 40, -1].map((at) => {
      const signature = Buffer.from(certificate.signature, "base64");
      const i = at < 0 ? signature.length + at : at;
      signature.writeUInt8(signature.readUInt8(i) ^ 0x01, i);
      return verifyCertificate(
        edited(certificate, (c) => {
          c.signature = signature.toString("base64");
        }),
        keyOf(pair.publicKey),
      );
    });

    // Act / Assess
    for (const result of results) expect(rejection(result)[0]).toBe("bad-signature");
  });

  it("says when a changed ECDSA signature is not even DER", async () => {
    // Prepare
    const certificate = await signEvidence(DOCUMENT, digestSigner(ec.privateKey));
    const signature = Buffer.from(certificate.signature, "base64");
    signature[0] = 0x31;

    // Act
    const result = verifyCertificate(
      edited(certificate, (c) => {
        c.signature = signature.toString("base64");
      }),
      keyOf(ec.publicKey),
    );

    // Assess
    expect(rejection(result)).toEqual([
      "bad-signature",
      "the signature is not ECDSA_SHA_256 by this public key over the digest (nor a DER ECDSA signature: not a DER SEQUENCE of the signature's length)",
    ]);
  });

  it("rejects one changed byte in the key ID: wrong key ID when one is expected, else digest mismatch", async () => {
    // Prepare: the key ID is signed with the document
    const certificate = await signEvidence(DOCUMENT, digestSigner(ec.privateKey));
    const text = edited(certificate, (c) => {
      c.keyId = OTHER_ARN;
    });

    // Act / Assess
    expect(rejection(verifyCertificate(text, { ...keyOf(ec.publicKey), keyId: TEST_KEY_ARN }))).toEqual([
      "wrong-key-id",
      `signed with key ${OTHER_ARN}, expected ${TEST_KEY_ARN}`,
    ]);
    expect(rejection(verifyCertificate(text, keyOf(ec.publicKey)))[0]).toBe("digest-mismatch");
  });

  it("rejects one changed byte in the algorithm, and an algorithm the key cannot have made: wrong algorithm", async () => {
    // Prepare
    const certificate = await signEvidence(DOCUMENT, digestSigner(ec.privateKey));

    // Act
    const renamed = verifyCertificate(
      edited(certificate, (c) => {
        c.algorithm = "ECDSA_SHA_257";
      }),
      keyOf(ec.publicKey),
    );
    const switched = verifyCertificate(
      edited(certificate, (c) => {
        c.algorithm = "RSASSA_PSS_SHA_256";
      }),
      keyOf(ec.publicKey),
    );

    // Assess
    expect(rejection(renamed)).toEqual([
      "wrong-algorithm",
      '"ECDSA_SHA_257" is not an evidence algorithm (ECDSA_SHA_256, RSASSA_PSS_SHA_256)',
    ]);
    expect(rejection(switched)).toEqual([
      "wrong-algorithm",
      "RSASSA_PSS_SHA_256 needs an RSA_2048, RSA_3072 or RSA_4096 key; the public key is an EC key on prime256v1",
    ]);
  });

  it("rejects one changed byte in the recorded digest: digest mismatch", async () => {
    // Prepare
    const certificate = await signEvidence(DOCUMENT, digestSigner(ec.privateKey));
    const digest = `${certificate.digest.slice(0, -1)}${certificate.digest.endsWith("0") ? "1" : "0"}`;

    // Act / Assess
    expect(
      rejection(
        verifyCertificate(
          edited(certificate, (c) => {
            c.digest = digest;
          }),
          keyOf(ec.publicKey),
        ),
      )[0],
    ).toBe("digest-mismatch");
  });

  it("rejects a certificate of another key: bad signature", async () => {
    // Prepare
    const text = formatCertificate(await signEvidence(DOCUMENT, digestSigner(otherEc.privateKey)));

    // Act / Assess
    expect(rejection(verifyCertificate(text, keyOf(ec.publicKey)))[0]).toBe("bad-signature");
  });
});

describe("verifyCertificate: malformed files", () => {
  const valid = () => signEvidence(DOCUMENT, digestSigner(ec.privateKey));

  it.each<[string, (c: Record<string, unknown>) => void, string | RegExp]>([
    [
      "a missing signature",
      (c) => {
        delete c.signature;
      },
      "not a certificate: lacks signature",
    ],
    [
      "an unknown field",
      (c) => {
        c.comment = "fine";
      },
      "has fields a certificate does not have: comment",
    ],
    [
      "another format",
      (c) => {
        c.format = "sip-evidence-certificate/2";
      },
      'format "sip-evidence-certificate/2" is not sip-evidence-certificate/1',
    ],
    [
      "a key ID that is no string",
      (c) => {
        c.keyId = 7;
      },
      "keyId is not a key ARN",
    ],
    [
      "an algorithm that is no string",
      (c) => {
        c.algorithm = null;
      },
      "algorithm is not a string",
    ],
    [
      "a document that is an array",
      (c) => {
        c.document = [];
      },
      "document is not a JSON object",
    ],
    [
      "an upper-case digest",
      (c) => {
        c.digest = String(c.digest).toUpperCase();
      },
      "digest is not a SHA-256 in lower-case hex (64 characters)",
    ],
    [
      "a signature in base64url",
      (c) => {
        // A 72-byte signature without "+" or "/" reads the same in both alphabets (about 1 in 100
        // signatures): then one character of the URL alphabet stands in for its last one.
        const url = Buffer.from(String(c.signature), "base64").toString("base64url");
        c.signature = url === c.signature ? `${url.slice(0, -1)}-` : url;
      },
      "signature is not padded base64",
    ],
    [
      "a signature with a line break",
      (c) => {
        c.signature = `${String(c.signature).slice(0, 8)}\n${String(c.signature).slice(8)}`;
      },
      "signature is not padded base64",
    ],
    [
      "a fraction in the document",
      (c) => {
        (c.document as Record<string, unknown>).ratio = 0.5;
      },
      "document.ratio: 0.5 is not an integer: evidence holds only integers (write it as a string)",
    ],
  ])("rejects %s", async (_, edit, message) => {
    // Prepare
    const text = edited(await valid(), edit);

    // Act / Assess
    expect(rejection(verifyCertificate(text, keyOf(ec.publicKey)))).toEqual(["malformed", message]);
  });

  it.each([
    ["text that is not JSON", "certificate", /^not a certificate: not JSON: /],
    ["a JSON array", "[]", /^not a certificate: the file holds no JSON object$/],
    ["an empty file", "", /^not a certificate: not JSON: /],
  ])("rejects %s", (_, text, message) => {
    // Act
    const [reason, found] = rejection(verifyCertificate(text, keyOf(ec.publicKey)));

    // Assess
    expect(reason).toBe("malformed");
    expect(found).toMatch(message);
  });

  it("rejects a member named twice, which a reader and JSON.parse would see differently", async () => {
    // Prepare: JSON.parse keeps the last "note"; a reader of the file may stop at the first
    const text = formatCertificate(await valid()).replace('"note":', '"note": "nothing erased",\n    "note":');

    // Act / Assess
    expect(rejection(verifyCertificate(text, keyOf(ec.publicKey)))).toEqual([
      "malformed",
      'not a certificate: $.document: names the member "note" twice',
    ]);
  });
});
