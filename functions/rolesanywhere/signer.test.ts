import { createHash, generateKeyPairSync, verify, type X509Certificate } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { arn, endpointHost, PARTITIONS } from "../../config/partitions";
import {
  canonicalQueryString,
  createSessionBody,
  defaultEndpoint,
  formatAmzDate,
  parseAmzDate,
  parseCertificates,
  prepareSigningMaterial,
  SigningInputError,
  SigningMaterialError,
  serialDecimal,
  sessionsUrl,
  signCreateSession,
} from "./signer";
import { createTestPki, issue, type TestIdentity } from "../../test/support/rolesanywhere/pki";

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");
const b64 = (c: X509Certificate) => c.raw.toString("base64");

const commercial = PARTITIONS.aws;
const sovereign = PARTITIONS["aws-eusc"];
const params = {
  trustAnchorArn: arn(commercial, {
    service: "rolesanywhere",
    region: "eu-central-1",
    account: "111122223333",
    resource: "trust-anchor/ta-1",
  }),
  profileArn: arn(commercial, {
    service: "rolesanywhere",
    region: "eu-central-1",
    account: "111122223333",
    resource: "profile/p-1",
  }),
  roleArn: arn(commercial, { service: "iam", account: "111122223333", resource: "role/SovereignSyncRole" }),
};

let pki: ReturnType<typeof createTestPki>;
let rsaLeaf: TestIdentity;
let ecLeaf: TestIdentity;
beforeAll(() => {
  pki = createTestPki();
  rsaLeaf = issue({ commonName: "eusc-sync-rsa", serialHex: "9c5e1f0a7d3b2c4e6f8a9b0c1d2e3f40516273" }, pki.root);
  ecLeaf = issue({ commonName: "eusc-sync-ec", keyType: "ec", serialHex: "deadbeef" }, pki.intermediate2);
});

describe("createSessionBody", () => {
  it("writes compact JSON with the keys in the order durationSeconds, profileArn, roleArn, trustAnchorArn", () => {
    // Act
    const body = createSessionBody({ ...params, durationSeconds: 900 });

    // Assess
    expect(body).toBe(
      `{"durationSeconds":900,"profileArn":"${params.profileArn}","roleArn":"${params.roleArn}","trustAnchorArn":"${params.trustAnchorArn}"}`,
    );
  });

  it("defaults durationSeconds to 3600", () => {
    expect(JSON.parse(createSessionBody(params)).durationSeconds).toBe(3600);
  });

  it.each([899, 43_201, 1000.5, Number.NaN])("fails when durationSeconds is %s", (durationSeconds) => {
    expect(() => createSessionBody({ ...params, durationSeconds })).toThrow(
      /durationSeconds must be an integer from 900 to 43200/,
    );
  });
});

describe("dates", () => {
  it("formats yyyymmddThhmmssZ in UTC", () => {
    expect(formatAmzDate(new Date("2026-03-01T10:15:00.999Z"))).toBe("20260301T101500Z");
  });

  it("parses yyyymmddThhmmssZ", () => {
    expect(parseAmzDate("20260415T235959Z").toISOString()).toBe("2026-04-15T23:59:59.000Z");
  });

  it.each(["2026-03-01T10:15:00Z", "20260230T000000Z", "20260301T101500", "20260301T246000Z", ""])(
    "fails for %j",
    (value) => {
      expect(() => parseAmzDate(value)).toThrow(SigningInputError);
    },
  );
});

describe("canonicalQueryString", () => {
  it("is empty without parameters", () => {
    expect(canonicalQueryString({})).toBe("");
  });

  it("encodes RFC 3986 style and sorts by name", () => {
    expect(canonicalQueryString({ b: "x y", a: "1/2*", "c~": "é" })).toBe("a=1%2F2%2A&b=x%20y&c~=%C3%A9");
  });
});

describe("endpoints", () => {
  it("takes the default endpoint of a commercial region from the partition table", () => {
    expect(defaultEndpoint("eu-central-1")).toBe(
      `https://${endpointHost(commercial, "rolesanywhere", "eu-central-1")}`,
    );
  });

  it("takes the default endpoint of the sovereign region from the partition table", () => {
    expect(new URL(defaultEndpoint("eusc-de-east-1")).host).toBe(
      endpointHost(sovereign, "rolesanywhere", "eusc-de-east-1"),
    );
    expect(defaultEndpoint("eusc-de-east-1").endsWith(`.${sovereign.dnsSuffix}`)).toBe(true);
  });

  it("fails for a region outside the EU, as everywhere in the platform", () => {
    expect(() => defaultEndpoint("us-east-1")).toThrow(/outside the EU/);
  });

  it("fails for a name that is no region", () => {
    expect(() => defaultEndpoint("mars-1")).toThrow(SigningInputError);
  });

  it("appends /sessions to an endpoint and keeps a path prefix", () => {
    expect(sessionsUrl("http://127.0.0.1:8080").toString()).toBe("http://127.0.0.1:8080/sessions");
    expect(sessionsUrl("https://proxy.example/ra/").toString()).toBe("https://proxy.example/ra/sessions");
    expect(sessionsUrl("https://proxy.example/sessions").toString()).toBe("https://proxy.example/sessions");
    expect(sessionsUrl("http://[::1]:9").toString()).toBe("http://[::1]:9/sessions");
  });

  it.each(["ftp://x", "not a url", "https://x/?a=1", "https://u:p@x", "http://rolesanywhere.example"])(
    "fails for the endpoint %j",
    (endpoint) => {
      expect(() => sessionsUrl(endpoint)).toThrow(SigningInputError);
    },
  );
});

describe("prepareSigningMaterial", () => {
  it("writes the serial in decimal, also when its high bit is set", () => {
    // Act
    const material = prepareSigningMaterial({ certificate: rsaLeaf.certificatePem, privateKey: rsaLeaf.privateKeyPem });

    // Assess
    expect(material.serialDecimal).toBe(BigInt("0x9c5e1f0a7d3b2c4e6f8a9b0c1d2e3f40516273").toString());
    expect(serialDecimal(ecLeaf.certificate)).toBe("3735928559");
  });

  it("chooses RSA or ECDSA from the key type", () => {
    expect(
      prepareSigningMaterial({ certificate: rsaLeaf.certificatePem, privateKey: rsaLeaf.privateKeyPem }).algorithm,
    ).toBe("AWS4-X509-RSA-SHA256");
    expect(
      prepareSigningMaterial({ certificate: ecLeaf.certificatePem, privateKey: ecLeaf.privateKeyPem }).algorithm,
    ).toBe("AWS4-X509-ECDSA-SHA256");
  });

  it("accepts DER certificates, PKCS#1 and SEC1 keys and KeyObjects", () => {
    // Prepare
    const pkcs1 = rsaLeaf.privateKey.export({ type: "pkcs1", format: "pem" });
    const sec1 = ecLeaf.privateKey.export({ type: "sec1", format: "pem" });

    // Act
    const rsa = prepareSigningMaterial({ certificate: rsaLeaf.certificate.raw, privateKey: pkcs1 });
    const ec = prepareSigningMaterial({ certificate: Buffer.from(ecLeaf.certificatePem), privateKey: sec1 });
    const objects = prepareSigningMaterial({ certificate: rsaLeaf.certificate, privateKey: rsaLeaf.privateKey });

    // Assess
    expect(rsa.certificate.raw.equals(rsaLeaf.certificate.raw)).toBe(true);
    expect(ec.algorithm).toBe("AWS4-X509-ECDSA-SHA256");
    expect(objects.serialDecimal).toBe(rsa.serialDecimal);
  });

  it("reads intermediates from a PEM bundle in file order", () => {
    // Act
    const material = prepareSigningMaterial({
      certificate: rsaLeaf.certificatePem,
      privateKey: rsaLeaf.privateKeyPem,
      intermediates: `${pki.intermediate2.certificatePem}\n${pki.intermediate1.certificatePem}`,
    });

    // Assess
    expect(material.intermediates.map((c) => c.subject)).toEqual([
      pki.intermediate2.certificate.subject,
      pki.intermediate1.certificate.subject,
    ]);
  });

  it("fails when the key does not match the certificate", () => {
    expect(() =>
      prepareSigningMaterial({ certificate: rsaLeaf.certificatePem, privateKey: pki.root.privateKeyPem }),
    ).toThrow(/private key does not match the certificate/);
  });

  it("fails for a key type Roles Anywhere does not sign with", () => {
    // Prepare
    const { privateKey } = generateKeyPairSync("ed25519");

    // Act / Assess
    expect(() => prepareSigningMaterial({ certificate: rsaLeaf.certificatePem, privateKey })).toThrow(
      /type "ed25519" is not supported/,
    );
  });

  it("fails when the certificate file holds more than one certificate", () => {
    expect(() =>
      prepareSigningMaterial({
        certificate: rsaLeaf.certificatePem + pki.root.certificatePem,
        privateKey: rsaLeaf.privateKeyPem,
      }),
    ).toThrow(/expected one certificate, found 2; pass the intermediate CA certificates as intermediates/);
  });

  it("fails for text that holds no certificate and for a broken PEM block", () => {
    expect(() => parseCertificates("hello", "certificate")).toThrow(SigningMaterialError);
    expect(() =>
      parseCertificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----", "certificate"),
    ).toThrow(/certificate 1 is not a valid X.509 certificate/);
  });

  it("fails for a private key that is not a key", () => {
    expect(() =>
      prepareSigningMaterial({
        certificate: rsaLeaf.certificatePem,
        privateKey: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
      }),
    ).toThrow(/private key: not an unencrypted PEM or DER private key/);
  });
});

describe("signCreateSession (RSA)", () => {
  const date = "20260301T101500Z";

  it("builds the canonical request, string to sign and headers of the signing process", () => {
    // Prepare
    const host = endpointHost(commercial, "rolesanywhere", "eu-central-1");
    const body = createSessionBody(params);
    const x509 = b64(rsaLeaf.certificate);
    const serial = BigInt(`0x${rsaLeaf.certificate.serialNumber}`).toString();

    // Act
    const signed = signCreateSession({
      ...params,
      material: { certificate: rsaLeaf.certificatePem, privateKey: rsaLeaf.privateKeyPem },
      region: "eu-central-1",
      date,
    });

    // Assess
    const canonicalRequest = `POST\n/sessions\n\ncontent-type:application/json\nhost:${host}\nx-amz-date:${date}\nx-amz-x509:${x509}\n\ncontent-type;host;x-amz-date;x-amz-x509\n${sha256(body)}`;
    const stringToSign = `AWS4-X509-RSA-SHA256\n${date}\n20260301/eu-central-1/rolesanywhere/aws4_request\n${sha256(canonicalRequest)}`;
    expect(signed.method).toBe("POST");
    expect(signed.url).toBe(`https://${host}/sessions`);
    expect(signed.body).toBe(body);
    expect(signed.steps.payloadHash).toBe(sha256(body));
    expect(signed.steps.canonicalRequest).toBe(canonicalRequest);
    expect(signed.steps.canonicalRequestHash).toBe(sha256(canonicalRequest));
    expect(signed.steps.credentialScope).toBe("20260301/eu-central-1/rolesanywhere/aws4_request");
    expect(signed.steps.stringToSign).toBe(stringToSign);
    expect(Object.keys(signed.headers)).toEqual(["Content-Type", "Host", "X-Amz-Date", "X-Amz-X509", "Authorization"]);
    expect(signed.headers).toMatchObject({
      "Content-Type": "application/json",
      Host: host,
      "X-Amz-Date": date,
      "X-Amz-X509": x509,
    });
    expect(signed.headers.Authorization).toBe(
      `AWS4-X509-RSA-SHA256 Credential=${serial}/20260301/eu-central-1/rolesanywhere/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-x509, Signature=${signed.steps.signatureHex}`,
    );
  });

  it("produces an RSA PKCS#1 v1.5 SHA-256 signature that verifies with the certificate's public key", () => {
    // Act
    const signed = signCreateSession({
      ...params,
      material: { certificate: rsaLeaf.certificatePem, privateKey: rsaLeaf.privateKeyPem },
      region: "eu-central-1",
      date,
    });

    // Assess
    expect(signed.steps.signatureHex).toMatch(/^[0-9a-f]{512}$/);
    expect(
      verify(
        "sha256",
        Buffer.from(signed.steps.stringToSign),
        rsaLeaf.certificate.publicKey,
        Buffer.from(signed.steps.signatureHex, "hex"),
      ),
    ).toBe(true);
  });

  it("is deterministic for the same inputs and date", () => {
    // Prepare
    const input = {
      ...params,
      material: { certificate: rsaLeaf.certificatePem, privateKey: rsaLeaf.privateKeyPem },
      region: "eu-central-1",
      date,
    };

    // Act / Assess
    expect(signCreateSession(input).headers).toEqual(signCreateSession(input).headers);
  });

  it("sends intermediates in the given order in X-Amz-X509-Chain and signs that header", () => {
    // Prepare
    const leaf = issue({ commonName: "eusc-sync-chained" }, pki.intermediate2);

    // Act
    const signed = signCreateSession({
      ...params,
      material: {
        certificate: leaf.certificatePem,
        privateKey: leaf.privateKeyPem,
        intermediates: [pki.intermediate2.certificatePem, pki.intermediate1.certificate],
      },
      region: "eu-central-1",
      date,
    });

    // Assess
    const chain = `${b64(pki.intermediate2.certificate)},${b64(pki.intermediate1.certificate)}`;
    expect(Object.keys(signed.headers)).toEqual([
      "Content-Type",
      "Host",
      "X-Amz-Date",
      "X-Amz-X509",
      "X-Amz-X509-Chain",
      "Authorization",
    ]);
    expect(signed.headers["X-Amz-X509-Chain"]).toBe(chain);
    expect(signed.steps.signedHeaders).toBe("content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain");
    expect(signed.steps.canonicalHeaders.endsWith(`x-amz-x509-chain:${chain}\n`)).toBe(true);
    expect(
      verify(
        "sha256",
        Buffer.from(signed.steps.stringToSign),
        leaf.certificate.publicKey,
        Buffer.from(signed.steps.signatureHex, "hex"),
      ),
    ).toBe(true);
  });

  it("signs the Host of a custom endpoint, port included", () => {
    // Act
    const signed = signCreateSession({
      ...params,
      material: { certificate: rsaLeaf.certificatePem, privateKey: rsaLeaf.privateKeyPem },
      region: "eu-central-1",
      endpoint: "http://127.0.0.1:4567",
      date,
    });

    // Assess
    expect(signed.url).toBe("http://127.0.0.1:4567/sessions");
    expect(signed.headers.Host).toBe("127.0.0.1:4567");
    expect(signed.steps.canonicalHeaders).toContain("host:127.0.0.1:4567\n");
  });

  it("uses the current time when no date is given", () => {
    // Prepare
    const before = formatAmzDate(new Date());

    // Act
    const signed = signCreateSession({
      ...params,
      material: { certificate: rsaLeaf.certificatePem, privateKey: rsaLeaf.privateKeyPem },
      region: "eu-central-1",
    });

    // Assess
    expect(signed.steps.amzDate >= before).toBe(true);
    expect(signed.steps.amzDate <= formatAmzDate(new Date())).toBe(true);
  });

  it("fails for a malformed region", () => {
    expect(() =>
      signCreateSession({
        ...params,
        material: { certificate: rsaLeaf.certificatePem, privateKey: rsaLeaf.privateKeyPem },
        region: "eu/central",
        endpoint: "http://127.0.0.1:1",
        date,
      }),
    ).toThrow(/region "eu\/central" is not a region name/);
  });
});

describe("signCreateSession (ECDSA)", () => {
  it("signs with AWS4-X509-ECDSA-SHA256 and a DER ECDSA signature that verifies", () => {
    // Act
    const signed = signCreateSession({
      ...params,
      material: { certificate: ecLeaf.certificatePem, privateKey: ecLeaf.privateKeyPem },
      region: "eusc-de-east-1",
      date: "20261123T080000Z",
    });

    // Assess
    expect(
      signed.steps.stringToSign.startsWith(
        "AWS4-X509-ECDSA-SHA256\n20261123T080000Z\n20261123/eusc-de-east-1/rolesanywhere/aws4_request\n",
      ),
    ).toBe(true);
    expect(signed.headers.Host).toBe(endpointHost(sovereign, "rolesanywhere", "eusc-de-east-1"));
    expect(signed.headers.Authorization).toMatch(
      /^AWS4-X509-ECDSA-SHA256 Credential=3735928559\/20261123\/eusc-de-east-1\/rolesanywhere\/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-x509, Signature=30[0-9a-f]+$/,
    );
    expect(
      verify(
        "sha256",
        Buffer.from(signed.steps.stringToSign),
        { key: ecLeaf.certificate.publicKey, dsaEncoding: "der" },
        Buffer.from(signed.steps.signatureHex, "hex"),
      ),
    ).toBe(true);
  });

  it("yields a fresh signature each time over the same string to sign", () => {
    // Prepare
    const input = {
      ...params,
      material: prepareSigningMaterial({ certificate: ecLeaf.certificatePem, privateKey: ecLeaf.privateKeyPem }),
      region: "eu-central-1",
      date: "20261123T080000Z",
    };

    // Act
    const a = signCreateSession(input);
    const b = signCreateSession(input);

    // Assess
    expect(a.steps.stringToSign).toBe(b.steps.stringToSign);
    expect(a.steps.signatureHex).not.toBe(b.steps.signatureHex);
  });
});
