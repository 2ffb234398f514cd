/**
 * The read path through a real S3 server (Ceph RADOS Gateway, DESIGN.md §7) and real STS: the
 * download handler runs as a gateway role with exactly the stack's grant (GET on the clean bucket's
 * objects, ListBucket on it), lists the caller's own clean objects and signs GETs that a browser
 * then uses. Every "refused" below is the function's answer or the server's: another subject's,
 * another tenant's, a quarantined or an original object is never served; an expired or altered URL
 * is refused by the server.
 *
 * The same function as the commercial standby (PSEUDONYM_DOMAIN=standby, docs/cross-partition.md §7):
 * as its own gateway role, with the standby stack's grant (GET and list of the failover bucket only),
 * it serves a replica named by the caller's standby pseudonym, and refuses another subject's, another
 * tenant's, a missing replica and one named by the sovereign pseudonym.
 */
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { castNames } from "../../test/authz/recorder";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { assumeRole, createRole } from "../../test/s3/sts";
import type { HttpApiEvent, HttpApiResult } from "../shared/http-api";
import { createLogger } from "../shared/logger";
import { localMac, Pseudonyms, STANDBY_DOMAIN } from "../shared/pseudonym";
import { downloadPseudonyms, parseDownloadEnv, s3ClientFromEnv } from "./env";
import { createDownloadHandler } from "./handler";

const CLEAN_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/77777777-7777-4888-9999-000000000000";
const ORIGINALS_KEY = "arn:aws-eusc:kms:eusc-de-east-1:111122223333:key/66666666-7777-4888-9999-000000000000";
const FAILOVER_KEY = "arn:aws:kms:eu-central-1:444455556666:key/88888888-7777-4888-9999-000000000000";
const CLEAN = "read-clean";
const ORIGINALS = "read-originals";
const FAILOVER = "read-failover";
const ROLE = "example-download-function";
const STANDBY_ROLE = "example-standby-download-function";
const gateway = useRadosGateway({
  name: "download",
  region: "eusc-de-east-1",
  kmsKeys: [CLEAN_KEY, ORIGINALS_KEY, FAILOVER_KEY],
  sts: true,
});

const pseudonyms = new Pseudonyms(localMac(Buffer.alloc(32, 9)));
/** The standby key's material (the same in both partitions), and the names the sync gives replicas. */
const STANDBY_MAC = localMac(Buffer.alloc(32, 4));
const standbyNames = new Pseudonyms(STANDBY_MAC, undefined, STANDBY_DOMAIN);
const ids = {
  mine: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a21",
  mine2: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a22",
  replica: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a31",
  replicaOtherSubject: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a32",
  replicaOtherTenant: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a33",
  replicaSovereignName: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a34",
  replicaMissing: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a35",
  otherSubject: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a23",
  otherTenant: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a24",
  quarantined: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a25",
  originalOnly: "0b0c5a9e-3c1d-4f2e-9a8b-7c6d5e4f3a26",
};
const png = Buffer.concat([Buffer.from("89504e470d0a1a0a", "hex"), Buffer.alloc(200, 7)]);

let admin: S3Client;
let functionClient: S3Client;
let handlerFor: (expirySeconds: number, now?: () => Date) => (event: unknown) => Promise<HttpApiResult>;
let standbyFor: (expirySeconds: number, now?: () => Date) => (event: unknown) => Promise<HttpApiResult>;

function event(claims: Record<string, string>, id?: string, query?: Record<string, string>): HttpApiEvent {
  const path = id === undefined ? "/v1/objects" : `/v1/objects/${id}`;
  return {
    version: "2.0",
    routeKey: id === undefined ? "GET /v1/objects" : "GET /v1/objects/{id}",
    rawPath: path,
    ...(id === undefined ? {} : { pathParameters: { id } }),
    ...(query === undefined ? {} : { queryStringParameters: query }),
    requestContext: {
      requestId: "r-1",
      http: { method: "GET", path },
      authorizer: { jwt: { claims: { iss: "https://idp.example", aud: "app", ...claims } } },
    },
  };
}

const alice = { tenant: "acme", sub: "alice@example.org" };
const bob = { tenant: "acme", sub: "bob@example.org" };
const carol = { tenant: "other", sub: "carol@example.org" };
const body = (r: HttpApiResult) => JSON.parse(r.body);

async function put(bucket: string, key: string, kmsKey: string): Promise<void> {
  await admin.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: png,
      ContentType: "image/png",
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: kmsKey,
    }),
  );
}

beforeAll(async () => {
  const g = gateway();
  admin = g.client();
  castNames({
    buckets: {
      [CLEAN]: "example-avatars-clean-111111111111",
      [ORIGINALS]: "example-avatars-original-111111111111",
      [FAILOVER]: "example-avatars-clean-failover-222222222222",
    },
    keys: {
      [CLEAN_KEY]: "aws_kms_key.sovereign-key-avatars-clean_key",
      [ORIGINALS_KEY]: "aws_kms_key.sovereign-key-avatars-original_key",
      [FAILOVER_KEY]: "aws_kms_key.commercial-key-avatars-clean_key",
    },
    tenants: { acme: "acme-health", other: "bergstadt" },
  });
  for (const bucket of [CLEAN, ORIGINALS, FAILOVER]) await admin.send(new CreateBucketCommand({ Bucket: bucket }));
  const p = (claims: { tenant: string; sub: string }) => pseudonyms.of(claims.tenant, claims.sub);
  await put(CLEAN, `acme/${await p(alice)}/${ids.mine}`, CLEAN_KEY);
  await put(CLEAN, `acme/${await p(alice)}/${ids.mine2}`, CLEAN_KEY);
  await put(CLEAN, `acme/${await p(alice)}/not-an-upload`, CLEAN_KEY);
  await put(CLEAN, `acme/${await p(bob)}/${ids.otherSubject}`, CLEAN_KEY);
  await put(CLEAN, `other/${await p(carol)}/${ids.otherTenant}`, CLEAN_KEY);
  await put(ORIGINALS, `quarantine/acme/${await p(alice)}/${ids.quarantined}`, ORIGINALS_KEY);
  await put(ORIGINALS, `acme/${await p(alice)}/${ids.originalOnly}`, ORIGINALS_KEY);
  // Replicas as the sync names them: by the standby pseudonym (and one by the sovereign one, which must not serve).
  const s = (claims: { tenant: string; sub: string }) => standbyNames.of(claims.tenant, claims.sub);
  await put(FAILOVER, `acme/${await s(alice)}/${ids.replica}`, FAILOVER_KEY);
  await put(FAILOVER, `acme/${await s(bob)}/${ids.replicaOtherSubject}`, FAILOVER_KEY);
  await put(FAILOVER, `other/${await s(carol)}/${ids.replicaOtherTenant}`, FAILOVER_KEY);
  await put(FAILOVER, `acme/${await p(alice)}/${ids.replicaSovereignName}`, FAILOVER_KEY);
  // The function's role with the stack's grant, enforced by the gateway.
  const role = await createRole(g, ROLE, {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${CLEAN}/*`] },
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [`arn:aws:s3:::${CLEAN}`] },
    ],
  });
  const credentials = await assumeRole(g, role, ROLE, 3600);
  const settingsFor = (expirySeconds: number) =>
    parseDownloadEnv({
      CLEAN_BUCKET: CLEAN,
      EXPIRY_SECONDS: String(expirySeconds),
      PSEUDONYMIZE_SUBJECTS: "true",
      PSEUDONYM_KEY_ID: "alias/example/subject-pseudonyms",
      S3_ENDPOINT: g.endpoint,
      AWS_REGION: g.region,
    });
  functionClient = s3ClientFromEnv(settingsFor(300).env, async () => credentials);
  const logger = createLogger("download-test", { level: "error" });
  handlerFor = (expirySeconds, now) =>
    createDownloadHandler({
      s3: functionClient,
      settings: settingsFor(expirySeconds),
      pseudonyms,
      logger,
      ...(now === undefined ? {} : { now }),
    });
  // The standby's role with the standby stack's grant: the failover bucket's objects and listing, nothing else.
  const standbyRole = await createRole(g, STANDBY_ROLE, {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: [`arn:aws:s3:::${FAILOVER}/*`] },
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [`arn:aws:s3:::${FAILOVER}`] },
    ],
  });
  const standbyCredentials = await assumeRole(g, standbyRole, STANDBY_ROLE, 3600);
  const standbySettingsFor = (expirySeconds: number) =>
    parseDownloadEnv({
      CLEAN_BUCKET: FAILOVER,
      EXPIRY_SECONDS: String(expirySeconds),
      PSEUDONYM_DOMAIN: "standby",
      PSEUDONYM_KEY_ID: "alias/example/standby-pseudonyms",
      S3_ENDPOINT: g.endpoint,
      AWS_REGION: g.region,
    });
  const standbyClient = s3ClientFromEnv(standbySettingsFor(300).env, async () => standbyCredentials);
  standbyFor = (expirySeconds, now) => {
    const settings = standbySettingsFor(expirySeconds);
    return createDownloadHandler({
      s3: standbyClient,
      settings,
      // What the environment selects (the standby domain), under the standby key's material.
      pseudonyms: downloadPseudonyms(settings, STANDBY_MAC),
      logger,
      ...(now === undefined ? {} : { now }),
    });
  };
});

describe("GET /v1/objects/{id}", () => {
  it("signs a GET of the caller's own clean object that a browser can use, within the configured lifetime", async () => {
    // Act
    const result = await handlerFor(120)(event(alice, ids.mine));
    // Assess
    expect(result.statusCode).toBe(200);
    const issued = body(result);
    expect(issued).toMatchObject({ method: "GET", id: ids.mine, sizeBytes: png.length, contentType: "image/png" });
    expect(new URL(issued.url).searchParams.get("X-Amz-Expires")).toBe("120");
    expect(new URL(issued.url).pathname).toMatch(new RegExp(`/${CLEAN}/acme/[0-9a-f]{32}/${ids.mine}$`));
    expect(issued.url).not.toContain("alice");
    const response = await fetch(issued.url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(png);
  });

  it.each([
    ["another subject's object of the same tenant", alice, ids.otherSubject],
    ["another tenant's object", alice, ids.otherTenant],
    ["a quarantined upload", alice, ids.quarantined],
    ["an original not yet scrubbed", alice, ids.originalOnly],
    ["the caller's object, asked for by another tenant's token", carol, ids.mine],
    ["the caller's object, asked for by another subject's token", bob, ids.mine],
  ])("answers 404 for %s", async (_what, claims, id) => {
    // Act
    const result = await handlerFor(300)(event(claims, id));
    // Assess
    expect(result.statusCode).toBe(404);
    expect(body(result).error.code).toBe("unknown_object");
  });

  it("refuses what is not an object ID before any S3 call", async () => {
    for (const id of ["..", "not-an-upload", `${ids.mine}/..`, "%2e%2e"]) {
      const result = await handlerFor(300)(event(alice, id));
      expect([result.statusCode, body(result).error.code]).toEqual([400, "invalid_object_id"]);
    }
  });

  it("is refused by the server once the URL has expired", async () => {
    // Prepare: signed 5 s ago with a 1 s lifetime (no sleeping).
    const expired = body(await handlerFor(1, () => new Date(Date.now() - 5000))(event(alice, ids.mine)));
    // Act
    const response = await fetch(expired.url);
    // Assess
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/AccessDenied|expired/i);
  });

  it("is refused by the server when the URL is altered to another key", async () => {
    // Prepare
    const issued = body(await handlerFor(300)(event(alice, ids.mine)));
    const altered = issued.url.replace(ids.mine, ids.mine2);
    // Act
    const response = await fetch(altered);
    // Assess
    expect(response.status).toBe(403);
    expect(await response.text()).toContain("SignatureDoesNotMatch");
  });
});

describe("GET /v1/objects", () => {
  it("lists the caller's own clean objects only, by ID, page by page", async () => {
    // Act
    const first = await handlerFor(300)(event(alice, undefined, { limit: "1" }));
    const firstPage = body(first);
    const second = body(await handlerFor(300)(event(alice, undefined, { limit: "1", cursor: firstPage.nextCursor })));
    // Assess
    expect(first.statusCode).toBe(200);
    expect(firstPage.objects.map((o: { id: string }) => o.id)).toEqual([ids.mine]);
    expect(firstPage.nextCursor).toEqual(expect.any(String));
    expect(second.objects.map((o: { id: string }) => o.id)).toEqual([ids.mine2]);
    const all = body(await handlerFor(300)(event(alice)));
    expect(all).toEqual({
      objects: [
        { id: ids.mine, sizeBytes: png.length, lastModified: expect.any(String) },
        { id: ids.mine2, sizeBytes: png.length, lastModified: expect.any(String) },
      ],
    });
    expect(body(await handlerFor(300)(event(carol))).objects.map((o: { id: string }) => o.id)).toEqual([
      ids.otherTenant,
    ]);
  });

  it("refuses unknown or malformed query parameters", async () => {
    const queries: Record<string, string>[] = [
      { limit: "0" },
      { limit: "1001" },
      { limit: "1e2" },
      { prefix: "other/" },
      { cursor: "a b" },
    ];
    for (const query of queries) {
      const result = await handlerFor(300)(event(alice, undefined, query));
      expect([result.statusCode, body(result).error.code]).toEqual([400, "invalid_query"]);
    }
  });
});

describe("as the commercial standby (PSEUDONYM_DOMAIN=standby, over the failover bucket)", () => {
  it("serves the caller's replica, named by their standby pseudonym, to a browser", async () => {
    // Act
    const result = await standbyFor(120)(event(alice, ids.replica));
    // Assess
    expect(result.statusCode).toBe(200);
    const issued = body(result);
    expect(issued).toMatchObject({ method: "GET", id: ids.replica, sizeBytes: png.length, contentType: "image/png" });
    expect(new URL(issued.url).pathname).toBe(
      `/${FAILOVER}/acme/${await standbyNames.of(alice.tenant, alice.sub)}/${ids.replica}`,
    );
    const response = await fetch(issued.url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(png);
  });

  it("lists the caller's replicas only", async () => {
    expect(body(await standbyFor(300)(event(alice))).objects.map((o: { id: string }) => o.id)).toEqual([ids.replica]);
  });

  it.each([
    ["another subject's replica of the same tenant", alice, ids.replicaOtherSubject],
    ["another tenant's replica", alice, ids.replicaOtherTenant],
    ["an object named by the sovereign pseudonym", alice, ids.replicaSovereignName],
    ["a replica that does not exist", alice, ids.replicaMissing],
    ["the caller's replica, asked for by another subject's token", bob, ids.replica],
    ["the caller's replica, asked for by another tenant's token", carol, ids.replica],
    ["a sovereign clean object (the standby reads the failover bucket only)", alice, ids.mine],
  ])("answers 404 for %s", async (_what, claims, id) => {
    // Act
    const result = await standbyFor(300)(event(claims, id));
    // Assess
    expect([result.statusCode, body(result).error.code]).toEqual([404, "unknown_object"]);
  });

  it("is refused by the server once the URL has expired", async () => {
    // Prepare: signed 5 s ago with a 1 s lifetime.
    const expired = body(await standbyFor(1, () => new Date(Date.now() - 5000))(event(alice, ids.replica)));
    // Act
    const response = await fetch(expired.url);
    // Assess
    expect(response.status).toBe(403);
    expect(await response.text()).toMatch(/AccessDenied|expired/i);
  });
});
