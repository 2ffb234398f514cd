/**
 * A logical-tier tenant's role played on a Ceph gateway with STS (tenant-shredding.rgw.test.ts,
 * outage-uploads.rgw.test.ts): the tenant directory's keys come from the in-memory KMS
 * (tenant-fixtures.ts), its AssumeRole goes to the gateway's STS. Ceph's role ARNs carry no partition
 * or account (`arn:aws:iam:::role/<name>`): the ARN the directory derives from the key is mapped to the
 * gateway's form, and nothing else. Test-only.
 */
import type { S3Client } from "@aws-sdk/client-s3";
import type { AssumeRole } from "../../../functions/shared/tenant-directory";
import type { RadosGateway } from "../../s3/radosgw";
import { assumeRole } from "../../s3/sts";

/** The directory's role ARN (`arn:<partition>:iam::<account>:role/<name>`) as the gateway names the role. */
export const cephRoleArn = (roleArn: string): string => roleArn.replace(/^arn:[^:]+:iam::\d{12}:/, "arn:aws:iam:::");

/**
 * AssumeRole through the gateway's STS as its test user (test/s3/sts.ts, which casts the credentials to
 * the role for the authorization proof), without the SDK's default credential chain.
 */
export function gatewayAssumeRole(gateway: RadosGateway): AssumeRole {
  return (roleArn, sessionName, durationSeconds) =>
    assumeRole(gateway, cephRoleArn(roleArn), sessionName, durationSeconds);
}

/** One request an S3 client sent, with whose credentials (as the test names them). */
export interface SentRequest {
  readonly client: string;
  readonly command: string;
  readonly bucket: string;
  readonly key: string;
}

/** Logs every request `client` sends into `sent` under `who`: proves which credentials made which request. */
export function recording<C extends S3Client>(client: C, who: string, sent: SentRequest[]): C {
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const input = args.input as { Bucket?: string; Key?: string };
      sent.push({
        client: who,
        command: String(context.commandName),
        bucket: input.Bucket ?? "",
        key: input.Key ?? "",
      });
      return next(args);
    },
    { step: "initialize", name: "recordRequests" },
  );
  return client;
}
