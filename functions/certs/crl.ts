/**
 * X.509 v2 certificate revocation lists (RFC 5280 §5) for the platform CA. node-forge has no CRL
 * builder, so the DER is written with forge's ASN.1 and the TBSCertList is signed with the CA key
 * (RSA PKCS#1 v1.5, SHA-256). A CRL carries thisUpdate/nextUpdate, authorityKeyIdentifier and a
 * cRLNumber that grows by one with every CRL issued.
 */
import { sign, verify } from "node:crypto";
import forge from "node-forge";
import type { LoadedCa } from "./ca";
import { CertsError, MS_PER_DAY, type ParsedCertificate, serialHexToDecimal, subjectKeyIdentifierBytes } from "./util";

export const CRL_FILE = "crl.pem";
export const DEFAULT_NEXT_UPDATE_DAYS = 30;
export const MAX_NEXT_UPDATE_DAYS = 366;

const OID_SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
const OID_CRL_NUMBER = "2.5.29.20";
const OID_AUTHORITY_KEY_IDENTIFIER = "2.5.29.35";

const { Class, Type } = forge.asn1;
type Asn1 = forge.asn1.Asn1;

export interface RevokedEntry {
  /** Hex of the DER INTEGER content (as in the certificate, sign padding included). */
  readonly serialHex: string;
  readonly revocationDate: Date;
}

export interface ParsedCrl {
  readonly issuerDer: Buffer;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date | undefined;
  readonly crlNumber: bigint | undefined;
  readonly revoked: readonly RevokedEntry[];
}

// --- DER helpers -----------------------------------------------------------------------------

interface Tlv {
  readonly tag: number;
  readonly start: number;
  readonly contentStart: number;
  readonly end: number;
}

function readTlv(der: Buffer, offset: number): Tlv {
  const tag = der[offset];
  let length = der[offset + 1];
  if (tag === undefined || length === undefined) throw new CertsError("DER: truncated");
  let contentStart = offset + 2;
  if (length & 0x80) {
    const count = length & 0x7f;
    if (count === 0 || count > 4) throw new CertsError("DER: unsupported length");
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + (der[contentStart + i] ?? 0);
    contentStart += count;
  }
  const end = contentStart + length;
  if (end > der.length) throw new CertsError("DER: truncated");
  return { tag, start: offset, contentStart, end };
}

/** The child TLVs of a constructed TLV. */
function children(der: Buffer, parent: Tlv): Tlv[] {
  const out: Tlv[] = [];
  for (let offset = parent.contentStart; offset < parent.end; ) {
    const child = readTlv(der, offset);
    out.push(child);
    offset = child.end;
  }
  return out;
}

function pemToDer(pem: string, label: string, what: string): Buffer {
  const match = new RegExp(`-----BEGIN ${label}-----([\\s\\S]*?)-----END ${label}-----`).exec(pem);
  if (match?.[1] === undefined) throw new CertsError(`${what}: no "BEGIN ${label}" block found`);
  return Buffer.from(match[1].replace(/\s+/g, ""), "base64");
}

function derToPem(der: Buffer, label: string): string {
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}

function asn1FromBuffer(bytes: Buffer): Asn1 {
  return forge.asn1.fromDer(forge.util.createBuffer(bytes.toString("binary")));
}

function seq(value: Asn1[]): Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, value);
}

function oid(id: string): Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.OID, false, forge.asn1.oidToDer(id).getBytes());
}

/** INTEGER from hex content bytes (already minimal and positive). */
function integerHex(hex: string): Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.INTEGER, false, forge.util.hexToBytes(hex));
}

/** Minimal positive two's-complement hex of a non-negative bigint. */
export function bigintToIntegerHex(value: bigint): string {
  if (value < 0n) throw new CertsError("negative integers are not used here");
  let hex = value.toString(16);
  if (hex.length % 2 === 1) hex = `0${hex}`;
  return Number.parseInt(hex.slice(0, 2), 16) >= 0x80 ? `00${hex}` : hex;
}

/** RFC 5280 §4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050. */
function time(date: Date): Asn1 {
  const whole = new Date(Math.floor(date.getTime() / 1000) * 1000);
  return whole.getUTCFullYear() < 2050
    ? forge.asn1.create(Class.UNIVERSAL, Type.UTCTIME, false, forge.asn1.dateToUtcTime(whole))
    : forge.asn1.create(Class.UNIVERSAL, Type.GENERALIZEDTIME, false, forge.asn1.dateToGeneralizedTime(whole));
}

function readTime(node: Asn1 | undefined): Date | undefined {
  if (node === undefined || node.tagClass !== Class.UNIVERSAL || typeof node.value !== "string") return undefined;
  if (node.type === Type.UTCTIME) return forge.asn1.utcTimeToDate(node.value);
  if (node.type === Type.GENERALIZEDTIME) return forge.asn1.generalizedTimeToDate(node.value);
  return undefined;
}

function hexOf(bytes: string): string {
  return forge.util.bytesToHex(bytes).toLowerCase();
}

/** The raw DER of the certificate's subject Name (TBSCertificate field after validity). */
export function subjectDer(certificate: ParsedCertificate): Buffer {
  const der = certificate.x509.raw;
  const tbs = children(der, readTlv(der, 0))[0];
  if (tbs === undefined) throw new CertsError("certificate: no TBSCertificate");
  const fields = children(der, tbs);
  const offset = fields[0]?.tag === 0xa0 ? 1 : 0; // [0] EXPLICIT version
  const subject = fields[offset + 4];
  if (subject === undefined) throw new CertsError("certificate: no subject");
  return der.subarray(subject.start, subject.end);
}

// --- build, parse --------------------------------------------------------------------------

export interface BuildCrlOptions {
  readonly revoked: readonly RevokedEntry[];
  readonly crlNumber: bigint;
  readonly thisUpdate: Date;
  readonly nextUpdate: Date;
}

/** Builds and signs a CRL (PEM "X509 CRL"). */
export function buildCrl(ca: LoadedCa, options: BuildCrlOptions): string {
  if (options.nextUpdate.getTime() <= options.thisUpdate.getTime())
    throw new CertsError("nextUpdate must be after thisUpdate");
  const signatureAlgorithm = () =>
    seq([oid(OID_SHA256_WITH_RSA), forge.asn1.create(Class.UNIVERSAL, Type.NULL, false, "")]);
  const keyIdentifier = subjectKeyIdentifierBytes(ca.certificate.forge);
  const extension = (id: string, value: Asn1) =>
    seq([oid(id), forge.asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, forge.asn1.toDer(value).getBytes())]);
  const tbsFields: Asn1[] = [
    forge.asn1.create(Class.UNIVERSAL, Type.INTEGER, false, forge.asn1.integerToDer(1).getBytes()), // v2
    signatureAlgorithm(),
    asn1FromBuffer(subjectDer(ca.certificate)),
    time(options.thisUpdate),
    time(options.nextUpdate),
  ];
  if (options.revoked.length > 0)
    tbsFields.push(seq(options.revoked.map((entry) => seq([integerHex(entry.serialHex), time(entry.revocationDate)]))));
  tbsFields.push(
    forge.asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [
      seq([
        extension(
          OID_AUTHORITY_KEY_IDENTIFIER,
          seq([forge.asn1.create(Class.CONTEXT_SPECIFIC, 0, false, keyIdentifier)]),
        ),
        extension(OID_CRL_NUMBER, integerHex(bigintToIntegerHex(options.crlNumber))),
      ]),
    ]),
  );
  const tbsDer = Buffer.from(forge.asn1.toDer(seq(tbsFields)).getBytes(), "binary");
  const signature = sign("sha256", tbsDer, ca.privateKey);
  const certificateList = seq([
    asn1FromBuffer(tbsDer),
    signatureAlgorithm(),
    forge.asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, `\u0000${signature.toString("binary")}`),
  ]);
  return derToPem(Buffer.from(forge.asn1.toDer(certificateList).getBytes(), "binary"), "X509 CRL");
}

/** Parses a CRL and checks that this CA issued and signed it. */
export function parseCrl(pem: string, ca: ParsedCertificate, what = CRL_FILE): ParsedCrl {
  const der = pemToDer(pem, "X509 CRL", what);
  let tbsTlv: Tlv | undefined;
  let signatureTlv: Tlv | undefined;
  try {
    [tbsTlv, , signatureTlv] = children(der, readTlv(der, 0));
  } catch (error) {
    throw new CertsError(`${what}: not a DER CRL (${(error as Error).message})`);
  }
  if (tbsTlv === undefined || signatureTlv === undefined || signatureTlv.tag !== 0x03)
    throw new CertsError(`${what}: not a CertificateList`);
  const tbsDer = der.subarray(tbsTlv.start, tbsTlv.end);
  const signature = der.subarray(signatureTlv.contentStart + 1, signatureTlv.end);
  if (!verify("sha256", tbsDer, ca.x509.publicKey, signature))
    throw new CertsError(`${what}: signature does not verify with the CA's key (another CA's CRL, or damaged)`);

  const tbs = asn1FromBuffer(tbsDer);
  const fields = [...(tbs.value as Asn1[])];
  if (fields[0]?.type === Type.INTEGER && fields[0].tagClass === Class.UNIVERSAL) fields.shift();
  const [algorithm, issuer, thisUpdateNode, ...rest] = fields;
  if (algorithm === undefined || issuer === undefined) throw new CertsError(`${what}: TBSCertList is incomplete`);
  const issuerDer = Buffer.from(forge.asn1.toDer(issuer).getBytes(), "binary");
  if (!issuerDer.equals(subjectDer(ca))) throw new CertsError(`${what}: issuer is not the CA's subject`);
  const thisUpdate = readTime(thisUpdateNode);
  if (thisUpdate === undefined) throw new CertsError(`${what}: thisUpdate missing`);
  const nextUpdate = readTime(rest[0]);
  if (nextUpdate !== undefined) rest.shift();

  const revoked: RevokedEntry[] = [];
  let crlNumber: bigint | undefined;
  for (const node of rest) {
    if (node.tagClass === Class.UNIVERSAL && node.type === Type.SEQUENCE) {
      for (const entry of node.value as Asn1[]) {
        const [serial, date] = entry.value as Asn1[];
        const revocationDate = readTime(date);
        if (serial === undefined || typeof serial.value !== "string" || revocationDate === undefined)
          throw new CertsError(`${what}: malformed revoked entry`);
        revoked.push({ serialHex: hexOf(serial.value), revocationDate });
      }
    } else if (node.tagClass === Class.CONTEXT_SPECIFIC && node.type === 0) {
      for (const ext of ((node.value as Asn1[])[0]?.value as Asn1[] | undefined) ?? []) {
        const [id, ...tail] = ext.value as Asn1[];
        const value = tail[tail.length - 1];
        if (id === undefined || value === undefined || typeof id.value !== "string" || typeof value.value !== "string")
          continue;
        if (forge.asn1.derToOid(forge.util.createBuffer(id.value)) === OID_CRL_NUMBER) {
          const integer = forge.asn1.fromDer(forge.util.createBuffer(value.value));
          if (typeof integer.value === "string") crlNumber = BigInt(`0x${hexOf(integer.value) || "0"}`);
        }
      }
    }
  }
  return { issuerDer, thisUpdate, nextUpdate, crlNumber, revoked };
}

// --- revoke ----------------------------------------------------------------------------------

export interface RevokeOptions {
  /** The current CRL, if one exists; its entries are kept and its number is incremented. */
  readonly existingCrlPem?: string;
  /** @default 30 */
  readonly nextUpdateDays?: number;
  /** @default - the current time */
  readonly now?: Date;
}

export interface RevokeResult {
  readonly crlPem: string;
  readonly crlNumber: bigint;
  readonly serialDecimal: string;
  /** True when the serial was already on the CRL (the CRL is issued again with a new number). */
  readonly alreadyRevoked: boolean;
  readonly revokedCount: number;
  readonly nextUpdate: Date;
}

/** Adds the certificate's serial to the CA's CRL and signs a new CRL. */
export function revokeCertificate(
  ca: LoadedCa,
  certificate: ParsedCertificate,
  options: RevokeOptions = {},
): RevokeResult {
  if (!certificate.x509.checkIssued(ca.certificate.x509) || !certificate.x509.verify(ca.certificate.x509.publicKey)) {
    throw new CertsError("the certificate was not issued by this CA");
  }
  const nextUpdateDays = options.nextUpdateDays ?? DEFAULT_NEXT_UPDATE_DAYS;
  if (!Number.isInteger(nextUpdateDays) || nextUpdateDays < 1 || nextUpdateDays > MAX_NEXT_UPDATE_DAYS) {
    throw new CertsError(
      `next update days must be a whole number from 1 to ${MAX_NEXT_UPDATE_DAYS} (value: ${nextUpdateDays})`,
    );
  }
  const now = options.now ?? new Date();
  const existing = options.existingCrlPem === undefined ? undefined : parseCrl(options.existingCrlPem, ca.certificate);
  const serialHex = certificate.forge.serialNumber.toLowerCase();
  const entries = [...(existing?.revoked ?? [])];
  const alreadyRevoked = entries.some((entry) => BigInt(`0x${entry.serialHex}`) === BigInt(`0x${serialHex}`));
  if (!alreadyRevoked) entries.push({ serialHex, revocationDate: now });
  const crlNumber = (existing?.crlNumber ?? 0n) + 1n;
  const nextUpdate = new Date(now.getTime() + nextUpdateDays * MS_PER_DAY);
  const crlPem = buildCrl(ca, { revoked: entries, crlNumber, thisUpdate: now, nextUpdate });
  return {
    crlPem,
    crlNumber,
    serialDecimal: serialHexToDecimal(serialHex),
    alreadyRevoked,
    revokedCount: entries.length,
    nextUpdate,
  };
}
