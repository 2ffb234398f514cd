import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import exampleJson from "../../config/example.json";
import { check, exitCodeOf, InputError, loadCheckConfig, loadSuppressionsFile, loadTemplates, locate } from "../check";
import { templateOf } from "../core/template";
import { defineRule, verdict } from "../core/types";
import { BucketTlsOnlyPolicy } from "../rules/s3/BucketTlsOnlyPolicy";
import { suppressionsSchema } from "../suppressions";
import { exampleConfig, FIXTURES, fixture } from "./harness";

const tmp = mkdtempSync(join(tmpdir(), "sip-check-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const TLS_FIXTURE = "s3/BucketTlsOnlyPolicy/noncompliant-1.tf.json";

describe("check", () => {
  it("reports each violation with rule, severity, address, file and line", async () => {
    // Prepare
    const template = fixture(TLS_FIXTURE);
    // Act
    const report = await check([template], { rules: [BucketTlsOnlyPolicy] });
    // Assess
    expect(report.findings).toHaveLength(1);
    const [f] = report.findings;
    expect(f).toMatchObject({
      ruleId: "SIP-S3-4",
      ruleName: "BucketTlsOnlyPolicy",
      severity: "error",
      kind: "violation",
      address: "aws_s3_bucket.b",
      stack: "noncompliant-1",
    });
    expect(f?.file).toBe(join(FIXTURES, TLS_FIXTURE));
    expect(f?.line).toBeGreaterThan(1);
    expect(exitCodeOf(report)).toBe(1);
  });

  it("fails with exit code 2 and names the rule when a rule throws", async () => {
    // Prepare
    const broken = defineRule({
      ...BucketTlsOnlyPolicy,
      id: "SIP-TEST-1",
      name: "Broken",
      evaluate: () => {
        throw new Error("boom");
      },
    });
    const fine = defineRule({ ...BucketTlsOnlyPolicy, id: "SIP-TEST-2", name: "Fine", evaluate: () => verdict(1, []) });
    // Act
    const report = await check([templateOf({})], { rules: [broken, fine] });
    // Assess
    expect(report.findings.map((f) => [f.ruleId, f.kind])).toEqual([["SIP-TEST-1", "rule-error"]]);
    expect(report.findings[0]?.detail).toMatch(/boom/);
    expect(exitCodeOf(report)).toBe(2);
  });

  it("exits 0 when only warnings are found", async () => {
    const warn = defineRule({
      ...BucketTlsOnlyPolicy,
      id: "SIP-TEST-3",
      severity: "warning",
      evaluate: () => verdict(1, [{ address: "aws_s3_bucket.b", detail: "x" }]),
    });
    const report = await check([templateOf({})], { rules: [warn] });
    expect(report.summary).toMatchObject({ errors: 0, warnings: 1 });
    expect(exitCodeOf(report)).toBe(0);
  });

  it("orders findings deterministically whatever the rule order", async () => {
    const template = fixture("lambda/FunctionNotPublic/noncompliant-1.tf.json");
    const a = await check([template]);
    const b = await check([template], { rules: [...(await import("../packs/baseline")).BASELINE_PACK].reverse() });
    expect(b.findings).toEqual(a.findings);
  });
});

describe("suppressions", () => {
  const template = () => fixture(TLS_FIXTURE);

  it("silences a matching finding that has a reason and reports it as suppressed", async () => {
    const report = await check([template()], {
      rules: [BucketTlsOnlyPolicy],
      suppressions: [
        { ruleId: "SIP-S3-4", address: "aws_s3_bucket.b", reason: "public website bucket, ticket SIP-12" },
      ],
    });
    expect(report.findings).toEqual([]);
    expect(report.suppressed.map((f) => [f.ruleId, f.address, f.suppressedBecause])).toEqual([
      ["SIP-S3-4", "aws_s3_bucket.b", "public website bucket, ticket SIP-12"],
    ]);
    expect(exitCodeOf(report)).toBe(0);
  });

  it("reports an unused suppression as an error", async () => {
    const report = await check([template()], {
      rules: [BucketTlsOnlyPolicy],
      suppressions: [{ ruleId: "SIP-S3-4", address: "aws_s3_bucket.other", reason: "stale" }],
      suppressionsSource: "s.json",
    });
    expect(report.findings.map((f) => [f.ruleId, f.address, f.file])).toEqual([
      ["SIP-S3-4", "aws_s3_bucket.b", join(FIXTURES, TLS_FIXTURE)],
      ["SIP-SUP-1", "aws_s3_bucket.other", "s.json"],
    ]);
    expect(exitCodeOf(report)).toBe(1);
  });

  it("does not apply a suppression without a reason, and reports it", async () => {
    const report = await check([template()], {
      rules: [BucketTlsOnlyPolicy],
      suppressions: [{ ruleId: "SIP-S3-4", address: "aws_s3_bucket.b", reason: "  " }],
    });
    expect(report.findings.map((f) => f.ruleId).sort()).toEqual(["SIP-S3-4", "SIP-SUP-2"]);
  });

  it("refuses to suppress a residency rule", async () => {
    const t = fixture("residency/ProviderPinned/noncompliant-1.tf.json");
    const report = await check([t], {
      suppressions: [{ ruleId: "SIP-RES-1", address: "aws_s3_bucket.unpinned", reason: "legacy" }],
    });
    expect(
      report.findings
        .filter((f) => f.address === "aws_s3_bucket.unpinned" && /^SIP-(RES|SUP)-/.test(f.ruleId))
        .map((f) => f.ruleId)
        .sort(),
    ).toEqual(["SIP-RES-1", "SIP-SUP-3"]);
  });

  it("reports a suppression of an unknown rule", async () => {
    const report = await check([template()], {
      rules: [BucketTlsOnlyPolicy],
      suppressions: [{ ruleId: "SIP-S3-99", address: "aws_s3_bucket.b", reason: "typo" }],
    });
    expect(report.findings.map((f) => f.ruleId).sort()).toEqual(["SIP-S3-4", "SIP-SUP-4"]);
  });

  it("limits a suppression with a stack to that stack", async () => {
    const report = await check([template()], {
      rules: [BucketTlsOnlyPolicy],
      suppressions: [{ ruleId: "SIP-S3-4", address: "aws_s3_bucket.b", reason: "r", stack: "prod" }],
    });
    expect(report.findings.map((f) => f.ruleId).sort()).toEqual(["SIP-S3-4", "SIP-SUP-1"]);
  });

  it("does not judge a configuration's suppressions in a run that does not check its platform stack", async () => {
    // Prepare
    const fromConfiguration = {
      ruleId: "SIP-S3-4",
      address: "aws_s3_bucket.other",
      reason: "platform stack only",
      configurationStack: "example",
    };
    // Act
    const elsewhere = await check([template()], { rules: [BucketTlsOnlyPolicy], suppressions: [fromConfiguration] });
    const there = await check([templateOf({}, "example"), template()], {
      rules: [BucketTlsOnlyPolicy],
      suppressions: [fromConfiguration],
    });
    // Assess
    expect(elsewhere.findings.map((f) => f.ruleId)).toEqual(["SIP-S3-4"]);
    expect(there.findings.map((f) => f.ruleId).sort()).toEqual(["SIP-S3-4", "SIP-SUP-1"]);
  });

  it("exports a zod schema for the configuration that requires a reason", () => {
    expect(
      suppressionsSchema.safeParse([
        { ruleId: "SIP-VPC-3", address: "aws_route.egress", reason: "NAT egress of the sync function (DESIGN.md §5)" },
      ]).success,
    ).toBe(true);
    const missing = suppressionsSchema.safeParse([{ ruleId: "SIP-VPC-3", address: "aws_route.egress", reason: "" }]);
    expect(missing.success).toBe(false);
    expect(JSON.stringify(missing.error?.issues)).toMatch(/reason must not be empty/);
    expect(suppressionsSchema.safeParse([{ ruleId: "vpc3", address: "x", reason: "y" }]).success).toBe(false);
  });
});

describe("input", () => {
  it("reads every stack of a cdktf.out folder, in name order", () => {
    // Prepare
    const out = join(tmp, "cdktf.out");
    for (const stack of ["prod", "dev"]) {
      mkdirSync(join(out, "stacks", stack), { recursive: true });
      writeFileSync(
        join(out, "stacks", stack, "cdk.tf.json"),
        JSON.stringify({ resource: { aws_s3_bucket: { [stack]: { provider: "aws.sovereign" } } } }),
      );
    }
    // Act
    const templates = loadTemplates(out);
    // Assess
    expect(templates.map((t) => [t.stack, t.resources.map((r) => r.address)])).toEqual([
      ["dev", ["aws_s3_bucket.dev"]],
      ["prod", ["aws_s3_bucket.prod"]],
    ]);
  });

  it("merges a folder of hand-written .tf.json files into one configuration", () => {
    const dir = join(tmp, "hand");
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, "providers.tf.json"),
      JSON.stringify({ provider: { aws: { alias: "sovereign", region: "eusc-de-east-1" } } }),
    );
    writeFileSync(
      join(dir, "main.tf.json"),
      JSON.stringify({ resource: [{ aws_kms_key: { k: { provider: "aws.sovereign" } } }] }),
    );
    const [t] = loadTemplates(dir);
    expect(t?.stack).toBe("hand");
    expect(t?.providers.map((p) => p.address)).toEqual(["provider.aws.sovereign"]);
    expect(t?.resources.map((r) => [r.address, r.file])).toEqual([["aws_kms_key.k", join(dir, "main.tf.json")]]);
  });

  it("rejects missing paths, invalid JSON and non-Terraform JSON with InputError", () => {
    writeFileSync(join(tmp, "bad.tf.json"), "{ nope");
    writeFileSync(join(tmp, "list.tf.json"), "[1, 2]");
    expect(() => loadTemplates(join(tmp, "missing"))).toThrow(InputError);
    expect(() => loadTemplates(join(tmp, "bad.tf.json"))).toThrow(/not valid JSON/);
    expect(() => loadTemplates(join(tmp, "list.tf.json"))).toThrow(/top level must be an object/);
  });

  it("locates resources and providers by line", () => {
    const t = fixture(TLS_FIXTURE);
    const text = t.files[0]?.text.split("\n") ?? [];
    const bucket = locate(t, "aws_s3_bucket.b");
    const provider = locate(t, "provider.aws.commercial");
    expect(text[bucket.line - 1]).toMatch(/"b": \{/);
    expect(text[provider.line - 1]).toMatch(/"alias": "commercial"/);
  });

  it("locates module calls and outputs by line", () => {
    const modules = fixture("residency/ProviderPinned/noncompliant-5.tf.json");
    const outputs = fixture("output/SecretOutputSensitive/noncompliant-1.tf.json");
    const line = (t: typeof modules, address: string) => t.files[0]?.text.split("\n")[locate(t, address).line - 1];
    expect(line(modules, "module.local")).toMatch(/"local": \{/);
    expect(line(outputs, "output.password")).toMatch(/"password": \{/);
  });

  it("reads a deployment configuration with a suppressions field, and a suppressions file", () => {
    const cfg = join(tmp, "deployment.json");
    writeFileSync(
      cfg,
      JSON.stringify({
        ...exampleJson,
        $schema: undefined,
        suppressions: [{ ruleId: "SIP-VPC-3", address: "aws_route.egress", reason: "NAT egress" }],
      }),
    );
    const file = join(tmp, "suppressions.json");
    writeFileSync(file, JSON.stringify({ suppressions: [{ ruleId: "SIP-S3-4", address: "aws_s3_bucket.b" }] }));
    const loaded = loadCheckConfig(cfg);
    expect(loaded.config?.dataClasses).toEqual(exampleConfig().dataClasses);
    expect(loaded.suppressions).toEqual([
      { ruleId: "SIP-VPC-3", address: "aws_route.egress", reason: "NAT egress", configurationStack: "example" },
    ]);
    expect(loadSuppressionsFile(file)).toEqual([{ ruleId: "SIP-S3-4", address: "aws_s3_bucket.b" }]);
  });

  it("rejects an invalid deployment configuration with every problem", () => {
    const cfg = join(tmp, "invalid.json");
    writeFileSync(cfg, JSON.stringify({ ...exampleJson, environment: "Bad Env" }));
    expect(() => loadCheckConfig(cfg)).toThrow(/environment: environment "Bad Env" is not DNS\/S3-safe/);
  });
});
