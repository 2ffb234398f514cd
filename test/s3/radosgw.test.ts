import { readdirSync, readFileSync } from "node:fs";
import {
  CreateBucketCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListBucketsCommand,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { castNames } from "../authz/recorder";
import { useRadosGateway } from "./lifecycle";
import { APT_INSTALL, assertBinaries, type RadosGateway, s3ClientConfig, startRadosGateway } from "./radosgw";
import { assumeRole, createRole, QueryApiError } from "./sts";

// These tests check the Ceph harness itself (its roles are the harness's, not the platform's).
beforeAll(() => castNames({ outOfScope: "tests the Ceph RADOS Gateway harness itself" }));

const MB = 1024 * 1024;
const SOVEREIGN_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/0f0e0d0c-0b0a-4909-8807-060504030201";

/** Processes whose command line names the run directory (the daemons and their `timeout` wrappers). */
function processesUsing(runDir: string): string[] {
  return readdirSync("/proc")
    .filter((p) => /^\d+$/.test(p))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
        const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
        return cmdline.includes(runDir) && state !== "Z" ? [`${pid} ${cmdline}`] : [];
      } catch {
        return [];
      }
    });
}

async function s3Error(promise: Promise<unknown>): Promise<{ name: string; status: number | undefined }> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof S3ServiceException) return { name: error.name, status: error.$metadata.httpStatusCode };
    throw error;
  }
  throw new Error("expected the request to fail");
}

describe("two partitions side by side", () => {
  let sovereign: RadosGateway;
  let commercial: RadosGateway;
  let bothStartedMs = 0;

  beforeAll(async () => {
    const t0 = performance.now();
    const started = await Promise.allSettled([
      startRadosGateway({ name: "sovereign", region: "eusc-de-east-1", kmsKeys: [SOVEREIGN_KEY] }),
      startRadosGateway({ name: "commercial", region: "eu-central-1" }),
    ]);
    bothStartedMs = performance.now() - t0;
    const failed = started.filter((s) => s.status === "rejected");
    for (const s of started) if (s.status === "fulfilled") afterAllStop.push(s.value);
    if (failed.length > 0) throw (failed[0] as PromiseRejectedResult).reason;
    [sovereign, commercial] = started.map((s) => (s as PromiseFulfilledResult<RadosGateway>).value) as [
      RadosGateway,
      RadosGateway,
    ];
    for (const g of [sovereign, commercial]) {
      const m = g.memory();
      console.log(
        `[radosgw] ${g.name}: ready in ${g.startMs.toFixed(0)} ms; RSS mon ${(m.monBytes / MB).toFixed(1)} MB, osd ${(m.osdBytes / MB).toFixed(1)} MB, rgw ${(m.rgwBytes / MB).toFixed(1)} MB, total ${(m.totalBytes / MB).toFixed(1)} MB`,
      );
    }
    console.log(`[radosgw] both clusters ready in ${bothStartedMs.toFixed(0)} ms (started concurrently)`);
  });
  const afterAllStop: RadosGateway[] = [];
  afterAll(async () => {
    await Promise.all(afterAllStop.map((g) => g.stop()));
  });

  it("serves signed requests made with the test keys", async () => {
    // Prepare
    const client = sovereign.client();
    await client.send(new CreateBucketCommand({ Bucket: "private" }));

    // Act
    await client.send(
      new PutObjectCommand({ Bucket: "private", Key: "a/b.txt", Body: "hello", ContentType: "text/plain" }),
    );
    const got = await client.send(new GetObjectCommand({ Bucket: "private", Key: "a/b.txt" }));

    // Assess
    expect(await got.Body?.transformToString()).toBe("hello");
    expect(got.ContentType).toBe("text/plain");
  });

  it("rejects a wrong secret with SignatureDoesNotMatch", async () => {
    // Prepare
    const wrong = new S3Client(
      s3ClientConfig(
        sovereign.endpoint,
        sovereign.region,
        sovereign.accessKeyId,
        `${sovereign.secretAccessKey.slice(0, -1)}x`,
      ),
    );

    // Act
    const error = await s3Error(wrong.send(new ListBucketsCommand({})));

    // Assess
    expect(error).toEqual({ name: "SignatureDoesNotMatch", status: 403 });
  });

  it("denies an anonymous GET of a private object", async () => {
    // Prepare
    const client = sovereign.client();
    await client.send(new CreateBucketCommand({ Bucket: "anon" }));
    await client.send(new PutObjectCommand({ Bucket: "anon", Key: "secret.txt", Body: "secret" }));

    // Act
    const response = await fetch(`${sovereign.endpoint}/anon/secret.txt`);
    const body = await response.text();

    // Assess
    expect(response.status).toBe(403);
    expect(body).toContain("<Code>AccessDenied</Code>");
    expect(body).not.toContain("secret</");
  });

  it("does not know one partition's keys in the other", async () => {
    // Prepare
    const crossed = new S3Client(
      s3ClientConfig(commercial.endpoint, commercial.region, sovereign.accessKeyId, sovereign.secretAccessKey),
    );

    // Act
    const error = await s3Error(crossed.send(new ListBucketsCommand({})));

    // Assess
    expect(commercial.accessKeyId).not.toBe(sovereign.accessKeyId);
    expect(commercial.monPort).not.toBe(sovereign.monPort);
    expect(commercial.rgwPort).not.toBe(sovereign.rgwPort);
    expect(error).toEqual({ name: "InvalidAccessKeyId", status: 403 });
  });

  it("encrypts with SSE-KMS under a testing-backend key named like a KMS key ARN", async () => {
    // Prepare
    const client = sovereign.client();
    await client.send(new CreateBucketCommand({ Bucket: "kms" }));

    // Act
    await client.send(
      new PutObjectCommand({
        Bucket: "kms",
        Key: "doc",
        Body: "classified",
        ServerSideEncryption: "aws:kms",
        SSEKMSKeyId: SOVEREIGN_KEY,
      }),
    );
    const head = await client.send(new HeadObjectCommand({ Bucket: "kms", Key: "doc" }));
    const got = await client.send(new GetObjectCommand({ Bucket: "kms", Key: "doc" }));

    // Assess
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.SSEKMSKeyId).toBe(SOVEREIGN_KEY);
    expect(await got.Body?.transformToString()).toBe("classified");
  });

  it("refuses SSE-KMS with a key id the gateway does not hold", async () => {
    // Prepare
    const client = commercial.client();
    await client.send(new CreateBucketCommand({ Bucket: "kms" }));
    await client.send(new PutObjectCommand({ Bucket: "kms", Key: "plain", Body: "x" }));

    // Act
    const error = await s3Error(
      client.send(
        new PutObjectCommand({
          Bucket: "kms",
          Key: "doc",
          Body: "x",
          ServerSideEncryption: "aws:kms",
          SSEKMSKeyId: SOVEREIGN_KEY,
        }),
      ),
    );

    // Assess: AWS answers 400 KMS.NotFoundException; the gateway's testing backend answers this.
    expect(error).toEqual({ name: "InvalidAccessKeyId", status: 403 });
  });

  it("plays an outage: a paused gateway answers nothing, and after resume serves the same data", async () => {
    // Prepare
    const client = sovereign.client({ maxAttempts: 1 });
    await client.send(new CreateBucketCommand({ Bucket: "outage" }));
    await client.send(new PutObjectCommand({ Bucket: "outage", Key: "kept", Body: "before" }));

    // Act
    sovereign.pause();
    const during = await client
      .send(new GetObjectCommand({ Bucket: "outage", Key: "kept" }), { abortSignal: AbortSignal.timeout(1500) })
      .then(
        () => "answered",
        (error: Error) => error.name,
      );
    sovereign.resume();
    const after = await client.send(new GetObjectCommand({ Bucket: "outage", Key: "kept" }));

    // Assess
    expect(during).toBe("AbortError");
    expect(await after.Body?.transformToString()).toBe("before");
  });

  it("stops both clusters, leaving no process and no run directory", async () => {
    // Prepare
    const runDirs = [sovereign.runDir, commercial.runDir];
    expect(runDirs.flatMap(processesUsing).length).toBeGreaterThanOrEqual(6);

    // Act
    const [a, b] = await Promise.all([sovereign.stop(), commercial.stop()]);
    console.log(`[radosgw] stopped sovereign in ${a.stopMs.toFixed(0)} ms, commercial in ${b.stopMs.toFixed(0)} ms`);

    // Assess
    expect(runDirs.flatMap(processesUsing)).toEqual([]);
    expect(readdirSync("/tmp").filter((d) => runDirs.includes(`/tmp/${d}`))).toEqual([]);
    expect(Math.max(a.stopMs, b.stopMs)).toBeLessThan(6000);
  });
});

describe("STS", () => {
  const gateway = useRadosGateway({ name: "sts", sts: true });

  it("issues AssumeRole credentials that the gateway accepts", async () => {
    // Prepare
    const roleArn = await createRole(gateway(), "reader", {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["s3:ListAllMyBuckets"], Resource: "arn:aws:s3:::*" }],
    });

    // Act
    const credentials = await assumeRole(gateway(), roleArn);
    const listed = await gateway().client({ credentials }).send(new ListBucketsCommand({}));

    // Assess
    expect(credentials.sessionToken.length).toBeGreaterThan(0);
    expect(listed.$metadata.httpStatusCode).toBe(200);
  });

  it("answers a wrong secret with AccessDenied when STS is on (DESIGN.md §7)", async () => {
    // Prepare
    const g = gateway();
    const wrong = new S3Client(s3ClientConfig(g.endpoint, g.region, g.accessKeyId, "not-the-secret"));

    // Act
    const error = await s3Error(wrong.send(new ListBucketsCommand({})));

    // Assess
    expect(error).toEqual({ name: "AccessDenied", status: 403 });
  });

  it("refuses to assume a role that does not exist", async () => {
    // Act
    const failure = await assumeRole(gateway(), "arn:aws:iam:::role/nobody").catch((e: unknown) => e);

    // Assess
    expect(failure).toBeInstanceOf(QueryApiError);
  });
});

describe("missing binaries", () => {
  it("fails loudly with the apt command instead of skipping", () => {
    // Act
    const attempt = () => assertBinaries(["/nonexistent"]);

    // Assess
    expect(attempt).toThrow(APT_INSTALL);
    expect(attempt).toThrow(/missing monmaptool, ceph-mon, ceph, ceph-osd, radosgw, radosgw-admin, timeout/);
  });
});
