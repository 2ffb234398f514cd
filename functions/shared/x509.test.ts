import { describe, expect, it } from "vitest";
import { pemCertificateBlocks, serialHexToDecimal } from "./x509";

describe("pemCertificateBlocks", () => {
  it("finds every certificate block in order, ignoring the text around them", () => {
    // Prepare
    const text =
      "subject=CN=a\n-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\nnoise\n-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----\n";

    // Act
    const blocks = pemCertificateBlocks(text);

    // Assess
    expect(blocks).toEqual([
      "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
      "-----BEGIN CERTIFICATE-----\nBBBB\n-----END CERTIFICATE-----",
    ]);
  });

  it("finds none in a private key or plain text", () => {
    // Act / Assess
    expect(pemCertificateBlocks("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")).toEqual([]);
    expect(pemCertificateBlocks("")).toEqual([]);
  });
});

describe("serialHexToDecimal", () => {
  it.each([
    ["01", "1"],
    ["00:FF", "255"],
    ["0a:bc", "2748"],
    ["7FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF", "170141183460469231731687303715884105727"],
  ])("turns %s into %s", (hex, decimal) => {
    // Act / Assess
    expect(serialHexToDecimal(hex)).toBe(decimal);
  });

  it.each(["", "-01", "0x10", "zz"])("answers undefined for %j", (hex) => {
    // Act / Assess
    expect(serialHexToDecimal(hex)).toBeUndefined();
  });
});
