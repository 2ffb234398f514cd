import { afterAll, describe, expect, it } from "vitest";
import { bigintToIntegerHex, parseCrl, revokeCertificate } from "./crl";
import { issueLeaf } from "./leaf";
import { makeCa, openssl, tempDir, writeFiles } from "../../test/support/certs/fixtures";
import { parseCertificatePem } from "./util";

const dir = tempDir();
afterAll(() => dir.cleanup());

describe("revokeCertificate", () => {
  const ca = makeCa();
  const revoked = issueLeaf(ca, { commonName: "revoked-workload", keyBits: 2048 });
  const kept = issueLeaf(ca, { commonName: "kept-workload", keyBits: 2048 });
  const first = revokeCertificate(ca, parseCertificatePem(revoked.certificatePem, "leaf"), { nextUpdateDays: 7 });
  const paths = writeFiles(dir.path, {
    "ca.pem": ca.certificatePem,
    "revoked.pem": revoked.certificatePem,
    "kept.pem": kept.certificatePem,
    "crl.pem": first.crlPem,
  });

  it("writes an X.509 v2 CRL that openssl parses, signed with SHA-256, with the revoked serial", () => {
    // Act
    const text = openssl(["crl", "-in", paths["crl.pem"] ?? "", "-noout", "-text"]);

    // Assess
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/Version 2 \(0x1\)/);
    expect(text.stdout).toMatch(/Signature Algorithm: sha256WithRSAEncryption/);
    expect(text.stdout).toMatch(/Issuer: CN = TEST Platform CA/);
    expect(text.stdout).toMatch(/Last Update: .+\n\s+Next Update: .+/);
    expect(text.stdout).toMatch(/X509v3 CRL Number:\s+1\n/);
    expect(text.stdout).toMatch(/X509v3 Authority Key Identifier:/);
    const serialHex = BigInt(revoked.serialDecimal).toString(16).toUpperCase();
    expect(text.stdout).toContain(`Serial Number: ${serialHex.length % 2 === 1 ? `0${serialHex}` : serialHex}`);
    expect(first.crlNumber).toBe(1n);
    expect(first.serialDecimal).toBe(revoked.serialDecimal);
  });

  it("verifies with the CA in openssl", () => {
    // Act
    const result = openssl(["crl", "-in", paths["crl.pem"] ?? "", "-CAfile", paths["ca.pem"] ?? "", "-noout"]);

    // Assess
    expect(result.status).toBe(0);
    expect(result.stderr).toMatch(/verify OK/);
  });

  it("makes openssl verify -crl_check fail for the revoked leaf and pass for another", () => {
    // Act
    const check = (leaf: string) =>
      openssl([
        "verify",
        "-crl_check",
        "-CAfile",
        paths["ca.pem"] ?? "",
        "-CRLfile",
        paths["crl.pem"] ?? "",
        paths[leaf] ?? "",
      ]);
    const revokedResult = check("revoked.pem");
    const keptResult = check("kept.pem");

    // Assess
    expect(revokedResult.status).not.toBe(0);
    expect(`${revokedResult.stdout}${revokedResult.stderr}`).toMatch(/certificate revoked/);
    expect(keptResult.status).toBe(0);
    expect(keptResult.stdout).toMatch(/kept.pem: OK/);
  });

  it("increments the CRL number and keeps earlier entries", () => {
    // Act
    const second = revokeCertificate(ca, parseCertificatePem(kept.certificatePem, "leaf"), {
      existingCrlPem: first.crlPem,
    });
    const third = revokeCertificate(ca, parseCertificatePem(kept.certificatePem, "leaf"), {
      existingCrlPem: second.crlPem,
    });

    // Assess
    const parsed = parseCrl(third.crlPem, ca.certificate);
    expect([second.crlNumber, third.crlNumber]).toEqual([2n, 3n]);
    expect(parsed.crlNumber).toBe(3n);
    expect(second.alreadyRevoked).toBe(false);
    expect(third.alreadyRevoked).toBe(true);
    expect(parsed.revoked.map((e) => BigInt(`0x${e.serialHex}`).toString())).toEqual([
      revoked.serialDecimal,
      kept.serialDecimal,
    ]);
    const crl3 = writeFiles(dir.path, { "crl3.pem": third.crlPem })["crl3.pem"] ?? "";
    expect(openssl(["crl", "-in", crl3, "-noout", "-text"]).stdout).toMatch(/X509v3 CRL Number:\s+3\n/);
  });

  it("sets nextUpdate from the arguments", () => {
    // Act
    const parsed = parseCrl(first.crlPem, ca.certificate);

    // Assess
    expect(parsed.nextUpdate).toBeDefined();
    expect(Math.round(((parsed.nextUpdate?.getTime() ?? 0) - parsed.thisUpdate.getTime()) / 86_400_000)).toBe(7);
  });

  it("fails when the certificate comes from another CA", () => {
    // Prepare
    const otherCa = makeCa({ commonName: "Other CA" });
    const foreign = issueLeaf(otherCa, { commonName: "x", keyBits: 2048 });

    // Act / Assess
    expect(() => revokeCertificate(ca, parseCertificatePem(foreign.certificatePem, "leaf"))).toThrow(
      /not issued by this CA/,
    );
    expect(() => parseCrl(first.crlPem, otherCa.certificate)).toThrow(/signature does not verify with the CA's key/);
  });
});

describe("bigintToIntegerHex", () => {
  it("encodes positive integers minimally with a sign byte when needed", () => {
    // Act / Assess
    expect(bigintToIntegerHex(1n)).toBe("01");
    expect(bigintToIntegerHex(127n)).toBe("7f");
    expect(bigintToIntegerHex(128n)).toBe("0080");
    expect(bigintToIntegerHex(256n)).toBe("0100");
  });
});
