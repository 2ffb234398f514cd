/**
 * The IAM Roles Anywhere signing vectors of ../shared/vectors/rolesanywhere, byte for byte.
 * Runs under vitest.shared.config.ts (needs ../shared next to the project); fails when it is missing.
 */
import { createHash, verify, X509Certificate } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { prepareSigningMaterial, type SignedCreateSession, signCreateSession } from "./signer";

const PROJECT_ROOT = resolve(__dirname, "..", "..");
const VECTORS_DIR = resolve(PROJECT_ROOT, "..", "shared", "vectors", "rolesanywhere");

if (!existsSync(VECTORS_DIR)) {
  throw new Error(
    `IAM Roles Anywhere vectors not found at ${VECTORS_DIR}: the shared suites need ../shared/vectors/rolesanywhere next to the project (${PROJECT_ROOT}).`,
  );
}

interface Vector {
  id: string;
  inputs: {
    algorithm: string;
    region: string;
    service: string;
    endpoint: string;
    amz_date: string;
    trust_anchor_arn: string;
    profile_arn: string;
    role_arn: string;
    query_params: Record<string, string>;
    content_type: string;
    body: string;
    certificate_pem: string;
    private_key_pem_pkcs8: string;
    certificate_chain_pems_in_header_order: string[];
    certificate_serial_hex: string;
  };
  expected: {
    serial_decimal: string;
    payload_sha256: string;
    canonical_query_string: string;
    canonical_headers_signed: string;
    canonical_request: string;
    canonical_request_sha256: string;
    credential_scope: string;
    string_to_sign: string;
    headers: Record<string, string>;
    request_url: string;
    deterministic: boolean;
    signature_hex?: string;
    authorization_prefix?: string;
    sample_signatures_der_hex_verify_only?: string[];
  };
}

function load(file: string): Vector {
  const path = join(VECTORS_DIR, file);
  if (!existsSync(path))
    throw new Error(`vector ${file} missing in ${VECTORS_DIR} (found: ${readdirSync(VECTORS_DIR).join(", ")})`);
  return JSON.parse(readFileSync(path, "utf8")) as Vector;
}

/** Signs a vector's inputs; the endpoint comes from the partition table unless `endpoint` is given. */
function signVector(v: Vector, endpoint?: string): SignedCreateSession {
  const i = v.inputs;
  return signCreateSession({
    material: {
      certificate: i.certificate_pem,
      privateKey: i.private_key_pem_pkcs8,
      intermediates: i.certificate_chain_pems_in_header_order,
    },
    region: i.region,
    endpoint,
    date: i.amz_date,
    query: i.query_params,
    trustAnchorArn: i.trust_anchor_arn,
    profileArn: i.profile_arn,
    roleArn: i.role_arn,
    durationSeconds: (JSON.parse(i.body) as { durationSeconds: number }).durationSeconds,
  });
}

/** Headers as [name, value] pairs in order, without Authorization. */
const withoutAuth = (h: Readonly<Record<string, string>>) => Object.entries(h).filter(([k]) => k !== "Authorization");

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

describe.each(["01-rsa2048-nochain.json", "02-rsa2048-with-chain.json", "03-ecdsa-p256-eusc.json"])(
  "vector %s",
  (file) => {
    const v = load(file);
    const deterministic = v.expected.deterministic;

    it("has the inputs this suite expects", () => {
      expect(v.inputs.service).toBe("rolesanywhere");
      expect(v.inputs.content_type).toBe("application/json");
      expect(deterministic).toBe(v.inputs.algorithm === "AWS4-X509-RSA-SHA256");
    });

    it("reproduces the body, serial, payload hash and canonical query string", () => {
      // Act
      const signed = signVector(v);

      // Assess
      expect(signed.body).toBe(v.inputs.body);
      expect(signed.steps.algorithm).toBe(v.inputs.algorithm);
      expect(signed.steps.serialDecimal).toBe(v.expected.serial_decimal);
      expect(BigInt(`0x${v.inputs.certificate_serial_hex}`).toString()).toBe(v.expected.serial_decimal);
      expect(signed.steps.payloadHash).toBe(v.expected.payload_sha256);
      expect(signed.steps.canonicalQueryString).toBe(v.expected.canonical_query_string);
    });

    it("reproduces the signed headers, canonical request and its hash", () => {
      // Act
      const signed = signVector(v);

      // Assess
      expect(signed.steps.signedHeaders).toBe(v.expected.canonical_headers_signed);
      expect(signed.steps.canonicalRequest).toBe(v.expected.canonical_request);
      expect(signed.steps.canonicalRequestHash).toBe(v.expected.canonical_request_sha256);
      expect(sha256(v.expected.canonical_request)).toBe(v.expected.canonical_request_sha256);
    });

    it("reproduces the credential scope and the string to sign", () => {
      // Act
      const signed = signVector(v);

      // Assess
      expect(signed.steps.credentialScope).toBe(v.expected.credential_scope);
      expect(signed.steps.stringToSign).toBe(v.expected.string_to_sign);
    });

    it("reproduces the URL from the partition table and from the vector's endpoint", () => {
      // Act
      const fromTable = signVector(v);
      const fromEndpoint = signVector(v, v.inputs.endpoint);

      // Assess
      expect(fromTable.url).toBe(v.expected.request_url);
      expect(fromEndpoint.url).toBe(v.expected.request_url);
      expect(withoutAuth(fromEndpoint.headers)).toEqual(withoutAuth(fromTable.headers));
      expect(fromEndpoint.steps.stringToSign).toBe(v.expected.string_to_sign);
    });

    it("reproduces every header but Authorization, in the vector's order", () => {
      // Act
      const signed = signVector(v);

      // Assess
      expect(withoutAuth(signed.headers)).toEqual(withoutAuth(v.expected.headers));
      expect(Object.keys(signed.headers)).toEqual([
        ...Object.keys(v.expected.headers).filter((k) => k !== "Authorization"),
        "Authorization",
      ]);
    });

    if (deterministic) {
      it("reproduces the RSA signature and the Authorization header byte for byte", () => {
        // Act
        const signed = signVector(v);

        // Assess
        expect(signed.steps.signatureHex).toBe(v.expected.signature_hex);
        expect(signed.headers.Authorization).toBe(v.expected.headers.Authorization);
        expect(signed.headers).toEqual(v.expected.headers);
      });
    } else {
      it("reproduces the Authorization header up to Signature= and signs with ECDSA that verifies", () => {
        // Prepare
        const cert = new X509Certificate(v.inputs.certificate_pem);

        // Act
        const signed = signVector(v);

        // Assess
        const prefix = v.expected.authorization_prefix ?? "";
        expect(prefix).toMatch(/Signature=$/);
        expect(signed.headers.Authorization?.startsWith(prefix)).toBe(true);
        expect(signed.headers.Authorization?.slice(prefix.length)).toBe(signed.steps.signatureHex);
        expect(signed.steps.signatureHex).toMatch(/^30[0-9a-f]+$/);
        expect(
          verify(
            "sha256",
            Buffer.from(v.expected.string_to_sign),
            { key: cert.publicKey, dsaEncoding: "der" },
            Buffer.from(signed.steps.signatureHex, "hex"),
          ),
        ).toBe(true);
      });

      it("verifies both DER signatures given in the vector over its string to sign", () => {
        // Prepare
        const cert = new X509Certificate(v.inputs.certificate_pem);
        const samples = v.expected.sample_signatures_der_hex_verify_only ?? [];

        // Act
        const results = samples.map((hex) =>
          verify(
            "sha256",
            Buffer.from(v.expected.string_to_sign),
            { key: cert.publicKey, dsaEncoding: "der" },
            Buffer.from(hex, "hex"),
          ),
        );

        // Assess
        expect(samples).toHaveLength(2);
        expect(results).toEqual([true, true]);
        expect(
          verify(
            "sha256",
            Buffer.from(`${v.expected.string_to_sign}x`),
            { key: cert.publicKey, dsaEncoding: "der" },
            Buffer.from(samples[0] ?? "", "hex"),
          ),
        ).toBe(false);
      });
    }

    it("signs with the key of the vector's leaf certificate", () => {
      // Act
      const material = prepareSigningMaterial({
        certificate: v.inputs.certificate_pem,
        privateKey: v.inputs.private_key_pem_pkcs8,
      });

      // Assess
      expect(material.algorithm).toBe(v.inputs.algorithm);
      expect(material.certificate.serialNumber.toLowerCase()).toBe(v.inputs.certificate_serial_hex.replace(/^00/, ""));
    });
  },
);
