/** Environment, event and DLQ-message parsing, and the signing-material loaders. */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { PARTITIONS } from "../../config/partitions";
import { createLogger } from "../shared/logger";
import { parseDlqMessage, recordKey, recordKind, recordMetadata, type S3EventRecord } from "./events";
import { dependenciesFromEnv, parseSyncEnv, syncConfig } from "./env";
import { createSyncHandler } from "./handler";
import { extensionSecretReader, secretSigningMaterialLoader } from "./signing-material";

const SOVEREIGN_REGION = Object.keys(PARTITIONS["aws-eusc"].euRegions)[0] ?? "";
const baseEnv = {
  AWS_REGION: SOVEREIGN_REGION,
  SOURCE_BUCKET: "clean-avatars",
  TARGET_REGION: "eu-central-1",
  TARGET_BUCKET: "failover-avatars",
  TARGET_KMS_KEY_ARN: "key-arn",
  ROLES_ANYWHERE_TRUST_ANCHOR_ARN: "ta",
  ROLES_ANYWHERE_PROFILE_ARN: "p",
  ROLES_ANYWHERE_ROLE_ARN: "r",
  SIGNING_MATERIAL_SECRET_ID: "sync/leaf",
};

const record = (key: string, extra: Record<string, unknown> = {}): S3EventRecord => ({
  eventName: "ObjectCreated:Put",
  s3: { bucket: { name: "b" }, object: { key, ...extra } },
});

describe("environment", () => {
  it("applies the defaults: avatars only, 16 MiB threshold, 8 MiB parts, deletes propagated", () => {
    // Act
    const config = syncConfig(parseSyncEnv(baseEnv));

    // Assess
    expect(config).toMatchObject({
      sourcePartition: "aws-eusc",
      policy: { allowedDataClasses: ["avatar"], allowedPrefixes: [], dataClassTag: "data-class" },
      multipartThresholdBytes: 16 * 1024 * 1024,
      partSizeBytes: 8 * 1024 * 1024,
      propagateDeletes: true,
    });
  });

  it("reads lists and numbers from strings", () => {
    // Act
    const config = syncConfig(
      parseSyncEnv({
        ...baseEnv,
        SYNC_ALLOWED_DATA_CLASSES: "avatar, banner",
        SYNC_PART_SIZE_BYTES: "5242880",
        SYNC_PROPAGATE_DELETES: "true",
      }),
    );

    // Assess
    expect(config.policy.allowedDataClasses).toEqual(["avatar", "banner"]);
    expect(config.partSizeBytes).toBe(5 * 1024 * 1024);
    expect(config.propagateDeletes).toBe(true);
    expect(syncConfig(parseSyncEnv({ ...baseEnv })).propagateDeletes).toBe(true);
    expect(syncConfig(parseSyncEnv({ ...baseEnv, SYNC_PROPAGATE_DELETES: "false" })).propagateDeletes).toBe(false);
  });

  it("fails naming every bad variable", () => {
    // Act
    const attempt = () => parseSyncEnv({ ...baseEnv, SYNC_PART_SIZE_BYTES: "1000", TARGET_BUCKET: undefined });

    // Assess
    expect(attempt).toThrow(/TARGET_BUCKET.*SYNC_PART_SIZE_BYTES|SYNC_PART_SIZE_BYTES.*TARGET_BUCKET/);
  });

  it("fails without any signing material source", () => {
    // Act
    const attempt = () => parseSyncEnv({ ...baseEnv, SIGNING_MATERIAL_SECRET_ID: undefined });

    // Assess
    expect(attempt).toThrow(/SIGNING_MATERIAL_SECRET_ID/);
  });

  it("derives regional endpoints from the partition table", async () => {
    // Act
    const deps = dependenciesFromEnv(baseEnv);
    const sourceEndpoint = await deps.source.config.endpoint?.();
    const targetEndpoint = await deps.target.config.endpoint?.();

    // Assess
    expect(sourceEndpoint?.hostname).toBe(`s3.${SOVEREIGN_REGION}.${PARTITIONS["aws-eusc"].dnsSuffix}`);
    expect(targetEndpoint?.hostname).toBe(`s3.eu-central-1.${PARTITIONS.aws.dnsSuffix}`);
  });
});

describe("events", () => {
  it("decodes keys as S3 encodes them", () => {
    // Act
    const key = recordKey(record("acme/user+1/%C3%A4+b.png"));

    // Assess
    expect(key).toBe("acme/user 1/ä b.png");
  });

  it("takes the RADOS Gateway's raw keys as they are", () => {
    // Act
    const key = recordKey({ ...record("me+you 100%.png"), eventSource: "ceph:s3" });

    // Assess
    expect(key).toBe("me+you 100%.png");
  });

  it("fails only the record whose key cannot be decoded", async () => {
    // Prepare: a malformed S3 key next to a record for another bucket (refused without any request)
    const handle = createSyncHandler({
      config: syncConfig(parseSyncEnv(baseEnv)),
      source: {} as never,
      target: {} as never,
      logger: createLogger("t", { write: () => {} }),
    });
    const event = {
      Records: [
        { ...record("bad%E0%A4%A.png"), eventName: "ObjectCreated:Put" },
        {
          ...record("fine.png"),
          eventName: "ObjectCreated:Put",
          s3: { bucket: { name: "other" }, object: { key: "fine.png" } },
        },
      ],
    };

    // Act
    const attempt = handle(event);

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: "SyncBatchError" });
    const error = (await attempt.then(
      () => undefined,
      (e: unknown) => e,
    )) as { failures: Array<{ key: string }>; outcomes: Array<{ key: string; outcome: string }> };
    expect(error.failures.map((f) => f.key)).toEqual(["bad%E0%A4%A.png"]);
    expect(error.outcomes.map((o) => [o.key, o.outcome])).toEqual([["fine.png", "refused"]]);
  });

  it("classifies event names with and without the s3: prefix", () => {
    // Act
    const kinds = [
      "ObjectCreated:Put",
      "s3:ObjectCreated:CompleteMultipartUpload",
      "ObjectRemoved:Delete",
      "s3:ObjectRemoved:DeleteMarkerCreated",
      "ObjectTagging:Put",
    ].map((eventName) => recordKind({ ...record("k"), eventName }));

    // Assess
    expect(kinds).toEqual(["created", "created", "removed", "removed", "other"]);
  });

  it("reads Ceph's event metadata", () => {
    // Act
    const metadata = recordMetadata(record("k", { metadata: [{ key: "x-amz-meta-sip-replicated-from", val: "m" }] }));

    // Assess
    expect(metadata).toEqual({ "sip-replicated-from": "m" });
  });

  it("finds the event in a bare event, an on-failure destination record and an SQS message", () => {
    // Prepare
    const event = { Records: [record("k")] };

    // Act
    const found = [
      event,
      { requestContext: {}, requestPayload: event },
      { MessageId: "1", Body: JSON.stringify(event) },
      JSON.stringify({ body: JSON.stringify(event) }),
    ].map(parseDlqMessage);

    // Assess
    for (const f of found) expect(f.Records[0]?.s3.object.key).toBe("k");
  });

  it("fails on a message without an S3 event", () => {
    // Act
    const attempt = () => parseDlqMessage({ Body: "{}" });

    // Assess
    expect(attempt).toThrow(/no S3 event/);
  });
});

describe("signing material", () => {
  const pem = {
    certificate: "-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n",
    privateKey: "-----BEGIN PRIVATE KEY-----\nsecret\n-----END PRIVATE KEY-----\n",
  };

  it("reads certificate and key from the secret's JSON", async () => {
    // Prepare
    const loader = secretSigningMaterialLoader({ getSecretString: async () => JSON.stringify(pem) }, "sync/leaf");

    // Act
    const material = await loader();

    // Assess
    expect(material).toEqual(pem);
  });

  it("names the missing field without echoing the secret", async () => {
    // Prepare
    const loader = secretSigningMaterialLoader(
      { getSecretString: async () => JSON.stringify({ privateKey: pem.privateKey }) },
      "sync/leaf",
    );

    // Act
    const error = await Promise.resolve()
      .then(loader)
      .then(
        () => new Error("loaded"),
        (e: unknown) => e as Error,
      );

    // Assess
    expect(error.message).toMatch(/certificate/);
    expect(error.message).not.toContain("PRIVATE KEY");
  });

  it("reads the secret through the Lambda extension's local endpoint with the session token", async () => {
    // Prepare
    const seen: { url?: string; token?: string } = {};
    const server = createServer((req, res) => {
      seen.url = req.url;
      seen.token = req.headers["x-aws-parameters-secrets-token"] as string;
      res.end(JSON.stringify({ SecretString: "value" }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;

    // Act
    const value = await extensionSecretReader({
      PARAMETERS_SECRETS_EXTENSION_HTTP_PORT: String(port),
      AWS_SESSION_TOKEN: "tok",
    })
      .getSecretString("sync/leaf")
      .finally(() => server.close());

    // Assess
    expect(value).toBe("value");
    expect(seen).toEqual({ url: "/secretsmanager/get?secretId=sync%2Fleaf", token: "tok" });
  });
});
