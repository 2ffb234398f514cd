import { constants, verify, X509Certificate } from "node:crypto";
import { afterAll, describe, expect, it } from "vitest";
import { signCreateSession } from "../rolesanywhere/signer";
import { issueLeaf } from "./leaf";
import { makeCa, openssl, tempDir, writeFiles } from "../../test/support/certs/fixtures";

const dir = tempDir();
afterAll(() => dir.cleanup());

const DAY = 86_400_000;

describe("issueLeaf", () => {
  const ca = makeCa();
  const leaf = issueLeaf(ca, { commonName: "sovereign-sync", keyBits: 2048 });

  it("makes a leaf with CA:false, digitalSignature, clientAuth and key identifiers", () => {
    // Prepare
    const paths = writeFiles(dir.path, { "leaf-ext.pem": leaf.certificatePem });

    // Act
    const certificate = new X509Certificate(leaf.certificatePem);
    const text = openssl(["x509", "-noout", "-text", "-in", paths["leaf-ext.pem"] ?? ""]).stdout;

    // Assess
    expect(certificate.ca).toBe(false);
    expect(certificate.subject).toBe("CN=sovereign-sync");
    expect(certificate.issuer).toBe("CN=TEST Platform CA");
    expect(certificate.keyUsage).toEqual(["1.3.6.1.5.5.7.3.2"]);
    expect(text).toMatch(/Version: 3 \(0x2\)/);
    expect(text).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(text).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
    expect(text).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
    expect(text).toMatch(/X509v3 Extended Key Usage:\s+TLS Web Client Authentication\n/);
    expect(text).toMatch(/X509v3 Subject Key Identifier:\s+[0-9A-F:]{59}/);
  });

  it("names the CA's subject key identifier as the authority key identifier", () => {
    // Prepare
    const paths = writeFiles(dir.path, { "aki-ca.pem": ca.certificatePem, "aki-leaf.pem": leaf.certificatePem });
    const keyId = (text: string, label: string) =>
      new RegExp(`${label}:\\s+(?:keyid:)?([0-9A-F:]{59})`).exec(text)?.[1];

    // Act
    const caText = openssl(["x509", "-noout", "-text", "-in", paths["aki-ca.pem"] ?? ""]).stdout;
    const leafText = openssl(["x509", "-noout", "-text", "-in", paths["aki-leaf.pem"] ?? ""]).stdout;

    // Assess
    expect(keyId(caText, "X509v3 Subject Key Identifier")).toBeDefined();
    expect(keyId(leafText, "X509v3 Authority Key Identifier")).toBe(keyId(caText, "X509v3 Subject Key Identifier"));
  });

  it("verifies against the CA with openssl and Node", () => {
    // Prepare
    const paths = writeFiles(dir.path, { "verify-ca.pem": ca.certificatePem, "verify-leaf.pem": leaf.certificatePem });

    // Act
    const result = openssl([
      "verify",
      "-CAfile",
      paths["verify-ca.pem"] ?? "",
      "-purpose",
      "sslclient",
      paths["verify-leaf.pem"] ?? "",
    ]);

    // Assess
    expect(result.stdout).toMatch(/verify-leaf.pem: OK/);
    expect(result.status).toBe(0);
    expect(new X509Certificate(leaf.certificatePem).verify(ca.certificate.x509.publicKey)).toBe(true);
    expect(new X509Certificate(leaf.certificatePem).checkIssued(ca.certificate.x509)).toBe(true);
  });

  it("writes the private key as unencrypted PKCS#8 matching the certificate", () => {
    // Act
    const certificate = new X509Certificate(leaf.certificatePem);

    // Assess
    expect(leaf.privateKeyPem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(certificate.checkPrivateKey(leaf.privateKey)).toBe(true);
  });

  it("gives every leaf a different positive serial, reported in decimal", () => {
    // Act
    const others = [
      issueLeaf(ca, { commonName: "a", keyBits: 2048 }),
      issueLeaf(ca, { commonName: "b", keyBits: 2048 }),
    ];
    const all = [leaf, ...others];

    // Assess
    expect(new Set(all.map((l) => l.serialDecimal)).size).toBe(3);
    for (const issued of all) {
      const hex = new X509Certificate(issued.certificatePem).serialNumber;
      expect(BigInt(issued.serialDecimal) > 0n).toBe(true);
      expect(BigInt(`0x${hex}`).toString()).toBe(issued.serialDecimal);
    }
  });

  it("takes the validity from the arguments (30 days by default)", () => {
    // Prepare
    const now = new Date();

    // Act
    const byDefault = issueLeaf(ca, { commonName: "w", keyBits: 2048, now });
    const tenDays = issueLeaf(ca, { commonName: "w", keyBits: 2048, now, validityDays: 10 });

    // Assess
    const days = (pem: string) =>
      Math.round((new Date(new X509Certificate(pem).validTo).getTime() - now.getTime()) / DAY);
    expect(days(byDefault.certificatePem)).toBe(30);
    expect(days(tenDays.certificatePem)).toBe(10);
    expect(byDefault.clampedToCa).toBe(false);
    expect(new Date(new X509Certificate(byDefault.certificatePem).validTo).getTime()).toBe(
      byDefault.notAfter.getTime(),
    );
  });

  it("never lets a leaf outlive the CA", () => {
    // Prepare
    const shortCa = makeCa({ validityDays: 5 });

    // Act
    const clamped = issueLeaf(shortCa, { commonName: "w", keyBits: 2048, validityDays: 30 });

    // Assess
    const certificate = new X509Certificate(clamped.certificatePem);
    expect(clamped.clampedToCa).toBe(true);
    expect(certificate.validTo).toBe(shortCa.certificate.x509.validTo);
  });

  it("fails when the CA has expired", () => {
    // Prepare
    const past = new Date(Date.now() - 10 * DAY);
    const oldCa = makeCa({ now: past, validityDays: 2 });

    // Act / Assess
    expect(() => issueLeaf(oldCa, { commonName: "w", keyBits: 2048 })).toThrow(/the CA expired on/);
  });

  it("fails when the common name or sizes are invalid", () => {
    // Act / Assess
    expect(() => issueLeaf(ca, { commonName: " w", keyBits: 2048 })).toThrow(
      /common name must be non-empty and have no surrounding spaces/,
    );
    expect(() => issueLeaf(ca, { commonName: "x".repeat(65), keyBits: 2048 })).toThrow(/longer than 64/);
    expect(() => issueLeaf(ca, { commonName: "w", keyBits: 1024 })).toThrow(/key bits/);
    expect(() => issueLeaf(ca, { commonName: "w", keyBits: 2048, validityDays: 398 })).toThrow(
      /validity days must be a whole number from 1 to 397/,
    );
  });
});

describe("the leaf with the project's Roles Anywhere signer", () => {
  it("signs a CreateSession whose signature verifies with the certificate's public key", () => {
    // Prepare
    const ca = makeCa();
    const leaf = issueLeaf(ca, { commonName: "sovereign-sync", keyBits: 2048 });
    const certificate = new X509Certificate(leaf.certificatePem);

    // Act
    const signed = signCreateSession({
      material: { certificate: leaf.certificatePem, privateKey: leaf.privateKeyPem },
      region: "eu-central-1",
      trustAnchorArn:
        "arn:aws:rolesanywhere:eu-central-1:111122223333:trust-anchor/a1b2c3d4-0000-1111-2222-333344445555",
      profileArn: "arn:aws:rolesanywhere:eu-central-1:111122223333:profile/a1b2c3d4-0000-1111-2222-333344446666",
      roleArn: "arn:aws:iam::111122223333:role/failover-sync",
      date: "20260301T101500Z",
    });

    // Assess
    expect(signed.steps.algorithm).toBe("AWS4-X509-RSA-SHA256");
    expect(signed.steps.serialDecimal).toBe(leaf.serialDecimal);
    expect(signed.headers.Authorization).toContain(
      `Credential=${leaf.serialDecimal}/20260301/eu-central-1/rolesanywhere/aws4_request`,
    );
    expect(signed.headers["X-Amz-X509"]).toBe(certificate.raw.toString("base64"));
    const valid = verify(
      "sha256",
      Buffer.from(signed.steps.stringToSign, "utf8"),
      { key: certificate.publicKey, padding: constants.RSA_PKCS1_PADDING },
      Buffer.from(signed.steps.signatureHex, "hex"),
    );
    expect(valid).toBe(true);
  });
});
