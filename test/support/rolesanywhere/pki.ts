/**
 * Test-only PKI: a root CA, intermediates and leaf certificates made in the test run (node-forge
 * for the X.509 structure, Node's crypto for the keys). RSA certificates come from node-forge's
 * certificate API; an EC leaf is built by swapping the subject public key in a forge-built
 * TBSCertificate and signing it again with the issuer's RSA key (node-forge has no ECDSA API).
 */
import { generateKeyPairSync, type KeyObject, sign, X509Certificate } from "node:crypto";
import forge from "node-forge";

export interface TestIdentity {
  readonly certificatePem: string;
  readonly privateKeyPem: string;
  readonly certificate: X509Certificate;
  readonly privateKey: KeyObject;
  /** Only for RSA identities (forge can sign only with RSA keys). */
  readonly forgeKey: forge.pki.rsa.PrivateKey | undefined;
  readonly forgeCert: forge.pki.Certificate;
}

export interface IssueOptions {
  readonly commonName: string;
  /** @default false */
  readonly ca?: boolean;
  /** @default "rsa" */
  readonly keyType?: "rsa" | "ec";
  /** Hex serial, without sign padding. @default - 16 random bytes with the high bit cleared */
  readonly serialHex?: string;
  /** @default - 1 hour ago */
  readonly notBefore?: Date;
  /** @default - 1 year after notBefore */
  readonly notAfter?: Date;
}

const SUBJECT_BASE = [
  { shortName: "C", value: "DE" },
  { shortName: "O", value: "Sovereign Identity Platform TEST ONLY" },
];

function randomSerialHex(): string {
  const bytes = forge.random.getBytesSync(16);
  return (String.fromCharCode(bytes.charCodeAt(0) & 0x7f) + bytes.slice(1))
    .split("")
    .map((c) => c.charCodeAt(0).toString(16).padStart(2, "0"))
    .join("");
}

/** forge writes the serial as given: prefix 00 when the high bit is set, so it stays positive. */
function derSerial(hex: string): string {
  const even = hex.length % 2 === 0 ? hex : `0${hex}`;
  return Number.parseInt(even.slice(0, 2), 16) >= 0x80 ? `00${even}` : even;
}

function generate(keyType: "rsa" | "ec") {
  return keyType === "rsa"
    ? generateKeyPairSync("rsa", { modulusLength: 2048, publicExponent: 0x10001 })
    : generateKeyPairSync("ec", { namedCurve: "P-256" });
}

function pemOf(key: KeyObject): string {
  return key.export({ type: "pkcs8", format: "pem" }).toString();
}

/** Issues a certificate; `issuer` undefined makes a self-signed root CA. */
export function issue(options: IssueOptions, issuer?: TestIdentity): TestIdentity {
  const keyType = options.keyType ?? "rsa";
  if (issuer === undefined && keyType !== "rsa") throw new Error("a self-signed test root must be RSA");
  if (issuer !== undefined && issuer.forgeKey === undefined) throw new Error("test issuers must have RSA keys");
  const { privateKey, publicKey } = generate(keyType);
  const privateKeyPem = pemOf(privateKey);
  const forgeKey = keyType === "rsa" ? forge.pki.privateKeyFromPem(privateKeyPem) : undefined;
  const ownForgePublic =
    keyType === "rsa"
      ? forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString())
      : undefined;

  const cert = forge.pki.createCertificate();
  // For an EC leaf the issuer's key stands in until the SubjectPublicKeyInfo is swapped below.
  const placeholder =
    issuer === undefined
      ? undefined
      : forge.pki.publicKeyFromPem(issuer.certificate.publicKey.export({ type: "spki", format: "pem" }).toString());
  const certPublicKey = ownForgePublic ?? placeholder;
  if (certPublicKey === undefined) throw new Error("no public key");
  cert.publicKey = certPublicKey;
  cert.serialNumber = derSerial(options.serialHex ?? randomSerialHex());
  const notBefore = options.notBefore ?? new Date(Date.now() - 3600_000);
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = options.notAfter ?? new Date(notBefore.getTime() + 365 * 24 * 3600_000);
  const subject = [...SUBJECT_BASE, { shortName: "CN", value: options.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(issuer === undefined ? subject : issuer.forgeCert.subject.attributes);
  const ca = options.ca ?? false;
  const extensions: object[] = [
    { name: "basicConstraints", cA: ca, critical: true },
    ca
      ? { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true }
      : { name: "keyUsage", digitalSignature: true, critical: true },
  ];
  if (!ca) extensions.push({ name: "extKeyUsage", clientAuth: true });
  if (ownForgePublic !== undefined) extensions.push({ name: "subjectKeyIdentifier" });
  cert.setExtensions(extensions);
  const signer = issuer?.forgeKey ?? forgeKey;
  if (signer === undefined) throw new Error("no signing key");
  cert.sign(signer, forge.md.sha256.create());

  let certificatePem = forge.pki.certificateToPem(cert);
  if (keyType === "ec") {
    // Swap the SubjectPublicKeyInfo (TBSCertificate field 7) and sign the TBS again.
    const asn1 = forge.pki.certificateToAsn1(cert);
    const tbs = (asn1.value as forge.asn1.Asn1[])[0];
    if (tbs === undefined || issuer === undefined) throw new Error("unexpected certificate structure");
    const spkiDer = publicKey.export({ type: "spki", format: "der" });
    (tbs.value as forge.asn1.Asn1[])[6] = forge.asn1.fromDer(forge.util.createBuffer(spkiDer.toString("binary")));
    const tbsDer = Buffer.from(forge.asn1.toDer(tbs).getBytes(), "binary");
    const signature = sign("sha256", tbsDer, issuer.privateKey);
    (asn1.value as forge.asn1.Asn1[])[2] = forge.asn1.create(
      forge.asn1.Class.UNIVERSAL,
      forge.asn1.Type.BITSTRING,
      false,
      `\u0000${signature.toString("binary")}`,
    );
    certificatePem = forge.pem.encode({ type: "CERTIFICATE", body: forge.asn1.toDer(asn1).getBytes() });
  }
  const certificate = new X509Certificate(certificatePem);
  const verifier = issuer?.certificate.publicKey ?? certificate.publicKey;
  if (!certificate.verify(verifier))
    throw new Error(`test PKI: ${options.commonName} does not verify against its issuer`);
  return { certificatePem, privateKeyPem, certificate, privateKey, forgeKey, forgeCert: cert };
}

/** Root CA, two intermediates (root -> int1 -> int2) and issue() for leaves. */
export function createTestPki() {
  const root = issue({
    commonName: "TEST Root CA",
    ca: true,
    notAfter: new Date(Date.now() + 5 * 365 * 24 * 3600_000),
  });
  const intermediate1 = issue({ commonName: "TEST Intermediate CA 1", ca: true }, root);
  const intermediate2 = issue({ commonName: "TEST Intermediate CA 2", ca: true }, intermediate1);
  return { root, intermediate1, intermediate2 };
}
