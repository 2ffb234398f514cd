/** The CLI as `make check` runs it: cli.ts bundled with esbuild, then `node <bundle>` as a child process. */
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeSynthRecord } from "../../config/synth-record";
import { PROJECT_ROOT, tempDir } from "../../test/template";
import { FIXTURES } from "./harness";

const tmp = tempDir("sip-cli-");
let bundle: string;
beforeAll(async () => {
  bundle = join(tmp.dir, "policies-cli.cjs");
  await build({
    entryPoints: [join(__dirname, "..", "cli.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    packages: "external",
    logLevel: "error",
  });
});
afterAll(() => tmp.cleanup());

function run(args: string[], cwd = FIXTURES) {
  // The bundle lives in a temp folder; dependencies resolve from the project's node_modules.
  const r = spawnSync(process.execPath, [bundle, ...args], {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NODE_PATH: join(PROJECT_ROOT, "node_modules") },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The example's data classes without its suppressions, which name example resources the fixtures lack. */
const CONFIG = join(tmp.dir, "example-data-classes.json");
beforeAll(() => {
  const { suppressions: _, ...example } = JSON.parse(
    readFileSync(join(PROJECT_ROOT, "config", "example.json"), "utf8"),
  );
  writeFileSync(CONFIG, JSON.stringify(example));
});

describe("policies CLI", () => {
  it("prints help with exit code 0", () => {
    const r = run(["--help"]);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^Usage:\n {2}check <path> \[options\]/);
    expect(r.stdout).toMatch(/--format text\|json\|sarif/);
  });

  it.each([
    [[], /missing command/],
    [["lint", "x"], /unknown command "lint"/],
    [["check"], /check needs a path/],
    [["check", ".", "--formt", "json"], /Unknown option '--formt'/],
    [["check", ".", "--format", "xml"], /--format must be one of text, json, sarif/],
    [["review", ".", "--format", "json"], /review takes no options/],
  ])("rejects %j with usage and exit code 64", (args, message) => {
    const r = run(args as string[]);
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/Usage:/);
  });

  it("exits 0 on a compliant configuration", () => {
    const r = run(["check", "vpc/compliant.tf.json", "--config", CONFIG]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^0 error\(s\), 0 warning\(s\), 0 suppressed; 63 rules over 1 stack\(s\): compliant\n$/);
    expect(r.status).toBe(0);
  });

  it("exits 1 and reports the findings as JSON", () => {
    const r = run(["check", "s3/BucketVersioning/noncompliant-2.tf.json", "--config", CONFIG, "--format", "json"]);
    expect(r.status).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(
      report.findings.map((f: { ruleId: string; address: string; file: string }) => [f.ruleId, f.address, f.file]),
    ).toEqual([["SIP-S3-6", "aws_s3_bucket_versioning.b", "s3/BucketVersioning/noncompliant-2.tf.json"]]);
  });

  it("applies a suppressions file and writes a SARIF report with --out", () => {
    const suppressions = join(tmp.dir, "suppressions.json");
    writeFileSync(
      suppressions,
      JSON.stringify([
        {
          ruleId: "SIP-S3-6",
          address: "aws_s3_bucket_versioning.b",
          reason: "versioning is being rolled out, ticket SIP-9",
        },
      ]),
    );
    const out = join(tmp.dir, "reports", "check.sarif");
    const r = run([
      "check",
      "s3/BucketVersioning/noncompliant-2.tf.json",
      "--config",
      CONFIG,
      "--suppressions",
      suppressions,
      "--format",
      "sarif",
      "--out",
      out,
    ]);
    expect(r.stdout).toBe(`0 error(s), 0 warning(s), 1 suppressed; sarif report written to ${out}\n`);
    expect(r.status).toBe(0);
    const sarif = JSON.parse(readFileSync(out, "utf8"));
    expect(sarif.version).toBe("2.1.0");
    expect(
      sarif.runs[0].results.map((x: { ruleId: string; suppressions: unknown[] }) => [x.ruleId, x.suppressions.length]),
    ).toEqual([["SIP-S3-6", 1]]);
  });

  it("writes the SARIF report with --sarif besides the text report it prints, even when it finds errors", () => {
    const out = join(tmp.dir, "reports", "beside.sarif");
    const r = run(["check", "s3/BucketVersioning/noncompliant-2.tf.json", "--config", CONFIG, "--sarif", out]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/ERROR SIP-S3-6 /);
    const sarif = JSON.parse(readFileSync(out, "utf8"));
    expect(sarif.runs[0].results.map((x: { ruleId: string }) => x.ruleId)).toEqual(["SIP-S3-6"]);
  });

  it("exits 1 on an unused suppression", () => {
    const suppressions = join(tmp.dir, "unused.json");
    writeFileSync(
      suppressions,
      JSON.stringify({ suppressions: [{ ruleId: "SIP-VPC-3", address: "aws_route.gone", reason: "NAT egress" }] }),
    );
    const r = run(["check", "vpc/compliant.tf.json", "--config", CONFIG, "--suppressions", suppressions]);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/ERROR SIP-SUP-1 SuppressionUnused/);
  });

  it("exits 2 when the input cannot be read", () => {
    const bad = join(tmp.dir, "bad.tf.json");
    writeFileSync(bad, "{");
    expect(run(["check", bad])).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/bad\.tf\.json: not valid JSON/),
    });
    expect(run(["check", join(tmp.dir, "missing")])).toMatchObject({
      status: 2,
      stderr: expect.stringMatching(/no such file or folder/),
    });
    expect(run(["check", "vpc/compliant.tf.json", "--config", bad])).toMatchObject({ status: 2 });
  });

  it("reads every stack of a cdktf.out folder and writes review artifacts into it", () => {
    const out = join(tmp.dir, "cdktf.out");
    cpSync(join(FIXTURES, "review", "cdktf.out"), out, { recursive: true });
    const checked = run(["check", out]);
    expect(checked.status).toBe(1);
    expect(checked.stdout).toMatch(/over 1 stack\(s\): demo\n$/);
    const reviewed = run(["review", out]);
    expect(reviewed.status).toBe(0);
    expect(existsSync(join(out, "review", "demo", "plan-summary.md"))).toBe(true);
    expect(existsSync(join(out, "review", "demo", "policies", "aws_s3_bucket_policy.identity.policy.json"))).toBe(true);
  });

  it("checks a cdktf.out folder against the configuration recorded in its manifest, and refuses one edited since", () => {
    // Prepare: the demo output, recorded as synthesized from a configuration with one suppression
    const out = join(tmp.dir, "recorded.out");
    cpSync(join(FIXTURES, "review", "cdktf.out"), out, { recursive: true });
    const config = join(tmp.dir, "recorded-config.json");
    const { suppressions: _, ...example } = JSON.parse(
      readFileSync(join(PROJECT_ROOT, "config", "example.json"), "utf8"),
    );
    writeFileSync(
      config,
      JSON.stringify({
        ...example,
        suppressions: [
          {
            ruleId: "SIP-VPC-3",
            address: "aws_route.recorded",
            reason: "only in the recorded configuration",
            stack: "demo",
          },
        ],
      }),
    );
    if (!existsSync(join(out, "manifest.json"))) writeFileSync(join(out, "manifest.json"), "{}");
    writeSynthRecord(out, out, config);
    // Act
    const recorded = run(["check", out]);
    writeFileSync(config, JSON.stringify(example));
    const stale = run(["check", out]);
    const explicit = run(["check", out, "--config", CONFIG]);
    // Assess
    expect(recorded.stdout).toMatch(/SIP-SUP-1 SuppressionUnused/);
    expect(recorded.stdout).toMatch(/aws_route\.recorded/);
    expect(stale.status).toBe(2);
    expect(stale.stderr).toMatch(
      /was synthesized from .*recorded-config\.json, but it was changed after the synth\. Fix: synthesize again/,
    );
    expect(explicit.stdout).not.toMatch(/aws_route\.recorded/);
    expect(explicit.status).not.toBe(2);
  });

  it("can be imported without running", async () => {
    const before = process.exitCode;
    const cli = await import("../cli");
    expect(typeof cli.main).toBe("function");
    expect(process.exitCode).toBe(before);
  });
});
