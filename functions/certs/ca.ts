/**
 * The platform CA: a self-signed RSA root (X.509 v3, CA:true critical, keyCertSign+cRLSign critical,
 * subjectKeyIdentifier, SHA-256) and its private key encrypted at rest (PKCS#8
 * EncryptedPrivateKeyInfo, PBES2: PBKDF2-HMAC-SHA256 + AES-256-CBC), readable by OpenSSL and Node.
 *
 * The key is encrypted here rather than with forge's encryptRsaPrivateKey because forge runs PBKDF2
 * in JavaScript when the PRF is not SHA-1 (too slow for a modern iteration count) and treats the
 * passphrase as Latin-1; Node's PBKDF2 and AES are used, and forge's ASN.1 writes the structure.
 */
import {
  createCipheriv,
  createPrivateKey,
  generateKeyPairSync,
  type KeyObject,
  pbkdf2Sync,
  randomBytes,
} from "node:crypto";
import forge from "node-forge";
import {
  CertsError,
  checkCommonName,
  checkDays,
  checkKeyBits,
  MS_PER_DAY,
  type ParsedCertificate,
  parseCertificatePem,
  randomSerialHex,
  toForgePrivateKey,
  toForgePublicKey,
} from "./util";

export const CA_CERT_FILE = "ca.pem";
export const CA_KEY_FILE = "ca.key.enc";
export const PASSPHRASE_ENV = "CERTS_CA_PASSPHRASE";
export const MIN_PASSPHRASE_LENGTH = 16;
export const DEFAULT_CA_VALIDITY_DAYS = 3650;
export const MAX_CA_VALIDITY_DAYS = 9125;
export const DEFAULT_CA_KEY_BITS = 4096;
/** PBKDF2-HMAC-SHA256 iterations for the CA key (OWASP 2023 recommendation). */
export const DEFAULT_KDF_ITERATIONS = 600_000;

const OID_PBES2 = "1.2.840.113549.1.5.13";
const OID_PBKDF2 = "1.2.840.113549.1.5.12";
const OID_HMAC_SHA256 = "1.2.840.113549.2.9";
const OID_AES256_CBC = "2.16.840.1.101.3.4.1.42";

export interface CreateCaOptions {
  readonly commonName: string;
  /** @default 3650 */
  readonly validityDays?: number;
  /** @default 4096 */
  readonly keyBits?: number;
  /** @default - the current time */
  readonly now?: Date;
}

export interface CreatedCa {
  readonly certificatePem: string;
  /** The private key, in memory only; write it with `encryptPrivateKey`. */
  readonly privateKey: KeyObject;
}

/** Checks the CA passphrase; the message names the environment variable. */
export function checkPassphrase(passphrase: string | undefined): string {
  if (passphrase === undefined || passphrase === "")
    throw new CertsError(`${PASSPHRASE_ENV} is not set; the CA private key is only ever stored encrypted with it`);
  if ([...passphrase].length < MIN_PASSPHRASE_LENGTH)
    throw new CertsError(`${PASSPHRASE_ENV} is shorter than ${MIN_PASSPHRASE_LENGTH} characters`);
  return passphrase;
}

/** Creates the self-signed platform CA certificate and key. */
export function createCa(options: CreateCaOptions): CreatedCa {
  checkCommonName("common name", options.commonName);
  const validityDays = options.validityDays ?? DEFAULT_CA_VALIDITY_DAYS;
  checkDays("validity days", validityDays, MAX_CA_VALIDITY_DAYS);
  const keyBits = options.keyBits ?? DEFAULT_CA_KEY_BITS;
  checkKeyBits("key bits", keyBits);
  const now = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);

  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: keyBits, publicExponent: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = toForgePublicKey(publicKey);
  cert.serialNumber = randomSerialHex();
  // Backdated a few minutes for clock skew between this machine and the verifiers.
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60_000);
  cert.validity.notAfter = new Date(now.getTime() + validityDays * MS_PER_DAY);
  const subject = [{ shortName: "CN", value: options.commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    // pathLenConstraint 0: the CA signs leaves only, never another CA that could issue workload certificates.
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(toForgePrivateKey(privateKey), forge.md.sha256.create());
  return { certificatePem: forge.pki.certificateToPem(cert).replace(/\r\n/g, "\n"), privateKey };
}

function node(tag: number, constructed: boolean, value: string | forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return forge.asn1.create(forge.asn1.Class.UNIVERSAL, tag, constructed, value);
}

function oid(id: string): forge.asn1.Asn1 {
  return node(forge.asn1.Type.OID, false, forge.asn1.oidToDer(id).getBytes());
}

function integer(value: number): forge.asn1.Asn1 {
  return node(forge.asn1.Type.INTEGER, false, forge.asn1.integerToDer(value).getBytes());
}

function octets(bytes: Buffer): forge.asn1.Asn1 {
  return node(forge.asn1.Type.OCTETSTRING, false, bytes.toString("binary"));
}

export interface EncryptOptions {
  /** @default 600000 */
  readonly iterations?: number;
}

/**
 * Encrypts a private key as PEM "ENCRYPTED PRIVATE KEY" (PKCS#8, PBES2 with PBKDF2-HMAC-SHA256 and
 * AES-256-CBC; the passphrase as UTF-8, as OpenSSL does).
 */
export function encryptPrivateKey(privateKey: KeyObject, passphrase: string, options: EncryptOptions = {}): string {
  checkPassphrase(passphrase);
  const iterations = options.iterations ?? DEFAULT_KDF_ITERATIONS;
  if (!Number.isInteger(iterations) || iterations < 10_000)
    throw new CertsError(`iterations must be a whole number of at least 10000 (value: ${iterations})`);
  const salt = randomBytes(16);
  const iv = randomBytes(16);
  const key = pbkdf2Sync(Buffer.from(passphrase, "utf8"), salt, iterations, 32, "sha256");
  const plain = privateKey.export({ type: "pkcs8", format: "der" });
  const cipher = createCipheriv("aes-256-cbc", key, iv);
  const encrypted = Buffer.concat([cipher.update(plain), cipher.final()]);
  plain.fill(0);
  key.fill(0);
  const T = forge.asn1.Type;
  const info = node(T.SEQUENCE, true, [
    node(T.SEQUENCE, true, [
      oid(OID_PBES2),
      node(T.SEQUENCE, true, [
        node(T.SEQUENCE, true, [
          oid(OID_PBKDF2),
          node(T.SEQUENCE, true, [
            octets(salt),
            integer(iterations),
            integer(32),
            node(T.SEQUENCE, true, [oid(OID_HMAC_SHA256), node(T.NULL, false, "")]),
          ]),
        ]),
        node(T.SEQUENCE, true, [oid(OID_AES256_CBC), octets(iv)]),
      ]),
    ]),
    octets(encrypted),
  ]);
  return forge.pem
    .encode({ type: "ENCRYPTED PRIVATE KEY", body: forge.asn1.toDer(info).getBytes() }, { maxline: 64 })
    .replace(/\r\n/g, "\n");
}

/** Decrypts an "ENCRYPTED PRIVATE KEY" PEM (any PBES2 scheme OpenSSL knows); refuses plaintext keys. */
export function decryptPrivateKey(pem: string, passphrase: string, what = CA_KEY_FILE): KeyObject {
  if (!pem.includes("-----BEGIN ENCRYPTED PRIVATE KEY-----")) {
    throw new CertsError(
      `${what}: not an encrypted PKCS#8 key ("BEGIN ENCRYPTED PRIVATE KEY" missing); a plaintext CA key is refused`,
    );
  }
  try {
    return createPrivateKey({ key: pem, format: "pem", passphrase: Buffer.from(passphrase, "utf8") });
  } catch {
    throw new CertsError(`${what}: cannot decrypt the CA key (wrong ${PASSPHRASE_ENV} or damaged file)`);
  }
}

/** A CA ready to sign: certificate and decrypted key, checked to belong together. */
export interface LoadedCa {
  readonly certificate: ParsedCertificate;
  readonly privateKey: KeyObject;
  readonly forgeKey: forge.pki.rsa.PrivateKey;
}

/** Loads and checks the CA certificate and its encrypted key. */
export function loadCa(
  certificatePem: string,
  encryptedKeyPem: string,
  passphrase: string,
  now: Date = new Date(),
): LoadedCa {
  const certificate = parseCertificatePem(certificatePem, CA_CERT_FILE);
  const basic = certificate.forge.getExtension("basicConstraints") as { cA?: boolean } | undefined;
  if (basic?.cA !== true)
    throw new CertsError(`${CA_CERT_FILE}: not a CA certificate (basicConstraints CA:true missing)`);
  if (certificate.forge.validity.notAfter.getTime() <= now.getTime())
    throw new CertsError(`${CA_CERT_FILE}: the CA expired on ${certificate.forge.validity.notAfter.toISOString()}`);
  const privateKey = decryptPrivateKey(encryptedKeyPem, passphrase);
  if (!certificate.x509.checkPrivateKey(privateKey))
    throw new CertsError(`${CA_KEY_FILE} does not belong to ${CA_CERT_FILE}`);
  return { certificate, privateKey, forgeKey: toForgePrivateKey(privateKey) };
}
