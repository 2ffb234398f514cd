/**
 * Shared helpers for the certificate tool: serial numbers, key conversion between Node's crypto and
 * node-forge, certificate parsing. Pure apart from the CSPRNG.
 */
import { createPrivateKey, type KeyObject, randomBytes, X509Certificate } from "node:crypto";
import forge from "node-forge";
import { pemCertificateBlocks, serialHexToDecimal as toDecimal } from "../shared/x509";

/** A problem with the inputs or the PKI material (bad file, wrong passphrase, expired CA...). */
export class CertsError extends Error {
  override readonly name = "CertsError";
}

export const MS_PER_DAY = 24 * 3600_000;

/** RSA modulus sizes accepted for keys this tool generates. */
export const ALLOWED_KEY_BITS = [2048, 3072, 4096] as const;

/** Serial numbers carry this many random bytes (128 bits; RFC 5280 allows up to 20 octets). */
export const SERIAL_RANDOM_BYTES = 16;

/**
 * A fresh serial number as forge expects it (hex of the DER INTEGER content): 16 bytes from the
 * CSPRNG; a leading 00 is added when the high bit is set so that the number stays positive, and a
 * zero first byte is drawn again so that the DER encoding stays minimal.
 */
export function randomSerialHex(random: (size: number) => Buffer = randomBytes): string {
  for (;;) {
    const bytes = random(SERIAL_RANDOM_BYTES);
    if (bytes.length !== SERIAL_RANDOM_BYTES) throw new CertsError("random source returned the wrong number of bytes");
    const first = bytes[0] ?? 0;
    if (first === 0) continue;
    const hex = bytes.toString("hex");
    return first >= 0x80 ? `00${hex}` : hex;
  }
}

/** A certificate's serial number (as hex, any sign padding) in decimal. */
export function serialHexToDecimal(hex: string): string {
  const decimal = toDecimal(hex);
  if (decimal === undefined) throw new CertsError(`serial number "${hex}" is not hexadecimal`);
  return decimal;
}

/** Node KeyObject (RSA private) to a forge key, in memory only. */
export function toForgePrivateKey(key: KeyObject): forge.pki.rsa.PrivateKey {
  if (key.asymmetricKeyType !== "rsa")
    throw new CertsError(`private key type "${key.asymmetricKeyType}" is not supported (RSA only)`);
  const pem = key.export({ type: "pkcs8", format: "pem" }).toString();
  return forge.pki.privateKeyFromPem(pem) as forge.pki.rsa.PrivateKey;
}

/** Node KeyObject (RSA public or private) to a forge public key. */
export function toForgePublicKey(key: KeyObject): forge.pki.rsa.PublicKey {
  if (key.asymmetricKeyType !== "rsa")
    throw new CertsError(`key type "${key.asymmetricKeyType}" is not supported (RSA only)`);
  const pem = key.export({ type: "spki", format: "pem" }).toString();
  return forge.pki.publicKeyFromPem(pem) as forge.pki.rsa.PublicKey;
}

/** Exactly one PEM certificate, parsed by both Node (checks) and forge (extension access). */
export interface ParsedCertificate {
  readonly pem: string;
  readonly x509: X509Certificate;
  readonly forge: forge.pki.Certificate;
}

/** Parses a file's text that must hold exactly one PEM certificate; `what` names it in errors. */
export function parseCertificatePem(text: string, what: string): ParsedCertificate {
  const blocks = pemCertificateBlocks(text);
  if (blocks.length !== 1)
    throw new CertsError(`${what}: expected exactly one PEM certificate, found ${blocks.length}`);
  const pem = `${blocks[0]}\n`;
  try {
    return { pem, x509: new X509Certificate(pem), forge: forge.pki.certificateFromPem(pem) };
  } catch (error) {
    throw new CertsError(`${what}: not a valid X.509 certificate (${(error as Error).message})`);
  }
}

/** The certificate's subject common name, if any. */
export function commonNameOf(certificate: forge.pki.Certificate): string | undefined {
  const field = certificate.subject.getField("CN") as { value?: unknown } | null;
  return typeof field?.value === "string" ? field.value : undefined;
}

/** Subject key identifier of a forge-parsed certificate (bytes), or computed from its key. */
export function subjectKeyIdentifierBytes(certificate: forge.pki.Certificate): string {
  const extension = certificate.getExtension("subjectKeyIdentifier") as { subjectKeyIdentifier?: string } | undefined;
  if (typeof extension?.subjectKeyIdentifier === "string") return forge.util.hexToBytes(extension.subjectKeyIdentifier);
  return certificate.generateSubjectKeyIdentifier().getBytes();
}

/** Loads an unencrypted private key PEM (used in tests and to check a leaf key). */
export function privateKeyFromPem(pem: string, what: string): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: "pem" });
  } catch (error) {
    throw new CertsError(`${what}: not a readable private key (${(error as Error).message})`);
  }
}

/** Checks a validity argument (days): a whole number from 1 to `max`. */
export function checkDays(name: string, value: number, max: number): void {
  if (!Number.isInteger(value) || value < 1 || value > max)
    throw new CertsError(`${name} must be a whole number from 1 to ${max} (value: ${value})`);
}

/** Checks an RSA modulus size. */
export function checkKeyBits(name: string, value: number): void {
  if (!(ALLOWED_KEY_BITS as readonly number[]).includes(value))
    throw new CertsError(`${name} must be one of ${ALLOWED_KEY_BITS.join(", ")} (value: ${value})`);
}

/** Checks a subject common name (RFC 5280 upper bound 64 characters, printable, no control characters). */
export function checkCommonName(name: string, value: string): void {
  if (value.trim() === "" || value !== value.trim())
    throw new CertsError(`${name} must be non-empty and have no surrounding spaces (value: "${value}")`);
  if (value.length > 64) throw new CertsError(`${name} is longer than 64 characters (RFC 5280 ub-common-name)`);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) throw new CertsError(`${name} contains control characters`);
}
