import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { ConfigError } from "../config/load";
import { COMMON_OPTIONS, TARGETS } from "../scripts/build.mjs";
import { exampleInput, PROJECT_ROOT, tempDir, validConfig } from "../test/template";
import { describeFailure, synthesize } from "./synthesize";

// The CLI as users run it: main.ts bundled, then `node <bundle>` as a child process.
let cli: string;
beforeAll(async () => {
  cli = join(PROJECT_ROOT, "dist", `main-test-${process.pid}.cjs`);
  await build({ ...COMMON_OPTIONS, ...TARGETS.main, absWorkingDir: PROJECT_ROOT, outfile: cli, sourcemap: false });
  return () => rmSync(cli, { force: true });
});

function runCli(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}) {
  const base = { ...process.env };
  delete base.CDKTF_OUTDIR;
  const r = spawnSync(process.execPath, [cli, ...args], { cwd, encoding: "utf8", env: { ...base, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Every file below dir with its content, for byte comparisons. */
function snapshotTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name), `${rel}${e.name}/`);
      else out[`${rel}${e.name}`] = readFileSync(join(d, e.name)).toString("base64");
    }
  };
  walk(dir, "");
  return out;
}

/** The example under another environment name, with its CA certificate beside it. */
function writeRenamed(dir: string, environment: string): string {
  const file = join(dir, `${environment}.json`);
  writeFileSync(file, JSON.stringify({ ...exampleInput(), environment }));
  copyFileSync(join(PROJECT_ROOT, "config", "example-ca.pem"), join(dir, "example-ca.pem"));
  return file;
}

describe("main (CLI)", () => {
  it("prints help", () => {
    const r = runCli(["--help"], PROJECT_ROOT);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/Usage: node dist\/main\.cjs/);
    expect(r.stdout).toMatch(/--config FILE/);
  });

  it("rejects unknown options with usage and exit code 64", () => {
    const r = runCli(["--confg", "x.json"], PROJECT_ROOT);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/Unknown option '--confg'/);
  });

  it("synthesizes byte-identical output from any working directory", () => {
    const { dir, cleanup } = tempDir();
    try {
      const a = join(dir, "a");
      const b = join(dir, "b");
      mkdirSync(join(dir, "elsewhere"));
      expect(runCli(["--outdir", a, "-q"], PROJECT_ROOT).status).toBe(0);
      expect(runCli(["--outdir", b, "-q"], join(dir, "elsewhere")).status).toBe(0);
      const treeA = snapshotTree(a);
      expect(Object.keys(treeA).sort()).toEqual([
        "manifest.json",
        expect.stringMatching(/^stacks\/example\/assets\/document-pipeline_download_code\/[0-9A-F]+\/download\.zip$/),
        expect.stringMatching(
          /^stacks\/example\/assets\/document-pipeline_scrub_code\/[0-9A-F]+\/document-scrub\.zip$/,
        ),
        expect.stringMatching(/^stacks\/example\/assets\/document-pipeline_signing_code\/[0-9A-F]+\/signing\.zip$/),
        expect.stringMatching(/^stacks\/example\/assets\/document-pipeline_upload_code\/[0-9A-F]+\/upload\.zip$/),
        expect.stringMatching(/^stacks\/example\/assets\/standby-serving_download_code\/[0-9A-F]+\/download\.zip$/),
        expect.stringMatching(/^stacks\/example\/assets\/standby-serving_upload_code\/[0-9A-F]+\/upload\.zip$/),
        ...["api", "certify", "pending", "run"].map((fn) =>
          expect.stringMatching(
            new RegExp(`^stacks/example/assets/subject-requests_${fn}_code/[0-9A-F]+/subject-request-${fn}\\.zip$`),
          ),
        ),
        expect.stringMatching(
          /^stacks\/example\/assets\/sync-pipeline-avatars-clean_failback_code\/[0-9A-F]+\/failback\.zip$/,
        ),
        expect.stringMatching(/^stacks\/example\/assets\/sync-pipeline-avatars-clean_sync_code\/[0-9A-F]+\/sync\.zip$/),
        expect.stringMatching(/^stacks\/example\/assets\/upload-pipeline_api_health_code\/[0-9A-F]+\/health\.zip$/),
        expect.stringMatching(/^stacks\/example\/assets\/upload-pipeline_download_code\/[0-9A-F]+\/download\.zip$/),
        expect.stringMatching(/^stacks\/example\/assets\/upload-pipeline_scrub_code\/[0-9A-F]+\/scrub\.zip$/),
        expect.stringMatching(/^stacks\/example\/assets\/upload-pipeline_upload_code\/[0-9A-F]+\/upload\.zip$/),
        expect.stringMatching(/^stacks\/example\/assets\/webhooks_sender_code\/[0-9A-F]+\/webhooks\.zip$/),
        "stacks/example/cdk.tf.json",
      ]);
      expect(snapshotTree(b)).toEqual(treeA);
    } finally {
      cleanup();
    }
  });

  it("writes where the CDKTF CLI asks through CDKTF_OUTDIR (cdktf synth)", () => {
    const { dir, cleanup } = tempDir();
    try {
      const out = join(dir, "cli-out");
      expect(runCli(["-q"], dir, { CDKTF_OUTDIR: out }).status).toBe(0);
      expect(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).stacks.example.synthesizedStackPath).toBe(
        "stacks/example/cdk.tf.json",
      );
      expect(readFileSync(join(out, "stacks", "example", "cdk.tf.json"), "utf8")).toBe(
        readFileSync(join(PROJECT_ROOT, "stacks", "__snapshots__", "example.cdk.tf.json"), "utf8"),
      );
    } finally {
      cleanup();
    }
  });

  it("reads the configuration named by SIP_CONFIG, which --config overrides, and records it in the manifest", () => {
    const { dir, cleanup } = tempDir();
    try {
      // Prepare
      const file = writeRenamed(dir, "renamed");
      const out = join(dir, "out");
      // Act
      const fromEnv = runCli(["--outdir", out, "-q"], dir, { SIP_CONFIG: file });
      const stacksFromEnv = readdirSync(join(out, "stacks"));
      const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8"));
      const fromOption = runCli(
        ["--outdir", out, "-q", "--config", join(PROJECT_ROOT, "config", "example.json")],
        dir,
        { SIP_CONFIG: file },
      );
      // Assess
      expect(fromEnv.status).toBe(0);
      expect(stacksFromEnv).toEqual(["renamed"]);
      expect(manifest.sovereignIdentityPlatform).toEqual({
        configFile: "../renamed.json",
        configSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      });
      expect(fromOption.status).toBe(0);
      expect(readdirSync(join(out, "stacks"))).toEqual(["example"]);
    } finally {
      cleanup();
    }
  });

  it("leaves a renamed environment's old stack folder empty for the CDKTF CLI, which removes it itself, and removes it otherwise", () => {
    const { dir, cleanup } = tempDir();
    try {
      // Prepare
      const file = writeRenamed(dir, "renamed");
      const underCli = join(dir, "cli-out");
      const direct = join(dir, "direct-out");
      for (const out of [underCli, direct]) expect(runCli(["--outdir", out, "-q"], dir).status).toBe(0);
      // Act
      const cli = runCli(["-q"], dir, { CDKTF_OUTDIR: underCli, CDKTF_CONTEXT_JSON: "{}", SIP_CONFIG: file });
      const plain = runCli(["--outdir", direct, "-q", "--config", file], dir);
      // Assess
      expect([cli.status, plain.status]).toEqual([0, 0]);
      expect(readdirSync(join(underCli, "stacks")).sort()).toEqual(["example", "renamed"]);
      expect(readdirSync(join(underCli, "stacks", "example"))).toEqual([]);
      expect(readdirSync(join(direct, "stacks"))).toEqual(["renamed"]);
    } finally {
      cleanup();
    }
  });

  it("refuses an output folder that holds anything but synth output, or the project, and removes nothing", () => {
    const { dir, cleanup } = tempDir();
    try {
      // Prepare
      const busy = join(dir, "notes");
      mkdirSync(busy);
      writeFileSync(join(busy, "keep.txt"), "mine");
      writeFileSync(join(dir, "keep.txt"), "mine too");
      // Act
      const r = runCli(["--outdir", busy], dir);
      const project = () => synthesize({ config: validConfig(), outdir: ".", projectRoot: dir });
      const parent = () => synthesize({ config: validConfig(), outdir: "..", projectRoot: busy });
      // Assess
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(
        /output folder .*notes is not empty and holds no earlier synth output \(no manifest\.json\).*Fix: name a new or empty folder/,
      );
      expect(r.stderr).not.toMatch(/synth failed/);
      expect(project).toThrow(/is the project folder or holds it/);
      expect(parent).toThrow(/is the project folder or holds it/);
      expect(readFileSync(join(busy, "keep.txt"), "utf8")).toBe("mine");
      expect(readdirSync(dir).sort()).toEqual(["keep.txt", "notes"]);
    } finally {
      cleanup();
    }
  });

  it("writes nothing for an invalid configuration and lists every problem", () => {
    const { dir, cleanup } = tempDir();
    try {
      const input = exampleInput();
      input.environment = "Bad Env";
      input.tenants.push({ id: "acme-health", tier: "logical" });
      const file = join(dir, "bad.json");
      writeFileSync(file, JSON.stringify(input));
      const out = join(dir, "out");
      const r = runCli(["--config", file, "--outdir", out], dir);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/3 problems in the configuration/);
      expect(r.stderr).toMatch(/- environment: environment "Bad Env" is not DNS\/S3-safe/);
      expect(r.stderr).toMatch(/- tenants\[3\]\.id: tenant ID "acme-health" is already used by tenants\[0\]/);
      // The CA certificate file (not copied here) is reported with the rest, not after them.
      expect(r.stderr).toMatch(/- crossPartition\.caCertificateFile: "example-ca\.pem" cannot be read/);
      expect(r.stderr).toMatch(/Nothing was written/);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(dir)).toEqual(["bad.json"]);
    } finally {
      cleanup();
    }
  });

  it("keeps the previous output when a later synth fails", () => {
    const { dir, cleanup } = tempDir();
    try {
      const out = join(dir, "out");
      expect(runCli(["--outdir", out, "-q"], dir).status).toBe(0);
      const before = snapshotTree(out);
      const file = join(dir, "bad.json");
      writeFileSync(file, "{ not json");
      expect(runCli(["--config", file, "--outdir", out], dir).status).toBe(1);
      expect(snapshotTree(out)).toEqual(before);
      expect(readdirSync(dir).sort()).toEqual(["bad.json", "out"]);
    } finally {
      cleanup();
    }
  });

  it("reports names that would collide in synth as configuration problems with their fields, writing nothing", () => {
    // Prepare: each of these once crashed synth with a construct error and no field path.
    const { dir, cleanup } = tempDir();
    try {
      const input = exampleInput();
      input.dataClasses.logs = { retentionDays: 30 };
      input.dataClasses.audit = { retentionDays: 30 };
      input.dataClasses["identity-name"] = { retentionDays: 30 };
      input.tenants.push(
        { id: "tenant-zeta", tier: "vpc", vpcCidr: "10.30.0.0/16" },
        { id: "zeta-vpc-flow-logs", tier: "logical" },
      );
      const file = writeRenamed(dir, "example");
      writeFileSync(file, JSON.stringify(input));
      const out = join(dir, "out");
      // Act
      const r = runCli(["--config", file, "--outdir", out], dir);
      // Assess
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/4 problems in the configuration/);
      expect(r.stderr).toMatch(
        /- dataClasses\.logs: data class "logs" makes names that clash.*"sovereign-key-logs".*Fix: rename the data class/,
      );
      expect(r.stderr).toMatch(
        /- dataClasses\.audit: data class "audit" makes names that clash.*"example-audit-111111111111"/,
      );
      expect(r.stderr).toMatch(
        /- dataClasses\.identity-name: .*"sovereign-bucket-identity-name" is also derived for data class "identity"/,
      );
      expect(r.stderr).toMatch(/- tenants\[4\]\.id: .*"example-tenant-zeta-vpc-flow-logs"/);
      expect(r.stderr).not.toMatch(/internal error|There is already a Construct|allocated twice|at .*\.ts:\d+/);
      expect(r.stderr).toMatch(/Nothing was written/);
      expect(existsSync(out)).toBe(false);
    } finally {
      cleanup();
    }
  });
});

describe("describeFailure", () => {
  it("prints a configuration's problems as they are", () => {
    const err = new ConfigError("x.json", [{ path: "environment", message: "bad. Fix: good" }]);
    expect(describeFailure(err)).toBe(`error: ${err.message}`);
  });

  it("calls anything else an internal error to report, in one line, without the construct stack", () => {
    // Prepare
    const err = new Error(
      "There is already a Construct with name 'sovereign-key-logs' in Example [example]\n    at Node.addChild (constructs/lib/construct.js:1:1)",
    );
    // Act
    const text = describeFailure(err);
    const debug = describeFailure(err, true);
    // Assess
    expect(text).toBe(
      "error: internal error, please report: the configuration passed validation, but synth failed: There is already a Construct with name 'sovereign-key-logs' in Example [example]. This is a bug in the platform, not in your configuration: please report it with the configuration file (run with SIP_DEBUG=1 for the stack trace)",
    );
    expect(debug).toContain(err.stack ?? "");
  });
});
