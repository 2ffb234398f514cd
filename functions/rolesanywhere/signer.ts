/**
 * IAM Roles Anywhere `CreateSession` request signing (../shared/DESIGN.md §4).
 *
 * The request is signed like SigV4, except that the signature is the leaf certificate's private key
 * signing the string to sign (RSA PKCS#1 v1.5 or ECDSA, both over SHA-256, hex) instead of an HMAC,
 * the algorithm is `AWS4-X509-RSA-SHA256` / `AWS4-X509-ECDSA-SHA256`, the credential is the leaf's
 * serial number in decimal, and the certificate (and its intermediates) travel in `X-Amz-X509`
 * (and `X-Amz-X509-Chain`). Every intermediate value is returned in `steps` so that tests can
 * compare each one with the reference vectors.
 *
 * Pure: no I/O, no clock unless `date` is omitted. Node's built-in crypto only.
 */
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  KeyObject,
  sign,
  X509Certificate,
} from "node:crypto";
import { endpointUrl, type PartitionInfo, partitionOfRegion } from "../../config/partitions";
import { pemCertificateBlocks, serialHexToDecimal } from "../shared/x509";

export const SERVICE = "rolesanywhere";
export const SESSIONS_PATH = "/sessions";
export const CONTENT_TYPE = "application/json";
export const DEFAULT_DURATION_SECONDS = 3600;
/** `durationSeconds` bounds of `CreateSession` (15 minutes to 12 hours). */
export const MIN_DURATION_SECONDS = 900;
export const MAX_DURATION_SECONDS = 43_200;

export type SigningAlgorithm = "AWS4-X509-RSA-SHA256" | "AWS4-X509-ECDSA-SHA256";

/** The certificate, key or chain cannot be used for signing. */
export class SigningMaterialError extends Error {
  override readonly name = "SigningMaterialError";
}

/** A signing input (date, duration, endpoint, region) is malformed. */
export class SigningInputError extends Error {
  override readonly name = "SigningInputError";
}

type CertificateSource = string | Buffer | X509Certificate;

/** Certificate and key as read from disk or a secret: PEM text or DER bytes, or parsed objects. */
export interface SigningMaterialInput {
  /** The leaf certificate (PEM or DER); exactly one certificate. */
  readonly certificate: CertificateSource;
  /** The leaf's private key: PEM (PKCS#8, PKCS#1 or SEC1, unencrypted) or a KeyObject. */
  readonly privateKey: string | Buffer | KeyObject;
  /**
   * Intermediate CA certificates, sent in this order in `X-Amz-X509-Chain`: a PEM bundle or a list.
   * @default - none: no `X-Amz-X509-Chain` header
   */
  readonly intermediates?: string | Buffer | readonly CertificateSource[];
}

/** Checked signing material: the key matches the certificate; the algorithm follows the key type. */
export interface SigningMaterial {
  readonly certificate: X509Certificate;
  readonly privateKey: KeyObject;
  readonly intermediates: readonly X509Certificate[];
  readonly algorithm: SigningAlgorithm;
  /** The leaf's serial number in decimal, as it appears in `Credential=`. */
  readonly serialDecimal: string;
}

export function isSigningMaterial(value: SigningMaterial | SigningMaterialInput): value is SigningMaterial {
  return value.certificate instanceof X509Certificate && value.privateKey instanceof KeyObject && "algorithm" in value;
}

/** Every certificate in a PEM bundle (in file order), or the one certificate of a DER buffer. */
export function parseCertificates(source: string | Buffer, what: string): X509Certificate[] {
  const text = typeof source === "string" ? source : source.toString("latin1");
  if (!text.includes("-----BEGIN")) {
    if (Buffer.isBuffer(source) && source[0] === 0x30) {
      try {
        return [new X509Certificate(source)];
      } catch (error) {
        throw new SigningMaterialError(`${what}: not a valid DER certificate (${(error as Error).message})`);
      }
    }
    if (text.trim() === "") return [];
    throw new SigningMaterialError(
      `${what}: no PEM certificate found (no "-----BEGIN CERTIFICATE-----" line) and not DER`,
    );
  }
  const blocks = pemCertificateBlocks(text);
  if (blocks.length === 0) throw new SigningMaterialError(`${what}: no "BEGIN CERTIFICATE" block found`);
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new SigningMaterialError(
        `${what}: certificate ${index + 1} is not a valid X.509 certificate (${(error as Error).message})`,
      );
    }
  });
}

function toCertificate(source: CertificateSource, what: string): X509Certificate[] {
  return source instanceof X509Certificate ? [source] : parseCertificates(source, what);
}

/** The serial number in decimal (`Credential=` uses it), from the certificate's hex serial. */
export function serialDecimal(certificate: X509Certificate): string {
  const decimal = serialHexToDecimal(certificate.serialNumber);
  if (decimal === undefined)
    throw new SigningMaterialError(
      `certificate serial number "${certificate.serialNumber}" is not a positive integer (RFC 5280 requires one)`,
    );
  return decimal;
}

function spki(key: KeyObject): Buffer {
  return key.export({ type: "spki", format: "der" });
}

/** Parses and checks certificate, key and chain; picks the algorithm from the key type. */
export function prepareSigningMaterial(input: SigningMaterialInput | SigningMaterial): SigningMaterial {
  if (isSigningMaterial(input)) return input;
  const leaves = toCertificate(input.certificate, "certificate");
  const certificate = leaves[0];
  if (certificate === undefined) throw new SigningMaterialError("certificate: no certificate found");
  if (leaves.length > 1) {
    throw new SigningMaterialError(
      `certificate: expected one certificate, found ${leaves.length}; pass the intermediate CA certificates as intermediates`,
    );
  }
  let privateKey: KeyObject;
  if (input.privateKey instanceof KeyObject) {
    privateKey = input.privateKey;
  } else {
    try {
      privateKey = createPrivateKey(input.privateKey);
    } catch (error) {
      throw new SigningMaterialError(
        `private key: not an unencrypted PEM or DER private key (${(error as Error).message})`,
      );
    }
  }
  if (privateKey.type !== "private")
    throw new SigningMaterialError(`private key: expected a private key, got a ${privateKey.type} key`);
  const keyType = privateKey.asymmetricKeyType;
  let algorithm: SigningAlgorithm;
  if (keyType === "rsa") algorithm = "AWS4-X509-RSA-SHA256";
  else if (keyType === "ec") algorithm = "AWS4-X509-ECDSA-SHA256";
  else
    throw new SigningMaterialError(
      `private key: type "${keyType}" is not supported; IAM Roles Anywhere signs with RSA or ECDSA keys`,
    );
  if (!spki(createPublicKey(privateKey)).equals(spki(certificate.publicKey))) {
    throw new SigningMaterialError(
      `private key does not match the certificate (subject "${certificate.subject.replace(/\n/g, ", ")}", serial ${certificate.serialNumber})`,
    );
  }
  const chain = input.intermediates;
  const intermediates =
    chain === undefined
      ? []
      : typeof chain === "string" || Buffer.isBuffer(chain)
        ? parseCertificates(chain, "intermediates")
        : chain.flatMap((c, i) => toCertificate(c, `intermediates[${i}]`));
  return { certificate, privateKey, intermediates, algorithm, serialDecimal: serialDecimal(certificate) };
}

/** Parameters of `CreateSession`. */
export interface CreateSessionParameters {
  readonly trustAnchorArn: string;
  readonly profileArn: string;
  readonly roleArn: string;
  /** @default 3600 */
  readonly durationSeconds?: number;
}

export function checkDurationSeconds(value: number): void {
  if (!Number.isInteger(value) || value < MIN_DURATION_SECONDS || value > MAX_DURATION_SECONDS) {
    throw new SigningInputError(
      `durationSeconds must be an integer from ${MIN_DURATION_SECONDS} to ${MAX_DURATION_SECONDS} (value: ${value})`,
    );
  }
}

/** The request body: compact JSON, keys in the order durationSeconds, profileArn, roleArn, trustAnchorArn. */
export function createSessionBody(params: CreateSessionParameters): string {
  const durationSeconds = params.durationSeconds ?? DEFAULT_DURATION_SECONDS;
  checkDurationSeconds(durationSeconds);
  return JSON.stringify({
    durationSeconds,
    profileArn: params.profileArn,
    roleArn: params.roleArn,
    trustAnchorArn: params.trustAnchorArn,
  });
}

/**
 * The partition of a Roles Anywhere region, from the project's partition table; EU regions only.
 */
export function partitionForRegion(region: string): PartitionInfo {
  try {
    return partitionOfRegion(region);
  } catch (error) {
    // EU regions only, as everywhere in the platform: a trust anchor elsewhere is a residency error.
    throw new SigningInputError((error as Error).message);
  }
}

/** `https://rolesanywhere.<region>.<dnsSuffix>` from the partition table. */
export function defaultEndpoint(region: string): string {
  return endpointUrl(partitionForRegion(region), SERVICE, region);
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * The `CreateSession` URL for an endpoint: `<endpoint>/sessions`. An endpoint that already ends in
 * `/sessions` is used as is. https, or http to a loopback address (tests); no query or fragment.
 */
export function sessionsUrl(endpoint: string): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new SigningInputError(`endpoint "${endpoint}" is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new SigningInputError(`endpoint "${endpoint}" must be an http or https URL`);
  if (url.search !== "" || url.hash !== "")
    throw new SigningInputError(`endpoint "${endpoint}" must not have a query or fragment`);
  if (url.username !== "" || url.password !== "")
    throw new SigningInputError(`endpoint "${endpoint}" must not contain credentials`);
  if (url.protocol === "http:" && !LOOPBACK_HOSTS.has(url.hostname)) {
    throw new SigningInputError(
      `endpoint "${endpoint}": plain http is only allowed for loopback test endpoints (127.0.0.1, ::1, localhost); the response carries credentials`,
    );
  }
  const base = url.pathname.replace(/\/+$/, "");
  url.pathname = base.endsWith(SESSIONS_PATH) ? base : `${base}${SESSIONS_PATH}`;
  return url;
}

/** `yyyymmddThhmmssZ` (UTC). */
export function formatAmzDate(date: Date): string {
  if (Number.isNaN(date.getTime())) throw new SigningInputError("date is not a valid Date");
  return date
    .toISOString()
    .replace(/\.\d{3}Z$/, "Z")
    .replace(/[-:]/g, "");
}

const AMZ_DATE = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/;

/** Parses `yyyymmddThhmmssZ`; throws for malformed or impossible dates. */
export function parseAmzDate(value: string): Date {
  const m = AMZ_DATE.exec(value);
  const date = m === null ? new Date(Number.NaN) : new Date(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`);
  if (Number.isNaN(date.getTime()) || formatAmzDate(date) !== value) {
    throw new SigningInputError(`"${value}" is not a date of the form yyyymmddThhmmssZ (for example 20260301T101500Z)`);
  }
  return date;
}

/** RFC 3986 encoding as SigV4 uses it (unreserved characters stay, everything else %XX). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/** Canonical query string: encoded names and values, sorted by name then value, joined by `&`. */
export function canonicalQueryString(params: Readonly<Record<string, string>> = {}): string {
  return Object.entries(params)
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
}

/** Trims a header value and collapses runs of spaces (SigV4 canonical header values). */
function canonicalHeaderValue(value: string): string {
  return value.trim().replace(/ +/g, " ");
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Signs the string to sign with the leaf key: RSA PKCS#1 v1.5 or ECDSA (DER), SHA-256; hex. */
export function signStringToSign(stringToSign: string, privateKey: KeyObject): string {
  const data = Buffer.from(stringToSign, "utf8");
  const type = privateKey.asymmetricKeyType;
  if (type === "rsa")
    return sign("sha256", data, { key: privateKey, padding: constants.RSA_PKCS1_PADDING }).toString("hex");
  if (type === "ec") return sign("sha256", data, { key: privateKey, dsaEncoding: "der" }).toString("hex");
  throw new SigningMaterialError(`private key: type "${type}" is not supported`);
}

export interface SignCreateSessionInput extends CreateSessionParameters {
  /** Leaf certificate, key and intermediates (checked once by `prepareSigningMaterial`). */
  readonly material: SigningMaterial | SigningMaterialInput;
  /** Region of the trust anchor; part of the credential scope and of the default endpoint. */
  readonly region: string;
  /** @default - `https://rolesanywhere.<region>.<dnsSuffix>` from the partition table */
  readonly endpoint?: string;
  /** Signing time, a Date or `yyyymmddThhmmssZ`. @default - now */
  readonly date?: Date | string;
  /** Query parameters (CreateSession takes none). @default - none */
  readonly query?: Readonly<Record<string, string>>;
}

/** Each intermediate value of the signing process, named as in the reference vectors. */
export interface SigningSteps {
  readonly algorithm: SigningAlgorithm;
  readonly serialDecimal: string;
  readonly amzDate: string;
  readonly dateStamp: string;
  readonly payloadHash: string;
  readonly canonicalUri: string;
  readonly canonicalQueryString: string;
  readonly canonicalHeaders: string;
  readonly signedHeaders: string;
  readonly canonicalRequest: string;
  readonly canonicalRequestHash: string;
  readonly credentialScope: string;
  readonly stringToSign: string;
  readonly signatureHex: string;
}

export interface SignedCreateSession {
  readonly method: "POST";
  readonly url: string;
  /** Content-Type, Host, X-Amz-Date, X-Amz-X509, [X-Amz-X509-Chain,] Authorization, in this order. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly steps: SigningSteps;
}

/** Builds and signs a `CreateSession` request. Deterministic for RSA keys given the same date. */
export function signCreateSession(input: SignCreateSessionInput): SignedCreateSession {
  const material = prepareSigningMaterial(input.material);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(input.region))
    throw new SigningInputError(`region "${input.region}" is not a region name`);
  const body = createSessionBody(input);
  const date = input.date ?? new Date();
  const amzDate = typeof date === "string" ? formatAmzDate(parseAmzDate(date)) : formatAmzDate(date);
  const dateStamp = amzDate.slice(0, 8);
  const url = sessionsUrl(input.endpoint ?? defaultEndpoint(input.region));
  const query = canonicalQueryString(input.query);
  if (query !== "") url.search = `?${query}`;

  const headers: Record<string, string> = {
    "Content-Type": CONTENT_TYPE,
    Host: url.host,
    "X-Amz-Date": amzDate,
    "X-Amz-X509": material.certificate.raw.toString("base64"),
  };
  if (material.intermediates.length > 0)
    headers["X-Amz-X509-Chain"] = material.intermediates.map((c) => c.raw.toString("base64")).join(",");

  const canonical = Object.entries(headers)
    .map(([name, value]) => [name.toLowerCase(), canonicalHeaderValue(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const canonicalHeaders = canonical.map(([name, value]) => `${name}:${value}\n`).join("");
  const signedHeaders = canonical.map(([name]) => name).join(";");
  const payloadHash = sha256Hex(body);
  const canonicalUri = url.pathname;
  const canonicalRequest = ["POST", canonicalUri, query, canonicalHeaders, signedHeaders, payloadHash].join("\n");
  const canonicalRequestHash = sha256Hex(canonicalRequest);
  const credentialScope = `${dateStamp}/${input.region}/${SERVICE}/aws4_request`;
  const stringToSign = [material.algorithm, amzDate, credentialScope, canonicalRequestHash].join("\n");
  const signatureHex = signStringToSign(stringToSign, material.privateKey);
  headers.Authorization = `${material.algorithm} Credential=${material.serialDecimal}/${credentialScope}, SignedHeaders=${signedHeaders}, Signature=${signatureHex}`;

  return {
    method: "POST",
    url: url.toString(),
    headers,
    body,
    steps: {
      algorithm: material.algorithm,
      serialDecimal: material.serialDecimal,
      amzDate,
      dateStamp,
      payloadHash,
      canonicalUri,
      canonicalQueryString: query,
      canonicalHeaders,
      signedHeaders,
      canonicalRequest,
      canonicalRequestHash,
      credentialScope,
      stringToSign,
      signatureHex,
    },
  };
}
