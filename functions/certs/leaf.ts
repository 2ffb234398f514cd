/**
 * Leaf certificates for workloads (IAM Roles Anywhere end entities): RSA, X.509 v3, CA:false
 * critical, keyUsage digitalSignature critical, extendedKeyUsage clientAuth, subject and authority
 * key identifiers, SHA-256, CSPRNG serial, subject CN = workload name, never outliving the CA.
 */
import { generateKeyPairSync, type KeyObject } from "node:crypto";
import forge from "node-forge";
import type { LoadedCa } from "./ca";
import {
  CertsError,
  checkCommonName,
  checkDays,
  checkKeyBits,
  MS_PER_DAY,
  randomSerialHex,
  serialHexToDecimal,
  subjectKeyIdentifierBytes,
  toForgePublicKey,
} from "./util";

export const LEAF_CERT_FILE = "leaf.pem";
export const LEAF_KEY_FILE = "leaf.key.pem";
export const DEFAULT_LEAF_VALIDITY_DAYS = 30;
export const MAX_LEAF_VALIDITY_DAYS = 397;
export const DEFAULT_LEAF_KEY_BITS = 2048;
/** notBefore is set this far in the past so that verifiers with a slow clock accept a new leaf. */
export const BACKDATE_MS = 5 * 60_000;

export interface IssueLeafOptions {
  /** Workload name; the commercial role matches it via `aws:PrincipalTag/x509Subject/CN`. */
  readonly commonName: string;
  /** @default 30 */
  readonly validityDays?: number;
  /** @default 2048 */
  readonly keyBits?: number;
  /** @default - the current time */
  readonly now?: Date;
}

export interface IssuedLeaf {
  readonly certificatePem: string;
  /** PKCS#8, unencrypted (stored in Secrets Manager by a later step). */
  readonly privateKeyPem: string;
  readonly privateKey: KeyObject;
  readonly serialDecimal: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
  /** True when the requested validity was cut to the CA's notAfter. */
  readonly clampedToCa: boolean;
}

/** Issues a leaf signed by the CA. */
export function issueLeaf(ca: LoadedCa, options: IssueLeafOptions): IssuedLeaf {
  checkCommonName("common name", options.commonName);
  const validityDays = options.validityDays ?? DEFAULT_LEAF_VALIDITY_DAYS;
  checkDays("validity days", validityDays, MAX_LEAF_VALIDITY_DAYS);
  const keyBits = options.keyBits ?? DEFAULT_LEAF_KEY_BITS;
  checkKeyBits("key bits", keyBits);
  // Certificates carry whole seconds; so do the dates computed (and printed) here.
  const now = new Date(Math.floor((options.now ?? new Date()).getTime() / 1000) * 1000);
  const caNotAfter = ca.certificate.forge.validity.notAfter;
  if (caNotAfter.getTime() <= now.getTime())
    throw new CertsError(`the CA expired on ${caNotAfter.toISOString()}; create a new CA first`);

  const requested = new Date(now.getTime() + validityDays * MS_PER_DAY);
  const clampedToCa = requested.getTime() > caNotAfter.getTime();
  const notAfter = clampedToCa ? new Date(caNotAfter.getTime()) : requested;
  const caNotBefore = ca.certificate.forge.validity.notBefore;
  const notBefore = new Date(Math.max(now.getTime() - BACKDATE_MS, caNotBefore.getTime()));

  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: keyBits, publicExponent: 0x10001 });
  const cert = forge.pki.createCertificate();
  cert.publicKey = toForgePublicKey(publicKey);
  cert.serialNumber = randomSerialHex();
  cert.validity.notBefore = notBefore;
  cert.validity.notAfter = notAfter;
  cert.setSubject([{ shortName: "CN", value: options.commonName }]);
  cert.setIssuer(ca.certificate.forge.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, critical: true },
    { name: "extKeyUsage", clientAuth: true },
    { name: "subjectKeyIdentifier" },
    // forge's `keyIdentifier: true` would use the leaf's own key; the CA's identifier is given.
    { name: "authorityKeyIdentifier", keyIdentifier: subjectKeyIdentifierBytes(ca.certificate.forge) },
  ]);
  cert.sign(ca.forgeKey, forge.md.sha256.create());
  const certificatePem = forge.pki.certificateToPem(cert).replace(/\r\n/g, "\n");
  return {
    certificatePem,
    privateKeyPem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    privateKey,
    serialDecimal: serialHexToDecimal(cert.serialNumber),
    notBefore,
    notAfter,
    clampedToCa,
  };
}
