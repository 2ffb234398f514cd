/**
 * The deployment manifest over a synthesized output the test writes itself, signed by a local P-256
 * key in place of KMS (test/support/evidence: the signature KMS gives for a digest) and checked with
 * the public key alone, as `verify-evidence` checks it.
 */
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { digestSigner, TEST_KEY_ARN } from "../../test/support/evidence/digest-signers";
import { startIamGateway } from "../../test/support/subject-requests/iam-gateway";
import { tempDir } from "../../test/template";
import { verifyCertificate } from "./certificate";
import { main } from "./manifest-cli";

const keys = generateKeyPairSync("ec", { namedCurve: "P-256" });
const COMMIT = "0123456789abcdef0123456789abcdef01234567";
const DEPLOYER = "arn:aws-eusc:sts::111111111111:assumed-role/platform-deployer/ada";
let cleanup: () => void = () => {};
afterEach(() => cleanup());

/** A cdktf.out with one stack, its plan and its residency inventory. */
function synthesized(): { outdir: string; stack: string; plan: string } {
  const tmp = tempDir();
  cleanup = tmp.cleanup;
  const outdir = join(tmp.dir, "cdktf.out");
  mkdirSync(join(outdir, "stacks", "example"), { recursive: true });
  mkdirSync(join(outdir, "plans"), { recursive: true });
  mkdirSync(join(outdir, "review", "example"), { recursive: true });
  const stack = '{"resource":{}}\n';
  const plan = '{"resource_changes":[]}\n';
  writeFileSync(join(outdir, "stacks", "example", "cdk.tf.json"), stack);
  writeFileSync(join(outdir, "plans", "example.plan.json"), plan);
  writeFileSync(join(outdir, "review", "example", "residency.json"), '{"placements":[],"unplaced":[]}\n');
  writeFileSync(
    join(outdir, "manifest.json"),
    JSON.stringify({
      stacks: { example: { synthesizedStackPath: "stacks/example/cdk.tf.json" } },
      sovereignIdentityPlatform: { configFile: "../config/example.json", configSha256: "ab".repeat(32) },
    }),
  );
  return { outdir, stack, plan };
}

function io() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } },
    out,
    err,
  };
}

const sha = (text: string) => createHash("sha256").update(text).digest("hex");

describe("deployment-manifest", () => {
  it("signs what was deployed: commit, configuration, each stack and plan, residency, deployer", async () => {
    // Prepare
    const { outdir, stack, plan } = synthesized();
    const { io: sink, err } = io();
    const file = join(outdir, "..", "deployment.json");
    // Act
    const status = await main(
      [
        "--outdir",
        outdir,
        "--commit",
        COMMIT,
        "--deployer",
        DEPLOYER,
        "--job",
        "ci-42",
        "--key-id",
        TEST_KEY_ARN,
        "--out",
        file,
      ],
      sink,
      { signerFor: () => digestSigner(keys.privateKey), now: () => new Date("2026-12-07T02:00:00Z") },
    );
    // Assess
    expect([status, err]).toEqual([0, []]);
    const verified = verifyCertificate(readFileSync(file, "utf8"), {
      publicKey: { key: keys.publicKey },
      keyId: TEST_KEY_ARN,
    });
    if (!verified.valid) throw new Error(verified.message);
    expect(verified.document).toEqual({
      type: "deployment",
      commit: COMMIT,
      job: "ci-42",
      configuration: { file: "../config/example.json", sha256: "ab".repeat(32) },
      stacks: [
        {
          name: "example",
          sha256: sha(stack),
          planSha256: sha(plan),
          residency: { placements: [], unplaced: [] },
        },
      ],
      deployer: DEPLOYER,
      recordedAt: "2026-12-07T02:00:00.000Z",
    });
  });

  it("fails, naming the fix, without a synthesized output or with a commit that is not one", async () => {
    const { outdir } = synthesized();
    const missing = io();
    expect(
      await main(
        ["--outdir", join(outdir, "none"), "--commit", COMMIT, "--deployer", DEPLOYER, "--unsigned"],
        missing.io,
      ),
    ).toBe(1);
    expect(missing.err.join("")).toMatch(/manifest\.json does not exist\. Fix: run make synth/);
    const short = io();
    expect(await main(["--outdir", outdir, "--commit", "abc123", "--deployer", DEPLOYER, "--unsigned"], short.io)).toBe(
      1,
    );
    expect(short.err.join("")).toMatch(/not a full commit ID\. Fix: pass git rev-parse HEAD/);
    const neither = io();
    expect(await main(["--outdir", outdir, "--commit", COMMIT, "--deployer", DEPLOYER], neither.io)).toBe(64);
    expect(neither.err.join("")).toMatch(/--key-id ARN, or print the manifest with --unsigned/);
  });

  it("--store posts the signed certificate, as the caller, to the operators' API, and says where it was kept", async () => {
    // Prepare: the IAM gateway stand-in verifies the SigV4 signature and hands the event to a handler
    // that answers as the API does (functions/subject-requests/api.ts, POST /v1/deployments).
    const { outdir } = synthesized();
    const received: { body: string; caller: string }[] = [];
    let answer = {
      statusCode: 201,
      body: JSON.stringify({ key: `deployments/${COMMIT}/abc.json`, versionId: "v1", created: true }),
    };
    const credentials = {
      accessKeyId: "AKIADEPLOYER00000001",
      secretAccessKey: "deployer-secret-for-the-gateway-test",
    };
    const gateway = await startIamGateway({
      region: "eusc-de-east-1",
      principals: { [credentials.accessKeyId]: { secretAccessKey: credentials.secretAccessKey, userArn: DEPLOYER } },
      handler: async (event) => {
        received.push({ body: event.body ?? "", caller: event.requestContext.authorizer.iam.userArn });
        return answer;
      },
    });
    const run = async () => {
      const { io: sink, out, err } = io();
      const status = await main(
        [
          "--outdir",
          outdir,
          "--commit",
          COMMIT,
          "--deployer",
          DEPLOYER,
          "--key-id",
          TEST_KEY_ARN,
          "--store",
          gateway.url,
        ],
        sink,
        { signerFor: () => digestSigner(keys.privateKey), credentials: async () => credentials },
      );
      return { status, out: out.join(""), err: err.join("") };
    };
    try {
      // Act
      const stored = await run();
      answer = {
        statusCode: 400,
        body: JSON.stringify({
          error: { code: "invalid_request", field: "certificate", message: "not a deployment manifest" },
        }),
      };
      const refused = await run();
      // Assess: the certificate printed is the one sent, by the deployer's identity; a refusal exits 1.
      expect(stored.status, stored.err).toBe(0);
      expect(received[0]).toEqual({ body: stored.out, caller: DEPLOYER });
      expect(verifyCertificate(received[0]?.body ?? "", { publicKey: { key: keys.publicKey } }).valid).toBe(true);
      expect(stored.err).toContain(`stored as deployments/${COMMIT}/abc.json (version v1) in the evidence bucket`);
      expect(refused.status).toBe(1);
      expect(refused.err).toContain(
        "the API refused the certificate (400): not a deployment manifest (field: certificate)",
      );
    } finally {
      await gateway.close();
    }
  });

  it("refuses --store without a signature or with an endpoint that is not https", async () => {
    const { outdir } = synthesized();
    const base = ["--outdir", outdir, "--commit", COMMIT, "--deployer", DEPLOYER];
    for (const [args, message] of [
      [["--unsigned", "--store", "https://api.example.org"], /--store keeps a signed certificate/],
      [["--key-id", TEST_KEY_ARN, "--store", "http://api.example.org"], /must be an https URL/],
      [["--key-id", TEST_KEY_ARN, "--store", "not a url"], /is not a URL/],
    ] as const) {
      const { io: sink, err } = io();
      expect(await main([...base, ...args], sink)).toBe(64);
      expect(err.join("")).toMatch(message);
    }
  });
});
