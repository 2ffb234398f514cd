/**
 * The deployment manifest (issue 18 item 6): an evidence document that records what a deployment
 * deployed, read from the synthesized output after `cdktf deploy`: the commit and job, the
 * configuration's SHA-256 (as synth recorded it in cdktf.out/manifest.json), the SHA-256 of each
 * synthesized stack and of each saved plan, each stack's residency inventory, and who deployed. It
 * is signed like any other evidence (certificate.ts) and checked with `verify-evidence`.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { EvidenceDocument, EvidenceValue } from "./canonical";

export const DEPLOYMENT_MANIFEST_TYPE = "deployment";

export interface DeploymentFacts {
  /** The commit deployed (40 hex digits). */
  readonly commit: string;
  /** The CI job or a free text naming the run. @default - none recorded */
  readonly job?: string;
  /** Who deployed: the caller's ARN (`aws sts get-caller-identity`). */
  readonly deployer: string;
  /** ISO time the manifest was recorded. */
  readonly recordedAt: string;
}

const sha256 = (bytes: Uint8Array | string) => createHash("sha256").update(bytes).digest("hex");

/** Refused input: names the file or field and the fix. */
export class ManifestInputError extends Error {
  override readonly name = "ManifestInputError";
}

interface SynthManifest {
  readonly stacks?: Record<string, { readonly synthesizedStackPath?: string }>;
  readonly sovereignIdentityPlatform?: { readonly configFile?: string; readonly configSha256?: string };
}

/** Reads cdktf.out (`outdir`) and builds the manifest; throws ManifestInputError naming what is missing. */
export function deploymentManifest(outdir: string, facts: DeploymentFacts): EvidenceDocument {
  if (!/^[0-9a-f]{40}$/.test(facts.commit))
    throw new ManifestInputError(`commit "${facts.commit}" is not a full commit ID. Fix: pass git rev-parse HEAD`);
  if (!/^arn:[a-z-]+:(iam|sts)::\d{12}:/.test(facts.deployer))
    throw new ManifestInputError(
      `deployer "${facts.deployer}" is not an IAM or STS ARN. Fix: pass the Arn of aws sts get-caller-identity`,
    );
  const manifestFile = join(outdir, "manifest.json");
  if (!existsSync(manifestFile))
    throw new ManifestInputError(`${manifestFile} does not exist. Fix: run make synth (the deployed output) first`);
  const synth = JSON.parse(readFileSync(manifestFile, "utf8")) as SynthManifest;
  const config = synth.sovereignIdentityPlatform;
  if (config?.configSha256 === undefined)
    throw new ManifestInputError(`${manifestFile} records no configuration. Fix: synthesize with this project's main`);
  const stacks: EvidenceValue[] = Object.entries(synth.stacks ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, stack]) => stackFacts(outdir, name, stack.synthesizedStackPath ?? `stacks/${name}/cdk.tf.json`));
  return {
    type: DEPLOYMENT_MANIFEST_TYPE,
    commit: facts.commit,
    ...(facts.job === undefined ? {} : { job: facts.job }),
    configuration: { file: config.configFile ?? "", sha256: config.configSha256 },
    stacks,
    deployer: facts.deployer,
    recordedAt: facts.recordedAt,
  };
}

/** One stack's hashes and residency inventory. */
function stackFacts(outdir: string, name: string, stackPath: string): EvidenceValue {
  const stackFile = join(outdir, stackPath);
  if (!existsSync(stackFile)) throw new ManifestInputError(`${stackFile} does not exist. Fix: run make synth first`);
  const planFile = join(outdir, "plans", `${name}.plan.json`);
  const residencyFile = join(outdir, "review", name, "residency.json");
  return {
    name,
    sha256: sha256(readFileSync(stackFile)),
    ...(existsSync(planFile) ? { planSha256: sha256(readFileSync(planFile)) } : {}),
    ...(existsSync(residencyFile)
      ? { residency: JSON.parse(readFileSync(residencyFile, "utf8")) as EvidenceValue }
      : {}),
  };
}
