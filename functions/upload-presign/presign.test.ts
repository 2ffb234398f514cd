import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectTaggingCommand,
  S3Client,
  S3ServiceException,
} from "@aws-sdk/client-s3";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  completeMultipartUpload,
  contentDisposition,
  createMultipartUpload,
  issuePresignedPost,
  issuePresignedPut,
  partLengths,
  presignUploadParts,
  type UploadDeps,
} from "./presign";
import { ClaimsError, UploadConfigError, type UploadErrorCode, UploadRequestError } from "./errors";
import { MAX_EXPIRY_SECONDS, parseUploadConfig, sanitiseFileName, type UploadConfig } from "./schema";
import { rejection } from "../../test/rejection";

const IDENTITY_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/11111111-2222-4333-8444-555555555555";
const AVATAR_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/66666666-7777-4888-9999-000000000000";
const ID = "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a2b";
const KEY = `acme/user-1/${ID}`;
const MiB = 1024 * 1024;
const NOW = new Date("2026-01-02T03:04:05.678Z");
const claims = { tenant: "acme", subject: "user-1" };
const MD5 = Buffer.alloc(16, 1).toString("base64");
const SHA256 = Buffer.alloc(32, 2).toString("base64");

const configInput = {
  bucket: "originals",
  allowedContentTypes: ["image/jpeg", "image/png", "application/pdf"],
  maxSizeBytes: 10 * MiB,
  kmsKeyArnByDataClass: { identity: IDENTITY_KEY, avatar: AVATAR_KEY },
  multipartPartSizeBytes: 5 * MiB,
  multipartMaxSizeBytes: 100 * MiB,
};
const config: UploadConfig = parseUploadConfig(configInput);

const postBody = { fileName: "passport.png", contentType: "image/png", sizeBytes: 1000, dataClass: "identity" };
const putBody = { ...postBody, contentMd5: MD5 };

function client(requestChecksumCalculation: "WHEN_REQUIRED" | "WHEN_SUPPORTED" = "WHEN_REQUIRED"): S3Client {
  return new S3Client({
    endpoint: "https://s3.eusc-de-east-1.amazonaws.eu",
    region: "eusc-de-east-1",
    forcePathStyle: true,
    credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
    requestChecksumCalculation,
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

type Handler = (command: object) => unknown;

/** Deps whose S3 client signs for real (offline) and answers `send` from the handler. */
function fakeDeps(handler: Handler = () => ({})): UploadDeps & { sent: object[]; newId: ReturnType<typeof vi.fn> } {
  const s3 = client();
  const sent: object[] = [];
  vi.spyOn(s3, "send").mockImplementation((async (command: object) => {
    sent.push(command);
    return handler(command);
  }) as unknown as S3Client["send"]);
  return { s3, sent, newId: vi.fn(() => ID) };
}

const decodePolicy = (policy: string | undefined) =>
  JSON.parse(Buffer.from(policy ?? "", "base64").toString("utf8")) as { expiration: string; conditions: unknown[] };

beforeEach(() => {
  vi.useFakeTimers({ now: NOW, toFake: ["Date"] });
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe("configuration", () => {
  it("applies the defaults: 300 s expiry, data-class tag, 16 MiB parts, multipart limit = maxSizeBytes", () => {
    // Act
    const parsed = parseUploadConfig({
      bucket: "originals",
      allowedContentTypes: ["image/png"],
      maxSizeBytes: 1000,
      kmsKeyArnByDataClass: { identity: IDENTITY_KEY },
    });

    // Assess
    expect(parsed).toEqual({
      bucket: "originals",
      allowedContentTypes: ["image/png"],
      maxSizeBytes: 1000,
      expirySeconds: MAX_EXPIRY_SECONDS,
      kmsKeyArnByDataClass: { identity: IDENTITY_KEY },
      dataClassTagKey: "data-class",
      multipartPartSizeBytes: 16 * MiB,
      multipartMaxSizeBytes: 1000,
    });
  });

  it("accepts an expiry lowered below 300 s", () => {
    // Act
    const parsed = parseUploadConfig({ ...configInput, expirySeconds: 30 });

    // Assess
    expect(parsed.expirySeconds).toBe(30);
  });

  it.each([
    ["an expiry above 300 s", { expirySeconds: 301 }, /expirySeconds must be at most 300/],
    ["an expiry of 0", { expirySeconds: 0 }, /expirySeconds must be at least 1/],
    ["a fractional expiry", { expirySeconds: 1.5 }, /expirySeconds/],
    ["a key id that is not a KMS key ARN", { kmsKeyArnByDataClass: { identity: "1111-2222" } }, /KMS key ARN/],
    [
      "an alias ARN",
      { kmsKeyArnByDataClass: { identity: "arn:aws-eusc:kms:eusc-de-east-1:111122223333:alias/uploads" } },
      /KMS key ARN/,
    ],
    ["no data class", { kmsKeyArnByDataClass: {} }, /at least one data class/],
    ["a content type with parameters", { allowedContentTypes: ["image/png; q=1"] }, /without parameters/],
    ["an upper-case content type", { allowedContentTypes: ["Image/PNG"] }, /lower-case/],
    [
      "parts smaller than S3's 5 MiB minimum",
      { multipartPartSizeBytes: MiB },
      /multipartPartSizeBytes must be at least/,
    ],
    [
      "a multipart limit needing more than 10000 parts",
      { multipartPartSizeBytes: 5 * MiB, multipartMaxSizeBytes: 10_001 * 5 * MiB },
      /more than 10000 parts/,
    ],
    ["an unknown setting", { allowPublicRead: true }, /allowPublicRead/],
  ])("fails with %s", (_, change, message) => {
    // Act
    const attempt = () => parseUploadConfig({ ...configInput, ...change });

    // Assess
    expect(attempt).toThrow(UploadConfigError);
    expect(attempt).toThrow(message);
  });
});

/** One body per request error code, with the field it names. */
const invalidPostBodies: [string, unknown, UploadErrorCode, string][] = [
  ["a body that is not an object", "passport.png", "invalid_body", ""],
  ["a null body", null, "invalid_body", ""],
  ["an array body", [postBody], "invalid_body", ""],
  ["no fileName", { ...postBody, fileName: undefined }, "missing_field", "fileName"],
  [
    "no contentType",
    { contentType: undefined, fileName: "a.png", sizeBytes: 1, dataClass: "identity" },
    "missing_field",
    "contentType",
  ],
  [
    "no sizeBytes",
    { fileName: "a.png", contentType: "image/png", dataClass: "identity" },
    "missing_field",
    "sizeBytes",
  ],
  ["no dataClass", { fileName: "a.png", contentType: "image/png", sizeBytes: 1 }, "missing_field", "dataClass"],
  ["a size given as a string", { ...postBody, sizeBytes: "1000" }, "invalid_type", "sizeBytes"],
  ["a file name given as a number", { ...postBody, fileName: 42 }, "invalid_type", "fileName"],
  ["a client-chosen key", { ...postBody, key: "acme/admin/x" }, "unknown_field", "key"],
  ["a client-chosen tenant", { ...postBody, tenant: "other" }, "unknown_field", "tenant"],
  ["an empty file name", { ...postBody, fileName: "" }, "invalid_file_name", "fileName"],
  [
    "a file name over 255 characters",
    { ...postBody, fileName: `${"a".repeat(252)}.png` },
    "invalid_file_name",
    "fileName",
  ],
  ["a NUL in the file name", { ...postBody, fileName: "a\u0000.png" }, "invalid_file_name", "fileName"],
  ["a newline in the file name", { ...postBody, fileName: "a\r\nX-Injected: 1.png" }, "invalid_file_name", "fileName"],
  [
    "a right-to-left override in the file name",
    { ...postBody, fileName: "invoice\u202egnp.exe" },
    "invalid_file_name",
    "fileName",
  ],
  ["a lone surrogate in the file name", { ...postBody, fileName: "a\ud800.png" }, "invalid_file_name", "fileName"],
  ["a file name that is only a path", { ...postBody, fileName: "../../" }, "invalid_file_name", "fileName"],
  ["a file name of dots", { ...postBody, fileName: ".." }, "invalid_file_name", "fileName"],
  [
    "a content type that is not allowed",
    { ...postBody, contentType: "text/html" },
    "unsupported_content_type",
    "contentType",
  ],
  [
    "a content type with parameters",
    { ...postBody, contentType: "image/png; charset=utf-8" },
    "unsupported_content_type",
    "contentType",
  ],
  ["a size of 0", { ...postBody, sizeBytes: 0 }, "invalid_size", "sizeBytes"],
  ["a negative size", { ...postBody, sizeBytes: -1 }, "invalid_size", "sizeBytes"],
  ["a fractional size", { ...postBody, sizeBytes: 1.5 }, "invalid_size", "sizeBytes"],
  ["a size over the maximum", { ...postBody, sizeBytes: 10 * MiB + 1 }, "size_too_large", "sizeBytes"],
  ["an unknown data class", { ...postBody, dataClass: "secret" }, "unknown_data_class", "dataClass"],
];

describe("request validation (POST)", () => {
  it.each(invalidPostBodies)("fails with %s, issuing nothing", async (_, body, code, field) => {
    // Prepare
    const deps = fakeDeps();

    // Act
    const error = await rejection(issuePresignedPost(deps, config, claims, body));

    // Assess
    expect(error).toBeInstanceOf(UploadRequestError);
    expect(error).toMatchObject({ name: "UploadRequestError", code, field, status: 400 });
    expect(deps.newId).not.toHaveBeenCalled();
    expect(deps.sent).toEqual([]);
  });

  it("reports every problem of one body together", async () => {
    // Act
    const error = (await rejection(
      issuePresignedPost(fakeDeps(), config, claims, {
        fileName: "",
        contentType: "text/html",
        sizeBytes: 0,
        extra: 1,
      }),
    )) as UploadRequestError;

    // Assess
    expect(error.issues.map((i) => [i.code, i.field])).toEqual([
      ["invalid_file_name", "fileName"],
      ["unsupported_content_type", "contentType"],
      ["invalid_size", "sizeBytes"],
      ["missing_field", "dataClass"],
      ["unknown_field", "extra"],
    ]);
    expect(error.toJSON()).toMatchObject({ code: "invalid_file_name", field: "fileName" });
  });

  it("accepts a size equal to the maximum", async () => {
    // Act
    const post = await issuePresignedPost(fakeDeps(), config, claims, { ...postBody, sizeBytes: 10 * MiB });

    // Assess
    expect(decodePolicy(post.fields.Policy).conditions).toContainEqual(["content-length-range", 1, 10 * MiB]);
  });
});

describe("request validation (PUT)", () => {
  it.each([
    ["no Content-MD5", { ...postBody }, "missing_field", "contentMd5"],
    [
      "a Content-MD5 that is not base64",
      { ...putBody, contentMd5: "not base64!" },
      "invalid_content_md5",
      "contentMd5",
    ],
    [
      "a Content-MD5 of the wrong length",
      { ...putBody, contentMd5: Buffer.alloc(20).toString("base64") },
      "invalid_content_md5",
      "contentMd5",
    ],
    [
      "a hex Content-MD5",
      { ...putBody, contentMd5: "0123456789abcdef0123456789abcdef" },
      "invalid_content_md5",
      "contentMd5",
    ],
    [
      "a SHA-256 checksum of the wrong length",
      { ...putBody, checksumSha256: MD5 },
      "invalid_checksum_sha256",
      "checksumSha256",
    ],
    ["a size over the maximum", { ...putBody, sizeBytes: 10 * MiB + 1 }, "size_too_large", "sizeBytes"],
  ] as [string, unknown, UploadErrorCode, string][])("fails with %s, issuing nothing", async (_, body, code, field) => {
    // Prepare
    const deps = fakeDeps();

    // Act
    const error = await rejection(issuePresignedPut(deps, config, claims, body));

    // Assess
    expect(error).toMatchObject({ code, field, status: 400 });
    expect(deps.newId).not.toHaveBeenCalled();
  });
});

describe("claims", () => {
  it.each([
    ["a tenant with a slash", { tenant: "acme/admin", subject: "user-1" }, "tenant"],
    ["a dot-dot tenant", { tenant: "..", subject: "user-1" }, "tenant"],
    ["an empty subject", { tenant: "acme", subject: "" }, "subject"],
    ["a missing subject", { tenant: "acme" } as { tenant: string; subject: string }, "subject"],
    ["a subject with a space", { tenant: "acme", subject: "user 1" }, "subject"],
  ])("fails with %s as a 403, issuing nothing", async (_, badClaims, claim) => {
    // Prepare
    const deps = fakeDeps();

    // Act
    const error = await rejection(issuePresignedPost(deps, config, badClaims, postBody));

    // Assess
    expect(error).toBeInstanceOf(ClaimsError);
    expect(error).toMatchObject({ code: "invalid_claims", status: 403, claim });
    expect(deps.newId).not.toHaveBeenCalled();
  });

  it("fails when the id generator does not produce a UUID v4", async () => {
    // Prepare
    const deps = { ...fakeDeps(), newId: () => "../../x" };

    // Act
    const error = await rejection(issuePresignedPost(deps, config, claims, postBody));

    // Assess
    expect(error).toBeInstanceOf(UploadConfigError);
  });
});

describe("pre-signed POST", () => {
  it("pins exactly these policy conditions", async () => {
    // Act
    const post = await issuePresignedPost(fakeDeps(), config, claims, postBody);

    // Assess
    const policy = decodePolicy(post.fields.Policy);
    expect(policy).toEqual({
      expiration: "2026-01-02T03:09:05Z",
      conditions: [
        ["content-length-range", 1, 1000],
        { "Content-Type": "image/png" },
        { "Content-Disposition": `attachment; filename="passport.png"; filename*=UTF-8''passport.png` },
        { "x-amz-server-side-encryption": "aws:kms" },
        { "x-amz-server-side-encryption-aws-kms-key-id": IDENTITY_KEY },
        { "x-amz-meta-original-name": "passport.png" },
        { "x-amz-meta-data-class": "identity" },
        { bucket: "originals" },
        { "X-Amz-Algorithm": "AWS4-HMAC-SHA256" },
        { "X-Amz-Credential": "AKIDEXAMPLE/20260102/eusc-de-east-1/s3/aws4_request" },
        { "X-Amz-Date": "20260102T030405Z" },
        { key: KEY },
      ],
    });
  });

  it("returns the URL, the form fields, the key and the expiry", async () => {
    // Act
    const post = await issuePresignedPost(fakeDeps(), config, claims, postBody);

    // Assess
    expect(post).toMatchObject({
      method: "POST",
      url: "https://s3.eusc-de-east-1.amazonaws.eu/originals",
      bucket: "originals",
      key: KEY,
      expiresAt: "2026-01-02T03:09:05Z",
    });
    expect(post.fields).toMatchObject({
      key: KEY,
      "Content-Type": "image/png",
      "x-amz-server-side-encryption": "aws:kms",
      "x-amz-server-side-encryption-aws-kms-key-id": IDENTITY_KEY,
    });
    expect(Object.keys(post.fields)).toEqual(expect.arrayContaining(["Policy", "X-Amz-Signature"]));
  });

  it("keeps the client's path and name out of the key", async () => {
    // Act
    const post = await issuePresignedPost(fakeDeps(), config, claims, {
      ...postBody,
      fileName: "../../other-tenant/${filename}/evil.png",
    });

    // Assess
    expect(post.key).toBe(KEY);
    expect(post.fields["Content-Disposition"]).toBe(`attachment; filename="evil.png"; filename*=UTF-8''evil.png`);
    expect(JSON.stringify(decodePolicy(post.fields.Policy).conditions)).not.toContain("starts-with");
  });

  it("uses the data class's key and names the class in metadata, not in a tag (a tag needs s3:PutObjectTagging, denied to browsers)", async () => {
    // Act
    const post = await issuePresignedPost(fakeDeps(), config, claims, { ...postBody, dataClass: "avatar" });

    // Assess
    expect(post.fields["x-amz-server-side-encryption-aws-kms-key-id"]).toBe(AVATAR_KEY);
    expect(post.fields["x-amz-meta-data-class"]).toBe("avatar");
    expect(Object.keys(post.fields).map((k) => k.toLowerCase())).not.toContain("tagging");
  });

  it("pins the declared content type in lower case", async () => {
    // Act
    const post = await issuePresignedPost(fakeDeps(), config, claims, { ...postBody, contentType: "Image/PNG" });

    // Assess
    expect(decodePolicy(post.fields.Policy).conditions).toContainEqual({ "Content-Type": "image/png" });
  });

  it("expires after the configured, lower expiry", async () => {
    // Act
    const post = await issuePresignedPost(fakeDeps(), { ...config, expirySeconds: 60 }, claims, postBody);

    // Assess
    expect(decodePolicy(post.fields.Policy).expiration).toBe("2026-01-02T03:05:05Z");
  });
});

describe("pre-signed PUT", () => {
  it("signs the key, type, length, checksums, encryption, disposition and metadata into the URL, and no tag", async () => {
    // Act
    const put = await issuePresignedPut(fakeDeps(), config, claims, { ...putBody, checksumSha256: SHA256 });

    // Assess
    const url = new URL(put.url);
    expect(url.origin + url.pathname).toBe(`https://s3.eusc-de-east-1.amazonaws.eu/originals/${KEY}`);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("300");
    expect(url.searchParams.get("X-Amz-Date")).toBe("20260102T030405Z");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe(
      "content-disposition;content-length;content-md5;content-type;host;x-amz-checksum-sha256;x-amz-meta-data-class;x-amz-meta-original-name;x-amz-server-side-encryption;x-amz-server-side-encryption-aws-kms-key-id",
    );
    expect([...url.searchParams.keys()].filter((k) => /checksum|tagging|server-side|meta/i.test(k))).toEqual([]);
    expect(put).toMatchObject({ method: "PUT", bucket: "originals", key: KEY, expiresAt: "2026-01-02T03:09:05Z" });
    expect(put.headers).toEqual({
      "Content-Type": "image/png",
      "Content-Length": "1000",
      "Content-MD5": MD5,
      "x-amz-checksum-sha256": SHA256,
      "Content-Disposition": `attachment; filename="passport.png"; filename*=UTF-8''passport.png`,
      "x-amz-server-side-encryption": "aws:kms",
      "x-amz-server-side-encryption-aws-kms-key-id": IDENTITY_KEY,
      "x-amz-meta-original-name": "passport.png",
      "x-amz-meta-data-class": "identity",
    });
  });

  it("signs Content-MD5 without a SHA-256 checksum", async () => {
    // Act
    const put = await issuePresignedPut(fakeDeps(), config, claims, putBody);

    // Assess
    expect(new URL(put.url).searchParams.get("X-Amz-SignedHeaders")).toContain("content-md5");
    expect(put.headers).not.toHaveProperty("x-amz-checksum-sha256");
  });

  it("refuses to hand out a URL carrying the SDK's default CRC32 of an empty body", async () => {
    // Prepare
    const deps = { s3: client("WHEN_SUPPORTED"), newId: () => ID };

    // Act
    const error = await rejection(issuePresignedPut(deps, config, claims, putBody));

    // Assess
    expect(error).toBeInstanceOf(UploadConfigError);
    expect(String(error)).toMatch(/WHEN_REQUIRED/);
  });
});

describe("pure helpers", () => {
  it("sanitises a file name to its last segment without quotes, backslashes or leading dots", () => {
    // Act
    const names = [
      "C:\\Users\\me\\photo.png",
      "../..//x/.hidden",
      'a"b.png',
      "  spaced.png  ",
      "é".normalize("NFD"),
    ].map(sanitiseFileName);

    // Assess
    expect(names).toEqual(["photo.png", "hidden", "a_b.png", "spaced.png", "é".normalize("NFC")]);
  });

  it("writes an ASCII fallback and the UTF-8 form into Content-Disposition", () => {
    // Act
    const disposition = contentDisposition("Ärger; 100% (final)'s.pdf");

    // Assess
    expect(disposition).toBe(
      `attachment; filename="_rger_ 100_ (final)'s.pdf"; filename*=UTF-8''%C3%84rger%3B%20100%25%20%28final%29%27s.pdf`,
    );
  });

  it("splits a size into full parts and a remainder", () => {
    // Act
    const lengths = [partLengths(1, 5), partLengths(10, 5), partLengths(11, 5)];

    // Assess
    expect(lengths).toEqual([[1], [5, 5], [5, 5, 1]]);
  });
});

const multipartBody = {
  fileName: "scan.pdf",
  contentType: "application/pdf",
  sizeBytes: 12 * MiB,
  dataClass: "identity",
};
const etag = (n: number) => `"etag-${n}"`;

function multipartServer(
  parts: { PartNumber: number; Size: number }[],
  tags: { Key: string; Value: string }[] = [{ Key: "data-class", Value: "identity" }],
): Handler {
  return (command) => {
    if (command instanceof CreateMultipartUploadCommand) return { UploadId: "upload-1" };
    if (command instanceof ListPartsCommand)
      return { Parts: parts.map((p) => ({ ...p, ETag: etag(p.PartNumber) })), IsTruncated: false };
    if (command instanceof GetObjectTaggingCommand) return { TagSet: tags };
    if (command instanceof HeadObjectCommand) return { Metadata: { "data-class": "identity" } };
    return {};
  };
}

describe("multipart", () => {
  it("creates the upload with type, disposition, SSE-KMS key, tag and metadata, and signs each part's exact length", async () => {
    // Prepare
    const deps = fakeDeps(multipartServer([]));

    // Act
    const upload = await createMultipartUpload(deps, config, claims, multipartBody);

    // Assess
    expect(deps.sent).toHaveLength(1);
    expect((deps.sent[0] as CreateMultipartUploadCommand).input).toEqual({
      Bucket: "originals",
      Key: KEY,
      ContentType: "application/pdf",
      ContentDisposition: `attachment; filename="scan.pdf"; filename*=UTF-8''scan.pdf`,
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: IDENTITY_KEY,
      Tagging: "data-class=identity",
      Metadata: { "original-name": "scan.pdf", "data-class": "identity" },
    });
    expect(upload).toMatchObject({
      key: KEY,
      uploadId: "upload-1",
      partSizeBytes: 5 * MiB,
      partCount: 3,
      expiresAt: "2026-01-02T03:09:05Z",
    });
    expect(upload.parts.map((p) => p.headers)).toEqual([
      { "Content-Length": String(5 * MiB) },
      { "Content-Length": String(5 * MiB) },
      { "Content-Length": String(2 * MiB) },
    ]);
    for (const [i, part] of upload.parts.entries()) {
      const url = new URL(part.url);
      expect(url.pathname).toBe(`/originals/${KEY}`);
      expect(url.searchParams.get("partNumber")).toBe(String(i + 1));
      expect(url.searchParams.get("uploadId")).toBe("upload-1");
      expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-length;host");
    }
  });

  it("refuses a size over the multipart maximum without creating anything", async () => {
    // Prepare
    const deps = fakeDeps(multipartServer([]));

    // Act
    const error = await rejection(
      createMultipartUpload(deps, config, claims, { ...multipartBody, sizeBytes: 100 * MiB + 1 }),
    );

    // Assess
    expect(error).toMatchObject({ code: "size_too_large", field: "sizeBytes" });
    expect(deps.sent).toEqual([]);
  });

  it("re-issues part URLs for an upload in scope", async () => {
    // Prepare
    const deps = fakeDeps(multipartServer([{ PartNumber: 1, Size: 5 * MiB }]));

    // Act
    const parts = await presignUploadParts(deps, config, claims, {
      key: KEY,
      uploadId: "upload-1",
      sizeBytes: 12 * MiB,
      partNumbers: [2, 3],
    });

    // Assess
    expect(parts.parts.map((p) => [p.partNumber, p.headers["Content-Length"]])).toEqual([
      [2, String(5 * MiB)],
      [3, String(2 * MiB)],
    ]);
  });

  it.each([
    ["a key of another subject", { key: `acme/user-2/${ID}` }, "key_out_of_scope", "key", 403],
    ["a key of another tenant", { key: `globex/user-1/${ID}` }, "key_out_of_scope", "key", 403],
    ["a key this service did not issue", { key: "acme/user-1/../../x" }, "invalid_key", "key", 400],
    ["a malformed upload id", { uploadId: "" }, "invalid_upload_id", "uploadId", 400],
    ["a part number beyond the declared size", { partNumbers: [4] }, "invalid_parts", "partNumbers", 400],
    ["a repeated part number", { partNumbers: [1, 1] }, "invalid_parts", "partNumbers", 400],
    ["part number 0", { partNumbers: [0] }, "invalid_parts", "partNumbers.0", 400],
  ] as [string, object, UploadErrorCode, string, number][])(
    "refuses part URLs for %s",
    async (_, change, code, field, status) => {
      // Prepare
      const deps = fakeDeps(multipartServer([]));

      // Act
      const error = await rejection(
        presignUploadParts(deps, config, claims, {
          key: KEY,
          uploadId: "upload-1",
          sizeBytes: 12 * MiB,
          partNumbers: [1],
          ...change,
        }),
      );

      // Assess
      expect(error).toMatchObject({ code, field, status });
    },
  );

  it("answers an unknown upload with unknown_upload (404)", async () => {
    // Prepare
    const deps = fakeDeps(() => {
      throw new S3ServiceException({ name: "NoSuchUpload", $fault: "client", $metadata: { httpStatusCode: 404 } });
    });

    // Act
    const error = await rejection(
      presignUploadParts(deps, config, claims, { key: KEY, uploadId: "gone", sizeBytes: 12 * MiB, partNumbers: [1] }),
    );

    // Assess
    expect(error).toMatchObject({ code: "unknown_upload", field: "uploadId", status: 404 });
  });

  it("completes when the named parts are exactly the uploaded ones, keeping the tag S3 applied", async () => {
    // Prepare
    const deps = fakeDeps(
      multipartServer([
        { PartNumber: 1, Size: 5 * MiB },
        { PartNumber: 2, Size: 5 * MiB },
        { PartNumber: 3, Size: 2 * MiB },
      ]),
    );
    const parts = [1, 2, 3].map((n) => ({ partNumber: n, eTag: etag(n) }));

    // Act
    const done = await completeMultipartUpload(deps, config, claims, { key: KEY, uploadId: "upload-1", parts });

    // Assess
    expect(done).toEqual({ bucket: "originals", key: KEY, sizeBytes: 12 * MiB, partCount: 3 });
    const complete = deps.sent.find(
      (c) => c instanceof CompleteMultipartUploadCommand,
    ) as CompleteMultipartUploadCommand;
    expect(complete.input.MultipartUpload?.Parts).toEqual(
      parts.map((p) => ({ PartNumber: p.partNumber, ETag: p.eTag })),
    );
    expect(deps.sent.some((c) => c instanceof PutObjectTaggingCommand)).toBe(false);
  });

  it("restores the data-class tag from metadata when the server dropped the upload's tagging (Ceph RGW)", async () => {
    // Prepare
    const deps = fakeDeps(multipartServer([{ PartNumber: 1, Size: 1000 }], [{ Key: "other", Value: "kept" }]));

    // Act
    await completeMultipartUpload(deps, config, claims, {
      key: KEY,
      uploadId: "upload-1",
      parts: [{ partNumber: 1, eTag: etag(1) }],
    });

    // Assess
    const tagging = deps.sent.find((c) => c instanceof PutObjectTaggingCommand) as PutObjectTaggingCommand;
    expect(tagging.input.Tagging?.TagSet).toEqual([
      { Key: "other", Value: "kept" },
      { Key: "data-class", Value: "identity" },
    ]);
  });

  it.each([
    ["a different ETag", [{ partNumber: 1, eTag: '"forged"' }], "parts.0.eTag"],
    [
      "a part that was not uploaded",
      [
        { partNumber: 1, eTag: etag(1) },
        { partNumber: 2, eTag: etag(2) },
        { partNumber: 3, eTag: etag(3) },
      ],
      "parts.2.partNumber",
    ],
    ["a gap in the part numbers", [{ partNumber: 2, eTag: etag(2) }], "parts.0.partNumber"],
    [
      "parts out of order",
      [
        { partNumber: 2, eTag: etag(2) },
        { partNumber: 1, eTag: etag(1) },
      ],
      "parts",
    ],
    ["fewer parts than uploaded", [{ partNumber: 1, eTag: etag(1) }], "parts"],
  ])("refuses to complete with %s", async (_, parts, field) => {
    // Prepare
    const deps = fakeDeps(
      multipartServer([
        { PartNumber: 1, Size: 5 * MiB },
        { PartNumber: 2, Size: 1000 },
      ]),
    );

    // Act
    const error = await rejection(
      completeMultipartUpload(deps, config, claims, { key: KEY, uploadId: "upload-1", parts }),
    );

    // Assess
    expect(error).toMatchObject({ code: "invalid_parts", field });
    expect(deps.sent.some((c) => c instanceof CompleteMultipartUploadCommand)).toBe(false);
  });

  it("refuses to complete when a non-final part is not the configured part size", async () => {
    // Prepare
    const deps = fakeDeps(
      multipartServer([
        { PartNumber: 1, Size: 6 * MiB },
        { PartNumber: 2, Size: 1000 },
      ]),
    );

    // Act
    const error = await rejection(
      completeMultipartUpload(deps, config, claims, {
        key: KEY,
        uploadId: "upload-1",
        parts: [1, 2].map((n) => ({ partNumber: n, eTag: etag(n) })),
      }),
    );

    // Assess
    expect(error).toMatchObject({ code: "invalid_parts", field: "parts.0.partNumber" });
  });

  it("aborts and refuses an upload whose parts exceed the multipart maximum", async () => {
    // Prepare
    const small = { ...config, multipartMaxSizeBytes: 6 * MiB };
    const deps = fakeDeps(
      multipartServer([
        { PartNumber: 1, Size: 5 * MiB },
        { PartNumber: 2, Size: 2 * MiB },
      ]),
    );

    // Act
    const error = await rejection(
      completeMultipartUpload(deps, small, claims, {
        key: KEY,
        uploadId: "upload-1",
        parts: [1, 2].map((n) => ({ partNumber: n, eTag: etag(n) })),
      }),
    );

    // Assess
    expect(error).toMatchObject({ code: "size_too_large", field: "parts" });
    expect(deps.sent.some((c) => c instanceof AbortMultipartUploadCommand)).toBe(true);
    expect(deps.sent.some((c) => c instanceof CompleteMultipartUploadCommand)).toBe(false);
  });

  it("refuses to complete another subject's upload without calling S3", async () => {
    // Prepare
    const deps = fakeDeps(multipartServer([]));

    // Act
    const error = await rejection(
      completeMultipartUpload(deps, config, claims, {
        key: `acme/user-2/${ID}`,
        uploadId: "upload-1",
        parts: [{ partNumber: 1, eTag: etag(1) }],
      }),
    );

    // Assess
    expect(error).toMatchObject({ code: "key_out_of_scope", status: 403 });
    expect(deps.sent).toEqual([]);
  });
});
