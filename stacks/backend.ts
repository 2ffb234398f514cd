import { posix } from "node:path";
import { endpointUrl, PARTITIONS } from "../config/partitions";
import type { DeploymentConfig } from "../config/schema";
import { LocalBackend, S3Backend, type TerraformStack } from "../framework/cdktf";

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
 * backend needs because it does not know `eusc-*` regions (../docs/architecture.md).
 */
export function declareBackend(stack: TerraformStack, config: DeploymentConfig): void {
  const backend = config.backend;
  if (backend.type === "local") {
    const statePath = backend.path ?? `state/${config.environment}.tfstate`;
    new LocalBackend(stack, { path: posix.join(FROM_STACK_DIR_TO_OUTDIR_PARENT, statePath) });
    return;
  }
  const sovereign = PARTITIONS["aws-eusc"];
  const region = config.partitions.sovereign.region;
  const s3 = new S3Backend(stack, {
    bucket: backend.bucket,
    key: backend.key,
    region,
    encrypt: true,
    kmsKeyId: backend.kmsKeyId,
    skipRegionValidation: true,
    allowedAccountIds: [config.partitions.sovereign.accountId],
    endpoints: {
      s3: endpointUrl(sovereign, "s3", region),
      sts: endpointUrl(sovereign, "sts", region),
    },
  });
  // cdktf 0.21's S3BackendConfig predates `use_lockfile` (Terraform >= 1.10): S3-native locking.
  s3.addOverride("use_lockfile", true);
}
