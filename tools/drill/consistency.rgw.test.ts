/**
 * The drill's consistency check on a real S3 server (Ceph RADOS Gateway, DESIGN.md §7): a consistent
 * pair of buckets passes, and each kind of inconsistency the drill must catch is reported. One
 * gateway holds both buckets: the check only reads, through the client of each side.
 */
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { s3StandbyIndex } from "../../functions/cross-partition-sync/standby-index";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { checkConsistency, type ConsistencyInput } from "./consistency";

const gateway = useRadosGateway({ name: "drill-consistency" });
let client: S3Client;
let run = 0;

const SOVEREIGN_PSEUDONYM = "a".repeat(32);
const STANDBY_PSEUDONYM = "b".repeat(32);
const ID = "11111111-2222-4333-8444-555555555555";
const ID2 = "11111111-2222-4333-8444-666666666666";

beforeAll(() => {
  client = gateway().client();
});

/** Two fresh buckets with one consistent object and its replica, and the index that maps them. */
async function consistentPair(): Promise<
  ConsistencyInput & {
    put: (
      side: "s" | "c",
      key: string,
      body: string,
      tags?: string,
      metadata?: Record<string, string>,
    ) => Promise<void>;
  }
> {
  run += 1;
  const sovereign = { client, bucket: `drill-sov-${run}` };
  const commercial = { client, bucket: `drill-com-${run}` };
  for (const b of [sovereign.bucket, commercial.bucket]) {
    await client.send(new CreateBucketCommand({ Bucket: b }));
    await client.send(new PutBucketVersioningCommand({ Bucket: b, VersioningConfiguration: { Status: "Enabled" } }));
  }
  const put = async (side: "s" | "c", key: string, body: string, tags = "data-class=avatars-clean", metadata = {}) => {
    await client.send(
      new PutObjectCommand({
        Bucket: side === "s" ? sovereign.bucket : commercial.bucket,
        Key: key,
        Body: body,
        Tagging: tags,
        Metadata: metadata,
      }),
    );
  };
  const index = s3StandbyIndex(client, sovereign.bucket);
  await index.record({ tenant: "acme", sovereign: SOVEREIGN_PSEUDONYM, standby: STANDBY_PSEUDONYM });
  await put("s", `acme/${SOVEREIGN_PSEUDONYM}/${ID}`, "photo");
  await put("c", `acme/${STANDBY_PSEUDONYM}/${ID}`, "photo");
  return {
    sovereign,
    commercial,
    index,
    crossingClasses: ["avatars-clean"],
    erased: [],
    sovereignPseudonyms: [SOVEREIGN_PSEUDONYM],
    put,
  };
}

describe("the drill's consistency check", () => {
  it("passes a consistent pair: the replica under the standby pseudonym, same bytes", async () => {
    // Prepare
    const input = await consistentPair();

    // Act
    const report = await checkConsistency(input);

    // Assess
    expect(report.problems).toEqual([]);
    expect(report.replicasVerified).toBe(1);
  });

  it("reports different bytes, a missing replica and an orphan on the commercial side", async () => {
    // Prepare
    const input = await consistentPair();
    await input.put("c", `acme/${STANDBY_PSEUDONYM}/${ID}`, "changed");
    await input.put("s", `acme/${SOVEREIGN_PSEUDONYM}/${ID2}`, "never replicated");
    await input.put("c", `acme/${STANDBY_PSEUDONYM}/00000000-0000-4000-8000-000000000000`, "orphan");

    // Act
    const { problems } = await checkConsistency(input);

    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`${ID}: replica .* differs`)),
        expect.stringMatching(new RegExp(`${ID2}: no replica at acme/${STANDBY_PSEUDONYM}/${ID2}`)),
        expect.stringMatching(/000000000000: on the commercial side, with no current sovereign object/),
      ]),
    );
  });

  it("passes an empty outage inbox, and reports every version left in it (current or behind a delete marker)", async () => {
    // Prepare
    const input = await consistentPair();
    const inbox = { client, bucket: `drill-inbox-${run}` };
    await client.send(new CreateBucketCommand({ Bucket: inbox.bucket }));
    await client.send(
      new PutBucketVersioningCommand({ Bucket: inbox.bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    const empty = await checkConsistency({ ...input, outageInbox: inbox });
    const left = `acme/${STANDBY_PSEUDONYM}/${ID2}`;
    await client.send(new PutObjectCommand({ Bucket: inbox.bucket, Key: left, Body: "an original" }));
    await client.send(new DeleteObjectCommand({ Bucket: inbox.bucket, Key: left }));

    // Act
    const { problems } = await checkConsistency({ ...input, outageInbox: inbox });

    // Assess
    expect(empty.problems).toEqual([]);
    expect(problems.filter((p) => p.includes("still in the outage inbox"))).toHaveLength(2);
    expect(problems.every((p) => p.startsWith(`${left}: still in the outage inbox ${inbox.bucket}`))).toBe(true);
  });

  it("reports an erased object still current on either side", async () => {
    // Prepare
    const input = await consistentPair();

    // Act
    const { problems } = await checkConsistency({ ...input, erased: [`acme/${SOVEREIGN_PSEUDONYM}/${ID}`] });

    // Assess
    expect(problems).toEqual(
      expect.arrayContaining([
        `acme/${STANDBY_PSEUDONYM}/${ID}: replica of the erased acme/${SOVEREIGN_PSEUDONYM}/${ID} is still current`,
        `acme/${SOVEREIGN_PSEUDONYM}/${ID}: erased, but still current on the sovereign side`,
      ]),
    );
  });

  it("reports anything sovereign-only on the commercial side: a class that may not cross, a sovereign pseudonym, the standby metadata", async () => {
    // Prepare
    const input = await consistentPair();
    await input.put("c", `acme/${STANDBY_PSEUDONYM}/${ID}`, "photo", "data-class=identity", {
      note: `from ${SOVEREIGN_PSEUDONYM}`,
      "standby-pseudonym": STANDBY_PSEUDONYM,
    });

    // Act
    const { problems } = await checkConsistency(input);

    // Assess
    const key = `acme/${STANDBY_PSEUDONYM}/${ID}`;
    expect(problems).toEqual(
      expect.arrayContaining([
        `${key}: data class identity may not be on the commercial side`,
        `${key}: names the sovereign pseudonym ${SOVEREIGN_PSEUDONYM} on the commercial side`,
        `${key}: carries standby-pseudonym metadata, which stays sovereign`,
      ]),
    );
  });
});
