import { X509Certificate } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { checkPassphrase, createCa, DEFAULT_KDF_ITERATIONS, decryptPrivateKey, encryptPrivateKey, loadCa } from "./ca";
import { FAST_ITERATIONS, makeCa, openssl, PASSPHRASE, tempDir, writeFiles } from "../../test/support/certs/fixtures";
import { CertsError, randomSerialHex, serialHexToDecimal } from "./util";

const dir = tempDir();
afterAll(() => dir.cleanup());

describe("createCa", () => {
  const ca = makeCa({ commonName: "Sovereign Platform CA" });

  it("makes a self-signed X.509 v3 CA with the extensions Roles Anywhere requires", () => {
    // Prepare
    const certificate = new X509Certificate(ca.certificatePem);

    // Act
    const text = openssl([
      "x509",
      "-noout",
      "-text",
      "-in",
      writeFiles(dir.path, { "ca-ext.pem": ca.certificatePem })["ca-ext.pem"] ?? "",
    ]).stdout;

    // Assess
    expect(certificate.ca).toBe(true);
    expect(certificate.subject).toBe("CN=Sovereign Platform CA");
    expect(certificate.issuer).toBe(certificate.subject);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(text).toMatch(/Version: 3 \(0x2\)/);
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    // pathlen:0: the CA may sign leaves only, never an intermediate CA that could issue workload certificates.
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Certificate Sign, CRL Sign/);
    expect(text).toMatch(/X509v3 Subject Key Identifier:\s+[0-9A-F:]{59}/);
  });

  it("sets the validity from the arguments", () => {
    // Prepare
    const now = new Date("2026-01-01T00:00:00Z");

    // Act
    const created = createCa({ commonName: "CA", keyBits: 2048, validityDays: 100, now });

    // Assess
    const certificate = new X509Certificate(created.certificatePem);
    expect(new Date(certificate.validTo).toISOString()).toBe("2026-04-11T00:00:00.000Z");
    expect(new Date(certificate.validFrom).getTime()).toBeLessThan(now.getTime());
  });

  it("uses positive, different serial numbers", () => {
    // Prepare
    const other = makeCa();

    // Act
    const serials = [ca.certificate.x509.serialNumber, other.certificate.x509.serialNumber];

    // Assess
    expect(serials[0]).not.toBe(serials[1]);
    for (const serial of serials) {
      expect(BigInt(`0x${serial}`) > 0n).toBe(true);
      expect(BigInt(`0x${serial}`) >= 2n ** 64n).toBe(true);
    }
  });

  it("fails when the arguments are out of range", () => {
    // Act / Assess
    expect(() => createCa({ commonName: "", keyBits: 2048 })).toThrow(/common name/);
    expect(() => createCa({ commonName: "CA", keyBits: 1024 })).toThrow(/key bits must be one of 2048, 3072, 4096/);
    expect(() => createCa({ commonName: "CA", keyBits: 2048, validityDays: 0 })).toThrow(/validity days/);
  });
});

describe("randomSerialHex", () => {
  it("keeps a serial with the high bit set positive with a leading zero byte", () => {
    // Prepare
    const random = () => Buffer.alloc(16, 0xff);

    // Act
    const hex = randomSerialHex(random);

    // Assess
    expect(hex).toBe(`00${"ff".repeat(16)}`);
    expect(serialHexToDecimal(hex)).toBe((2n ** 128n - 1n).toString());
  });

  it("draws again when the first byte is zero, so the DER integer stays minimal", () => {
    // Prepare
    const draws = [Buffer.alloc(16, 0), Buffer.alloc(16, 0x11)];
    const random = () => draws.shift() ?? Buffer.alloc(16, 0x22);

    // Act
    const hex = randomSerialHex(random);

    // Assess
    expect(hex).toBe("11".repeat(16));
  });
});

describe("encryptPrivateKey / decryptPrivateKey", () => {
  const ca = makeCa();

  it("writes an encrypted PKCS#8 key with no plaintext key in it", () => {
    // Act
    const pem = encryptPrivateKey(ca.privateKey, PASSPHRASE, { iterations: FAST_ITERATIONS });

    // Assess
    expect(pem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
    expect(pem).not.toMatch(/BEGIN PRIVATE KEY|BEGIN RSA PRIVATE KEY/);
    const plainDer = ca.privateKey.export({ type: "pkcs8", format: "der" });
    expect(Buffer.from(pem.replace(/-----[^-]+-----|\s/g, ""), "base64").includes(plainDer.subarray(0, 64))).toBe(
      false,
    );
  });

  it("uses PBES2 with PBKDF2-HMAC-SHA256 and AES-256-CBC, 600000 iterations by default", () => {
    // Prepare
    const pem = encryptPrivateKey(ca.privateKey, PASSPHRASE);
    const path = writeFiles(dir.path, { "default.key.enc": pem })["default.key.enc"] ?? "";

    // Act
    const parsed = openssl(["asn1parse", "-in", path]).stdout;

    // Assess
    expect(parsed).toMatch(/:PBES2/);
    expect(parsed).toMatch(/:PBKDF2/);
    expect(parsed).toMatch(/:hmacWithSHA256/);
    expect(parsed).toMatch(/:aes-256-cbc/);
    expect(parsed).toContain(
      `INTEGER           :${DEFAULT_KDF_ITERATIONS.toString(16).toUpperCase().padStart(6, "0")}`,
    );
  });

  it("decrypts with the passphrase only, in Node and in openssl", () => {
    // Prepare
    const pem = encryptPrivateKey(ca.privateKey, PASSPHRASE, { iterations: FAST_ITERATIONS });
    const path = writeFiles(dir.path, { "ca.key.enc": pem })["ca.key.enc"] ?? "";

    // Act
    const decrypted = decryptPrivateKey(pem, PASSPHRASE);
    const withOpenssl = openssl(["pkey", "-in", path, "-passin", "env:PASS", "-noout"], { PASS: PASSPHRASE });
    const wrongOpenssl = openssl(["pkey", "-in", path, "-passin", "env:PASS", "-noout"], { PASS: `${PASSPHRASE}x` });

    // Assess
    expect(ca.certificate.x509.checkPrivateKey(decrypted)).toBe(true);
    expect(withOpenssl.status).toBe(0);
    expect(wrongOpenssl.status).not.toBe(0);
    expect(() => decryptPrivateKey(pem, "another passphrase of length")).toThrow(
      /cannot decrypt the CA key \(wrong CERTS_CA_PASSPHRASE/,
    );
  });

  it("refuses a plaintext key file", () => {
    // Prepare
    const plain = ca.privateKey.export({ type: "pkcs8", format: "pem" }).toString();

    // Act / Assess
    expect(() => decryptPrivateKey(plain, PASSPHRASE)).toThrow(/a plaintext CA key is refused/);
  });

  it("refuses missing and short passphrases", () => {
    // Act / Assess
    expect(() => checkPassphrase(undefined)).toThrow(/CERTS_CA_PASSPHRASE is not set/);
    expect(() => checkPassphrase("")).toThrow(/CERTS_CA_PASSPHRASE is not set/);
    expect(() => checkPassphrase("fifteen chars!!")).toThrow(/shorter than 16 characters/);
    expect(checkPassphrase("sixteen chars!!!")).toBe("sixteen chars!!!");
    expect(() => encryptPrivateKey(ca.privateKey, "short")).toThrow(CertsError);
  });
});

describe("loadCa", () => {
  it("fails when the key belongs to another CA", () => {
    // Prepare
    const [a, b] = [makeCa(), makeCa()];

    // Act / Assess
    expect(() => loadCa(a.certificatePem, b.encryptedKeyPem, PASSPHRASE)).toThrow(
      /ca.key.enc does not belong to ca.pem/,
    );
  });

  it("fails when the CA has expired", () => {
    // Prepare
    const ca = makeCa({ now: new Date(Date.now() - 3 * 86_400_000), validityDays: 1 });

    // Act / Assess
    expect(() => loadCa(ca.certificatePem, ca.encryptedKeyPem, PASSPHRASE)).toThrow(/the CA expired on/);
  });
});
