/**
 * The `pseudonym` command line: where a data subject's objects are, for access and erasure requests.
 * It asks KMS for the subject's pseudonym under the environment's HMAC key (the same computation as
 * the upload function), and prints the object-key prefix `<tenant>/<pseudonym>/` of every bucket the
 * subject's uploads reach (originals, clean copies, quarantine, the commercial replicas).
 */
import { parseArgs } from "node:util";
import { KMSClient } from "@aws-sdk/client-kms";
import type { CliIo } from "./cli";
import { runIfEntryPoint } from "./entry";
import { kmsMac, type Mac, Pseudonyms } from "./pseudonym";

export const PSEUDONYM_USAGE = `Usage: pseudonym --key-id KEY --tenant TENANT --subject SUBJECT|-

Prints a data subject's pseudonym and the object-key prefix of its uploads, <tenant>/<pseudonym>/
(object keys never hold the subject itself). --subject - reads the subject from standard input, so
that it stays out of the shell's history.

  --key-id KEY     the environment's HMAC key: alias/<env>/subject-pseudonyms, or its ARN
  --tenant TENANT  the tenant ID
  --subject S      the subject claim of the person's tokens (for example an e-mail address)
  -h, --help       show this help

Credentials: the default AWS chain, with kms:GenerateMac on the key; AWS_REGION the sovereign region.
Output (stdout): {"tenant","pseudonym","prefix"}. Exit status: 0, 1 on a KMS error, 64 usage error.
`;

export interface PseudonymIo extends CliIo {
  readonly readStdin?: () => Promise<string>;
  /** @default - KMS GenerateMac under --key-id */
  readonly mac?: (keyId: string) => Mac;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function main(
  argv: readonly string[],
  io: PseudonymIo = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  let values: { "key-id"?: string; tenant?: string; subject?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        "key-id": { type: "string" },
        tenant: { type: "string" },
        subject: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    io.stderr.write(`pseudonym: ${(error as Error).message}\n${PSEUDONYM_USAGE}`);
    return 64;
  }
  if (values.help === true) {
    io.stdout.write(PSEUDONYM_USAGE);
    return 0;
  }
  const missing = (["key-id", "tenant", "subject"] as const).filter((k) => (values[k] ?? "").trim() === "");
  if (missing.length > 0) {
    io.stderr.write(`pseudonym: ${missing.map((m) => `--${m}`).join(", ")} required\n${PSEUDONYM_USAGE}`);
    return 64;
  }
  const keyId = String(values["key-id"]);
  const tenant = String(values.tenant);
  const subject =
    values.subject === "-" ? (await (io.readStdin ?? readStdin)()).replace(/\r?\n$/, "") : String(values.subject);
  try {
    const mac = io.mac?.(keyId) ?? kmsMac(new KMSClient({}), keyId);
    const pseudonym = await new Pseudonyms(mac).of(tenant, subject);
    io.stdout.write(`${JSON.stringify({ tenant, pseudonym, prefix: `${tenant}/${pseudonym}/` })}\n`);
    return 0;
  } catch (error) {
    io.stderr.write(`pseudonym: ${(error as Error).message}\n`);
    return 1;
  }
}

runIfEntryPoint(import.meta.url, "pseudonym", main, 1);
