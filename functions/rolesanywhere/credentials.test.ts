import { HeadBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { arn, PARTITIONS } from "../../config/partitions";
import {
  CreateSessionError,
  createSession,
  fileSigningMaterialLoader,
  fromRolesAnywhere,
  type RolesAnywhereProviderOptions,
  type SessionEvent,
} from "./credentials";
import type { SigningMaterialInput } from "./signer";
import { createTestPki, issue, type TestIdentity } from "../../test/support/rolesanywhere/pki";
import { type FakeRolesAnywhere, startFakeRolesAnywhere } from "../../test/support/rolesanywhere/fake-server";

const commercial = PARTITIONS.aws;
const session = {
  trustAnchorArn: arn(commercial, {
    service: "rolesanywhere",
    region: "eu-central-1",
    account: "111122223333",
    resource: "trust-anchor/ta-1",
  }),
  profileArn: arn(commercial, {
    service: "rolesanywhere",
    region: "eu-central-1",
    account: "111122223333",
    resource: "profile/p-1",
  }),
  roleArn: arn(commercial, { service: "iam", account: "111122223333", resource: "role/SovereignSyncRole" }),
  region: "eu-central-1",
};

let pki: ReturnType<typeof createTestPki>;
let leaf: TestIdentity;
let ecLeaf: TestIdentity;
let clock: number;
let server: FakeRolesAnywhere;

beforeAll(() => {
  pki = createTestPki();
  leaf = issue({ commonName: "eusc-sync-lambda" }, pki.intermediate2);
  ecLeaf = issue({ commonName: "eusc-sync-lambda-ec", keyType: "ec" }, pki.root);
});

beforeEach(async () => {
  clock = Date.parse("2026-03-01T10:00:00Z");
  server = await startFakeRolesAnywhere({ trustedRoots: [pki.root.certificate], now: () => clock });
});

afterEach(async () => {
  await server.close();
});

const materialOf = (identity: TestIdentity, intermediates?: string): SigningMaterialInput => ({
  certificate: identity.certificatePem,
  privateKey: identity.privateKeyPem,
  intermediates,
});
const chain = () => `${pki.intermediate2.certificatePem}${pki.intermediate1.certificatePem}`;

function provider(overrides: Partial<RolesAnywhereProviderOptions> = {}) {
  return fromRolesAnywhere({
    ...session,
    endpoint: server.url,
    loadSigningMaterial: () => materialOf(leaf, chain()),
    now: () => clock,
    ...overrides,
  });
}

describe("createSession", () => {
  it("sends a request the endpoint verifies and returns the credentials of credentialSet[0]", async () => {
    // Act
    const result = await createSession(
      { ...session, endpoint: server.url, durationSeconds: 900 },
      materialOf(leaf, chain()),
      new Date(clock),
    );

    // Assess
    expect(server.rejected).toEqual([]);
    expect(server.verified).toHaveLength(1);
    expect(server.verified[0]?.chainLength).toBe(2);
    expect(server.verified[0]?.rawBody).toBe(result.request.body);
    expect(server.verified[0]?.body).toEqual({
      durationSeconds: 900,
      profileArn: session.profileArn,
      roleArn: session.roleArn,
      trustAnchorArn: session.trustAnchorArn,
    });
    expect(result.credentials).toEqual({
      accessKeyId: "ASIATEST00000001",
      secretAccessKey: "secret-1",
      sessionToken: `token-1-${BigInt(`0x${leaf.certificate.serialNumber}`)}`,
      expiration: new Date(clock + 900_000),
    });
    expect(result.expirationText).toBe(new Date(clock + 900_000).toISOString());
  });

  it("signs with ECDSA for an EC key and the endpoint verifies it", async () => {
    // Act
    await createSession({ ...session, endpoint: server.url }, materialOf(ecLeaf), new Date(clock));

    // Assess
    expect(server.rejected).toEqual([]);
    expect(server.verified[0]?.algorithm).toBe("AWS4-X509-ECDSA-SHA256");
  });

  it("raises CreateSessionError with the status and the service's message", async () => {
    // Prepare
    const untrusted = issue({ commonName: "someone-else" }, issue({ commonName: "Other CA", ca: true }));

    // Act
    const error = await createSession({ ...session, endpoint: server.url }, materialOf(untrusted)).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(CreateSessionError);
    expect(error).toMatchObject({
      name: "CreateSessionError",
      status: 403,
      errorType: "AccessDeniedException",
      serviceMessage: "test endpoint rejected the request: untrusted certificate",
    });
    expect((error as Error).message).toMatch(
      /CreateSession at http:\/\/127\.0\.0\.1:\d+\/sessions failed \(HTTP 403 AccessDeniedException\): test endpoint rejected/,
    );
  });

  it("raises CreateSessionError without status when nothing answers", async () => {
    // Prepare
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));

    // Act
    const error = await createSession(
      { ...session, endpoint: `http://127.0.0.1:${port}` },
      materialOf(leaf, chain()),
    ).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(CreateSessionError);
    expect(error).toMatchObject({ status: undefined });
    expect((error as Error).message).toMatch(/failed \(no response\): .*ECONNREFUSED/);
  });

  it("raises CreateSessionError when the answer takes longer than timeoutMs", async () => {
    // Prepare
    server.setDelay(2000);

    // Act
    const error = await createSession(
      { ...session, endpoint: server.url, timeoutMs: 100 },
      materialOf(leaf, chain()),
    ).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(CreateSessionError);
    expect((error as Error).message).toMatch(/no response within 100 ms/);
  });

  it.each([
    ["not JSON", "<html>", /body is not JSON/],
    ["an empty credentialSet", '{"credentialSet":[]}', /no credentialSet\[0\]/],
    [
      "no session token",
      '{"credentialSet":[{"credentials":{"accessKeyId":"A","secretAccessKey":"S","expiration":"2026-03-01T11:00:00Z"}}]}',
      /sessionToken is missing/,
    ],
    [
      "a bad expiration",
      '{"credentialSet":[{"credentials":{"accessKeyId":"A","secretAccessKey":"S","sessionToken":"T","expiration":"soon"}}]}',
      /expiration "soon" is not a date/,
    ],
  ])("raises CreateSessionError for a 2xx response with %s", async (_, body, message) => {
    // Prepare
    server.script({ status: 201, body });

    // Act
    const error = await createSession({ ...session, endpoint: server.url }, materialOf(leaf, chain())).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toBeInstanceOf(CreateSessionError);
    expect((error as Error).message).toMatch(message);
  });

  it("takes the message of a non-JSON error body", async () => {
    // Prepare
    server.script({ status: 503, body: "Service Unavailable", headers: { "Content-Type": "text/plain" } });

    // Act
    const error = await createSession({ ...session, endpoint: server.url }, materialOf(leaf, chain())).catch(
      (e: unknown) => e,
    );

    // Assess
    expect(error).toMatchObject({ status: 503, serviceMessage: "Service Unavailable", errorType: undefined });
  });
});

describe("fromRolesAnywhere", () => {
  it("returns SDK-shaped credentials and caches the session", async () => {
    // Prepare
    const credentials = provider();

    // Act
    const first = await credentials();
    clock += 30 * 60_000;
    const second = await credentials();

    // Assess
    expect(server.verified).toHaveLength(1);
    expect(second).toBe(first);
    expect(Object.keys(first).sort()).toEqual(["accessKeyId", "expiration", "secretAccessKey", "sessionToken"]);
    expect(first.expiration).toEqual(new Date(Date.parse("2026-03-01T11:00:00Z")));
  });

  it("refreshes the configured margin before expiry, not earlier", async () => {
    // Prepare
    const events: SessionEvent[] = [];
    const credentials = provider({ refreshMarginSeconds: 600, onSession: (e) => events.push(e) });
    const first = await credentials();

    // Act
    clock = first.expiration.getTime() - 600_001;
    const beforeMargin = await credentials();
    clock = first.expiration.getTime() - 600_000;
    const inMargin = await credentials();

    // Assess
    expect(beforeMargin).toBe(first);
    expect(inMargin.accessKeyId).not.toBe(first.accessKeyId);
    expect(server.verified).toHaveLength(2);
    expect(events.map((e) => e.refreshAt.getTime())).toEqual([
      first.expiration.getTime() - 600_000,
      inMargin.expiration.getTime() - 600_000,
    ]);
  });

  it("refreshes 5 minutes before expiry by default", async () => {
    // Prepare
    const credentials = provider();
    const first = await credentials();

    // Act
    clock = first.expiration.getTime() - 5 * 60_000 - 1;
    await credentials();
    const requestsBefore = server.verified.length;
    clock += 1;
    await credentials();

    // Assess
    expect(requestsBefore).toBe(1);
    expect(server.verified).toHaveLength(2);
  });

  it("refreshes at half the lifetime when the margin exceeds it", async () => {
    // Prepare
    const credentials = provider({ durationSeconds: 900, refreshMarginSeconds: 3600 });
    const first = await credentials();

    // Act
    clock += 449_999;
    await credentials();
    const requestsBefore = server.verified.length;
    clock += 1;
    await credentials();

    // Assess
    expect(first.expiration.getTime() - Date.parse("2026-03-01T10:00:00Z")).toBe(900_000);
    expect(requestsBefore).toBe(1);
    expect(server.verified).toHaveLength(2);
  });

  it("shares one in-flight refresh between concurrent callers", async () => {
    // Prepare
    server.setDelay(150);
    let loads = 0;
    const credentials = provider({
      loadSigningMaterial: () => {
        loads++;
        return materialOf(leaf, chain());
      },
    });

    // Act
    const results = await Promise.all(Array.from({ length: 25 }, () => credentials()));
    clock = (results[0]?.expiration.getTime() ?? 0) - 60_000;
    const refreshed = await Promise.all(Array.from({ length: 25 }, () => credentials()));

    // Assess
    expect(server.received).toBe(2);
    expect(loads).toBe(2);
    expect(new Set(results).size).toBe(1);
    expect(new Set(refreshed).size).toBe(1);
    expect(refreshed[0]).not.toBe(results[0]);
  });

  it("propagates a failure to every waiting caller and retries on the next call", async () => {
    // Prepare
    server.setDelay(50);
    server.script({
      status: 500,
      body: JSON.stringify({ message: "Internal failure" }),
      headers: { "x-amzn-ErrorType": "InternalServerException" },
    });
    const credentials = provider();

    // Act
    const failures = await Promise.allSettled([credentials(), credentials(), credentials()]);
    const recovered = await credentials();

    // Assess
    expect(failures.map((f) => f.status)).toEqual(["rejected", "rejected", "rejected"]);
    const reason = (failures[0] as PromiseRejectedResult).reason;
    expect(reason).toBeInstanceOf(CreateSessionError);
    expect(reason).toMatchObject({
      status: 500,
      errorType: "InternalServerException",
      serviceMessage: "Internal failure",
    });
    expect(server.received).toBe(2);
    expect(recovered.accessKeyId).toBe("ASIATEST00000001");
  });

  it("keeps the cached session when a refresh fails and refreshes once the endpoint recovers", async () => {
    // Prepare
    const credentials = provider();
    const first = await credentials();
    clock = first.expiration.getTime() - 60_000;
    server.script({ status: 403, body: JSON.stringify({ message: "Certificate revoked" }) });

    // Act
    const error = await credentials().catch((e: unknown) => e);
    const second = await credentials();
    const third = await credentials();

    // Assess
    expect(error).toMatchObject({ name: "CreateSessionError", status: 403, serviceMessage: "Certificate revoked" });
    expect(second.accessKeyId).not.toBe(first.accessKeyId);
    expect(third).toBe(second);
    expect(server.received).toBe(3);
  });

  it("propagates a loader failure without a request and retries the loader next time", async () => {
    // Prepare
    let fail = true;
    const credentials = provider({
      loadSigningMaterial: async () => {
        if (fail) throw new Error("secret not found");
        return materialOf(leaf, chain());
      },
    });

    // Act
    const error = await credentials().catch((e: unknown) => e);
    fail = false;
    const recovered = await credentials();

    // Assess
    expect((error as Error).message).toBe("secret not found");
    expect(server.received).toBe(1);
    expect(recovered.sessionToken).toMatch(/^token-1-/);
  });

  it("picks up a rotated certificate at the next refresh", async () => {
    // Prepare
    const dir = mkdtempSync(join(tmpdir(), "ra-rotate-"));
    try {
      const paths = {
        certificate: join(dir, "leaf.pem"),
        privateKey: join(dir, "leaf.key"),
        intermediates: join(dir, "chain.pem"),
      };
      writeFileSync(paths.certificate, leaf.certificatePem);
      writeFileSync(paths.privateKey, leaf.privateKeyPem);
      writeFileSync(paths.intermediates, chain());
      const credentials = provider({ loadSigningMaterial: fileSigningMaterialLoader(paths) });
      const first = await credentials();
      const rotated = issue({ commonName: "eusc-sync-lambda-rotated" }, pki.intermediate2);

      // Act
      writeFileSync(paths.certificate, rotated.certificatePem);
      writeFileSync(paths.privateKey, rotated.privateKeyPem);
      const cached = await credentials();
      clock = first.expiration.getTime() - 60_000;
      const refreshed = await credentials();

      // Assess
      expect(cached).toBe(first);
      expect(server.verified.map((r) => r.serialDecimal)).toEqual([
        BigInt(`0x${leaf.certificate.serialNumber}`).toString(),
        BigInt(`0x${rotated.certificate.serialNumber}`).toString(),
      ]);
      expect(server.verified[1]?.subject).toMatch(/CN=eusc-sync-lambda-rotated/);
      expect(refreshed.sessionToken).toMatch(new RegExp(`-${BigInt(`0x${rotated.certificate.serialNumber}`)}$`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("fetches a new session on forceRefresh and after invalidate()", async () => {
    // Prepare
    const credentials = provider();
    await credentials();

    // Act
    await credentials({ forceRefresh: true });
    credentials.invalidate();
    await credentials();

    // Assess
    expect(server.verified).toHaveLength(3);
  });

  it("fails for a negative refresh margin", () => {
    expect(() => provider({ refreshMarginSeconds: -1 })).toThrow(/refreshMarginSeconds must be a number >= 0/);
  });
});

describe("fromRolesAnywhere with an AWS SDK v3 client", () => {
  let s3: { url: string; authorizations: string[]; tokens: string[]; close: () => Promise<void> };
  beforeAll(async () => {
    const authorizations: string[] = [];
    const tokens: string[] = [];
    const srv = createServer((req, res) => {
      authorizations.push(String(req.headers.authorization));
      tokens.push(String(req.headers["x-amz-security-token"]));
      res.writeHead(200, { "x-amz-bucket-region": "eu-central-1" });
      res.end();
    });
    await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
    s3 = {
      url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
      authorizations,
      tokens,
      close: () => new Promise<void>((resolve) => srv.close(() => resolve())),
    };
  });
  afterAll(async () => {
    await s3.close();
  });

  it("signs S3 requests with the session's access key and token, one CreateSession for many calls", async () => {
    // Prepare: real time, because the SDK checks expiration against its own clock
    clock = Date.now();
    const credentials = fromRolesAnywhere({
      ...session,
      endpoint: server.url,
      loadSigningMaterial: () => materialOf(leaf, chain()),
    });
    const client = new S3Client({
      region: "eu-central-1",
      endpoint: s3.url,
      forcePathStyle: true,
      credentials,
      maxAttempts: 1,
    });

    // Act
    for (let i = 0; i < 3; i++) await client.send(new HeadBucketCommand({ Bucket: "failover-avatars" }));
    client.destroy();

    // Assess
    expect(server.verified).toHaveLength(1);
    expect(s3.authorizations).toHaveLength(3);
    for (const auth of s3.authorizations)
      expect(auth).toMatch(/^AWS4-HMAC-SHA256 Credential=ASIATEST00000001\/\d{8}\/eu-central-1\/s3\/aws4_request/);
    expect(new Set(s3.tokens)).toEqual(new Set([`token-1-${BigInt(`0x${leaf.certificate.serialNumber}`)}`]));
  });
});
