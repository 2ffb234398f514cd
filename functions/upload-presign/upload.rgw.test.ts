/**
 * The upload rules, enforced by a real S3 server (Ceph RADOS Gateway, DESIGN.md §7) through real HTTP:
 * every rejection below comes from the server, not from our code.
 */
import { createHash } from "node:crypto";
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type S3Client,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { useRadosGateway } from "../../test/s3/lifecycle";
import {
  completeMultipartUpload,
  createMultipartUpload,
  issuePresignedPost,
  issuePresignedPut,
  type PresignedPost,
  type PresignedPut,
  type UploadDeps,
} from "./presign";
import { parseUploadConfig, type UploadConfig } from "./schema";

const IDENTITY_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/11111111-2222-4333-8444-555555555555";
const AVATAR_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/66666666-7777-4888-9999-000000000000";
const MiB = 1024 * 1024;
const claims = { tenant: "acme", subject: "user-1" };
const KEY_SHAPE = /^acme\/user-1\/[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

const gateway = useRadosGateway({ name: "upload", region: "eusc-de-east-1", kmsKeys: [IDENTITY_KEY, AVATAR_KEY] });

const configInput = {
  bucket: "originals",
  allowedContentTypes: ["image/jpeg", "image/png", "application/pdf"],
  maxSizeBytes: 64 * 1024,
  expirySeconds: 60,
  kmsKeyArnByDataClass: { identity: IDENTITY_KEY, avatar: AVATAR_KEY },
  multipartPartSizeBytes: 5 * MiB,
  multipartMaxSizeBytes: 20 * MiB,
};

let s3: S3Client;
let deps: UploadDeps;
let config: UploadConfig;

beforeAll(async () => {
  s3 = gateway().client();
  deps = { s3 };
  config = parseUploadConfig(configInput);
  await s3.send(new CreateBucketCommand({ Bucket: config.bucket }));
});

const bytes = (n: number, seed = 7) => Buffer.alloc(n, seed);
const md5 = (b: Buffer) => createHash("md5").update(b).digest("base64");
const sha256 = (b: Buffer) => createHash("sha256").update(b).digest("base64");
const errorCode = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

interface SubmitResult {
  readonly status: number;
  readonly code: string | undefined;
}

/** Submits the form the way a browser does: the policy's fields, then the file last. */
async function postForm(
  post: PresignedPost,
  file: Buffer,
  change: Readonly<Record<string, string | undefined>> = {},
): Promise<SubmitResult> {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...change }))
    if (value !== undefined) form.append(name, value);
  form.append("file", new Blob([file]), "upload.bin");
  const response = await fetch(post.url, { method: "POST", body: form });
  const body = await response.text();
  return { status: response.status, code: errorCode(body) };
}

async function put(
  target: PresignedPut,
  body: Buffer,
  change: { url?: string; headers?: Readonly<Record<string, string>> } = {},
): Promise<SubmitResult> {
  const response = await fetch(change.url ?? target.url, {
    method: "PUT",
    headers: { ...target.headers, ...change.headers },
    body,
  });
  const text = await response.text();
  return { status: response.status, code: errorCode(text) };
}

async function exists(key: string): Promise<boolean> {
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: config.bucket, Prefix: key }));
  return (listed.KeyCount ?? 0) > 0;
}

const postRequest = { fileName: "passport scan.png", contentType: "image/png", sizeBytes: 1000, dataClass: "identity" };

describe("pre-signed POST", () => {
  it("accepts a conforming upload at the exact key, with the declared type, SSE-KMS key, metadata and disposition", async () => {
    // Prepare
    const post = await issuePresignedPost(deps, config, claims, postRequest);
    const file = bytes(1000);

    // Act
    const result = await postForm(post, file);

    // Assess
    expect(result.status).toBe(204);
    expect(post.key).toMatch(KEY_SHAPE);
    const head = await s3.send(new HeadObjectCommand({ Bucket: config.bucket, Key: post.key }));
    expect(head.ContentType).toBe("image/png");
    expect(head.ContentLength).toBe(1000);
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.SSEKMSKeyId).toBe(IDENTITY_KEY);
    // Ceph RGW drops a POST form's Content-Disposition (S3 keeps it); the policy still pins it (see below).
    expect(head.Metadata).toEqual({ "original-name": "passport%20scan.png", "data-class": "identity" });
    // No tag from the browser (it would need s3:PutObjectTagging outside the VPC): scrub tags the original.
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: config.bucket, Key: post.key }));
    expect(tags.TagSet).toEqual([]);
    const got = await s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: post.key }));
    expect(Buffer.from(await (got.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())))).toEqual(file);
  });

  it("accepts a file smaller than declared", async () => {
    // Prepare
    const post = await issuePresignedPost(deps, config, claims, postRequest);

    // Act
    const result = await postForm(post, bytes(10));

    // Assess
    expect(result.status).toBe(204);
  });

  it("is rejected by the server when the file is larger than declared", async () => {
    // Prepare
    const post = await issuePresignedPost(deps, config, claims, postRequest);

    // Act
    const result = await postForm(post, bytes(1001));

    // Assess
    expect(result).toEqual({ status: 400, code: "EntityTooLarge" });
    expect(await exists(post.key)).toBe(false);
  });

  it("is rejected by the server when the content type differs from the declared one", async () => {
    // Prepare
    const post = await issuePresignedPost(deps, config, claims, postRequest);

    // Act
    const result = await postForm(post, bytes(100), { "Content-Type": "text/html" });

    // Assess
    expect(result).toEqual({ status: 403, code: "AccessDenied" });
    expect(await exists(post.key)).toBe(false);
  });

  it("is rejected by the server when the key differs", async () => {
    // Prepare
    const post = await issuePresignedPost(deps, config, claims, postRequest);
    const otherSubject = post.key.replace("/user-1/", "/user-2/");

    // Act
    const sibling = await postForm(post, bytes(100), { key: `${post.key}-2` });
    const other = await postForm(post, bytes(100), { key: otherSubject });

    // Assess
    expect(sibling).toEqual({ status: 403, code: "AccessDenied" });
    expect(other).toEqual({ status: 403, code: "AccessDenied" });
    expect(await exists(`${post.key}-2`)).toBe(false);
    expect(await exists(otherSubject)).toBe(false);
  });

  it("is rejected by the server when encryption, disposition or metadata is dropped or changed, or a tag is added", async () => {
    // Prepare
    const post = await issuePresignedPost(deps, config, claims, postRequest);
    const changes: Record<string, string | undefined>[] = [
      { "x-amz-server-side-encryption": undefined, "x-amz-server-side-encryption-aws-kms-key-id": undefined },
      { "x-amz-server-side-encryption-aws-kms-key-id": AVATAR_KEY },
      { tagging: "<Tagging><TagSet><Tag><Key>data-class</Key><Value>avatar</Value></Tag></TagSet></Tagging>" },
      { "Content-Disposition": 'attachment; filename="../../etc/passwd"' },
      { "x-amz-meta-data-class": "avatar" },
    ];

    // Act
    const results = [];
    for (const change of changes) results.push(await postForm(post, bytes(100), change));

    // Assess
    expect(results).toEqual(changes.map(() => ({ status: 403, code: "AccessDenied" })));
    expect(await exists(post.key)).toBe(false);
  });

  it("is rejected by the server when the policy or its signature is tampered with", async () => {
    // Prepare
    const post = await issuePresignedPost(deps, config, claims, postRequest);
    const policy = JSON.parse(Buffer.from(post.fields.Policy ?? "", "base64").toString("utf8")) as {
      conditions: unknown[];
    };
    const widened = {
      ...policy,
      conditions: policy.conditions.map((c) =>
        Array.isArray(c) && c[0] === "content-length-range" ? ["content-length-range", 1, 10 * MiB] : c,
      ),
    };
    const signature = post.fields["X-Amz-Signature"] ?? "";

    // Act
    const widenedPolicy = await postForm(post, bytes(2000), {
      Policy: Buffer.from(JSON.stringify(widened)).toString("base64"),
    });
    const forgedSignature = await postForm(post, bytes(100), {
      "X-Amz-Signature": `${signature.slice(0, -1)}${signature.endsWith("0") ? "1" : "0"}`,
    });

    // Assess: S3 answers SignatureDoesNotMatch; Ceph RGW answers AccessDenied (both 403, nothing stored).
    expect([widenedPolicy, forgedSignature]).toEqual([
      { status: 403, code: "AccessDenied" },
      { status: 403, code: "AccessDenied" },
    ]);
    expect(await exists(post.key)).toBe(false);
  });
});

const putRequest = (body: Buffer) => ({
  fileName: "scan.pdf",
  contentType: "application/pdf",
  sizeBytes: body.length,
  dataClass: "identity",
  contentMd5: md5(body),
  checksumSha256: sha256(body),
});

describe("pre-signed PUT", () => {
  it("accepts a conforming upload at the exact key with type, SSE-KMS key and tag", async () => {
    // Prepare
    const body = bytes(2048, 3);
    const target = await issuePresignedPut(deps, config, claims, putRequest(body));

    // Act
    const result = await put(target, body);

    // Assess
    expect(result.status).toBe(200);
    expect(target.key).toMatch(KEY_SHAPE);
    const head = await s3.send(new HeadObjectCommand({ Bucket: config.bucket, Key: target.key }));
    expect(head.ContentType).toBe("application/pdf");
    expect(head.ContentLength).toBe(2048);
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.SSEKMSKeyId).toBe(IDENTITY_KEY);
    expect(head.ContentDisposition).toBe(`attachment; filename="scan.pdf"; filename*=UTF-8''scan.pdf`);
    expect(head.Metadata).toEqual({ "original-name": "scan.pdf", "data-class": "identity" });
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: config.bucket, Key: target.key }));
    expect(tags.TagSet).toEqual([]);
  });

  it("is rejected by the server for a different key", async () => {
    // Prepare
    const body = bytes(100);
    const target = await issuePresignedPut(deps, config, claims, putRequest(body));
    const url = new URL(target.url);
    url.pathname = url.pathname.replace("/user-1/", "/user-2/");

    // Act
    const result = await put(target, body, { url: url.toString() });

    // Assess
    expect(result).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
    expect(await exists(target.key.replace("/user-1/", "/user-2/"))).toBe(false);
  });

  it("is rejected by the server when the body does not match the signed Content-MD5", async () => {
    // Prepare
    const declared = bytes(100, 1);
    const target = await issuePresignedPut(deps, config, claims, putRequest(declared));

    // Act
    const result = await put(target, bytes(100, 2));

    // Assess
    expect(result).toEqual({ status: 400, code: "BadDigest" });
    expect(await exists(target.key)).toBe(false);
  });

  it("is rejected by the server when the Content-MD5 header differs from the signed one", async () => {
    // Prepare
    const declared = bytes(100, 1);
    const other = bytes(100, 2);
    const target = await issuePresignedPut(deps, config, claims, putRequest(declared));

    // Act
    const result = await put(target, other, { headers: { "Content-MD5": md5(other) } });

    // Assess
    expect(result).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("is rejected by the server when the content type or the encryption key differs", async () => {
    // Prepare
    const body = bytes(100);
    const target = await issuePresignedPut(deps, config, claims, putRequest(body));

    // Act
    const type = await put(target, body, { headers: { "Content-Type": "text/html" } });
    const key = await put(target, body, { headers: { "x-amz-server-side-encryption-aws-kms-key-id": AVATAR_KEY } });

    // Assess
    expect([type, key]).toEqual([
      { status: 403, code: "SignatureDoesNotMatch" },
      { status: 403, code: "SignatureDoesNotMatch" },
    ]);
  });
});

describe("the standby pseudonym of a crossing data class (docs/cross-partition.md §7)", () => {
  const STANDBY = "0123456789abcdef0123456789abcdef";
  const crossing = (): UploadDeps => ({ ...deps, standbyPseudonym: STANDBY });

  it("is kept in the object's metadata by a POST and a PUT", async () => {
    // Prepare
    const body = bytes(100);
    const post = await issuePresignedPost(crossing(), config, claims, postRequest);
    const target = await issuePresignedPut(crossing(), config, claims, putRequest(body));

    // Act
    const posted = await postForm(post, bytes(100));
    const putted = await put(target, body);
    const head = (key: string) => s3.send(new HeadObjectCommand({ Bucket: config.bucket, Key: key }));
    const [p, q] = [await head(post.key), await head(target.key)];

    // Assess
    expect([posted.status, putted.status]).toEqual([204, 200]);
    expect(p.Metadata?.["standby-pseudonym"]).toBe(STANDBY);
    expect(q.Metadata?.["standby-pseudonym"]).toBe(STANDBY);
  });

  it("cannot be changed or dropped by the client: the server refuses the POST and the PUT", async () => {
    // Prepare
    const body = bytes(100);
    const post = await issuePresignedPost(crossing(), config, claims, postRequest);
    const target = await issuePresignedPut(crossing(), config, claims, putRequest(body));
    const other = "ffffffffffffffffffffffffffffffff";

    // Act
    const changedPost = await postForm(post, body, { "x-amz-meta-standby-pseudonym": other });
    const droppedPost = await postForm(post, body, { "x-amz-meta-standby-pseudonym": undefined });
    const changedPut = await put(target, body, { headers: { "x-amz-meta-standby-pseudonym": other } });

    // Assess
    expect([changedPost, droppedPost]).toEqual([
      { status: 403, code: "AccessDenied" },
      { status: 403, code: "AccessDenied" },
    ]);
    expect(changedPut).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
    expect(await exists(post.key)).toBe(false);
    expect(await exists(target.key)).toBe(false);
  });
});

interface ExpiryRun {
  readonly onTime: { readonly post: SubmitResult; readonly put: SubmitResult };
  readonly late: { readonly post: SubmitResult; readonly put: SubmitResult };
  readonly lateKeys: readonly [string, string];
}

/**
 * Issues four uploads that live two seconds, submits two at once and two after three seconds. S3 policy
 * and URL times have one-second resolution, so the on-time uploads keep at least a second of margin.
 * Started from beforeAll without being awaited, so that the wait overlaps the other tests.
 */
async function runExpiry(): Promise<ExpiryRun> {
  const shortLived = parseUploadConfig({ ...configInput, expirySeconds: 2 });
  const body = bytes(100);
  const issued = Date.now();
  const [post1, put1, post2, put2] = await Promise.all([
    issuePresignedPost(deps, shortLived, claims, postRequest),
    issuePresignedPut(deps, shortLived, claims, putRequest(body)),
    issuePresignedPost(deps, shortLived, claims, postRequest),
    issuePresignedPut(deps, shortLived, claims, putRequest(body)),
  ]);
  const onTime = { post: await postForm(post1, body), put: await put(put1, body) };
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, issued + 3100 - Date.now())));
  const late = { post: await postForm(post2, body), put: await put(put2, body) };
  return { onTime, late, lateKeys: [post2.key, put2.key] };
}

let expiryRun: Promise<ExpiryRun>;
beforeAll(() => {
  expiryRun = runExpiry();
  expiryRun.catch(() => undefined);
});

describe("expiry", () => {
  it("accepts short-lived uploads before they expire", async () => {
    // Act
    const { onTime } = await expiryRun;

    // Assess
    expect(onTime.post.status).toBe(204);
    expect(onTime.put.status).toBe(200);
  });

  it("rejects an expired POST policy at the server", async () => {
    // Act
    const { late, lateKeys } = await expiryRun;

    // Assess
    expect(late.post).toEqual({ status: 403, code: "AccessDenied" });
    expect(await exists(lateKeys[0])).toBe(false);
  });

  it("rejects an expired PUT URL at the server", async () => {
    // Act
    const { late, lateKeys } = await expiryRun;

    // Assess
    expect(late.put).toEqual({ status: 403, code: "AccessDenied" });
    expect(await exists(lateKeys[1])).toBe(false);
  });
});

describe("multipart", () => {
  it("completes an upload within scope: parts at their signed lengths, then the object at the exact key", async () => {
    // Prepare
    const total = 5 * MiB + 1234;
    const data = Buffer.alloc(total);
    for (let i = 0; i < total; i++) data[i] = i % 251;
    const upload = await createMultipartUpload(deps, config, claims, {
      fileName: "big scan.pdf",
      contentType: "application/pdf",
      sizeBytes: total,
      dataClass: "identity",
    });

    // Act
    const parts = [];
    for (const part of upload.parts) {
      const start = (part.partNumber - 1) * upload.partSizeBytes;
      const response = await fetch(part.url, {
        method: "PUT",
        headers: part.headers,
        body: data.subarray(start, start + Number(part.headers["Content-Length"])),
      });
      expect(response.status).toBe(200);
      parts.push({ partNumber: part.partNumber, eTag: response.headers.get("etag") ?? "" });
    }
    const completed = await completeMultipartUpload(deps, config, claims, {
      key: upload.key,
      uploadId: upload.uploadId,
      parts,
    });

    // Assess
    expect(upload.key).toMatch(KEY_SHAPE);
    expect(upload.parts.map((p) => p.headers["Content-Length"])).toEqual([String(5 * MiB), "1234"]);
    expect(completed).toEqual({ bucket: config.bucket, key: upload.key, sizeBytes: total, partCount: 2 });
    const head = await s3.send(new HeadObjectCommand({ Bucket: config.bucket, Key: upload.key }));
    expect(head.ContentLength).toBe(total);
    expect(head.ContentType).toBe("application/pdf");
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.SSEKMSKeyId).toBe(IDENTITY_KEY);
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: config.bucket, Key: upload.key }));
    expect(tags.TagSet).toEqual([{ Key: "data-class", Value: "identity" }]);
    const got = await s3.send(new GetObjectCommand({ Bucket: config.bucket, Key: upload.key }));
    expect(
      createHash("sha256")
        .update(await (got.Body?.transformToByteArray() ?? Promise.resolve(new Uint8Array())))
        .digest("hex"),
    ).toBe(createHash("sha256").update(data).digest("hex"));
  });

  it("is rejected by the server when a part is longer than its signed length", async () => {
    // Prepare
    const upload = await createMultipartUpload(deps, config, claims, {
      fileName: "a.pdf",
      contentType: "application/pdf",
      sizeBytes: 1000,
      dataClass: "identity",
    });
    const part = upload.parts[0];
    if (part === undefined) throw new Error("no part");

    // Act
    const response = await fetch(part.url, { method: "PUT", body: bytes(2000) });
    const code = errorCode(await response.text());

    // Assess
    expect({ status: response.status, code }).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
  });

  it("is rejected by the server when a part URL is used for another key", async () => {
    // Prepare
    const upload = await createMultipartUpload(deps, config, claims, {
      fileName: "a.pdf",
      contentType: "application/pdf",
      sizeBytes: 1000,
      dataClass: "identity",
    });
    const part = upload.parts[0];
    if (part === undefined) throw new Error("no part");
    const url = new URL(part.url);
    url.pathname = url.pathname.replace("/acme/", "/other-tenant/");

    // Act
    const response = await fetch(url, { method: "PUT", headers: part.headers, body: bytes(1000) });
    const code = errorCode(await response.text());

    // Assess
    expect({ status: response.status, code }).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
  });
});
