/**
 * Replays a dead-letter message: `replay-sync <message.json | ->` with the function's environment
 * (README.md). The message may be the bare S3 event, an on-failure destination record, or an SQS
 * message (as `aws sqs receive-message` prints one element of `Messages`). Replication is idempotent
 * and reads the source's current state, so a replay never duplicates or rolls back a replica.
 * Exit status: 0 all records done, 1 a record failed or the environment is invalid, 64 usage error.
 */
import { realpathSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseDlqMessage } from "./events";
import { createSyncHandler, dependenciesFromEnv, type RecordOutcome, type SyncDependencies } from "./handler";

/** Re-runs the event inside a DLQ message (JSON text or parsed) through the handler. */
export async function replay(message: unknown, deps: SyncDependencies): Promise<{ readonly outcomes: readonly RecordOutcome[] }> {
  return createSyncHandler(deps)(parseDlqMessage(message));
}

export async function main(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env): Promise<number> {
  const [file] = argv;
  if (file === undefined || argv.length !== 1 || file === "--help") {
    process.stderr.write("usage: replay-sync <dlq-message.json | ->  (environment as for the Lambda function; see README.md)\n");
    return file === "--help" ? 0 : 64;
  }
  try {
    const text = file === "-" ? await readStdin() : await readFile(file, "utf8");
    const result = await replay(text, dependenciesFromEnv(env));
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`replay failed: ${(error as Error).message}\n`);
    return 1;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** True when run as a program: the CJS bundle (`require.main`) or the ESM source (`import.meta.url`). */
function isEntry(): boolean {
  if (typeof require !== "undefined" && typeof module !== "undefined" && require.main !== undefined) return require.main === module;
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    const self = import.meta.url;
    return typeof self === "string" && self.startsWith("file:") && realpathSync(fileURLToPath(self)) === realpathSync(entry);
  } catch {
    return false;
  }
}

if (isEntry()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
