/**
 * `certs`: the platform CA and the workload leaf certificates for IAM Roles Anywhere
 * (../shared/DESIGN.md §4): init-ca, issue-leaf, renew-leaf, revoke, check-expiry.
 *
 * Importing this module has no side effects; it runs only as the entry point (bundled CJS or ESM).
 */
import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  CA_CERT_FILE,
  CA_KEY_FILE,
  checkPassphrase,
  createCa,
  DEFAULT_CA_KEY_BITS,
  DEFAULT_CA_VALIDITY_DAYS,
  encryptPrivateKey,
  type LoadedCa,
  loadCa,
  MAX_CA_VALIDITY_DAYS,
  MIN_PASSPHRASE_LENGTH,
  PASSPHRASE_ENV,
} from "./ca";
import { CRL_FILE, DEFAULT_NEXT_UPDATE_DAYS, MAX_NEXT_UPDATE_DAYS, revokeCertificate } from "./crl";
import { DEFAULT_LEAF_WARN_DAYS, DEFAULT_WARN_DAYS, type ExpiryEntry, expiryOf, formatExpiryTable } from "./expiry";
import {
  DEFAULT_LEAF_KEY_BITS,
  DEFAULT_LEAF_VALIDITY_DAYS,
  issueLeaf,
  LEAF_CERT_FILE,
  LEAF_KEY_FILE,
  MAX_LEAF_VALIDITY_DAYS,
} from "./leaf";
import {
  ALLOWED_KEY_BITS,
  CertsError,
  checkCommonName,
  commonNameOf,
  type ParsedCertificate,
  parseCertificatePem,
  serialHexToDecimal,
} from "./util";
import { type CliIo, UsageError, usageErrors } from "../shared/cli";
import { runIfEntryPoint } from "../shared/entry";

export const EXIT_OK = 0;
/** Runtime failure, or (check-expiry) a certificate within the warning period or expired. */
export const EXIT_FAILURE = 1;
/** sysexits EX_USAGE: the command line (or the passphrase variable) is wrong. */
export const EXIT_USAGE = 64;

const KEY_BITS_TEXT = ALLOWED_KEY_BITS.join(", ");

export const USAGE = `Usage: certs <command> [options]

Platform CA and workload leaf certificates for IAM Roles Anywhere.

Commands:
  init-ca        create the platform CA (ca.pem + ca.key.enc, the key encrypted with ${PASSPHRASE_ENV})
  issue-leaf     issue a workload leaf certificate (leaf.pem + leaf.key.pem)
  renew-leaf     issue a new leaf to replace the current one (the rotation path)
  revoke         add a leaf to the CA's certificate revocation list (crl.pem)
  check-expiry   days until expiry of the CA and leaves; exit 1 within --warn-days

Run "certs <command> --help" for a command's options.
Exit status: 0 success, 1 failure (or an expiry warning), 64 usage error.
`;

const COMMAND_USAGE = {
  "init-ca": `Usage: certs init-ca --out-dir DIR --common-name CN [--validity-days N] [--key-bits N] [--force]

Creates the platform CA: a self-signed RSA certificate (X.509 v3, basicConstraints CA:true and
keyUsage keyCertSign+cRLSign, both critical, subjectKeyIdentifier, SHA-256, random serial).
Writes DIR/${CA_CERT_FILE} (public; the trust anchor's certificate bundle) and DIR/${CA_KEY_FILE} (the private
key as encrypted PKCS#8: PBKDF2-HMAC-SHA256 + AES-256-CBC, mode 0600). No plaintext key is written.

Environment:
  ${PASSPHRASE_ENV}  passphrase for the CA key (required, at least ${MIN_PASSPHRASE_LENGTH} characters)

Options:
  --out-dir DIR          directory for ${CA_CERT_FILE} and ${CA_KEY_FILE} (created if missing)
  --common-name CN       CA subject common name
  --validity-days N      1 to ${MAX_CA_VALIDITY_DAYS} (default ${DEFAULT_CA_VALIDITY_DAYS})
  --key-bits N           ${KEY_BITS_TEXT} (default ${DEFAULT_CA_KEY_BITS})
  --force                replace existing files
  -h, --help             show this help
`,
  "issue-leaf": `Usage: certs issue-leaf --ca-dir DIR --common-name CN --out-dir DIR [--validity-days N] [--key-bits N] [--force]

Issues a leaf certificate for a workload, signed by the CA in --ca-dir: RSA, X.509 v3,
basicConstraints CA:false, keyUsage digitalSignature (critical), extendedKeyUsage clientAuth,
authority/subject key identifiers, SHA-256, random serial. The subject CN is the workload name
(the role's trust policy checks aws:PrincipalTag/x509Subject/CN). Validity never exceeds the CA's.
Writes DIR/${LEAF_CERT_FILE} and DIR/${LEAF_KEY_FILE} (PKCS#8, unencrypted, mode 0600: store it in Secrets
Manager, then delete the file). Prints the serial in decimal (the Roles Anywhere credential uses it)
and the expiry.

Environment:
  ${PASSPHRASE_ENV}  passphrase of ${CA_KEY_FILE} (required)

Options:
  --ca-dir DIR           directory with ${CA_CERT_FILE} and ${CA_KEY_FILE}
  --common-name CN       workload name (subject CN)
  --out-dir DIR          directory for ${LEAF_CERT_FILE} and ${LEAF_KEY_FILE} (created if missing)
  --validity-days N      1 to ${MAX_LEAF_VALIDITY_DAYS} (default ${DEFAULT_LEAF_VALIDITY_DAYS}); cut to the CA's expiry
  --key-bits N           ${KEY_BITS_TEXT} (default ${DEFAULT_LEAF_KEY_BITS})
  --force                replace existing files
  -h, --help             show this help
`,
  "renew-leaf": `Usage: certs renew-leaf --ca-dir DIR --out-dir DIR [--common-name CN] [--validity-days N] [--key-bits N]

The rotation path: issues a new leaf (new key, new serial) exactly like issue-leaf and replaces
DIR/${LEAF_CERT_FILE} and DIR/${LEAF_KEY_FILE}. Run it before the current leaf expires (check-expiry warns),
then store the new pair in Secrets Manager. The sync function reads the material at every
credential refresh, so it switches to the new leaf at its next refresh, without downtime. The old
leaf stays valid until it expires; revoke it only when nothing uses it any more.

Environment:
  ${PASSPHRASE_ENV}  passphrase of ${CA_KEY_FILE} (required)

Options:
  --ca-dir DIR           directory with ${CA_CERT_FILE} and ${CA_KEY_FILE}
  --out-dir DIR          directory with the current leaf; receives the new one
  --common-name CN       workload name (default: the CN of the current DIR/${LEAF_CERT_FILE})
  --validity-days N      1 to ${MAX_LEAF_VALIDITY_DAYS} (default ${DEFAULT_LEAF_VALIDITY_DAYS}); cut to the CA's expiry
  --key-bits N           ${KEY_BITS_TEXT} (default ${DEFAULT_LEAF_KEY_BITS})
  -h, --help             show this help
`,
  revoke: `Usage: certs revoke --ca-dir DIR --certificate FILE [--crl FILE] [--next-update-days N] [--trust-anchor-arn ARN]

Adds the certificate's serial number to the CA's certificate revocation list and writes a new
X.509 v2 CRL (signed with the CA key, SHA-256, thisUpdate/nextUpdate, cRLNumber incremented each
time). Existing entries are kept. Prints the aws CLI command that imports the CRL into the trust
anchor (this tool never calls AWS).

Environment:
  ${PASSPHRASE_ENV}  passphrase of ${CA_KEY_FILE} (required)

Options:
  --ca-dir DIR           directory with ${CA_CERT_FILE} and ${CA_KEY_FILE}
  --certificate FILE     the leaf certificate to revoke (PEM)
  --crl FILE             CRL to update or create (default: DIR/${CRL_FILE})
  --next-update-days N   1 to ${MAX_NEXT_UPDATE_DAYS} (default ${DEFAULT_NEXT_UPDATE_DAYS}); issue a new CRL before then
  --trust-anchor-arn ARN filled into the printed import command
  -h, --help             show this help
`,
  "check-expiry": `Usage: certs check-expiry --ca-dir DIR [--certificate FILE ...] [--warn-days N] [--leaf-warn-days N] [--json]

Reports the days until expiry of DIR/${CA_CERT_FILE} and of each --certificate. Exit status 1 when the
CA expires within --warn-days or a leaf within --leaf-warn-days, or any has expired, so that CI or a
scheduled job can alert.
Needs no passphrase.

Options:
  --ca-dir DIR           directory with ${CA_CERT_FILE}
  --certificate FILE     a leaf certificate (PEM); repeat for several
  --warn-days N          CA threshold, 0 to 3650 (default ${DEFAULT_WARN_DAYS})
  --leaf-warn-days N     leaf threshold, 0 to 3650 (default ${DEFAULT_LEAF_WARN_DAYS}; leaves live 30 days)
  --json                 print a JSON array instead of a table
  -h, --help             show this help
`,
} as const;

type Command = keyof typeof COMMAND_USAGE;

export { UsageError };

export interface CertsIo extends CliIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** @default - the current time */
  readonly now?: () => Date;
}

const COMMON = { help: { type: "boolean", short: "h" } } as const;
const LEAF_OPTIONS = {
  ...COMMON,
  "ca-dir": { type: "string" },
  "common-name": { type: "string" },
  "out-dir": { type: "string" },
  "validity-days": { type: "string" },
  "key-bits": { type: "string" },
  force: { type: "boolean" },
} as const;
const OPTIONS = {
  "init-ca": {
    ...COMMON,
    "out-dir": { type: "string" },
    "common-name": { type: "string" },
    "validity-days": { type: "string" },
    "key-bits": { type: "string" },
    force: { type: "boolean" },
  },
  "issue-leaf": LEAF_OPTIONS,
  "renew-leaf": LEAF_OPTIONS,
  revoke: {
    ...COMMON,
    "ca-dir": { type: "string" },
    certificate: { type: "string" },
    crl: { type: "string" },
    "next-update-days": { type: "string" },
    "trust-anchor-arn": { type: "string" },
  },
  "check-expiry": {
    ...COMMON,
    "ca-dir": { type: "string" },
    certificate: { type: "string", multiple: true },
    "warn-days": { type: "string" },
    "leaf-warn-days": { type: "string" },
    json: { type: "boolean" },
  },
} as const;

type Values = Record<string, string | boolean | string[] | undefined>;

function parse(command: Command, argv: readonly string[]): Values | undefined {
  const { values } = usageErrors(
    () =>
      parseArgs({ args: [...argv], options: OPTIONS[command], strict: true, allowPositionals: false }) as {
        values: Values;
      },
  );
  if (values.help === true) return undefined;
  if (command === "renew-leaf" && values.force !== undefined)
    throw new UsageError("--force is not an option of renew-leaf (it always replaces the current leaf)");
  return values;
}

function stringFlag(values: Values, flag: string, required: true): string;
function stringFlag(values: Values, flag: string, required: false): string | undefined;
function stringFlag(values: Values, flag: string, required: boolean): string | undefined {
  const value = values[flag];
  if (typeof value !== "string" || value.trim() === "") {
    if (required || typeof value === "string")
      throw new UsageError(`--${flag} is required${typeof value === "string" ? " and must not be empty" : ""}`);
    return undefined;
  }
  return value.trim();
}

function intFlag(values: Values, flag: string, fallback: number, min: number, max: number): number {
  const value = values[flag];
  if (value === undefined) return fallback;
  const text = String(value).trim();
  const number = /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(number) || number < min || number > max)
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max} (value: "${text}")`);
  return number;
}

function keyBitsFlag(values: Values, fallback: number): number {
  const bits = intFlag(values, "key-bits", fallback, 1, 65_536);
  if (!(ALLOWED_KEY_BITS as readonly number[]).includes(bits))
    throw new UsageError(`--key-bits must be one of ${KEY_BITS_TEXT} (value: "${bits}")`);
  return bits;
}

function commonNameFlag(values: Values, required: boolean): string | undefined {
  const raw = values["common-name"];
  if (raw === undefined && !required) return undefined;
  if (typeof raw !== "string") throw new UsageError("--common-name is required");
  try {
    checkCommonName("--common-name", raw);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return raw;
}

function passphrase(io: CertsIo): string {
  try {
    return checkPassphrase(io.env[PASSPHRASE_ENV]);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CertsError(`${what}: cannot read "${path}"${code ? ` (${code})` : ""}`);
  }
}

interface OutputFile {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

/** Refuses (before any work) when a target exists and overwriting is not allowed. */
function checkNoOverwrite(paths: readonly string[], overwrite: boolean): void {
  if (overwrite) return;
  const existing = paths.filter((p) => existsSync(p));
  if (existing.length > 0)
    throw new CertsError(
      `${existing.join(", ")} already exist${existing.length === 1 ? "s" : ""}; use --force to replace`,
    );
}

/**
 * Writes every file to a temporary file created with its final mode (0600 for keys, so a key is
 * never readable by others, not even briefly), and only then moves them into place (rename; or
 * link, which refuses to replace a file that appeared meanwhile, when overwriting is not allowed),
 * so that a failure while writing leaves the previous files untouched.
 */
function writeOutputs(files: readonly OutputFile[], overwrite: boolean): void {
  const staged: { readonly file: OutputFile; readonly temporary: string }[] = [];
  try {
    for (const file of files) {
      const temporary = join(dirname(file.path), `.${basename(file.path)}.${randomBytes(6).toString("hex")}.tmp`);
      writeFileSync(temporary, file.content, { mode: file.mode, flag: "wx" });
      staged.push({ file, temporary });
      chmodSync(temporary, file.mode);
    }
    for (const { file, temporary } of staged) {
      if (overwrite) {
        renameSync(temporary, file.path);
        continue;
      }
      try {
        linkSync(temporary, file.path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === "EEXIST")
          throw new CertsError(`${file.path} already exists; use --force to replace`);
        throw error;
      }
      unlinkSync(temporary);
    }
  } finally {
    for (const { temporary } of staged) if (existsSync(temporary)) unlinkSync(temporary);
  }
}

function ensureDir(path: string): void {
  mkdirSync(path, { recursive: true, mode: 0o700 });
}

function loadCaFromDir(caDir: string, secret: string, now: Date): LoadedCa {
  const certificatePem = readText(join(caDir, CA_CERT_FILE), "--ca-dir");
  const keyPem = readText(join(caDir, CA_KEY_FILE), "--ca-dir");
  return loadCa(certificatePem, keyPem, secret, now);
}

// --- commands ----------------------------------------------------------------------------------

function initCa(values: Values, io: CertsIo, now: Date): number {
  const outDir = resolve(stringFlag(values, "out-dir", true));
  const commonName = commonNameFlag(values, true) ?? "";
  const validityDays = intFlag(values, "validity-days", DEFAULT_CA_VALIDITY_DAYS, 1, MAX_CA_VALIDITY_DAYS);
  const keyBits = keyBitsFlag(values, DEFAULT_CA_KEY_BITS);
  const force = values.force === true;
  const secret = passphrase(io);

  const certPath = join(outDir, CA_CERT_FILE);
  const keyPath = join(outDir, CA_KEY_FILE);
  checkNoOverwrite([certPath, keyPath], force);
  const ca = createCa({ commonName, validityDays, keyBits, now });
  const encryptedKey = encryptPrivateKey(ca.privateKey, secret);
  ensureDir(outDir);
  writeOutputs(
    [
      { path: keyPath, content: encryptedKey, mode: 0o600 },
      { path: certPath, content: ca.certificatePem, mode: 0o644 },
    ],
    force,
  );
  const certificate = parseCertificatePem(ca.certificatePem, CA_CERT_FILE);
  io.stdout.write(
    [
      `wrote ${certPath} (CA certificate: the trust anchor's certificate bundle)`,
      `wrote ${keyPath} (CA private key, encrypted with ${PASSPHRASE_ENV}, mode 0600)`,
      `subject: CN=${commonName}`,
      `serial: ${serialHexToDecimal(certificate.forge.serialNumber)}`,
      `expires: ${certificate.forge.validity.notAfter.toISOString()}`,
      `sha256-fingerprint: ${certificate.x509.fingerprint256}`,
      "",
    ].join("\n"),
  );
  return EXIT_OK;
}

function issueOrRenewLeaf(command: "issue-leaf" | "renew-leaf", values: Values, io: CertsIo, now: Date): number {
  const caDir = resolve(stringFlag(values, "ca-dir", true));
  const outDir = resolve(stringFlag(values, "out-dir", true));
  const renew = command === "renew-leaf";
  const certPath = join(outDir, LEAF_CERT_FILE);
  const keyPath = join(outDir, LEAF_KEY_FILE);
  const current =
    renew && existsSync(certPath) ? parseCertificatePem(readText(certPath, "--out-dir"), certPath) : undefined;
  let commonName = commonNameFlag(values, !renew || current === undefined);
  if (commonName === undefined) {
    commonName = current === undefined ? undefined : commonNameOf(current.forge);
    if (commonName === undefined) throw new UsageError(`--common-name is required (${certPath} has no subject CN)`);
  }
  const validityDays = intFlag(values, "validity-days", DEFAULT_LEAF_VALIDITY_DAYS, 1, MAX_LEAF_VALIDITY_DAYS);
  const keyBits = keyBitsFlag(values, DEFAULT_LEAF_KEY_BITS);
  const overwrite = renew || values.force === true;
  const secret = passphrase(io);

  checkNoOverwrite([certPath, keyPath], overwrite);
  const ca = loadCaFromDir(caDir, secret, now);
  const leaf = issueLeaf(ca, { commonName, validityDays, keyBits, now });
  ensureDir(outDir);
  writeOutputs(
    [
      { path: keyPath, content: leaf.privateKeyPem, mode: 0o600 },
      { path: certPath, content: leaf.certificatePem, mode: 0o644 },
    ],
    overwrite,
  );
  if (leaf.clampedToCa) {
    io.stderr.write(
      `certs ${command}: --validity-days ${validityDays} reaches beyond the CA's expiry; the leaf expires with the CA at ${leaf.notAfter.toISOString()}\n`,
    );
  }
  const lines = [
    `wrote ${certPath} (leaf certificate)`,
    `wrote ${keyPath} (leaf private key, PKCS#8 unencrypted, mode 0600: store it in Secrets Manager, then delete it)`,
  ];
  if (current !== undefined) {
    lines.push(
      `replaced: serial ${serialHexToDecimal(current.forge.serialNumber)}, expiring ${current.forge.validity.notAfter.toISOString()} (revoke it once nothing uses it)`,
    );
  }
  lines.push(
    `subject: CN=${commonName}`,
    `serial: ${leaf.serialDecimal}`,
    `expires: ${leaf.notAfter.toISOString()}`,
    "",
  );
  io.stdout.write(lines.join("\n"));
  return EXIT_OK;
}

function revoke(values: Values, io: CertsIo, now: Date): number {
  const caDir = resolve(stringFlag(values, "ca-dir", true));
  const certificatePath = stringFlag(values, "certificate", true);
  const crlPath = resolve(stringFlag(values, "crl", false) ?? join(caDir, CRL_FILE));
  const nextUpdateDays = intFlag(values, "next-update-days", DEFAULT_NEXT_UPDATE_DAYS, 1, MAX_NEXT_UPDATE_DAYS);
  const trustAnchorArn = stringFlag(values, "trust-anchor-arn", false);
  const secret = passphrase(io);

  const ca = loadCaFromDir(caDir, secret, now);
  const certificate = parseCertificatePem(
    readText(certificatePath, "--certificate"),
    `--certificate ${certificatePath}`,
  );
  const existingCrlPem = existsSync(crlPath) ? readText(crlPath, "--crl") : undefined;
  const result = revokeCertificate(ca, certificate, { existingCrlPem, nextUpdateDays, now });
  ensureDir(dirname(crlPath));
  writeOutputs([{ path: crlPath, content: result.crlPem, mode: 0o644 }], true);
  const anchor = trustAnchorArn ?? "<TRUST_ANCHOR_ARN>";
  io.stdout.write(
    [
      `${result.alreadyRevoked ? "already revoked" : "revoked"}: serial ${result.serialDecimal} (CN=${commonNameOf(certificate.forge) ?? "-"})`,
      `wrote ${crlPath} (CRL number ${result.crlNumber}, ${result.revokedCount} revoked, next update ${result.nextUpdate.toISOString()})`,
      "Import it into the trust anchor (first time):",
      `  aws rolesanywhere import-crl --name platform-ca-crl --crl-data fileb://${crlPath} --trust-anchor-arn ${anchor} --enabled`,
      "or replace the imported CRL:",
      `  aws rolesanywhere update-crl --crl-id <CRL_ID> --crl-data fileb://${crlPath}`,
      "",
    ].join("\n"),
  );
  return EXIT_OK;
}

function checkExpiry(values: Values, io: CertsIo, now: Date): number {
  const caDir = resolve(stringFlag(values, "ca-dir", true));
  const warnDays = intFlag(values, "warn-days", DEFAULT_WARN_DAYS, 0, 3650);
  const leafWarnDays = intFlag(values, "leaf-warn-days", DEFAULT_LEAF_WARN_DAYS, 0, 3650);
  const certificates = (values.certificate as string[] | undefined) ?? [];
  if (certificates.some((c) => c.trim() === "")) throw new UsageError("--certificate must not be empty");

  const caPath = join(caDir, CA_CERT_FILE);
  const load = (path: string, what: string): ParsedCertificate => parseCertificatePem(readText(path, what), path);
  const entries: ExpiryEntry[] = [
    expiryOf(load(caPath, "--ca-dir"), caPath, "ca", warnDays, now),
    ...certificates.map((path) => expiryOf(load(path, "--certificate"), path, "leaf", leafWarnDays, now)),
  ];
  io.stdout.write(
    values.json === true ? `${JSON.stringify(entries, null, 2)}\n` : formatExpiryTable(entries, warnDays, leafWarnDays),
  );
  const problems = entries.filter((e) => e.status !== "ok");
  for (const e of problems) {
    io.stderr.write(
      `certs check-expiry: ${e.file} ${e.status === "expired" ? `expired on ${e.notAfter}` : `expires in ${e.daysLeft} days (${e.notAfter})`}\n`,
    );
  }
  return problems.length === 0 ? EXIT_OK : EXIT_FAILURE;
}

// --- entry ---------------------------------------------------------------------------------------

function isCommand(value: string | undefined): value is Command {
  return value !== undefined && Object.hasOwn(COMMAND_USAGE, value);
}

/** Runs a command; returns the exit status. Never throws. */
export function main(argv: readonly string[], io: CertsIo = process): number {
  const [command, ...rest] = argv;
  if (command === undefined || command === "--help" || command === "-h" || command === "help") {
    io.stdout.write(USAGE);
    return command === undefined ? EXIT_USAGE : EXIT_OK;
  }
  if (!isCommand(command)) {
    io.stderr.write(`certs: unknown command "${command}"\n${USAGE}`);
    return EXIT_USAGE;
  }
  const now = io.now?.() ?? new Date();
  try {
    const values = parse(command, rest);
    if (values === undefined) {
      io.stdout.write(COMMAND_USAGE[command]);
      return EXIT_OK;
    }
    switch (command) {
      case "init-ca":
        return initCa(values, io, now);
      case "issue-leaf":
      case "renew-leaf":
        return issueOrRenewLeaf(command, values, io, now);
      case "revoke":
        return revoke(values, io, now);
      case "check-expiry":
        return checkExpiry(values, io, now);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`certs ${command}: ${error.message}\nRun "certs ${command} --help" for usage.\n`);
      return EXIT_USAGE;
    }
    const prefix = error instanceof CertsError ? "" : `${(error as Error).name}: `;
    io.stderr.write(`certs ${command}: ${prefix}${(error as Error).message}\n`);
    return EXIT_FAILURE;
  }
}

runIfEntryPoint(import.meta.url, "certs", main, 1);
