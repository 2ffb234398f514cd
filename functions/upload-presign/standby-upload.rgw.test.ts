/**
 * Uploads during a sovereign outage (docs/cross-partition.md §7), through a real S3 server (Ceph RADOS
 * Gateway, DESIGN.md §7) and real STS: the upload handler runs as the commercial standby
 * (PSEUDONYM_DOMAIN=standby, its environment as the standby stack sets it) with its own gateway role
 * and the grant it needs (PutObject into the outage inbox, nothing else). A browser's upload lands in
 * the inbox under the caller's standby pseudonym, carrying the tenant and subject sealed to the
 * sovereign key; the server refuses a sealed subject the client changed or dropped; nothing is ever
 * named by the sovereign pseudonym.
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import {
  CreateBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { castNames } from "../../test/authz/recorder";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { assumeRole, createRole } from "../../test/s3/sts";
import type { HttpApiResult } from "../shared/http-api";
import { createLogger } from "../shared/logger";
import { localMac, Pseudonyms, STANDBY_DOMAIN } from "../shared/pseudonym";
import { localUnseal, openSealedSubject, SEALED_SUBJECT_METADATA, sealSubject } from "../shared/sealed-subject";
import { parseUploadEnv, s3ClientFromEnv, uploadDependencies, uploadPseudonyms } from "./env";
import { createUploadHandler } from "./handler";
import type { MultipartUpload, PresignedPost, PresignedPut } from "./presign";

const INBOX_KEY = "arn:aws:kms:eu-central-1:444455556666:key/99999999-7777-4888-9999-000000000000";
const INBOX = "outage-inbox";
const ROLE = "example-standby-upload-function";
const gateway = useRadosGateway({ name: "standby-upload", region: "eu-central-1", kmsKeys: [INBOX_KEY], sts: true });

/** The sovereign sealing key (KMS holds the private half; here the test does). */
const sealing = generateKeyPairSync("rsa", {
  modulusLength: 3072,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs8", format: "pem" },
});
const unseal = localUnseal(sealing.privateKey);
/** The standby key's material (the commercial copy), and the sovereign pseudonym key's (never on this side). */
const STANDBY_MAC = localMac(Buffer.alloc(32, 4));
const standbyNames = new Pseudonyms(STANDBY_MAC, undefined, STANDBY_DOMAIN);
const sovereignNames = new Pseudonyms(localMac(Buffer.alloc(32, 9)));

const alice = { tenant: "acme", subject: "alice@example.org" };
const bob = { tenant: "acme", subject: "bob@example.org" };
const png = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.alloc(200, 7)]);
const request = { fileName: "me.png", contentType: "image/png", sizeBytes: png.length, dataClass: "avatars-original" };
const errorCode = (xml: string) => /<Code>([^<]*)<\/Code>/.exec(xml)?.[1];

let admin: S3Client;
let handle: (event: unknown) => Promise<HttpApiResult>;

beforeAll(async () => {
  const g = gateway();
  admin = g.client();
  castNames({
    buckets: { [INBOX]: "example-outage-uploads-222222222222" },
    keys: { [INBOX_KEY]: "aws_kms_key.standby-serving_outage-key_key" },
    tenants: { acme: "acme-health" },
  });
  await admin.send(new CreateBucketCommand({ Bucket: INBOX }));
  await admin.send(new PutBucketVersioningCommand({ Bucket: INBOX, VersioningConfiguration: { Status: "Enabled" } }));
  // The standby upload function's role with its grant: uploads into the inbox, nothing else.
  const role = await createRole(g, ROLE, {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        // The synthesized grant on the inbox's objects (inbox.grantSignUploads): multipart completion
        // reads the object's head and tags.
        Action: [
          "s3:PutObject",
          "s3:AbortMultipartUpload",
          "s3:ListMultipartUploadParts",
          "s3:GetObject",
          "s3:GetObjectTagging",
          "s3:PutObjectTagging",
          "s3:PutObjectVersionTagging",
        ],
        Resource: [`arn:aws:s3:::${INBOX}/*`],
      },
    ],
  });
  const credentials = await assumeRole(g, role, ROLE, 3600);
  // The environment the standby stack gives the function.
  const env = {
    UPLOAD_BUCKET: INBOX,
    ALLOWED_CONTENT_TYPES: "image/png,image/jpeg",
    MAX_SIZE_BYTES: "65536",
    EXPIRY_SECONDS: "60",
    KMS_KEY_ARNS: JSON.stringify({ "avatars-original": INBOX_KEY }),
    PSEUDONYM_DOMAIN: "standby",
    PSEUDONYM_KEY_ID: "arn:aws:kms:eu-central-1:444455556666:key/standby-pseudonyms",
    SUBJECT_SEALING_PUBLIC_KEY: sealing.publicKey,
    S3_ENDPOINT: g.endpoint,
    AWS_REGION: g.region,
  };
  const settings = parseUploadEnv(env);
  handle = createUploadHandler({
    ...uploadDependencies(settings, env),
    s3: s3ClientFromEnv(settings.env, async () => credentials),
    pseudonyms: uploadPseudonyms(settings, STANDBY_MAC),
    logger: createLogger("standby-upload-test", { level: "error" }),
  });
});

/** `POST <route>` as API Gateway delivers it, with the verified claims; the issued upload. */
async function issue<T>(
  claims: { tenant: string; subject: string },
  route: "/v1/uploads" | "/v1/uploads/put" | "/v1/uploads/multipart" | "/v1/uploads/multipart/complete",
  given?: Readonly<Record<string, unknown>>,
): Promise<T> {
  const body =
    given ??
    (route === "/v1/uploads/put"
      ? { ...request, contentMd5: createHash("md5").update(png).digest("base64") }
      : request);
  const result = await handle({
    version: "2.0",
    routeKey: `POST ${route}`,
    rawPath: route,
    requestContext: {
      requestId: "r1",
      http: { method: "POST", path: route },
      authorizer: { jwt: { claims: { tenant: claims.tenant, sub: claims.subject } } },
    },
    body: JSON.stringify(body),
    isBase64Encoded: false,
  });
  expect(result.statusCode).toBe(200);
  return JSON.parse(result.body) as T;
}

/** Submits a POST form like a browser, with fields changed (undefined drops one). */
async function postForm(post: PresignedPost, change: Readonly<Record<string, string | undefined>> = {}) {
  const form = new FormData();
  for (const [name, value] of Object.entries({ ...post.fields, ...change }))
    if (value !== undefined) form.append(name, value);
  form.append("file", new Blob([png]), "me.png");
  const response = await fetch(post.url, { method: "POST", body: form });
  return { status: response.status, code: errorCode(await response.text()) };
}

async function putForm(target: PresignedPut, headers: Readonly<Record<string, string>> = {}) {
  const response = await fetch(target.url, { method: "PUT", headers: { ...target.headers, ...headers }, body: png });
  return { status: response.status, code: errorCode(await response.text()) };
}

async function keysUnder(prefix: string): Promise<string[]> {
  const listed = await admin.send(new ListObjectsV2Command({ Bucket: INBOX, Prefix: prefix }));
  return (listed.Contents ?? []).flatMap((o) => (o.Key === undefined ? [] : [o.Key]));
}

describe("uploads to the standby during an outage", () => {
  it("land in the inbox under the caller's standby pseudonym, with a sealed subject that opens to the caller", async () => {
    // Prepare
    const standby = await standbyNames.of(alice.tenant, alice.subject);
    const post = await issue<PresignedPost>(alice, "/v1/uploads");
    const target = await issue<PresignedPut>(alice, "/v1/uploads/put");

    // Act
    const posted = await postForm(post);
    const putted = await putForm(target);

    // Assess
    expect([posted.status, putted.status]).toEqual([204, 200]);
    for (const key of [post.key, target.key]) {
      expect(key).toMatch(new RegExp(`^acme/${standby}/[0-9a-f-]{36}$`));
      const head = await admin.send(new HeadObjectCommand({ Bucket: INBOX, Key: key }));
      expect(head.SSEKMSKeyId).toBe(INBOX_KEY);
      expect(head.Metadata?.["data-class"]).toBe("avatars-original");
      expect(head.Metadata?.["standby-pseudonym"]).toBeUndefined();
      expect(await openSealedSubject(unseal, head.Metadata?.[SEALED_SUBJECT_METADATA] ?? "")).toEqual({
        tenant: "acme",
        subject: alice.subject,
      });
    }
    expect(JSON.stringify([post, target])).not.toMatch(/alice|example\.org/);
    expect(await keysUnder(`acme/${await sovereignNames.of(alice.tenant, alice.subject)}/`)).toEqual([]);
  });

  it("complete as multipart uploads in the inbox, sealed, under the standby pseudonym", async () => {
    // Prepare
    const standby = await standbyNames.of(alice.tenant, alice.subject);
    const upload = await issue<MultipartUpload>(alice, "/v1/uploads/multipart");

    // Act
    const parts = [];
    for (const part of upload.parts) {
      const response = await fetch(part.url, { method: "PUT", headers: part.headers, body: png });
      expect(response.status).toBe(200);
      parts.push({ partNumber: part.partNumber, eTag: response.headers.get("etag") ?? "" });
    }
    const completed = await issue<{ key: string; partCount: number }>(alice, "/v1/uploads/multipart/complete", {
      key: upload.key,
      uploadId: upload.uploadId,
      parts,
    });

    // Assess
    expect(completed).toMatchObject({ key: upload.key, partCount: 1 });
    expect(upload.key).toMatch(new RegExp(`^acme/${standby}/[0-9a-f-]{36}$`));
    const head = await admin.send(new HeadObjectCommand({ Bucket: INBOX, Key: upload.key }));
    expect(head.SSEKMSKeyId).toBe(INBOX_KEY);
    expect(await openSealedSubject(unseal, head.Metadata?.[SEALED_SUBJECT_METADATA] ?? "")).toEqual({
      tenant: "acme",
      subject: alice.subject,
    });
  });

  it("are refused by the server when the client changes or drops the sealed subject", async () => {
    // Prepare: bob's seal is a valid seal too, of another subject.
    const post = await issue<PresignedPost>(alice, "/v1/uploads");
    const target = await issue<PresignedPut>(alice, "/v1/uploads/put");
    const bobs = sealSubject(sealing.publicKey, bob.tenant, bob.subject);
    const field = `x-amz-meta-${SEALED_SUBJECT_METADATA}`;

    // Act
    const changedPost = await postForm(post, { [field]: bobs });
    const droppedPost = await postForm(post, { [field]: undefined });
    const changedPut = await putForm(target, { [field]: bobs });

    // Assess
    expect([changedPost, droppedPost]).toEqual([
      { status: 403, code: "AccessDenied" },
      { status: 403, code: "AccessDenied" },
    ]);
    expect(changedPut).toEqual({ status: 403, code: "SignatureDoesNotMatch" });
    expect(await keysUnder(post.key)).toEqual([]);
    expect(await keysUnder(target.key)).toEqual([]);
  });
});
