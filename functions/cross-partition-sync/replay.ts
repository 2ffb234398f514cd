/**
 * Replays a sync dead-letter message: `replay(message, deps)` re-runs its S3 event through the
 * handler; the `replay-sync` command line either asks the deployed function to do it (`--invoke`,
 * inside the VPC) or runs it here (only from inside the VPC).
 */
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";
import { invokeFunction, invokeOptionsFromEnv } from "../shared/invoke";
import { parseDlqMessage } from "./events";
import { dependenciesFromEnv } from "./env";
import { createSyncHandler } from "./handler";
import type { RecordOutcome, SyncDependencies } from "./sync-record";
import { runIfEntryPoint } from "../shared/entry";

/** Re-runs the event inside a DLQ message (JSON text or parsed) through the handler. */
export async function replay(
  message: unknown,
  deps: SyncDependencies,
): Promise<{ readonly outcomes: readonly RecordOutcome[] }> {
  return createSyncHandler(deps)(parseDlqMessage(message));
}

export const REPLAY_USAGE = `usage: replay-sync [--invoke FUNCTION] <dlq-message.json | ->

Re-runs the S3 event of a sync dead-letter message (the bare event, an SQS message with it as body,
or an on-failure destination record).
  --invoke FUNCTION  the deployed sync function (<env>-sync-<class>) replays it, inside the VPC with
                     its own role; you need lambda:InvokeFunction on it (AWS_REGION and the
                     default credential chain)
Without --invoke it runs here with the function's environment (README.md): the sovereign bucket
admits object access only through the VPC's S3 endpoint, so that works only from inside the VPC.
`;

export async function main(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<number> {
  let values: { invoke?: string; help?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: [...argv],
      options: { invoke: { type: "string" }, help: { type: "boolean", short: "h" } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`replay-sync: ${(error as Error).message}\n${REPLAY_USAGE}`);
    return 64;
  }
  if (values.help === true) {
    process.stdout.write(REPLAY_USAGE);
    return 0;
  }
  const [file] = positionals;
  if (file === undefined || positionals.length !== 1) {
    process.stderr.write(REPLAY_USAGE);
    return 64;
  }
  try {
    const text = file === "-" ? await readStdin() : await readFile(file, "utf8");
    const result =
      values.invoke === undefined
        ? await replay(text, dependenciesFromEnv(env))
        : await invokeFunction(values.invoke, parseDlqMessage(text), invokeOptionsFromEnv(env));
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
