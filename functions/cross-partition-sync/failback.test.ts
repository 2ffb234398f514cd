/** Failback's command line, environment, option checks and listing (no server; failback.rgw.test.ts has the S3 behaviour). */
import type { ListObjectVersionsCommandInput, ListObjectVersionsCommandOutput, S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { PARTITIONS } from "../../config/partitions";
import { describeError, FailbackIncompleteError, failback, type LatestChange, latestChanges } from "./failback";
import {
  failbackOptionsFromEnv,
  homecomingLine,
  homecomingSummaryLine,
  main,
  parseFailbackArgs,
  progressLine,
  USAGE,
  UsageError,
} from "./failback-cli";
import { parseFailbackEvent } from "./failback-handler";

const NOW = new Date("2026-03-02T12:00:00Z");
const SOVEREIGN_REGION = Object.keys(PARTITIONS["aws-eusc"].euRegions)[0] ?? "";
const baseEnv = {
  AWS_REGION: SOVEREIGN_REGION,
  SOURCE_BUCKET: "clean-avatars",
  SOURCE_KMS_KEY_ARN: "sovereign-key-arn",
  TARGET_REGION: "eu-central-1",
  TARGET_BUCKET: "failover-avatars",
  TARGET_KMS_KEY_ARN: "commercial-key-arn",
  ROLES_ANYWHERE_TRUST_ANCHOR_ARN: "ta",
  ROLES_ANYWHERE_PROFILE_ARN: "p",
  ROLES_ANYWHERE_ROLE_ARN: "r",
  SIGNING_MATERIAL_CERTIFICATE_FILE: "/nonexistent/leaf.pem",
  SIGNING_MATERIAL_PRIVATE_KEY_FILE: "/nonexistent/leaf.key",
};

function capture() {
  const out = { stdout: "", stderr: "" };
  const io = {
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t) },
    now: () => NOW,
  };
  return { out, io };
}

const parse = (...argv: string[]) => parseFailbackArgs(argv, NOW);

describe("failback command line", () => {
  it("parses every flag", () => {
    // Act
    const options = parse(
      "--since",
      "2026-03-01T08:00:00Z",
      "--prefix",
      "acme/",
      "--dry-run",
      "--concurrency",
      "8",
      "--no-deletes",
    );

    // Assess
    expect(options).toEqual({
      since: new Date("2026-03-01T08:00:00Z"),
      prefix: "acme/",
      dryRun: true,
      concurrency: 8,
      deletes: false,
    });
  });

  it("applies the defaults: whole bucket, 4 at once, deletes propagated, writes", () => {
    // Act
    const options = parse("--since", "2026-03-01T09:30:00.250+01:00");

    // Assess
    expect(options).toEqual({
      since: new Date("2026-03-01T08:30:00.250Z"),
      prefix: undefined,
      dryRun: false,
      concurrency: 4,
      deletes: true,
    });
  });

  it("fails without --since and exits 64 naming the flag", async () => {
    // Prepare
    const { out, io } = capture();

    // Act
    const code = await main(["--dry-run"], baseEnv, io);

    // Assess
    expect(code).toBe(64);
    expect(out.stderr).toMatch(/^failback: --since is required/);
    expect(out.stderr).toContain("Run with --help for usage.");
    expect(out.stdout).toBe("");
  });

  it.each([["2026-03-01T08:00:00"], ["2026-03-01"], ["yesterday"], ["2026-13-01T08:00:00Z"], ["1709280000"]])(
    "fails on --since %s, which is not an ISO time with a zone",
    (value) => {
      // Act
      const attempt = () => parse("--since", value);

      // Assess
      expect(attempt).toThrow(UsageError);
      expect(attempt).toThrow(/--since must be an ISO 8601 time with a zone/);
    },
  );

  it("fails on a --since in the future", () => {
    // Act
    const attempt = () => parse("--since", "2026-03-02T12:00:01Z");

    // Assess
    expect(attempt).toThrow(/--since is in the future/);
  });

  it.each([["0"], ["65"], ["two"], ["1.5"], ["-1"]])("fails on --concurrency %s", (value) => {
    // Act
    const attempt = () => parse("--since", "2026-03-01T08:00:00Z", `--concurrency=${value}`);

    // Assess
    expect(attempt).toThrow(/--concurrency must be a whole number from 1 to 64/);
  });

  it("fails on an empty --prefix", () => {
    // Act
    const attempt = () => parse("--since", "2026-03-01T08:00:00Z", "--prefix", "");

    // Assess
    expect(attempt).toThrow(/--prefix must not be empty/);
  });

  it("fails on an unknown flag and on a positional argument", () => {
    // Act
    const unknown = () => parse("--since", "2026-03-01T08:00:00Z", "--force");
    const positional = () => parse("--since", "2026-03-01T08:00:00Z", "acme/");

    // Assess
    expect(unknown).toThrow(/--force/);
    expect(positional).toThrow(/acme\//);
  });

  it("reports every problem at once", async () => {
    // Prepare
    const { out, io } = capture();

    // Act
    const code = await main(["--concurrency", "0", "--prefix="], baseEnv, io);

    // Assess
    expect(code).toBe(64);
    expect(out.stderr).toContain("failback: --since is required");
    expect(out.stderr).toContain("failback: --prefix must not be empty");
    expect(out.stderr).toContain("failback: --concurrency must be a whole number");
  });

  it("prints the usage with --help and exits 0", async () => {
    // Prepare
    const { out, io } = capture();

    // Act
    const code = await main(["--help"], {}, io);

    // Assess
    expect(code).toBe(0);
    expect(out.stdout).toBe(USAGE);
    expect(USAGE).toMatch(/--since TIME.*--prefix PREFIX.*--dry-run.*--concurrency N.*--no-deletes/s);
  });

  it("exits 1 naming every missing variable, before any S3 call", async () => {
    // Prepare
    const { out, io } = capture();
    const env = { ...baseEnv, SOURCE_KMS_KEY_ARN: undefined, TARGET_BUCKET: undefined };

    // Act
    const code = await main(["--since", "2026-03-01T08:00:00Z"], env, io);

    // Assess
    expect(code).toBe(1);
    expect(out.stderr).toMatch(/invalid environment: .*SOURCE_KMS_KEY_ARN.*TARGET_BUCKET/);
    expect(out.stdout).toBe("");
  });

  it("formats one progress line per outcome", () => {
    // Act
    const lines = [
      progressLine({ key: "a.png", change: "write", outcome: "copied" }),
      progressLine({ key: "b.png", change: "delete", outcome: "deleted", rule: "erased-replica" }),
      progressLine({ key: "c.png", change: "write", outcome: "failed", error: "AccessDenied (HTTP 403)" }),
    ];

    // Assess
    expect(lines).toEqual([
      "failback: copied write a.png\n",
      "failback: deleted/erased-replica delete b.png\n",
      "failback: failed write c.png: AccessDenied (HTTP 403)\n",
    ]);
  });
});

describe("failback environment", () => {
  it("reverses the sync's direction: the commercial failover bucket is the source, the sovereign bucket and key the target", () => {
    // Act
    const options = failbackOptionsFromEnv(baseEnv);

    // Assess
    expect(options.source).toEqual({ partition: "aws", bucket: "failover-avatars" });
    expect(options.target).toEqual({ partition: "aws-eusc", bucket: "clean-avatars", kmsKeyId: "sovereign-key-arn" });
    expect(options.policy).toEqual({ allowedDataClasses: ["avatar"], allowedPrefixes: [], dataClassTag: "data-class" });
    expect(options.propagateDeletes).toBe(true);
  });

  it("keeps deletes off when the sync has them off", () => {
    // Act
    const options = failbackOptionsFromEnv({ ...baseEnv, SYNC_PROPAGATE_DELETES: "false" });

    // Assess
    expect(options.propagateDeletes).toBe(false);
  });
});

/** A client that answers ListObjectVersions with scripted pages and records the requests. */
function scriptedClient(pages: Partial<ListObjectVersionsCommandOutput>[]) {
  const requests: ListObjectVersionsCommandInput[] = [];
  const client = {
    send: async (command: { input: ListObjectVersionsCommandInput }) => {
      requests.push(command.input);
      const page = pages.shift();
      if (page === undefined) throw new Error("no more pages scripted");
      return page;
    },
  } as unknown as S3Client;
  return { client, requests };
}

const at = (s: number) => new Date(Date.UTC(2026, 2, 1, 8, 0, s));

describe("failback listing", () => {
  it("yields the latest entry per key changed since, across pages, with the version an erasure hides", async () => {
    // Prepare: key b's entries span both pages; c changed before since; d's latest is at since, to the second
    const { client, requests } = scriptedClient([
      {
        Versions: [
          { Key: "a", VersionId: "a2", IsLatest: true, LastModified: at(20) },
          { Key: "a", VersionId: "a1", IsLatest: false, LastModified: at(1) },
        ],
        DeleteMarkers: [{ Key: "b", VersionId: "b-dm", IsLatest: true, LastModified: at(30) }],
        IsTruncated: true,
        NextKeyMarker: "b",
        NextVersionIdMarker: "b-dm",
      },
      {
        Versions: [
          { Key: "b", VersionId: "b2", IsLatest: false, LastModified: at(15) },
          { Key: "b", VersionId: "b1", IsLatest: false, LastModified: at(2) },
          { Key: "c", VersionId: "c1", IsLatest: true, LastModified: at(9) },
          { Key: "d", VersionId: "d1", IsLatest: true, LastModified: new Date(at(10).getTime() + 999) },
        ],
        IsTruncated: false,
      },
    ]);
    const since = new Date(at(10).getTime() + 500);

    // Act
    const changes: LatestChange[] = [];
    for await (const change of latestChanges(client, "failover-avatars", "acme/", 2, since)) changes.push(change);

    // Assess
    expect(changes).toEqual([
      { key: "a", kind: "version", versionId: "a2", lastModified: at(20) },
      { key: "b", kind: "delete-marker", versionId: "b-dm", lastModified: at(30), erasedVersionId: "b2" },
      { key: "d", kind: "version", versionId: "d1", lastModified: new Date(at(10).getTime() + 999) },
    ]);
    expect(requests).toEqual([
      { Bucket: "failover-avatars", Prefix: "acme/", MaxKeys: 2, KeyMarker: undefined, VersionIdMarker: undefined },
      { Bucket: "failover-avatars", Prefix: "acme/", MaxKeys: 2, KeyMarker: "b", VersionIdMarker: "b-dm" },
    ]);
  });
});

describe("failback options", () => {
  it("fails on a bad concurrency, page size, prefix or since before any S3 call", async () => {
    // Prepare
    const { client, requests } = scriptedClient([]);
    const options = {
      source: { client, partition: "aws", bucket: "failover-avatars" },
      target: { client, partition: "aws-eusc", bucket: "clean-avatars", kmsKeyId: "k" },
      policy: { allowedDataClasses: ["avatar"] },
    };

    // Act
    const attempt = failback({ ...options, since: new Date("not a date"), concurrency: 0, pageSize: 1001, prefix: "" });

    // Assess
    await expect(attempt).rejects.toThrow(
      /since must be a valid Date.*concurrency must be an integer from 1 to 64.*pageSize must be an integer from 1 to 1000.*prefix must not be empty/,
    );
    await expect(attempt).rejects.toMatchObject({ name: "SyncError" });
    expect(requests).toEqual([]);
  });
});

describe("failback results", () => {
  it("throws the partial result when the listing fails part-way", async () => {
    // Prepare: the first page holds only a key changed before since; the second page fails
    const { client } = scriptedClient([
      {
        Versions: [{ Key: "old", VersionId: "o1", IsLatest: true, LastModified: at(1) }],
        IsTruncated: true,
        NextKeyMarker: "old",
        NextVersionIdMarker: "o1",
      },
    ]);

    // Act
    const error = await failback({
      source: { client, partition: "aws", bucket: "failover-avatars" },
      target: { client, partition: "aws-eusc", bucket: "clean-avatars", kmsKeyId: "k" },
      policy: { allowedDataClasses: ["avatar"] },
      since: at(10),
    }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(FailbackIncompleteError);
    expect((error as FailbackIncompleteError).message).toMatch(
      /listing the commercial bucket failed after 0 keys: no more pages scripted/,
    );
    expect((error as FailbackIncompleteError).result.summary).toEqual({
      examined: 0,
      copied: 0,
      skipped: 0,
      ignored: 0,
      refused: 0,
      conflicts: 0,
      deleted: 0,
      failed: [],
    });
  });

  it("describes S3 errors by code and status, also when the server sends no message", () => {
    // Prepare
    const s3Error = Object.assign(new Error("UnknownError"), {
      name: "BadRequest",
      $metadata: { httpStatusCode: 400 },
    });
    const denied = Object.assign(new Error("Access Denied"), {
      name: "AccessDenied",
      $metadata: { httpStatusCode: 403 },
    });

    // Act
    const described = [
      describeError(s3Error),
      describeError(denied),
      describeError(new Error("plain")),
      describeError("text"),
    ];

    // Assess
    expect(described).toEqual(["BadRequest (HTTP 400)", "AccessDenied: Access Denied (HTTP 403)", "plain", "text"]);
  });
});

describe("failback --outage-uploads", () => {
  it("parses without --since, and refuses --since and --no-deletes with it", () => {
    // Act
    const options = parse("--outage-uploads", "--prefix", "acme/", "--dry-run", "--concurrency", "8");

    // Assess
    expect(options).toEqual({
      outageUploads: true,
      prefix: "acme/",
      dryRun: true,
      concurrency: 8,
      deletes: true,
    });
    expect(() => parse("--outage-uploads", "--since", "2026-03-01T08:00:00Z")).toThrow(
      /--since does not apply to --outage-uploads/,
    );
    expect(() => parse("--outage-uploads", "--no-deletes")).toThrow(/--no-deletes does not apply/);
  });

  it("exits 64 naming every missing variable, before any call", async () => {
    // Prepare
    const { out, io } = capture();

    // Act
    const status = await main(["--outage-uploads"], { ...baseEnv, OUTAGE_UPLOADS_BUCKET: "inbox" }, io);

    // Assess
    expect(status).toBe(64);
    expect(out.stderr).toMatch(
      /--outage-uploads needs OUTAGE_HOME_BUCKET, OUTAGE_HOME_KMS_KEY_ID, SUBJECT_SEALING_KEY_ID, PSEUDONYM_KEY_ID, STANDBY_PSEUDONYM_KEY_ID/,
    );
    expect(out.stderr).not.toMatch(/OUTAGE_UPLOADS_BUCKET,/);
    expect(out.stdout).toBe("");
  });

  it("is in the help", async () => {
    const { out, io } = capture();
    expect(await main(["--help"], {}, io)).toBe(0);
    expect(out.stdout).toMatch(/--outage-uploads\s+instead: bring the uploads/);
    expect(out.stdout).toContain("OUTAGE_UPLOADS_BUCKET");
  });

  it("takes the handler's event {outageUploads: true} as the command line, without since", () => {
    // Act
    const options = parseFailbackEvent({ outageUploads: true, dryRun: true, concurrency: 2 }, NOW);

    // Assess
    expect(options).toEqual({ outageUploads: true, dryRun: true, concurrency: 2, deletes: true, prefix: undefined });
    expect(() => parseFailbackEvent({ outageUploads: true, since: "2026-03-01T08:00:00Z" }, NOW)).toThrow(
      /since does not apply to outageUploads/,
    );
    expect(() => parseFailbackEvent({}, NOW)).toThrow(/invalid failback event: since: required .*Fix: send \{"since"/);
  });

  it("formats one progress line per outcome and a summary", () => {
    expect(homecomingLine({ key: "acme/p/1", outcome: "refused", reason: "seal-mismatch" })).toBe(
      "failback: refused/seal-mismatch outage-upload acme/p/1\n",
    );
    expect(
      homecomingSummaryLine({
        dryRun: true,
        summary: { examined: 3, moved: 1, skipped: 1, refused: 1, conflicts: 0, failed: [] },
        outcomes: [],
      }),
    ).toBe(
      "failback: 3 outage uploads: 1 moved home, 1 skipped, 1 refused, 0 conflicts, 0 failed (dry run: nothing written)\n",
    );
  });
});
