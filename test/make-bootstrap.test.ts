/**
 * `make bootstrap CONFIG=...` as docs/deploy.md §3 lists it: the Makefile's recipe, run line
 * by line with the bundles built here and a temporary output folder, and terraform's own check of
 * the platform stack's backend block that points at what the recipe synthesized. Needs terraform and
 * the provider mirror (like test/terraform.test.ts): without them these tests fail, never pass.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { synthesize } from "../stacks/synthesize";
import { buildTestBundles, recipe, runLine, type TestBundles } from "./make-recipe";
import { exampleInput, PROJECT_ROOT, tempDir, validConfig } from "./template";

const tmp = tempDir("sip-bootstrap-");
afterAll(() => tmp.cleanup());
let bundles: TestBundles;
beforeAll(async () => {
  const built = await buildTestBundles("bootstrap-test");
  bundles = built.bundles;
  return built.remove;
});

describe("make bootstrap CONFIG=config/example.json", () => {
  it("runs the synth, the offline terraform check and the guardrails over cdktf.out-bootstrap", () => {
    expect(recipe("bootstrap")).toEqual([
      "node dist/main.cjs --bootstrap $(SYNTH_ARGS)",
      "node scripts/tf-check.mjs --outdir cdktf.out-bootstrap",
      "node dist/policies.cjs check cdktf.out-bootstrap $(CHECK_ARGS)",
    ]);
  });

  it("synthesizes, validates, plans and checks the state stack", () => {
    // Prepare: the recipe with CONFIG set, the bundles built here and a temporary output folder.
    const outdir = join(tmp.dir, "cdktf.out-bootstrap");
    const commands = recipe("bootstrap").map((line) =>
      line
        .replace("$(SYNTH_ARGS)", `--config config/example.json --outdir ${outdir}`)
        .replace("$(CHECK_ARGS)", "--config config/example.json")
        .replace("dist/main.cjs", bundles.main)
        .replace("dist/policies.cjs", bundles.policies)
        .replace("--outdir cdktf.out-bootstrap", `--outdir ${outdir} --workdir ${join(tmp.dir, "work")}`)
        .replace("check cdktf.out-bootstrap", `check ${outdir}`),
    );
    // Act
    const results = commands.map(runLine);
    // Assess
    const [synth, terraform, guardrails] = results;
    if (terraform?.status === 2) throw new Error(`terraform or its provider mirror is missing:\n${terraform.out}`);
    expect(synth).toMatchObject({
      status: 0,
      out: `synthesized example-bootstrap -> ${join(outdir, "stacks", "example-bootstrap", "cdk.tf.json")}\n`,
    });
    // plan validates the configuration itself: no separate validate step.
    expect(terraform?.out).toMatch(/stack example-bootstrap:\n {2}init +ok[^\n]*\n {2}plan +ok[^\n]*\n {2}show +ok/);
    expect(terraform?.out).toMatch(/plan: \d+ to create \(sovereign \d+\), 0 to update, 0 to delete/);
    expect(terraform?.status).toBe(0);
    expect(guardrails?.out).toMatch(
      /^0 error\(s\), 0 warning\(s\), 2 suppressed; 63 rules over 1 stack\(s\): example-bootstrap$/m,
    );
    expect(guardrails?.status).toBe(0);
  });

  it("leaves the platform's output alone, even where CDKTF_OUTDIR points", () => {
    // Prepare
    const { dir, cleanup } = tempDir();
    try {
      // Act
      const help = spawnSync(process.execPath, [bundles.main, "--help"], { encoding: "utf8" });
      const r = spawnSync(process.execPath, [bundles.main, "--bootstrap", "--outdir", join(dir, "out"), "-q"], {
        cwd: dir,
        encoding: "utf8",
        env: { ...process.env, CDKTF_OUTDIR: join(dir, "cdktf.out") },
      });
      // Assess
      expect(help.stdout).toMatch(/with --bootstrap: cdktf\.out-bootstrap \(\$CDKTF_OUTDIR is ignored\)/);
      expect(r.status).toBe(0);
      expect(readdirSync(dir)).toEqual(["out"]);
      expect(readFileSync(join(dir, "out", "stacks", "example-bootstrap", "cdk.tf.json"), "utf8")).toBe(
        readFileSync(join(PROJECT_ROOT, "stacks", "__snapshots__", "example-bootstrap.cdk.tf.json"), "utf8"),
      );
    } finally {
      cleanup();
    }
  });
});

describe("the platform stack's S3 backend", () => {
  it("is accepted by terraform init, which gets as far as asking STS for the caller", () => {
    // Prepare: the platform stack with "backend": { "type": "s3" }, its backend block alone.
    const input = exampleInput();
    input.backend = { type: "s3" };
    // The example's sovereign profile exists on no machine here: the default chain (fake keys below).
    delete input.partitions.sovereign.credentials;
    const outdir = join(tmp.dir, "platform-s3");
    const { stackFile } = synthesize({ config: validConfig(input), outdir, projectRoot: PROJECT_ROOT });
    const dir = join(tmp.dir, "backend-only");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "main.tf.json"),
      JSON.stringify({ terraform: { backend: JSON.parse(readFileSync(stackFile, "utf8")).terraform.backend } }),
    );
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      TF_CLI_CONFIG_FILE: "/dev/null",
      TF_IN_AUTOMATION: "1",
      CHECKPOINT_DISABLE: "1",
      AWS_ACCESS_KEY_ID: "AKIAOFFLINECHECK0000",
      AWS_SECRET_ACCESS_KEY: "offline-check-not-a-secret",
      AWS_EC2_METADATA_DISABLED: "true",
    };
    delete env.AWS_PROFILE;
    // Act
    const r = spawnSync("terraform", ["init", "-input=false", "-no-color"], {
      cwd: dir,
      encoding: "utf8",
      env,
      timeout: 120_000,
    });
    // Assess: past the validation of every argument; only the network (or the fake key) stops it.
    const out = `${r.stdout}${r.stderr}`;
    if (r.error) throw new Error(`terraform could not run: ${r.error.message}`);
    expect(out).toMatch(/Initializing the backend/);
    expect(out).not.toMatch(/Invalid|Unsupported argument|not a valid/i);
    expect(out).toMatch(/validating provider credentials: retrieving caller identity from STS/);
    expect(out).toContain("sts.eusc-de-east-1.amazonaws.eu");
  });
});
