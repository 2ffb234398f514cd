/**
 * Entry point: `node dist/main.cjs [--bootstrap] [--config FILE] [--outdir DIR]` (also the cdktf.json
 * app command). Validates the configuration, then synthesizes one stack per environment, or with
 * --bootstrap the stack that holds its Terraform state. On any problem it prints every finding, exits
 * non-zero and writes nothing.
 */
import { existsSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { loadDeploymentFile } from "./config/load";
import { describeFailure, synthesize } from "./stacks/synthesize";

const HELP = `Usage: node dist/main.cjs [options]

Synthesizes the Sovereign Identity Platform into Terraform JSON
(<outdir>/stacks/<environment>/cdk.tf.json) with two aws providers:
sovereign (aws-eusc) and commercial (aws).

With --bootstrap it synthesizes the bootstrap stack instead
(<outdir>/stacks/<environment>-bootstrap/cdk.tf.json): the Terraform state
bucket and its KMS key in the sovereign region, with local state
(state/<environment>-bootstrap.tfstate). A platform configuration with
"backend": { "type": "s3" } keeps its state there (docs/deploy.md §3).

Options:
  --config FILE   deployment configuration (JSON; see docs/configuration.md)
                  default: $SIP_CONFIG, else config/example.json of this project
                  (cdktf synth/diff/deploy pass no options: set SIP_CONFIG)
  --bootstrap     synthesize the bootstrap stack (state bucket, key) only
  --outdir DIR    output folder, relative to the project root unless absolute
                  default: $CDKTF_OUTDIR, else cdktf.out;
                  with --bootstrap: cdktf.out-bootstrap ($CDKTF_OUTDIR is ignored)
  -q, --quiet     print nothing on success
  -h, --help      show this help

The configuration's path is recorded in <outdir>/manifest.json, so that
"node dist/policies.cjs check <outdir>" uses it.

Exit codes: 0 synthesized; 1 invalid configuration or failed synth (nothing written); 64 bad usage.`;

/** The folder holding cdktf.json, found upwards from this file (works from main.ts and dist/). */
function projectRoot(): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    if (existsSync(join(dir, "cdktf.json"))) return dir;
    if (dirname(dir) === dir) throw new Error(`cdktf.json not found above ${__dirname}`);
  }
}

function main(argv: string[]): number {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${HELP}\n`);
    return 64;
  }
  if (args.values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  const root = projectRoot();
  const named = args.values.config ?? (process.env.SIP_CONFIG || undefined);
  const configFile = named !== undefined ? resolve(named) : join(root, "config", "example.json");
  const bootstrap = args.values.bootstrap === true;
  // The CDKTF CLI's CDKTF_OUTDIR is for the platform stack: the bootstrap output never replaces it.
  const outdir = args.values.outdir ?? (bootstrap ? "cdktf.out-bootstrap" : process.env.CDKTF_OUTDIR || "cdktf.out");
  try {
    const config = loadDeploymentFile(configFile);
    const { stackFile } = synthesize({
      config,
      outdir,
      projectRoot: root,
      configFile,
      stack: bootstrap ? "bootstrap" : "platform",
    });
    if (!args.values.quiet) process.stdout.write(`synthesized ${basename(dirname(stackFile))} -> ${stackFile}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`${describeFailure(err, process.env.SIP_DEBUG === "1")}\nNothing was written.\n`);
    return 1;
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    options: {
      config: { type: "string" },
      bootstrap: { type: "boolean" },
      outdir: { type: "string" },
      quiet: { type: "boolean", short: "q" },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
}

process.exitCode = main(process.argv.slice(2));
