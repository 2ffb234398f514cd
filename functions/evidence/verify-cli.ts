/**
 * The `verify-evidence` command line: checks signed evidence certificates and receipts offline with
 * the signing key's public key, one line per file. Needs no AWS access and bundles no AWS SDK.
 */
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { KEY_ARN } from "./algorithms";
import { type CliIo, UsageError, usageErrors, usageMessage } from "../shared/cli";
import { runIfEntryPoint } from "../shared/entry";
import { readPublicKey, type VerificationKey } from "./public-key";
import type { Verification } from "./verification";
import { verifyEvidence } from "./verify";

export const EXIT_VALID = 0;
export const EXIT_INVALID = 1;
/** sysexits EX_USAGE: the command line is wrong. */
export const EXIT_USAGE = 64;

export const USAGE = `Usage: verify-evidence --public-key FILE [--key-id ARN] [--document FILE] [--json] FILE...

Checks signed evidence offline with the public key of the KMS key that signed it: certificates (JSON
files, format sip-evidence-certificate/1) and receipts (compact JWS). Prints one line per file:
"<file>: valid <certificate|receipt>, <algorithm> by <key ARN>, digest <SHA-256>" or
"<file>: invalid (<reason>): <what failed>", the reason one of malformed, wrong-key-id,
wrong-algorithm, digest-mismatch, bad-signature, document-mismatch, unreadable.

  --public-key FILE  the key's public key: the JSON of "aws kms get-public-key --key-id <ARN>" (then
                     its KeyId and SigningAlgorithms are checked too), its PublicKey as base64 text,
                     as DER bytes, or as PEM (BEGIN PUBLIC KEY)
  --key-id ARN       the key ARN the evidence must name (default: the KeyId of the JSON, else any)
  --document FILE    the signed document: each piece of evidence must be valid and name this file's
                     SHA-256 as its document (document.sha256 of a signing receipt or certificate);
                     otherwise document-mismatch
  --json             one JSON object per line instead: {"file","valid":true,"kind","keyId",
                     "algorithm","digest"} or {"file","valid":false,"reason","message"}
  -h, --help         show this help

Exit status: 0 every file valid, 1 any file invalid, 64 usage error.
`;

type Line =
  | (Verification & { readonly file: string })
  | {
      readonly file: string;
      readonly valid: false;
      readonly reason: "unreadable" | "document-mismatch";
      readonly message: string;
    };

interface Options {
  readonly publicKey: VerificationKey;
  readonly keyId: string | undefined;
  readonly json: boolean;
  readonly files: readonly string[];
  /** The signed document's file, when given. */
  readonly document: string | undefined;
}

/** The options, or undefined for --help; throws UsageError. */
export function parseVerifyArgs(argv: readonly string[]): Options | undefined {
  const { values, positionals } = usageErrors(() =>
    parseArgs({
      args: [...argv],
      options: {
        "public-key": { type: "string" },
        "key-id": { type: "string" },
        document: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: true,
    }),
  );
  if (values.help === true) return undefined;
  const keyFile = values["public-key"];
  if (keyFile === undefined || keyFile === "") throw new UsageError("--public-key FILE is required");
  if (positionals.length === 0) throw new UsageError("name at least one certificate or receipt file");
  const keyId = values["key-id"];
  if (keyId !== undefined && !KEY_ARN.test(keyId))
    throw new UsageError(`--key-id ${keyId} is not a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)`);
  const publicKey = publicKeyFrom(keyFile);
  if (keyId !== undefined && publicKey.keyId !== undefined && keyId !== publicKey.keyId)
    throw new UsageError(`--key-id ${keyId} is not the key of ${keyFile} (${publicKey.keyId})`);
  const document = values.document;
  if (document === "") throw new UsageError("--document needs the path of the signed document");
  return { publicKey, keyId, json: values.json === true, files: positionals, document };
}

function publicKeyFrom(file: string): VerificationKey {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new UsageError(
      `--public-key ${file}: cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
  try {
    return readPublicKey(bytes);
  } catch (error) {
    throw new UsageError(`--public-key ${file} ${(error as Error).message}`);
  }
}

/** Hex SHA-256 of a file, read as a stream (documents may be large); undefined when unreadable. */
async function fileSha256(file: string): Promise<string | undefined> {
  const hash = createHash("sha256");
  try {
    for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  } catch {
    return undefined;
  }
  return hash.digest("hex");
}

/** The document digest a piece of evidence names (`document.sha256`), if it names one. */
function namedDocumentDigest(document: unknown): string | undefined {
  const named = (document as { document?: { sha256?: unknown } } | null)?.document?.sha256;
  return typeof named === "string" ? named : undefined;
}

/** A valid line held against the signed document's digest. */
function againstDocument(line: Line, documentFile: string, sha256: string): Line {
  if (!line.valid || !("document" in line)) return line;
  const named = namedDocumentDigest(line.document);
  if (named === undefined)
    return {
      file: line.file,
      valid: false,
      reason: "document-mismatch",
      message: "the evidence names no document digest (document.sha256)",
    };
  if (named.toLowerCase() !== sha256)
    return {
      file: line.file,
      valid: false,
      reason: "document-mismatch",
      message: `it names a document with SHA-256 ${named}, but ${documentFile} has ${sha256}`,
    };
  return line;
}

function check(file: string, options: Options): Line {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    return { file, valid: false, reason: "unreadable", message: `cannot read it (${code})` };
  }
  return { file, ...verifyEvidence(bytes, { publicKey: options.publicKey, keyId: options.keyId }) };
}

/** One output line for a file's result. */
export function formatLine(line: Line, json: boolean): string {
  if (json) {
    const fields = line.valid
      ? {
          file: line.file,
          valid: true,
          kind: line.kind,
          keyId: line.keyId,
          algorithm: line.algorithm,
          digest: line.digest,
        }
      : { file: line.file, valid: false, reason: line.reason, message: line.message };
    return `${JSON.stringify(fields)}\n`;
  }
  return line.valid
    ? `${line.file}: valid ${line.kind}, ${line.algorithm} by ${line.keyId}, digest ${line.digest}\n`
    : `${line.file}: invalid (${line.reason}): ${line.message}\n`;
}

/** Runs the command; returns the exit status. Never throws. */
export async function main(argv: readonly string[], io: CliIo = process): Promise<number> {
  let options: Options | undefined;
  try {
    options = parseVerifyArgs(argv);
  } catch (error) {
    io.stderr.write(usageMessage("verify-evidence", error));
    return EXIT_USAGE;
  }
  if (options === undefined) {
    io.stdout.write(USAGE);
    return EXIT_VALID;
  }
  let sha256: string | undefined;
  if (options.document !== undefined) {
    sha256 = await fileSha256(options.document);
    if (sha256 === undefined) {
      io.stderr.write(
        usageMessage("verify-evidence", new UsageError(`--document ${options.document}: cannot read it`)),
      );
      return EXIT_USAGE;
    }
  }
  let valid = true;
  for (const file of options.files) {
    const checked = check(file, options);
    const line =
      options.document === undefined || sha256 === undefined
        ? checked
        : againstDocument(checked, options.document, sha256);
    valid &&= line.valid;
    io.stdout.write(formatLine(line, options.json));
  }
  return valid ? EXIT_VALID : EXIT_INVALID;
}

runIfEntryPoint(import.meta.url, "verify-evidence", main, EXIT_INVALID);
