/**
 * Keeps signed deployment manifests (deployment-manifest.ts, issue 18 item 6) in the evidence bucket,
 * under COMPLIANCE object lock like every evidence record. The evidence bucket admits object writes
 * only through the VPC endpoint, so a deployer cannot write it from a workstation or CI: the
 * operators' API (`POST /v1/deployments`, functions/subject-requests/api.ts) takes the certificate
 * and this module stores it, after checking that the evidence key signed it and that it is a
 * deployment manifest: the bucket never holds anything the key did not sign.
 *
 * Key: `deployments/<commit>/<digest>.json` (digest: the certificate's SHA-256 of its signed content),
 * so that a manifest sent twice (a retried call) is stored once, and several deployments of one commit
 * each keep theirs. Who sent it is stored as object metadata (`stored-by`), the verified caller.
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { headOrUndefined, kmsJsonPut } from "../shared/s3-objects";
import { verifyCertificate } from "./certificate";
import { DEPLOYMENT_MANIFEST_TYPE } from "./deployment-manifest";
import type { VerificationKey } from "./public-key";

export const DEPLOYMENTS_PREFIX = "deployments/";

export interface DeploymentStore {
  readonly s3: S3Client;
  readonly bucket: string;
  /** The evidence bucket's key (SSE-KMS). */
  readonly kmsKeyId: string;
  /** The evidence key's public key (KMS GetPublicKey, fetched once). */
  readonly publicKey: () => Promise<VerificationKey>;
}

export interface StoredDeployment {
  readonly key: string;
  readonly versionId: string;
  /** False when the same certificate was stored before (nothing new written). */
  readonly created: boolean;
}

/** A certificate that is not a deployment manifest the evidence key signed; `field` is `certificate`. */
export class DeploymentRecordError extends Error {
  override readonly name = "DeploymentRecordError";
  readonly field = "certificate";
}

/** Checks and stores `text` (a certificate's JSON); throws DeploymentRecordError for what is refused. */
export async function storeDeploymentCertificate(
  store: DeploymentStore,
  text: string,
  storedBy: string,
): Promise<StoredDeployment> {
  const verified = verifyCertificate(text, { publicKey: await store.publicKey() });
  if (!verified.valid)
    throw new DeploymentRecordError(
      `not a certificate the evidence key signed (${verified.reason}): ${verified.message}. Fix: send the file deployment-manifest wrote with --key-id of the evidence key, unchanged`,
    );
  if (verified.kind !== "certificate" || verified.document.type !== DEPLOYMENT_MANIFEST_TYPE)
    throw new DeploymentRecordError(
      `the certificate is valid but holds a ${JSON.stringify(verified.document.type)} record, not a deployment manifest. Fix: send the output of deployment-manifest`,
    );
  const commit = verified.document.commit;
  if (typeof commit !== "string" || !/^[0-9a-f]{40}$/.test(commit))
    throw new DeploymentRecordError(
      "the manifest names no full commit ID. Fix: sign it again with --commit <git rev-parse HEAD>",
    );
  const key = `${DEPLOYMENTS_PREFIX}${commit}/${verified.digest}.json`;
  const head = await headOrUndefined(store.s3, store.bucket, key);
  if (head !== undefined) return { key, versionId: head.VersionId ?? "", created: false };
  const put = await store.s3.send(
    new PutObjectCommand({
      ...kmsJsonPut(store.bucket, key, text, store.kmsKeyId),
      Metadata: { "stored-by": storedBy },
    }),
  );
  if (put.VersionId === undefined)
    throw new Error(
      `PutObject ${store.bucket}/${key} returned no version: the evidence bucket keeps no versions (no object lock)`,
    );
  return { key, versionId: put.VersionId, created: true };
}
