import { posix } from "node:path";
import { endpointUrl, PARTITIONS } from "../config/partitions";
import type { DeploymentConfig } from "../config/schema";
import { LocalBackend, S3Backend, type TerraformStack } from "../framework/cdktf";
import { assumeRoleArguments } from "./aws-placement";
import { sideCredentials } from "./credentials";
import { stateNames } from "./state-names";

/**
 * Terraform runs in `<outdir>/stacks/<environment>/`; this leads from there back to the folder that
 * holds the output folder (the project root for the default `cdktf.out`).
 */
const FROM_STACK_DIR_TO_OUTDIR_PARENT = "../../..";

/**
 * Declares the state backend. Local: `backend.path` is relative to the folder that holds the output
 * folder and is written relative to the stack's working directory, so the synthesized JSON holds no
 * absolute path and does not depend on where it was written. S3: in the sovereign region, KMS-encrypted, with an S3
 * lock file, explicit regional endpoints and `skip_region_validation`, which Terraform 1.11's S3
 * backend needs because it does not know `eusc-*` regions (../docs/architecture.md). Bucket, key and
 * KMS key default to the bootstrap stack's (state-names.ts).
 */
export function declareBackend(stack: TerraformStack, config: DeploymentConfig): void {
  const backend = config.backend;
  if (backend.type === "local") {
    declareLocalBackend(stack, backend.path ?? `state/${config.environment}.tfstate`);
    return;
  }
  const sovereign = PARTITIONS["aws-eusc"];
  const { accountId, region } = config.partitions.sovereign;
  // Without names, the state lives where the bootstrap stack (bootstrap-stack.ts) put it.
  const bootstrap = stateNames(config.environment, accountId, region);
  const credentials = sideCredentials(config, "sovereign");
  const s3 = new S3Backend(stack, {
    bucket: backend.bucket ?? bootstrap.bucketName,
    key: backend.key ?? bootstrap.platformStateKey,
    region,
    encrypt: true,
    kmsKeyId: backend.kmsKeyId ?? bootstrap.keyAliasArn,
    skipRegionValidation: true,
    allowedAccountIds: [accountId],
    // The sovereign side's credentials: the state lives in its partition.
    profile: credentials?.profile,
    assumeRole: credentials?.assumeRole && assumeRoleArguments(credentials.assumeRole),
    endpoints: {
      s3: endpointUrl(sovereign, "s3", region),
      sts: endpointUrl(sovereign, "sts", region),
    },
  });
  // cdktf 0.21's S3BackendConfig predates `use_lockfile` (Terraform >= 1.10): S3-native locking.
  s3.addOverride("use_lockfile", true);
}

/**
 * A local backend whose `statePath` (relative to the folder that holds the output folder) is written
 * relative to the stack's working directory `<outdir>/stacks/<stack>/`.
 */
export function declareLocalBackend(stack: TerraformStack, statePath: string): void {
  new LocalBackend(stack, { path: posix.join(FROM_STACK_DIR_TO_OUTDIR_PARENT, statePath) });
}
