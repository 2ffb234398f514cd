/**
 * `operator-env`: a ready shell environment for the operator commands of one crossing data class
 * (`replay-sync --invoke`, `failback --invoke`), from the deployed stack's outputs
 * (`terraform output -json`, whose `crossing-<class>` outputs platform-stack.ts declares).
 *
 * Prints `export NAME='value'` lines (POSIX shell quoting) and the commands to run with them, so
 * that `eval "$(npm run -s operator-env -- --outputs outputs.json --class avatars-clean)"` sets them.
 * Exit status: 0 printed, 1 the outputs lack what is needed, 64 usage error.
 */
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { runIfEntryPoint } from "../shared/entry";

/** The fields of a `crossing-<class>` output that this command reads. */
export const OPERATOR_OUTPUT_FIELDS = [
  "sovereign_region",
  "sync_function_name",
  "sync_dead_letter_queue_url",
  "failback_function_name",
  "source_bucket",
  "source_key_arn",
  "signing_material_secret_arn",
  "commercial_region",
  "failover_bucket",
  "failover_key_arn",
  "trust_anchor_arn",
  "profile_arn",
  "role_arn",
] as const;

export const OUTPUT_PREFIX = "crossing-";

export const USAGE = `Usage: operator-env --outputs FILE [--class DATA_CLASS]

Prints a shell environment for the operator commands of one crossing data class,
from the deployed stack's outputs:

  terraform -chdir=cdktf.out/stacks/<env> output -json > outputs.json
  eval "$(npm run -s operator-env -- --outputs outputs.json --class avatars-clean)"
  npm run -s replay-sync -- --invoke "$SIP_SYNC_FUNCTION" message.json
  npm run -s failback -- --invoke "$SIP_FAILBACK_FUNCTION" --since <outage start> --dry-run

Options:
  --outputs FILE   the JSON of "terraform output -json" (- for standard input)
  --class NAME     the crossing data class; required when the stack has several
  -h, --help       show this help

Exit codes: 0 printed; 1 the outputs lack what is needed; 64 bad usage.
`;

export class OperatorEnvError extends Error {
  override readonly name = "OperatorEnvError";
}

type Outputs = Record<string, { value?: unknown }>;

/** The crossing classes the outputs describe, sorted. */
export function crossingClasses(outputs: Outputs): string[] {
  return Object.keys(outputs)
    .filter((k) => k.startsWith(OUTPUT_PREFIX))
    .map((k) => k.slice(OUTPUT_PREFIX.length))
    .sort();
}

const quote = (value: string): string => `'${value.replaceAll("'", "'\\''")}'`;

/** The `export` lines and the commands for one class; throws OperatorEnvError naming what is missing. */
export function operatorEnv(outputs: Outputs, dataClass: string | undefined): string {
  const classes = crossingClasses(outputs);
  if (classes.length === 0)
    throw new OperatorEnvError(
      `the outputs have no ${OUTPUT_PREFIX}<class> output: no data class of this stack crosses partitions, or these are not the platform stack's outputs (terraform output -json in cdktf.out/stacks/<env>)`,
    );
  const chosen = dataClass ?? (classes.length === 1 ? classes[0] : undefined);
  if (chosen === undefined)
    throw new OperatorEnvError(
      `the stack has several crossing data classes (${classes.join(", ")}). Fix: name one with --class`,
    );
  if (!classes.includes(chosen))
    throw new OperatorEnvError(
      `no crossing data class "${chosen}" in the outputs. Fix: use one of ${classes.join(", ")}`,
    );
  const value = outputs[`${OUTPUT_PREFIX}${chosen}`]?.value;
  const record = typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
  const missing = OPERATOR_OUTPUT_FIELDS.filter((f) => typeof record[f] !== "string" || record[f] === "");
  if (missing.length > 0)
    throw new OperatorEnvError(
      `output ${OUTPUT_PREFIX}${chosen} lacks ${missing.join(", ")}: is the stack applied, and from this version of the project?`,
    );
  const v = (f: (typeof OPERATOR_OUTPUT_FIELDS)[number]) => quote(record[f] as string);
  return [
    `# crossing data class ${chosen}: from output ${OUTPUT_PREFIX}${chosen}`,
    `export AWS_REGION=${v("sovereign_region")}`,
    `export SIP_SYNC_FUNCTION=${v("sync_function_name")}`,
    `export SIP_SYNC_DLQ_URL=${v("sync_dead_letter_queue_url")}`,
    `export SIP_FAILBACK_FUNCTION=${v("failback_function_name")}`,
    `export SIP_SOURCE_BUCKET=${v("source_bucket")}`,
    `export SIP_SOURCE_KEY_ARN=${v("source_key_arn")}`,
    `export SIP_SIGNING_MATERIAL_SECRET_ARN=${v("signing_material_secret_arn")}`,
    `export SIP_COMMERCIAL_REGION=${v("commercial_region")}`,
    `export SIP_FAILOVER_BUCKET=${v("failover_bucket")}`,
    `export SIP_FAILOVER_KEY_ARN=${v("failover_key_arn")}`,
    `export SIP_TRUST_ANCHOR_ARN=${v("trust_anchor_arn")}`,
    `export SIP_PROFILE_ARN=${v("profile_arn")}`,
    `export SIP_ROLE_ARN=${v("role_arn")}`,
    '# dead-letter messages:  aws sqs receive-message --queue-url "$SIP_SYNC_DLQ_URL" --region "$AWS_REGION"',
    '# replay one:            npm run -s replay-sync -- --invoke "$SIP_SYNC_FUNCTION" message.json',
    '# after an outage:       npm run -s failback -- --invoke "$SIP_FAILBACK_FUNCTION" --since <outage start> --dry-run',
    "",
  ].join("\n");
}

export function main(
  argv: readonly string[],
  io: { stdout: (t: string) => void; stderr: (t: string) => void; stdin: () => string } = defaultIo,
): number {
  let values: { outputs?: string; class?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { outputs: { type: "string" }, class: { type: "string" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    io.stderr(`operator-env: ${(error as Error).message}\n\n${USAGE}`);
    return 64;
  }
  if (values.help === true) {
    io.stdout(USAGE);
    return 0;
  }
  if (values.outputs === undefined || values.outputs === "") {
    io.stderr(`operator-env: --outputs is required\n\n${USAGE}`);
    return 64;
  }
  let outputs: Outputs;
  try {
    const text = values.outputs === "-" ? io.stdin() : readFileSync(values.outputs, "utf8");
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not a JSON object");
    outputs = parsed as Outputs;
  } catch (error) {
    io.stderr(
      `operator-env: ${values.outputs}: cannot read the outputs (${(error as Error).message}). Fix: write them with terraform output -json\n`,
    );
    return 1;
  }
  try {
    io.stdout(operatorEnv(outputs, values.class));
    return 0;
  } catch (error) {
    if (!(error instanceof OperatorEnvError)) throw error;
    io.stderr(`operator-env: ${error.message}\n`);
    return 1;
  }
}

const defaultIo = {
  stdout: (t: string) => process.stdout.write(t),
  stderr: (t: string) => process.stderr.write(t),
  stdin: () => readFileSync(0, "utf8"),
};

runIfEntryPoint(import.meta.url, "operator-env", (argv) => main(argv));
