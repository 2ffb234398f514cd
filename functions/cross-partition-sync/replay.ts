
import { readFile } from "node:fs/promises";
import { parseDlqMessage } from "./events";
import { createSyncHandler, dependenciesFromEnv, type RecordOutcome, type SyncDependencies } from "./handler";
import { runIfEntryPoint } from "../shared/entry";

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

runIfEntryPoint(import.meta.url, "replay-sync", main, 1);
