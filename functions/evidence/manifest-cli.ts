/**
 * The `deployment-manifest` command line (issue 18 item 6): after a deploy, records what was deployed
 * (deployment-manifest.ts) and signs it with the evidence key (KMS `Sign`, the certificate format
 * of certificate.ts), so that `verify-evidence` checks it offline like any other evidence.
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { KMSClient } from "@aws-sdk/client-kms";
import { fromNodeProviderChain } from "@aws-sdk/credential-providers";
import { type CliIo, UsageError, usageErrors, usageMessage, userCwd } from "../shared/cli";
import {
  CredentialsUnavailableError,
  type CredentialProvider,
  callApi,
  EndpointUnavailableError,
  errorField,
  errorText,
} from "../shared/iam-api-client";
import { runIfEntryPoint } from "../shared/entry";
import { type EvidenceSigner, KEY_ARN } from "./algorithms";
import { canonicalize } from "./canonical";
import { formatCertificate, signEvidence } from "./certificate";
import { deploymentManifest, ManifestInputError } from "./deployment-manifest";
import { kmsSigner } from "./kms-signer";

export const USAGE = `Usage: deployment-manifest --outdir DIR --commit SHA --deployer ARN [--job TEXT]
                           (--key-id ARN [--region REGION] [--store URL] | --unsigned) [--out FILE]

Records what a deployment deployed, from the synthesized output it was deployed from: the commit
and job, the configuration's SHA-256, each stack's SHA-256, its saved plan's SHA-256 and residency
inventory, and who deployed. Signed with the evidence key (KMS Sign, ECDSA P-256) into a
certificate (sip-evidence-certificate/1) that verify-evidence checks offline.

  --outdir DIR      the synthesized output that was deployed (cdktf.out)
  --commit SHA      the deployed commit (git rev-parse HEAD)
  --deployer ARN    who deployed (the Arn of aws sts get-caller-identity)
  --job TEXT        the CI job or run that deployed (optional)
  --key-id ARN      the evidence signing key (alias/<env>/evidence-signing's key ARN)
  --region REGION   the key's region (default: the key ARN's)
  --unsigned        print the manifest (canonical JSON) without signing it, for review
  --out FILE        write there instead of to standard output
  --store URL       also keep the certificate in the evidence bucket (COMPLIANCE lock): POST it,
                    signed with your AWS credentials (SigV4), to the operators' API at URL (the
                    endpoint of terraform output subject-request-operators; the caller needs the
                    policy <environment>-deployment-recorder); the API checks the signature first
  -h, --help        show this help

Exit status: 0 written (and stored), 1 the output cannot be read, signing failed or the API refused
the certificate, 64 usage error, 69 the API is unreachable or failing (the certificate is written).
`;

interface Options {
  readonly outdir: string;
  readonly commit: string;
  readonly deployer: string;
  readonly job: string | undefined;
  readonly keyId: string | undefined;
  readonly region: string | undefined;
  readonly out: string | undefined;
  readonly store: URL | undefined;
}

/** The options, or undefined for --help; throws UsageError naming the option and the fix. */
export function parseManifestArgs(argv: readonly string[]): Options | undefined {
  const { values } = usageErrors(() =>
    parseArgs({
      args: [...argv],
      options: {
        outdir: { type: "string" },
        commit: { type: "string" },
        deployer: { type: "string" },
        job: { type: "string" },
        "key-id": { type: "string" },
        region: { type: "string" },
        unsigned: { type: "boolean" },
        out: { type: "string" },
        store: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }),
  );
  if (values.help === true) return undefined;
  for (const name of ["outdir", "commit", "deployer"] as const)
    if (values[name] === undefined || values[name] === "") throw new UsageError(`--${name} is required`);
  const keyId = values["key-id"];
  if ((keyId === undefined) === (values.unsigned !== true))
    throw new UsageError("name the signing key with --key-id ARN, or print the manifest with --unsigned");
  if (keyId !== undefined && !KEY_ARN.test(keyId))
    throw new UsageError(`--key-id ${keyId} is not a KMS key ARN (arn:<partition>:kms:<region>:<account>:key/<id>)`);
  const store = values.store === undefined ? undefined : storeUrl(values.store, keyId);
  const cwd = userCwd();
  return {
    outdir: resolve(cwd, values.outdir ?? ""),
    commit: values.commit ?? "",
    deployer: values.deployer ?? "",
    job: values.job,
    keyId,
    region: values.region ?? keyId?.split(":")[3],
    out: values.out === undefined ? undefined : resolve(cwd, values.out),
    store,
  };
}

/** The --store endpoint: https (http only on loopback, for tests), and only for a signed manifest. */
function storeUrl(text: string, keyId: string | undefined): URL {
  if (keyId === undefined)
    throw new UsageError("--store keeps a signed certificate: add --key-id ARN (not --unsigned)");
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(
      `--store ${text} is not a URL: give the API's endpoint, https://<id>.execute-api.<region>.<domain>`,
    );
  }
  const loopback = url.hostname === "127.0.0.1" || url.hostname === "localhost";
  if (url.protocol !== "https:" && !(url.protocol === "http:" && loopback))
    throw new UsageError(`--store ${text} must be an https URL`);
  return url;
}

export interface ManifestDeps {
  /** Credentials --store signs with. @default fromNodeProviderChain() */
  readonly credentials?: CredentialProvider;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** @default - KMS Sign with the key, in its region */
  readonly signerFor?: (keyId: string, region: string | undefined) => EvidenceSigner;
  /** @default () => new Date() */
  readonly now?: () => Date;
}

/** Runs the command; returns the exit status. Never throws. */
export async function main(argv: readonly string[], io: CliIo = process, deps: ManifestDeps = {}): Promise<number> {
  let options: Options | undefined;
  try {
    options = parseManifestArgs(argv);
  } catch (error) {
    io.stderr.write(usageMessage("deployment-manifest", error));
    return 64;
  }
  if (options === undefined) {
    io.stdout.write(USAGE);
    return 0;
  }
  try {
    const manifest = deploymentManifest(options.outdir, {
      commit: options.commit,
      deployer: options.deployer,
      ...(options.job === undefined ? {} : { job: options.job }),
      recordedAt: (deps.now ?? (() => new Date()))().toISOString(),
    });
    let text: string;
    if (options.keyId === undefined) text = `${canonicalize(manifest)}\n`;
    else {
      const signer =
        deps.signerFor?.(options.keyId, options.region) ??
        kmsSigner(new KMSClient({ region: options.region }), options.keyId);
      text = formatCertificate(await signEvidence(manifest, signer));
    }
    if (options.out === undefined) io.stdout.write(text);
    else writeFileSync(options.out, text);
    return options.store === undefined ? 0 : await store(options, options.store, text, io, deps);
  } catch (error) {
    const what = error instanceof ManifestInputError ? error.message : `signing failed: ${(error as Error).message}`;
    io.stderr.write(`deployment-manifest: ${what}\n`);
    return 1;
  }
}

/** POSTs the certificate to the operators' API, which keeps it in the evidence bucket. */
async function store(options: Options, endpoint: URL, text: string, io: CliIo, deps: ManifestDeps): Promise<number> {
  // The API's region: from its execute-api host name, else the key's (loopback in tests).
  const region = /^[^.]+\.execute-api\.([a-z0-9-]+)\./.exec(endpoint.hostname)?.[1] ?? options.region ?? "";
  try {
    const answer = await callApi(
      {
        endpoint,
        region,
        credentials: deps.credentials ?? fromNodeProviderChain(),
        ...(deps.fetch === undefined ? {} : { fetch: deps.fetch }),
      },
      "POST",
      "/v1/deployments",
      text,
    );
    if (answer.status !== 200 && answer.status !== 201) {
      const field = errorField(answer);
      io.stderr.write(
        `deployment-manifest: the API refused the certificate (${answer.status}): ${errorText(answer)}${field === undefined ? "" : ` (field: ${field})`}\n`,
      );
      return 1;
    }
    const stored = answer.json as { key?: string; versionId?: string };
    io.stderr.write(
      `deployment-manifest: ${answer.status === 201 ? "stored" : "already stored"} as ${stored.key} (version ${stored.versionId}) in the evidence bucket\n`,
    );
    return 0;
  } catch (error) {
    io.stderr.write(`deployment-manifest: could not store the certificate: ${(error as Error).message}\n`);
    return error instanceof EndpointUnavailableError || error instanceof CredentialsUnavailableError ? 69 : 1;
  }
}

runIfEntryPoint(import.meta.url, "deployment-manifest", main, 1);
