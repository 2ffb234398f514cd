/**
 * Outage uploads as the standby upload function leaves them in the commercial outage inbox
 * (standby-upload.rgw.test.ts): key `<tenant>/<standby pseudonym>/<id>`, the tenant and subject sealed
 * to the sovereign sealing key, the data class, the original name, SSE-KMS under the inbox key.
 * Test-only (outage-uploads.rgw.test.ts, homecoming.e2e.rgw.test.ts).
 */
import { PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import type { KeyObject } from "node:crypto";
import type { Pseudonyms } from "../../../functions/shared/pseudonym";
import { SEALED_SUBJECT_METADATA, sealSubject } from "../../../functions/shared/sealed-subject";

export interface OutageInboxFixture {
  /** A client that may write the inbox (the gateway's admin). */
  readonly client: S3Client;
  readonly bucket: string;
  /** The inbox's SSE-KMS key, as the gateway knows it. */
  readonly kmsKeyId: string;
  /** The sealing key's public half. */
  readonly sealingPublicKey: string | KeyObject;
  /** Standby pseudonyms (the standby key): name the inbox key. */
  readonly standbyNames: Pseudonyms;
}

export interface OutageUploadOptions {
  readonly tenant: string;
  readonly subject: string;
  readonly id: string;
  readonly body: Uint8Array;
  /** The sealed subject; `null`: no seal at all. @default - the tenant and subject sealed to the sealing key */
  readonly seal?: string | null;
  /** @default "image/jpeg" */
  readonly contentType?: string;
  /** @default "avatars-original" */
  readonly dataClass?: string;
  /** @default "me.jpg" */
  readonly originalName?: string;
}

/** Writes one outage upload into the inbox; its key and version. */
export async function putOutageUpload(
  inbox: OutageInboxFixture,
  upload: OutageUploadOptions,
): Promise<{ key: string; versionId: string | undefined }> {
  const { tenant, subject, id } = upload;
  const seal = upload.seal === undefined ? sealSubject(inbox.sealingPublicKey, tenant, subject) : upload.seal;
  const key = `${tenant}/${await inbox.standbyNames.of(tenant, subject)}/${id}`;
  const put = await inbox.client.send(
    new PutObjectCommand({
      Bucket: inbox.bucket,
      Key: key,
      Body: upload.body,
      ContentType: upload.contentType ?? "image/jpeg",
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: inbox.kmsKeyId,
      Metadata: {
        "original-name": upload.originalName ?? "me.jpg",
        "data-class": upload.dataClass ?? "avatars-original",
        ...(seal === null ? {} : { [SEALED_SUBJECT_METADATA]: seal }),
      },
    }),
  );
  return { key, versionId: put.VersionId };
}
