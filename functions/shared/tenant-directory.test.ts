import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { DescribeKeyCommand, KMSClient, NotFoundException } from "@aws-sdk/client-kms";
import { GetObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { AwsCredentialIdentity } from "@aws-sdk/types";
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  actorForKey,
  type AssumeRole,
  kmsKeyLookup,
  stsAssumeRole,
  TenantDirectory,
  TenantDirectoryConfigError,
  type TenantDirectoryOptions,
  TenantKeyError,
} from "./tenant-directory";

import {
  ACME_KEY,
  ACME_ROLE,
  type Fakes,
  fakes,
  PREFIX,
  SECOND,
  START,
} from "../../test/support/shared/tenant-fixtures";
import { rejection } from "../../test/rejection";

/** The client the fake `clientFor` builds: it only keeps the provider, so tests can call it. */
interface FakeClient {
  readonly credentials: () => Promise<AwsCredentialIdentity>;
}

function directory(f: Fakes, options: Partial<TenantDirectoryOptions<FakeClient>> = {}): TenantDirectory<FakeClient> {
  return new TenantDirectory<FakeClient>({
    keyAliasPrefix: PREFIX,
    roleNamePrefix: "example-tenant-",
    kms: f.kms,
    assumeRole: f.assumeRole,
    sessionName: "example-upload",
    clientFor: (credentials) => ({ credentials }),
    now: f.clock.now,
    ...options,
  });
}

async function ownClient(dir: TenantDirectory<FakeClient>, tenant: string): Promise<FakeClient> {
  const access = await dir.resolve(tenant);
  if (access.kind !== "own-key") throw new Error(`expected own-key, got ${access.kind}`);
  return access.client;
}

afterEach(() => {
  vi.unstubAllEnvs();
  vi.useRealTimers();
});

describe("resolving a tenant", () => {
  it("answers unknown for a tenant without an alias (every configured tenant has one)", async () => {
    // Prepare
    const f = fakes();

    // Act
    const access = await directory(f).resolve("acme");

    // Assess
    expect(access).toEqual({ kind: "unknown", tenant: "acme" });
    expect(f.kms.aliasesAsked).toEqual(["alias/example/tenant/acme"]);
  });

  it("answers shared for a key tagged with a tier that has no role", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme", { tags: { Tenant: "acme", Tier: "shared" } });

    // Act
    const access = await directory(f).resolve("acme");

    // Assess
    expect(access).toEqual({ kind: "shared", tenant: "acme" });
    expect(f.assumeRole.calls).toEqual([]);
  });

  it.each(["vpc", "account"])("answers own-key for a %s-tier tenant, as for a logical one", async (tier) => {
    // Prepare
    const f = fakes();
    f.kms.add("acme", { tags: { Tenant: "acme", Tier: tier } });

    // Act
    const access = await directory(f).resolve("acme");

    // Assess
    expect(access.kind).toBe("own-key");
  });

  it("answers own-key with the tenant role in the key's partition and account", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme");

    // Act
    const access = await directory(f).resolve("acme");

    // Assess
    expect(access).toMatchObject({ kind: "own-key", tenant: "acme", keyArn: ACME_KEY, roleArn: ACME_ROLE });
  });

  it("fails when the key's Tenant tag names another tenant", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme", { tags: { Tenant: "globex", Tier: "logical" } });

    // Act
    const error = await rejection(directory(f).resolve("acme"));

    // Assess
    expect(error).toBeInstanceOf(TenantKeyError);
    expect(String(error)).toMatch(/tagged Tenant=globex, not acme/);
  });

  it("answers key-unavailable for a logical key pending deletion", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme", { keyState: "PendingDeletion" });

    // Act
    const access = await directory(f).resolve("acme");

    // Assess
    expect(access).toEqual({ kind: "key-unavailable", tenant: "acme", keyArn: ACME_KEY, keyState: "PendingDeletion" });
    expect(f.assumeRole.calls).toEqual([]);
  });

  it("fails when KMS returns a malformed key ARN", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme", { keyArn: "arn:aws-eusc:kms:eusc-de-east-1:1111:alias/acme" });

    // Act
    const error = await rejection(directory(f).resolve("acme"));

    // Assess
    expect(error).toBeInstanceOf(TenantKeyError);
    expect(String(error)).toMatch(/not a key ARN/);
  });

  it("fails for a tenant that is not a single key segment, without asking KMS", async () => {
    // Prepare
    const f = fakes();

    // Act
    const error = await rejection(directory(f).resolve("acme/../globex"));

    // Assess
    expect(error).toBeInstanceOf(TenantKeyError);
    expect(f.kms.aliasesAsked).toEqual([]);
  });

  it("answers unknown for a claim no alias can hold, without asking KMS (which would refuse the name)", async () => {
    // Prepare
    const f = fakes();

    // Act
    const access = await directory(f).resolve("user@acme.example");

    // Assess
    expect(access).toEqual({ kind: "unknown", tenant: "user@acme.example" });
    expect(f.kms.aliasesAsked).toEqual([]);
  });
});

describe("failing closed", () => {
  it("propagates a KMS error other than not-found and asks again next time", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme");
    f.kms.error = Object.assign(new Error("User is not authorized to perform kms:DescribeKey"), {
      name: "AccessDeniedException",
    });
    const dir = directory(f);

    // Act
    const first = await rejection(dir.resolve("acme"));
    f.kms.error = undefined;
    const second = await dir.resolve("acme");

    // Assess
    expect(first).toMatchObject({ name: "AccessDeniedException" });
    expect(second.kind).toBe("own-key");
    expect(f.kms.aliasesAsked).toHaveLength(2);
  });

  it("propagates a failed tag lookup instead of answering shared", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme");
    vi.spyOn(f.kms, "tags").mockRejectedValueOnce(
      Object.assign(new Error("throttled"), { name: "ThrottlingException" }),
    );

    // Act
    const error = await rejection(directory(f).resolve("acme"));

    // Assess
    expect(error).toMatchObject({ name: "ThrottlingException" });
  });

  it("propagates an AssumeRole error through the client's credentials and retries on the next call", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme");
    const client = await ownClient(directory(f), "acme");
    f.assumeRole.fail = Object.assign(new Error("not authorized to perform sts:AssumeRole"), { name: "AccessDenied" });

    // Act
    const error = await rejection(client.credentials());
    f.assumeRole.fail = undefined;
    const credentials = await client.credentials();

    // Assess
    expect(error).toMatchObject({ name: "AccessDenied" });
    expect(credentials.accessKeyId).toBe("ASIA2");
    expect(f.assumeRole.calls).toHaveLength(2);
  });

  it("does not cache credentials that carry no expiration", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme");
    let calls = 0;
    const assumeRole = (async () => {
      calls += 1;
      return { accessKeyId: "ASIA1", secretAccessKey: "secret" };
    }) as unknown as AssumeRole;
    const client = await ownClient(directory(f, { assumeRole }), "acme");

    // Act
    const errors = [await rejection(client.credentials()), await rejection(client.credentials())];

    // Assess
    expect(errors.map(String)).toEqual([
      expect.stringMatching(/without an expiration/),
      expect.stringMatching(/without an expiration/),
    ]);
    expect(calls).toBe(2);
  });
});

describe("caching", () => {
  it("answers a second resolve within the TTL without asking KMS, with the same client", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme");
    const dir = directory(f);
    const first = await ownClient(dir, "acme");

    // Act
    f.clock.advance(299 * SECOND);
    const second = await ownClient(dir, "acme");

    // Assess
    expect(second).toBe(first);
    expect(f.kms.aliasesAsked).toHaveLength(1);
    expect(f.kms.tagCalls).toBe(1);
  });

  it("looks an unknown tenant up again after sharedTtlMs, finding a newly onboarded tenant", async () => {
    // Prepare
    const f = fakes();
    const dir = directory(f);
    await dir.resolve("acme");
    f.kms.add("acme");

    // Act
    f.clock.advance(59 * SECOND);
    const before = await dir.resolve("acme");
    f.clock.advance(1 * SECOND);
    const after = await dir.resolve("acme");

    // Assess
    expect(before.kind).toBe("unknown");
    expect(after.kind).toBe("own-key");
  });

  it("reports a key that became PendingDeletion after keyTtlMs, and its recovery after sharedTtlMs", async () => {
    // Prepare
    const f = fakes();
    const key = f.kms.add("acme");
    const dir = directory(f);
    await dir.resolve("acme");
    key.keyState = "PendingDeletion";

    // Act
    f.clock.advance(299 * SECOND);
    const before = await dir.resolve("acme");
    f.clock.advance(1 * SECOND);
    const after = await dir.resolve("acme");
    key.keyState = "Enabled";
    f.clock.advance(60 * SECOND);
    const recovered = await dir.resolve("acme");

    // Assess
    expect([before.kind, after.kind, recovered.kind]).toEqual(["own-key", "key-unavailable", "own-key"]);
  });

  it("keeps the client and its credentials across a key refresh", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme");
    const dir = directory(f);
    const first = await ownClient(dir, "acme");
    await first.credentials();

    // Act
    f.clock.advance(301 * SECOND);
    const second = await ownClient(dir, "acme");
    const credentials = await second.credentials();

    // Assess
    expect(f.kms.aliasesAsked).toHaveLength(2);
    expect(second).toBe(first);
    expect(credentials.accessKeyId).toBe("ASIA1");
    expect(f.assumeRole.calls).toHaveLength(1);
  });

  it("shares one lookup among concurrent resolves of a tenant", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme");
    const dir = directory(f);

    // Act
    const answers = await Promise.all([dir.resolve("acme"), dir.resolve("acme"), dir.resolve("acme")]);

    // Assess
    expect(f.kms.aliasesAsked).toHaveLength(1);
    expect(new Set(answers.map((a) => (a.kind === "own-key" ? a.client : undefined))).size).toBe(1);
  });
});

describe("tenant role credentials", () => {
  it("assumes the tenant role with the session name and duration", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme");
    const client = await ownClient(directory(f, { sessionSeconds: 1800 }), "acme");

    // Act
    const credentials = await client.credentials();

    // Assess
    expect(f.assumeRole.calls).toEqual([[ACME_ROLE, "example-upload", 1800]]);
    expect(credentials).toMatchObject({ accessKeyId: "ASIA1", sessionToken: "token-1" });
  });

  it("reuses credentials while more than minRemainingSeconds remain and renews them after", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme");
    const client = await ownClient(directory(f), "acme");
    await client.credentials();

    // Act
    f.clock.advance(3239 * SECOND);
    const reused = await client.credentials();
    f.clock.advance(1 * SECOND);
    const renewed = await client.credentials();

    // Assess
    expect(reused.accessKeyId).toBe("ASIA1");
    expect(renewed.accessKeyId).toBe("ASIA2");
  });

  it("shares one AssumeRole among concurrent callers", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme");
    const client = await ownClient(directory(f), "acme");
    let open = () => {};
    f.assumeRole.gate = new Promise((resolve) => {
      open = resolve;
    });

    // Act
    const pending = Promise.all([client.credentials(), client.credentials(), client.credentials()]);
    open();
    const answers = await pending;

    // Assess
    expect(f.assumeRole.calls).toHaveLength(1);
    expect(answers.map((c) => c.accessKeyId)).toEqual(["ASIA1", "ASIA1", "ASIA1"]);
  });

  it("makes an SDK client sign with renewed credentials once fewer than minRemainingSeconds remain", async () => {
    // Prepare: an S3Client would otherwise keep credentials until 300 s before expiry (by its own clock)
    vi.useFakeTimers({ now: START, toFake: ["Date"] });
    const f = fakes();
    f.kms.add("acme");
    const dir = new TenantDirectory<S3Client>({
      keyAliasPrefix: PREFIX,
      roleNamePrefix: "example-tenant-",
      kms: f.kms,
      assumeRole: f.assumeRole,
      sessionName: "example-upload",
      clientFor: (credentials) =>
        new S3Client({ region: "eusc-de-east-1", endpoint: "https://s3.eusc-de-east-1.amazonaws.eu", credentials }),
      now: f.clock.now,
    });
    const access = await dir.resolve("acme");
    if (access.kind !== "own-key") throw new Error(access.kind);
    const sign = () =>
      getSignedUrl(access.client, new GetObjectCommand({ Bucket: "originals", Key: "acme/a" }), { expiresIn: 300 });

    // Act
    const first = await sign();
    f.clock.advance(3250 * SECOND);
    vi.setSystemTime(f.clock.now());
    const second = await sign();

    // Assess
    expect(first).toContain("X-Amz-Credential=ASIA1%2F");
    expect(second).toContain("X-Amz-Credential=ASIA2%2F");
  });
});

describe("kmsKeyLookup", () => {
  /** A KMSClient whose commands are answered in-process by `answer(commandName, input)`. */
  function kmsClient(answer: (command: string, input: Record<string, unknown>) => object): KMSClient {
    const client = new KMSClient({
      region: "eusc-de-east-1",
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    });
    client.middlewareStack.add(
      (_next, context) => async (args) => ({
        output: { $metadata: {}, ...answer(context.commandName ?? "", args.input as Record<string, unknown>) },
        response: {},
      }),
      { step: "initialize", name: "cannedKmsAnswers" },
    );
    return client;
  }

  it("answers undefined for an alias KMS does not know, and the key for one it does", async () => {
    // Prepare
    const kms = kmsClient((command, input) => {
      if (command !== DescribeKeyCommand.name) throw new Error(command);
      if (input.KeyId !== "alias/example/tenant/acme")
        throw new NotFoundException({ message: "Alias not found", $metadata: {} });
      return { KeyMetadata: { KeyId: "k", Arn: ACME_KEY, KeyState: "PendingDeletion" } };
    });

    // Act
    const [missing, found] = await Promise.all([
      kmsKeyLookup(kms).describeAlias("alias/example/tenant/globex"),
      kmsKeyLookup(kms).describeAlias("alias/example/tenant/acme"),
    ]);

    // Assess
    expect(missing).toBeUndefined();
    expect(found).toEqual({ keyArn: ACME_KEY, keyState: "PendingDeletion" });
  });

  it("propagates other DescribeKey errors", async () => {
    // Prepare
    const kms = kmsClient(() => {
      throw Object.assign(new Error("denied"), { name: "AccessDeniedException" });
    });

    // Act
    const error = await rejection(kmsKeyLookup(kms).describeAlias("alias/example/tenant/acme"));

    // Assess
    expect(error).toMatchObject({ name: "AccessDeniedException" });
  });

  it("collects the tags of every page", async () => {
    // Prepare
    const markers: unknown[] = [];
    const kms = kmsClient((_command, input) => {
      markers.push(input.Marker);
      return input.Marker === undefined
        ? { Tags: [{ TagKey: "Tenant", TagValue: "acme" }], Truncated: true, NextMarker: "page-2" }
        : { Tags: [{ TagKey: "Tier", TagValue: "logical" }], Truncated: false };
    });

    // Act
    const tags = await kmsKeyLookup(kms).tags(ACME_KEY);

    // Assess
    expect(tags).toEqual({ Tenant: "acme", Tier: "logical" });
    expect(markers).toEqual([undefined, "page-2"]);
  });
});

describe("stsAssumeRole", () => {
  /** A local STS endpoint answering AssumeRole (awsQuery protocol) with `expiration`, recording the form it got. */
  async function fakeSts(
    expiration: string | undefined,
  ): Promise<{ server: Server; endpoint: string; forms: URLSearchParams[] }> {
    const forms: URLSearchParams[] = [];
    const server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      request.on("end", () => {
        forms.push(new URLSearchParams(body));
        const expires = expiration === undefined ? "" : `<Expiration>${expiration}</Expiration>`;
        response.writeHead(200, { "content-type": "text/xml" });
        response.end(
          `<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult><Credentials><AccessKeyId>ASIASTS</AccessKeyId><SecretAccessKey>secret</SecretAccessKey><SessionToken>token</SessionToken>${expires}</Credentials></AssumeRoleResult><ResponseMetadata><RequestId>r1</RequestId></ResponseMetadata></AssumeRoleResponse>`,
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { server, endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, forms };
  }

  it.each([
    ["returns the credentials with their expiration", "2026-01-02T04:04:05Z"],
    ["fails when the credentials carry no expiration", undefined],
  ])("%s", async (_, expiration) => {
    // Prepare
    vi.stubEnv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "secret");
    vi.stubEnv("AWS_SESSION_TOKEN", "");
    const sts = await fakeSts(expiration);

    try {
      // Act
      const attempt = stsAssumeRole({ region: "eusc-de-east-1", endpoint: sts.endpoint })(
        ACME_ROLE,
        "example-upload",
        3600,
      );

      // Assess
      if (expiration === undefined) {
        expect(String(await rejection(attempt))).toMatch(/without an expiration/);
      } else {
        expect(await attempt).toMatchObject({
          accessKeyId: "ASIASTS",
          sessionToken: "token",
          expiration: new Date(expiration),
        });
      }
      expect(Object.fromEntries(sts.forms[0] ?? [])).toMatchObject({
        Action: "AssumeRole",
        RoleArn: ACME_ROLE,
        RoleSessionName: "example-upload",
        DurationSeconds: "3600",
      });
    } finally {
      sts.server.close();
    }
  });
});

describe("configuration", () => {
  it.each([
    ["a key alias prefix without the trailing slash", { keyAliasPrefix: "alias/example/tenant" }, /keyAliasPrefix/],
    ["a key alias prefix without alias/", { keyAliasPrefix: "example/tenant/" }, /keyAliasPrefix/],
    ["a role name prefix with a slash", { roleNamePrefix: "example/tenant-" }, /roleNamePrefix/],
    ["a session name with a space", { sessionName: "example upload" }, /sessionName/],
    ["a zero sharedTtlMs", { sharedTtlMs: 0 }, /sharedTtlMs/],
    ["a fractional keyTtlMs", { keyTtlMs: 1.5 }, /keyTtlMs/],
    ["a session shorter than STS allows", { sessionSeconds: 60 }, /sessionSeconds \(60\) must be 900-43200/],
    [
      "minRemainingSeconds not below sessionSeconds",
      { minRemainingSeconds: 3600 },
      /minRemainingSeconds \(3600\) must be less than sessionSeconds/,
    ],
  ])("fails with %s", (_, change, message) => {
    // Act
    const attempt = () => directory(fakes(), change);

    // Assess
    expect(attempt).toThrow(TenantDirectoryConfigError);
    expect(attempt).toThrow(message);
  });

  it("reports every problem at once", () => {
    // Act
    const attempt = () => directory(fakes(), { keyAliasPrefix: "tenant/", roleNamePrefix: "", sessionName: "x" });

    // Assess
    expect(attempt).toThrow(/keyAliasPrefix.*; roleNamePrefix.*; sessionName/);
  });
});

describe("actorForKey", () => {
  it("names the tenant's role and key for a logical tenant's object, the function itself for other tenants, and nobody for an unknown tenant", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("acme");
    f.kms.add("bergstadt", { tags: { Tenant: "bergstadt", Tier: "shared" } });
    const dir = directory(f);

    // Act
    const actors = await Promise.all(
      ["acme/u/1", "bergstadt/u/1", "globex/u/1", "no-tenant-segment", "/acme/u/1"].map((key) => actorForKey(dir, key)),
    );

    // Assess
    expect(actors.map((a) => (a.kind === "tenant" ? `${a.kind}:${a.keyArn}:${a.roleArn}` : a.kind))).toEqual([
      `tenant:${ACME_KEY}:${ACME_ROLE}`,
      "self",
      "unknown-tenant",
      "self",
      "self",
    ]);
    expect(await actorForKey(undefined, "acme/u/1")).toEqual({ kind: "self" });
  });

  it("reports a tenant whose key is pending deletion, and throws for a disabled key (retry later, never another key)", async () => {
    // Prepare
    const f = fakes();
    f.kms.add("gone", { keyState: "PendingDeletion" });
    f.kms.add("paused", { keyState: "Disabled" });
    const dir = directory(f);

    // Act
    const gone = await actorForKey(dir, "gone/u/1");
    const paused = await rejection(actorForKey(dir, "paused/u/1"));

    // Assess
    expect(gone).toEqual({ kind: "tenant-key-pending-deletion", tenant: "gone" });
    expect(paused).toBeInstanceOf(TenantKeyError);
    expect(String(paused)).toMatch(/is Disabled: its objects cannot be read or written until the key is enabled/);
  });
});
