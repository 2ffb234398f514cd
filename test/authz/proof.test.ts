/**
 * The authorization proof (`make proof`, run by `make test` after the test run that records):
 * every request the functions, the operator commands and browsers made during the tests on the Ceph
 * gateways (test/authz/recorder.ts) is evaluated against the synthesized example's policies as AWS
 * evaluates them (identity, bucket, key, trust and VPC endpoint policies, with
 * @cloud-copilot/iam-simulate), and must be allowed. A request of a kind the proof has no rule for,
 * or that names something the example does not have, fails it.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { beforeAll, describe, expect, it } from "vitest";
import { abuseCases } from "../../policies/authz/abuse";
import { castRecords, type CastOutcome } from "../../policies/authz/cast";
import { unknownKind } from "../../policies/authz/catalogue";
import { judgeCall, type Simulate } from "../../policies/authz/judge";
import { parseRecords, type Recorded } from "../../policies/authz/records";
import { authzWorld } from "../../policies/authz/world";
import { templateOf } from "../../policies/core/template";
import { synthDeployment, validConfig } from "../template";
import { RECORD_DIR } from "./paths";

const simulate = runSimulation as unknown as Simulate;
const world = authzWorld(templateOf(synthDeployment(validConfig()).json, "example"));

function readRecords(): Recorded[] {
  let files: string[];
  try {
    files = readdirSync(RECORD_DIR).filter((f) => f.endsWith(".jsonl"));
  } catch {
    files = [];
  }
  return files.sort().flatMap((f) => parseRecords(readFileSync(join(RECORD_DIR, f), "utf8"), f));
}

/**
 * The paths the proof must have seen: a run that recorded none of them (Ceph missing, a test renamed)
 * proves nothing and fails here rather than passing empty.
 */
const REQUIRED: ReadonlyArray<readonly [string, string, string]> = [
  ["example-tenant-kleinverein", "presigned-url", "PutObject"],
  ["example-tenant-kleinverein", "presigned-url", "UploadPart"],
  ["example-tenant-kleinverein", "sdk", "CreateMultipartUpload"],
  ["example-upload-function", "presigned-url", "PutObject"],
  ["example-upload-function", "presigned-url", "UploadPart"],
  ["example-upload-function", "sdk", "CreateMultipartUpload"],
  ["example-upload-function", "sdk", "CompleteMultipartUpload"],
  ["example-download-function", "presigned-url", "GetObject"],
  ["example-download-function", "sdk", "HeadObject"],
  ["example-download-function", "sdk", "ListObjectsV2"],
  ["example-tenant-kleinverein", "presigned-url", "GetObject"],
  ["example-signing-function", "sdk", "GetObject"],
  ["example-signing-function", "sdk", "PutObject"],
  ["example-tenant-kleinverein", "sdk", "ListObjectsV2"],
  ["example-scrub-function", "sdk", "GetObject"],
  ["example-scrub-function", "sdk", "PutObject"],
  ["example-document-upload-function", "presigned-post", "PostObject"],
  ["example-document-scrub-function", "sdk", "GetObject"],
  ["example-document-scrub-function", "sdk", "PutObject"],
  ["example-document-download-function", "presigned-url", "GetObject"],
  ["example-standby-download-function", "presigned-url", "GetObject"],
  ["example-standby-download-function", "sdk", "HeadObject"],
  ["example-standby-download-function", "sdk", "ListObjectsV2"],
  // Outage uploads: a browser's upload into the inbox with the standby upload role's signature; failback's
  // homecoming lists the inbox (commercial) and writes home (sovereign).
  ["example-standby-upload-function", "presigned-post", "PostObject"],
  ["example-standby-upload-function", "presigned-url", "PutObject"],
  ["example-standby-upload-function", "sdk", "CreateMultipartUpload"],
  ["example-standby-upload-function", "presigned-url", "UploadPart"],
  ["example-standby-upload-function", "sdk", "CompleteMultipartUpload"],
  ["example-cross-partition-sync-avatars-clean", "sdk", "ListObjectsV2"],
  ["example-failback-avatars-clean-function", "sdk", "PutObject"],
  // The homecoming's KMS calls (the end-to-end test's KMS stand-in): the seal opened, both pseudonyms derived.
  ["example-failback-avatars-clean-function", "sdk", "Decrypt"],
  ["example-failback-avatars-clean-function", "sdk", "GenerateMac"],
  ["example-sync-avatars-clean-function", "sdk", "GetObject"],
  // The standby index (sovereign): the sync writes it before a replica is named by the standby pseudonym.
  ["example-sync-avatars-clean-function", "sdk", "PutObject"],
  ["example-cross-partition-sync-avatars-clean", "sdk", "PutObject"],
  ["example-cross-partition-sync-avatars-clean", "sdk", "UploadPart"],
  ["example-cross-partition-sync-avatars-clean", "sdk", "DeleteObject"],
  ["example-subject-request-api-function", "sdk", "GetObject"],
  ["example-subject-request-pending-function", "sdk", "PutObject"],
  ["example-subject-request-run-function", "sdk", "ListObjectVersions"],
  ["example-subject-request-run-function", "sdk", "DeleteObject"],
  ["example-subject-request-run-function", "presigned-url", "GetObject"],
  ["example-subject-request-certify-function", "sdk", "PutObject"],
];

describe("every recorded request, as AWS would decide it", () => {
  let outcome: CastOutcome;
  beforeAll(() => {
    const records = readRecords();
    if (records.length === 0)
      throw new Error(`no recorded requests in ${RECORD_DIR}: run the tests first (make unit), then make proof`);
    outcome = castRecords(world, records);
    const byPrincipal = new Map<string, number>();
    for (const { call } of outcome.calls)
      byPrincipal.set(call.principal.name, (byPrincipal.get(call.principal.name) ?? 0) + 1);
    console.log(
      `[authz] ${outcome.calls.length} requests to prove (${[...byPrincipal].map(([p, n]) => `${p}: ${n}`).join(", ")}); ` +
        `${outcome.refused.length} refused by the server (not proven); ${outcome.unattributed.length} by the tests' own administrator keys (out of scope)`,
    );
  });

  it("covers the platform's paths", () => {
    const seen = new Set(
      outcome.calls.map(({ call, record }) => `${call.principal.name} ${record.via} ${call.operation}`),
    );
    expect(REQUIRED.filter((r) => !seen.has(r.join(" ")))).toEqual([]);
  });

  it("names only principals, buckets and keys of the example", () => {
    expect(outcome.problems).toEqual([]);
  });

  it("is of a kind the catalogue lists for its role, and allowed by every policy on its path", async () => {
    const failures: string[] = [];
    const seen = new Set<string>();
    for (const { call, record } of outcome.calls) {
      const unknown = unknownKind(call.principal, `${record.via} ${call.service} ${call.operation}`);
      if (unknown !== undefined) {
        if (!seen.has(unknown)) failures.push(`${record.file}: ${unknown}`);
        seen.add(unknown);
        continue;
      }
      const verdict = await judgeCall(simulate, world, call);
      if (verdict.kind === "unknown") {
        failures.push(`${record.file}: unknown kind of request: ${verdict.reason}`);
        continue;
      }
      for (const r of verdict.results) {
        if (r.decision === "Allowed") continue;
        const line = `${call.principal.name} (${call.origin}, ${record.via}) ${call.operation}: ${r.check.label} -> ${r.decision}`;
        if (!seen.has(line)) failures.push(`${record.file}: ${line}`);
        seen.add(line);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe("the abuse matrix, as AWS would decide it", () => {
  const cases = abuseCases(world);

  it("has a case for every actor of the example", () => {
    expect(cases.filter((c) => c.call === undefined).map((c) => `${c.id}: ${c.reason}`)).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(20);
  });

  it.each(cases.filter((c) => c.call !== undefined).map((c) => [c.id, c] as const))("denies %s", async (_, abuse) => {
    if (abuse.call === undefined) throw new Error("filtered above");
    const verdict = await judgeCall(simulate, world, abuse.call);
    if (verdict.kind === "unknown") throw new Error(`${abuse.id}: ${verdict.reason}`);
    // The message lists every check with its decision, so a failure shows which policy let it through.
    expect(
      { allowed: verdict.allowed, checks: verdict.results.map((r) => `${r.check.label}: ${r.decision}`) },
      abuse.title,
    ).toMatchObject({ allowed: false });
    if (abuse.control !== undefined) {
      const control = await judgeCall(simulate, world, abuse.control);
      const shown =
        control.kind === "unknown" ? control.reason : control.results.map((r) => `${r.check.label}: ${r.decision}`);
      expect(
        { allowed: control.kind === "judged" && control.allowed, shown },
        `the legitimate twin of ${abuse.id}`,
      ).toMatchObject({ allowed: true });
    }
  });
});
