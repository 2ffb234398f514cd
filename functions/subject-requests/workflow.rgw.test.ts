/**
 * The data-subject request workflow end to end on two real S3 servers (Ceph RADOS Gateway, DESIGN.md
 * §7): the sovereign partition (originals with object lock, clean, the requests bucket, the evidence
 * bucket) and the commercial one (the failover bucket). Step Functions is the loopback harness
 * (test/support/subject-requests/local-sfn.ts) running the REAL definition (definition.ts); its Task
 * states call the real pending, run and certify handlers with their environment and the gateways'
 * clients, and operators call the real API handler with API Gateway's IAM identity in the event.
 *
 * Stand-ins: the pseudonym HMAC is a local key (no KMS GenerateMac here), the evidence key a local
 * P-256 key signing as KMS's Sign with MessageType DIGEST, and the commercial client uses the
 * gateway's keys instead of Roles Anywhere credentials.
 */
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectVersionsCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { unzipSync } from "fflate";
import { beforeAll, describe, expect, it } from "vitest";
import { castNames } from "../../test/authz/recorder";
import { createEvidenceBucket } from "../../test/s3/evidence-bucket";
import { ERASE_LISTING_ACTIONS, ERASE_VERSION_ACTIONS } from "../../modules/private-bucket/perms";
import { assumeRole, createRole } from "../../test/s3/sts";
import { useRadosGateway } from "../../test/s3/lifecycle";
import { digestSigner, TEST_KEY_ARN } from "../../test/support/evidence/digest-signers";
import { startIamGateway } from "../../test/support/subject-requests/iam-gateway";
import { LocalStepFunctions } from "../../test/support/subject-requests/local-sfn";
import { formatCertificate, signEvidence, verifyCertificate } from "../evidence/certificate";
import { localMac, Pseudonyms, STANDBY_DOMAIN } from "../shared/pseudonym";
import { createApiHandler } from "./api-handler";
import { main as operatorMain } from "./operator-cli";
import type { CertifyInput, CertifyOutput } from "./certify";
import { createCertifyHandler } from "./certify-handler";
import { subjectRequestDefinition } from "./definition";
import { createPendingHandler, type PendingEvent } from "./pending-handler";
import type { RunInput } from "./run";
import { createRunHandler } from "./run-handler";

const REGION = "eusc-de-east-1";
const ACCOUNT = "111122223333";
const kmsArn = (id: string) => `arn:aws-eusc:kms:${REGION}:${ACCOUNT}:key/${id}`;
const REQUESTS_KEY = kmsArn("5e5e5e5e-7777-4888-9999-0000000000d1");
const EXPORT_KEY = kmsArn("5e5e5e5e-7777-4888-9999-0000000000d2");
const EVIDENCE_BUCKET_KEY = kmsArn("5e5e5e5e-7777-4888-9999-0000000000d3");
const ORIGINALS = "wf-originals";
const CLEAN = "wf-clean";
const REQUESTS = "wf-requests";
const EVIDENCE = "wf-evidence";
const FAILOVER = "wf-failover";
/** A place whose bucket does not exist: the erasure cannot be confirmed there. */
const MISSING = "wf-missing";
const STATE_MACHINE_ARN = `arn:aws-eusc:states:${REGION}:${ACCOUNT}:stateMachine:subject-requests`;
const fn = (name: string) => `arn:aws-eusc:lambda:${REGION}:${ACCOUNT}:function:${name}`;
const ANNA = `arn:aws-eusc:sts::${ACCOUNT}:assumed-role/operators/anna`;
const BERT = `arn:aws-eusc:sts::${ACCOUNT}:assumed-role/operators/bert`;

const sovereignGateway = useRadosGateway({
  name: "workflow-sovereign",
  region: REGION,
  kmsKeys: [REQUESTS_KEY, EXPORT_KEY, EVIDENCE_BUCKET_KEY],
  sts: true,
});
const commercialGateway = useRadosGateway({ name: "workflow-commercial", region: "eu-central-1", sts: true });

const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
const signer = digestSigner(keys.privateKey);
const verifyWith = { publicKey: { key: keys.publicKey }, keyId: TEST_KEY_ARN };
const pseudonyms = new Pseudonyms(localMac(Buffer.from("workflow test pseudonym key")));
/** The standby pseudonyms (another key, another domain): the commercial replicas are named by them. */
const standbyPseudonyms = new Pseudonyms(localMac(Buffer.from("workflow test standby key")), undefined, STANDBY_DOMAIN);

const env = {
  AWS_REGION: REGION,
  REQUESTS_BUCKET: REQUESTS,
  REQUESTS_KMS_KEY_ID: REQUESTS_KEY,
  STATE_MACHINE_ARN,
  TENANTS: JSON.stringify(["acme", "acme-eu"]),
  PSEUDONYM_KEY_ID: kmsArn("5e5e5e5e-7777-4888-9999-0000000000d4"),
  PLACES: JSON.stringify([
    { name: "originals", bucket: ORIGINALS, partition: "sovereign" },
    { name: "clean", bucket: CLEAN, partition: "sovereign", standbyIndex: true },
    { name: "commercial-failover", bucket: FAILOVER, partition: "commercial" },
  ]),
  EXPORT_KMS_KEY_ID: EXPORT_KEY,
  EXPORT_URL_EXPIRY_SECONDS: "300",
  TARGET_REGION: "eu-central-1",
  ROLES_ANYWHERE_TRUST_ANCHOR_ARN: `arn:aws:rolesanywhere:eu-central-1:${ACCOUNT}:trust-anchor/unused`,
  ROLES_ANYWHERE_PROFILE_ARN: `arn:aws:rolesanywhere:eu-central-1:${ACCOUNT}:profile/unused`,
  ROLES_ANYWHERE_ROLE_ARN: `arn:aws:iam::${ACCOUNT}:role/unused`,
  SIGNING_MATERIAL_SECRET_ID: "unused",
  EVIDENCE_KEY_ID: TEST_KEY_ARN,
  EVIDENCE_BUCKET: EVIDENCE,
  EVIDENCE_BUCKET_KMS_KEY_ID: EVIDENCE_BUCKET_KEY,
};

let sovereign: S3Client;
let commercial: S3Client;
/** The run function's commercial client: the erasure role's credentials. */
let replicaClient: S3Client;
/** Each function's client: credentials of a gateway role named as the stack names the function's role. */
const as: Record<"api" | "pending" | "run" | "certify", S3Client> = {} as never;

/** Calls of the Task states' functions, and gates the test opens (a follow-up run waits for its gate). */
const ran: { attempt: number; kind: string }[] = [];
const gates = new Map<number, Promise<void>>();
const certified = new Map<string, (output: CertifyOutput) => void>();
const whenCertified = (id: string, attempt: number) =>
  new Promise<CertifyOutput>((resolve) => certified.set(`${id}#${attempt}`, resolve));

function workflow(approvalTimeoutSeconds = 3600, runEnv: Record<string, string> = env) {
  const pending = createPendingHandler(env, { s3: as.pending });
  const run = createRunHandler(runEnv, { sovereign: as.run, commercial: () => replicaClient });
  const certify = createCertifyHandler(env, { s3: as.certify, signer });
  const sfn = new LocalStepFunctions({
    stateMachineArn: STATE_MACHINE_ARN,
    // Node's timers hold at most 24.8 days: the default 30-day approval timeout is set for real runs only.
    definition: subjectRequestDefinition({
      partition: "aws-eusc",
      functions: { pending: fn("pending"), run: fn("run"), certify: fn("certify") },
      approvalTimeoutSeconds,
    }),
    functions: {
      AwaitApproval: (payload) => pending(payload as PendingEvent),
      Run: async (payload) => {
        const input = payload as RunInput & { request: { kind: string } };
        await gates.get(input.attempt as number);
        ran.push({ attempt: input.attempt as number, kind: input.request.kind });
        return run(input);
      },
      Certify: async (payload) => {
        const input = payload as CertifyInput & { request: { id: string } };
        const output = await certify(input);
        certified.get(`${input.request.id}#${input.attempt}`)?.(output);
        return output;
      },
    },
    waitTimeOverrides: { WaitForHold: 0 },
    retryIntervalOverrides: { Run: 0, Certify: 0 },
  });
  const api = createApiHandler(env, {
    s3: as.api,
    sfn,
    pseudonyms,
    standbyPseudonyms,
    evidencePublicKey: async () => ({ key: keys.publicKey, keyId: TEST_KEY_ARN }),
  });
  return { sfn, api, certify };
}

/** An HTTP API v2 event as API Gateway sends it for an IAM-signed request. */
function event(routeKey: string, caller: string | undefined, options: { id?: string; body?: unknown } = {}) {
  const [method = "", path = ""] = routeKey.split(" ");
  return {
    version: "2.0",
    routeKey,
    rawPath: path.replace("{id}", options.id ?? ""),
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
    ...(options.id === undefined ? {} : { pathParameters: { id: options.id } }),
    requestContext: {
      requestId: "r-1",
      http: { method, path: path.replace("{id}", options.id ?? "") },
      ...(caller === undefined ? {} : { authorizer: { iam: { userArn: caller } } }),
    },
  };
}

type Api = ReturnType<typeof workflow>["api"];
async function call(api: Api, ...args: Parameters<typeof event>) {
  const answer = await api(event(...args));
  return {
    status: answer.statusCode,
    body: JSON.parse(answer.body) as Record<string, unknown> & {
      error?: { code: string; field: string; message: string };
    },
  };
}

/** Polls GET until the request has the status (the pending function runs after StartExecution answered). */
async function until(api: Api, id: string, status: string) {
  for (let i = 0; i < 200; i++) {
    const got = await call(api, "GET /v1/requests/{id}", ANNA, { id });
    if (got.body.status === status) return got.body;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const last = await call(api, "GET /v1/requests/{id}", ANNA, { id });
  throw new Error(`request ${id} never reached ${status}: ${JSON.stringify(last)}`);
}

async function put(client: S3Client, bucket: string, key: string, text: string): Promise<string> {
  const answer = await client.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: Buffer.from(text) }));
  return answer.VersionId ?? "";
}

async function everything(client: S3Client, bucket: string): Promise<string[]> {
  const listed = await client.send(new ListObjectVersionsCommand({ Bucket: bucket }));
  return [...(listed.Versions ?? []), ...(listed.DeleteMarkers ?? [])].map((v) => `${v.Key}@${v.VersionId}`).sort();
}

const snapshot = async () => [
  ...(await everything(sovereign, ORIGINALS)),
  ...(await everything(sovereign, CLEAN)),
  ...(await everything(commercial, FAILOVER)),
];

async function certificate(key: string) {
  const answer = await sovereign.send(new GetObjectCommand({ Bucket: EVIDENCE, Key: key }));
  const verified = verifyCertificate((await answer.Body?.transformToString("utf8")) ?? "", verifyWith);
  if (!verified.valid) throw new Error(`certificate ${key} does not verify: ${verified.message}`);
  // biome-ignore lint/suspicious/noExplicitAny: the tests read into the signed document
  return verified.document as Record<string, any>;
}

const SUBJECT = "anna.subject@example.org";
let own: string;
/** The subject's prefix in the commercial partition (the standby pseudonym). */
let standbyOwn: string;
/** An entry of the subject's, in either partition. */
const ownEntry = (entry: string) => entry.includes(own) || entry.includes(standbyOwn);
let heldVersion: string;

beforeAll(async () => {
  // The gateway roles have the stack's erasure grants (modules/private-bucket/perms.ts). The proof judges what each function's role does, as in the example: the sovereign buckets and
  // keys are the document pipeline's, the requests bucket's and the evidence bucket's; on the
  // commercial side the run works as the Roles Anywhere erasure role (here: a gateway role of its
  // name; the Roles Anywhere exchange itself is tested with the sync, functions/rolesanywhere/).
  castNames({
    buckets: {
      [ORIGINALS]: "example-documents-original-111111111111",
      [CLEAN]: "example-documents-clean-111111111111",
      [REQUESTS]: "example-subject-requests-111111111111",
      [EVIDENCE]: "example-evidence-111111111111",
      [FAILOVER]: "example-avatars-clean-failover-222222222222",
      [MISSING]: "example-avatars-original-111111111111",
    },
    keys: {
      [REQUESTS_KEY]: "aws_kms_key.subject-requests_key_key",
      [EXPORT_KEY]: "aws_kms_key.subject-requests_key_key",
      [EVIDENCE_BUCKET_KEY]: "aws_kms_key.sovereign-key-evidence_key",
    },
    tenants: { acme: "acme-health", "acme-eu": "bergstadt" },
  });
  const g = sovereignGateway();
  sovereign = g.client();
  const cg = commercialGateway();
  commercial = cg.client();
  const eraser = "example-subject-erasure";
  const replicaGrant = {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Action: [...ERASE_LISTING_ACTIONS],
        Resource: [`arn:aws:s3:::${FAILOVER}`],
      },
      {
        Effect: "Allow",
        Action: [...ERASE_VERSION_ACTIONS],
        Resource: [`arn:aws:s3:::${FAILOVER}/*`],
      },
    ],
  };
  replicaClient = cg.client({
    credentials: await assumeRole(cg, await createRole(cg, eraser, replicaGrant), eraser, 3600),
  });
  const objects = (bucket: string, prefix = "") => `arn:aws:s3:::${bucket}/${prefix}*`;
  const bucket = (name: string) => `arn:aws:s3:::${name}`;
  const grants: Record<keyof typeof as, object[]> = {
    api: [
      { Effect: "Allow", Action: ["s3:GetObject", "s3:DeleteObject"], Resource: [objects(REQUESTS, "pending/")] },
      { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: [objects(EVIDENCE, "deployments/")] },
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: [objects(EVIDENCE, "requests/")] },
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucket(REQUESTS), bucket(EVIDENCE)] },
    ],
    pending: [
      { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: [objects(REQUESTS, "pending/")] },
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucket(REQUESTS)] },
    ],
    run: [
      {
        Effect: "Allow",
        Action: [...ERASE_LISTING_ACTIONS],
        Resource: [bucket(ORIGINALS), bucket(CLEAN), bucket(REQUESTS)],
      },
      {
        Effect: "Allow",
        Action: [...ERASE_VERSION_ACTIONS],
        Resource: [objects(ORIGINALS), objects(CLEAN)],
      },
      {
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:GetObject", "s3:GetObjectVersion"],
        Resource: [objects(REQUESTS, "exports/")],
      },
      { Effect: "Allow", Action: ["s3:PutObject"], Resource: [objects(REQUESTS, "reports/")] },
    ],
    certify: [
      { Effect: "Allow", Action: ["s3:GetObject"], Resource: [objects(REQUESTS, "reports/")] },
      { Effect: "Allow", Action: ["s3:PutObject", "s3:GetObject"], Resource: [objects(EVIDENCE, "requests/")] },
      { Effect: "Allow", Action: ["s3:ListBucket"], Resource: [bucket(REQUESTS), bucket(EVIDENCE)] },
    ],
  };
  for (const [fn, statements] of Object.entries(grants) as [keyof typeof as, object[]][]) {
    const name = `example-subject-request-${fn}-function`;
    const credentials = await assumeRole(
      g,
      await createRole(g, name, { Version: "2012-10-17", Statement: statements }),
      name,
      3600,
    );
    as[fn] = g.client({ credentials });
  }
  await sovereign.send(new CreateBucketCommand({ Bucket: ORIGINALS, ObjectLockEnabledForBucket: true }));
  for (const [client, bucket] of [
    [sovereign, CLEAN],
    [sovereign, REQUESTS],
    [commercial, FAILOVER],
  ] as const) {
    await client.send(new CreateBucketCommand({ Bucket: bucket }));
    await client.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
  }
  await createEvidenceBucket(sovereign, EVIDENCE);
  // The subject: two versions and a deleted object in originals, the quarantine, a clean copy, a
  // commercial replica, and a version under a legal hold.
  own = `acme/${await pseudonyms.of("acme", SUBJECT)}/`;
  standbyOwn = `acme/${await standbyPseudonyms.of("acme", SUBJECT)}/`;
  await put(sovereign, ORIGINALS, `${own}scan`, "scan, first");
  await put(sovereign, ORIGINALS, `${own}scan`, "scan, second");
  await put(sovereign, ORIGINALS, `${own}photo`, "photo");
  await sovereign.send(new DeleteObjectCommand({ Bucket: ORIGINALS, Key: `${own}photo` }));
  await put(sovereign, ORIGINALS, `quarantine/${own}upload`, "suspicious upload");
  heldVersion = await put(sovereign, ORIGINALS, `${own}contract`, "contract under a legal hold");
  await sovereign.send(
    new PutObjectLegalHoldCommand({
      Bucket: ORIGINALS,
      Key: `${own}contract`,
      VersionId: heldVersion,
      LegalHold: { Status: "ON" },
    }),
  );
  await put(sovereign, CLEAN, `${own}scan`, "scan, scrubbed");
  // The sync's standby index records of the subject (sovereign, in the clean bucket).
  await put(sovereign, CLEAN, `sip-sync-records/by-sovereign/${own}record.json`, "index record");
  await put(sovereign, CLEAN, `sip-sync-records/by-standby/${standbyOwn}record.json`, "index record");
  await put(commercial, FAILOVER, `${standbyOwn}scan`, "scan, replica");
  // A replica from before the standby pseudonyms, under the sovereign key: the run never asks the
  // commercial side about that key (the one-off rename run renames it).
  await put(commercial, FAILOVER, `${own}legacy`, "replica under the sovereign key");
  // Neighbours: another subject of acme, the same identifier in tenant acme-eu.
  await put(sovereign, ORIGINALS, `acme/${await pseudonyms.of("acme", "bert@example.org")}/scan`, "neighbour");
  await put(sovereign, CLEAN, `acme-eu/${await pseudonyms.of("acme-eu", SUBJECT)}/scan`, "other tenant");
  await put(
    commercial,
    FAILOVER,
    `acme-eu/${await standbyPseudonyms.of("acme-eu", SUBJECT)}/scan`,
    "other tenant replica",
  );
}, 60_000);

describe("the data-subject request workflow", () => {
  it("exports after a second person's approval: self-approval refused, archive downloadable, certificate verifies", async () => {
    const { api, sfn } = workflow();
    // Act: Anna asks, Anna tries to approve, Bert approves.
    const created = await call(api, "POST /v1/requests", ANNA, {
      body: { tenant: "acme", subject: SUBJECT, kind: "export", reason: "GDPR art. 15, ticket 4711" },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(created.body).toEqual({ id, status: "awaiting-approval" });
    const waiting = await until(api, id, "awaiting-approval");
    expect(waiting.request).toMatchObject({ id, tenant: "acme", kind: "export", requestedBy: ANNA });
    expect(JSON.stringify(waiting)).not.toContain(SUBJECT);
    const self = await call(api, "POST /v1/requests/{id}/approve", ` ${ANNA.toUpperCase()}`, { id });
    expect(self.status).toBe(403);
    expect(self.body.error?.code).toBe("self-approval");
    expect(sfn.calls).not.toContain("SendTaskSuccess");
    const approved = await call(api, "POST /v1/requests/{id}/approve", BERT, { id });
    expect(approved.status).toBe(200);
    await sfn.settled(id);
    // Assess
    const done = await call(api, "GET /v1/requests/{id}", BERT, { id });
    expect(done.body).toMatchObject({ id, status: "completed", held: false, approval: { approvedBy: BERT } });
    const archive = new Uint8Array(await (await fetch(done.body.downloadUrl as string)).arrayBuffer());
    const entries = Object.keys(unzipSync(archive)).sort();
    expect(entries.filter((e) => e !== "manifest.json").map((e) => e.replace(/#.*/, ""))).toEqual(
      [
        `clean/${own}scan`,
        `clean/sip-sync-records/by-sovereign/${own}record.json`,
        `clean-standby-index/sip-sync-records/by-standby/${standbyOwn}record.json`,
        `commercial-failover/${standbyOwn}scan`,
        `originals/${own}contract`,
        `originals/${own}photo`,
        `originals/${own}scan`,
        `originals/${own}scan`,
        `originals/quarantine/${own}upload`,
      ].sort(),
    );
    const document = await certificate(done.body.certificate as string);
    expect(document.request).toMatchObject({ id, kind: "export", requestedBy: ANNA, approvedBy: BERT });
    expect(document.export.versions).toBe(9);
    // A second decision is refused: the request is no longer awaiting one.
    const again = await call(api, "POST /v1/requests/{id}/approve", BERT, { id });
    expect(again.status).toBe(409);
  });

  it("runs nothing for a rejected request: the requester may withdraw it", async () => {
    const { api, sfn } = workflow();
    const before = await snapshot();
    const runsBefore = ran.length;
    const created = await call(api, "POST /v1/requests", ANNA, {
      body: { tenant: "acme", subject: SUBJECT, kind: "erase", reason: "GDPR art. 17, ticket 4712" },
    });
    const id = created.body.id as string;
    await until(api, id, "awaiting-approval");
    const rejected = await call(api, "POST /v1/requests/{id}/reject", ANNA, { id, body: { reason: "asked twice" } });
    expect(rejected.status).toBe(200);
    await sfn.settled(id);
    const got = await call(api, "GET /v1/requests/{id}", BERT, { id });
    expect(got.body).toMatchObject({ status: "rejected", rejection: { rejectedBy: ANNA, reason: "asked twice" } });
    expect(ran.length).toBe(runsBefore);
    expect(await snapshot()).toEqual(before);
    expect((await call(api, "POST /v1/requests/{id}/approve", BERT, { id })).status).toBe(409);
  });

  it("times out a request nobody decides on, and refuses a late approval", async () => {
    const { api, sfn } = workflow(1);
    const created = await call(api, "POST /v1/requests", ANNA, {
      body: { tenant: "acme", subject: SUBJECT, kind: "erase", reason: "GDPR art. 17, ticket 4713" },
    });
    const id = created.body.id as string;
    await until(api, id, "awaiting-approval");
    await sfn.settled(id);
    expect((await call(api, "GET /v1/requests/{id}", BERT, { id })).body.status).toBe("timed-out");
    const late = await call(api, "POST /v1/requests/{id}/approve", BERT, { id });
    expect(late.status).toBe(409);
    expect(late.body.error?.code).toBe("already_decided");
  });

  it("erases everywhere, certifies the held version, then erases it once the hold is lifted", async () => {
    const { api, sfn, certify } = workflow();
    const neighbours = (await snapshot()).filter((entry) => !ownEntry(entry));
    let lift: () => void = () => {};
    gates.set(2, new Promise((resolve) => (lift = resolve)));
    const created = await call(api, "POST /v1/requests", ANNA, {
      body: { tenant: "acme", subject: SUBJECT, kind: "erase", reason: "GDPR art. 17, ticket 4714" },
    });
    const id = created.body.id as string;
    const first = whenCertified(id, 1);
    const second = whenCertified(id, 2);
    await until(api, id, "awaiting-approval");
    expect((await call(api, "POST /v1/requests/{id}/approve", BERT, { id })).status).toBe(200);
    // First run: everything but the held version is gone, and the certificate says it is held.
    const one = await first;
    expect(one.certificateKey).toMatch(new RegExp(`/${id}\\.json$`));
    expect((await snapshot()).filter((entry) => ownEntry(entry) && !entry.includes(`${own}legacy`))).toEqual([
      `${own}contract@${heldVersion}`,
    ]);
    const held = await certificate(one.certificateKey);
    expect(held.erasure.places[0].held).toEqual([
      { key: `${own}contract`, versionId: heldVersion, retainUntil: null, mode: null, legalHold: true },
    ]);
    expect((await call(api, "GET /v1/requests/{id}", BERT, { id })).body.status).toBe("running");
    // A retried Certify (its answer lost) returns the stored certificate: no second version.
    const { request } = (await call(api, "GET /v1/requests/{id}", BERT, { id })).body;
    const retried = await certify({
      request,
      approval: { approvedBy: BERT, approvedAt: held.request.approvedAt },
      attempt: 1,
      run: { reportKey: `reports/${id}/1.json` },
    });
    expect(retried).toEqual(one);
    // Act: the hold is lifted; the Wait fires and the follow-up run erases the version.
    await sovereign.send(
      new PutObjectLegalHoldCommand({
        Bucket: ORIGINALS,
        Key: `${own}contract`,
        VersionId: heldVersion,
        LegalHold: { Status: "OFF" },
      }),
    );
    lift();
    const two = await second;
    await sfn.settled(id);
    // Assess
    expect(two.certificateKey).toMatch(new RegExp(`/${id}\\.2\\.json$`));
    const followUp = await certificate(two.certificateKey);
    expect(followUp.erasure.places[0].erasedVersions).toEqual([
      { key: `${own}contract`, versionId: heldVersion, sha256: expect.any(String) },
    ]);
    // Only the replica from before the standby pseudonyms stays (under the sovereign key, which the
    // run does not send to the commercial side): the one-off rename run's, not the request's.
    const after = await snapshot();
    expect(after.filter((entry) => !entry.includes(`${own}legacy`))).toEqual(neighbours);
    expect(after.filter((entry) => entry.includes(`${own}legacy`))).toHaveLength(1);
    const listed = await sovereign.send(new ListObjectVersionsCommand({ Bucket: EVIDENCE, Prefix: "requests/" }));
    expect((listed.Versions ?? []).filter((v) => v.Key?.includes(id)).length).toBe(2);
    const done = await call(api, "GET /v1/requests/{id}", BERT, { id });
    expect(done.body).toMatchObject({ status: "completed", certificate: two.certificateKey, held: false });
    expect(ran.filter((r) => r.kind === "erase").map((r) => r.attempt)).toEqual([1, 2]);
  });

  it("works end to end with the operators' client: SigV4 through the IAM gateway stand-in to the real API", async () => {
    // Prepare: API Gateway's IAM authorisation (the harness verifies SigV4) in front of the real API handler.
    const { api, sfn } = workflow();
    const keys = {
      anna: { accessKeyId: "AKIAANNAOPERATOR0001", secretAccessKey: "anna-secret-key-for-the-gateway-test" },
      bert: { accessKeyId: "AKIABERTOPERATOR0002", secretAccessKey: "bert-secret-key-for-the-gateway-test" },
    };
    const iam = await startIamGateway({
      region: REGION,
      principals: {
        [keys.anna.accessKeyId]: { secretAccessKey: keys.anna.secretAccessKey, userArn: ANNA },
        [keys.bert.accessKeyId]: { secretAccessKey: keys.bert.secretAccessKey, userArn: BERT },
      },
      handler: async (e) => (await api(e)) as never,
    });
    const cli = async (as: keyof typeof keys, ...argv: string[]) => {
      let stdout = "";
      let stderr = "";
      const code = await operatorMain(
        argv,
        {
          stdout: { write: (t: string) => (stdout += t) },
          stderr: { isTTY: false, write: (t: string) => (stderr += t) },
        },
        {
          env: { SIP_REQUESTS_ENDPOINT: iam.url, AWS_REGION: REGION },
          credentials: async () => keys[as],
          sleep: async () => {},
        },
      );
      return { code, stdout, stderr };
    };
    try {
      // Act: Anna files an export, tries to approve it herself, Bert approves, Anna watches it finish.
      const filed = await cli(
        "anna",
        "request",
        "--tenant",
        "acme",
        "--subject",
        SUBJECT,
        "--kind",
        "export",
        "--reason",
        "ticket 4713",
      );
      expect(filed.code, filed.stderr).toBe(0);
      const id = filed.stdout.trim();
      await until(api, id, "awaiting-approval");
      const self = await cli("anna", "approve", id);
      const approved = await cli("bert", "approve", id);
      await sfn.settled(id);
      const certificateFile = join(tmpdir(), `sip-certificate-${id}.json`);
      const status = await cli("anna", "status", id, "--json", "--certificate", certificateFile);
      // Assess
      expect([self.code, self.stderr]).toEqual([1, expect.stringContaining("(403)")]);
      expect(self.stderr).toContain("field: approvedBy");
      expect(approved.code, approved.stderr).toBe(0);
      expect(JSON.parse(status.stdout)).toMatchObject({ id, status: "completed", approval: { approvedBy: BERT } });
      // The operator gets the signed certificate (the evidence bucket is closed outside the VPC) and checks it offline.
      const written = verifyCertificate(readFileSync(certificateFile, "utf8"), verifyWith);
      expect(written.valid && written.document.request).toMatchObject({ id, approvedBy: BERT, requestedBy: ANNA });
      rmSync(certificateFile, { force: true });
    } finally {
      await iam.close();
    }
  });

  it("keeps a signed deployment manifest in the evidence bucket, once, and refuses what the evidence key did not sign", async () => {
    // Prepare: a deployment manifest signed by the evidence key (the test's P-256 stand-in), as deployment-manifest writes it.
    const { api } = workflow();
    const commit = "0123456789abcdef0123456789abcdef01234567";
    const manifest = { type: "deployment", commit, deployer: BERT, recordedAt: "2026-12-07T00:00:00.000Z", stacks: [] };
    const text = formatCertificate(await signEvidence(manifest, signer));
    const post = (body: string, caller = BERT) =>
      api({
        version: "2.0",
        routeKey: "POST /v1/deployments",
        body,
        requestContext: { http: { method: "POST", path: "/v1/deployments" }, authorizer: { iam: { userArn: caller } } },
      });
    const forged = await signEvidence(
      manifest,
      digestSigner(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey),
    );
    const otherRecord = formatCertificate(await signEvidence({ type: "data-subject-request", commit }, signer));
    // Act
    const first = await post(text);
    const again = await post(text);
    const tampered = await post(text.replace(BERT, ANNA));
    const foreign = await post(formatCertificate(forged));
    const wrongKind = await post(otherRecord);
    // Assess: stored once, under deployments/<commit>/, locked, with who sent it; the rest refused naming the certificate.
    const stored = JSON.parse(first.body) as { key: string; versionId: string; created: boolean };
    expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
    expect(stored.key).toMatch(new RegExp(`^deployments/${commit}/[0-9a-f]{64}\\.json$`));
    expect(JSON.parse(again.body)).toMatchObject({ key: stored.key, versionId: stored.versionId, created: false });
    const object = await sovereign.send(new GetObjectCommand({ Bucket: EVIDENCE, Key: stored.key }));
    expect(await object.Body?.transformToString("utf8")).toBe(text);
    expect(object.Metadata).toMatchObject({ "stored-by": BERT });
    expect(object.ObjectLockMode).toBe("COMPLIANCE");
    for (const refused of [tampered, foreign, wrongKind]) {
      expect(refused.statusCode).toBe(400);
      expect(JSON.parse(refused.body).error.field).toBe("certificate");
    }
    expect(JSON.parse(tampered.body).error.message).toMatch(/digest-mismatch/);
    expect(JSON.parse(foreign.body).error.message).toMatch(/bad-signature/);
    expect(JSON.parse(wrongKind.body).error.message).toMatch(/not a deployment manifest/);
  });

  it("fails an erasure that cannot be confirmed everywhere after its retries, and certifies nothing", async () => {
    // Prepare: the run also looks in a place whose bucket is missing.
    const places = [
      ...(JSON.parse(env.PLACES) as object[]),
      { name: "missing", bucket: MISSING, partition: "sovereign" },
    ];
    const { api, sfn } = workflow(3600, { ...env, PLACES: JSON.stringify(places) });
    const subject = "carl@example.org";
    const carl = `acme/${await pseudonyms.of("acme", subject)}/`;
    await put(sovereign, ORIGINALS, `${carl}scan`, "carl's scan");
    const runsBefore = ran.length;
    // Act
    const created = await call(api, "POST /v1/requests", ANNA, {
      body: { tenant: "acme", subject, kind: "erase", reason: "GDPR art. 17, ticket 4714" },
    });
    const id = created.body.id as string;
    await until(api, id, "awaiting-approval");
    expect((await call(api, "POST /v1/requests/{id}/approve", BERT, { id })).status).toBe(200);
    await sfn.settled(id);
    // Assess: the run was tried four times (three retries), the request failed naming why, no certificate.
    const status = await call(api, "GET /v1/requests/{id}", ANNA, { id });
    expect(status.body).toMatchObject({ id, status: "failed" });
    expect(JSON.stringify(status.body)).toMatch(/missing/);
    expect(ran.length - runsBefore).toBe(4);
    const certificates = await sovereign.send(
      new ListObjectVersionsCommand({ Bucket: EVIDENCE, Prefix: `requests/${carl}${id}` }),
    );
    expect(certificates.Versions ?? []).toEqual([]);
  });
});
