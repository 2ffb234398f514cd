import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import { describe, expect, it } from "vitest";
import { check } from "../check";
import { renderJson } from "../report/json";
import { renderSarif } from "../report/sarif";
import { renderText } from "../report/text";
import { exampleConfig, FIXTURES, fixture } from "./harness";

const SCHEMA = join(
  __dirname,
  "..",
  "..",
  "node_modules",
  "@microsoft",
  "jest-sarif",
  "lib",
  "schemas",
  "sarif-2.1.0-rtm.5.json",
);

function sarifValidator() {
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  // The file declares draft-04 ("$schema" and "id"), which ajv 8 does not load; the keywords it uses
  // (no boolean exclusiveMinimum/Maximum) mean the same in draft-07, ajv's default, so only the
  // identifier keywords are translated. Its formats need definitions without ajv-formats, and one
  // of its patterns ("language") is invalid as a unicode regular expression.
  ajv.addFormat("uri", (v: string) => /^[a-z][a-z0-9+.-]*:/i.test(v) && !/\s/.test(v));
  ajv.addFormat("uri-reference", (v: string) => !/\s/.test(v));
  ajv.addFormat("date-time", (v: string) => !Number.isNaN(Date.parse(v)));
  const { $schema: _draft04, id, ...schema } = JSON.parse(readFileSync(SCHEMA, "utf8"));
  return ajv.compile({ ...schema, $id: id });
}

async function sampleReport() {
  const templates = [
    fixture("lambda/FunctionNotPublic/noncompliant-1.tf.json"),
    fixture("residency/ProviderPinned/noncompliant-3.tf.json"),
  ];
  return check(templates, {
    config: exampleConfig(),
    suppressions: [
      { ruleId: "SIP-LAMBDA-5", address: "aws_lambda_permission.anyone", reason: "public webhook, ticket SIP-7" },
    ],
  });
}

describe("SARIF report", () => {
  it("validates against the official SARIF 2.1.0 schema", async () => {
    // Prepare
    const validate = sarifValidator();
    const report = await sampleReport();
    // Act
    const sarif = JSON.parse(renderSarif(report, FIXTURES));
    const valid = validate(sarif);
    // Assess
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it("names every rule with help, and locates every result in the file and by address", async () => {
    const report = await sampleReport();
    const run = JSON.parse(renderSarif(report, FIXTURES)).runs[0];
    const ruleIds = run.tool.driver.rules.map((r: { id: string }) => r.id);
    expect(ruleIds).toEqual([...ruleIds].sort());
    expect(
      run.tool.driver.rules.every(
        (r: { help: { text: string; markdown: string } }) => r.help.text.includes("Fix:") && r.help.markdown.length > 0,
      ),
    ).toBe(true);
    for (const r of run.results) {
      expect(ruleIds[r.ruleIndex]).toBe(r.ruleId);
      expect(["error", "warning"]).toContain(r.level);
      expect(r.locations[0].physicalLocation.artifactLocation.uri).toMatch(/^(lambda|residency)\/.+\.tf\.json$/);
      expect(r.locations[0].physicalLocation.region.startLine).toBeGreaterThan(0);
      expect(r.locations[0].logicalLocations[0].name).toBe(r.message.text.split(":")[0]);
    }
    const suppressed = run.results.filter((r: { suppressions?: unknown[] }) => r.suppressions);
    expect(suppressed.map((r: { ruleId: string }) => r.ruleId)).toEqual(["SIP-LAMBDA-5"]);
  });

  it("is byte-identical across runs", async () => {
    expect(renderSarif(await sampleReport(), FIXTURES)).toBe(renderSarif(await sampleReport(), FIXTURES));
  });
});

describe("text and JSON reports", () => {
  it("groups findings by file and resource address and shows the fix", async () => {
    const text = renderText(await sampleReport(), FIXTURES);
    expect(text).toMatch(
      /^lambda\/FunctionNotPublic\/noncompliant-1\.tf\.json \(stack noncompliant-1\)\n {2}aws_lambda_function_url\.f {2}\(line \d+\)\n {4}ERROR SIP-LAMBDA-5 FunctionNotPublic: .+\n {6}authorization_type is "NONE"\n {6}Fix: Grant aws_lambda_permission/m,
    );
    expect(text).toMatch(
      /^residency\/ProviderPinned\/noncompliant-3\.tf\.json \(stack noncompliant-3\)\n {2}aws_s3_bucket\.b /m,
    );
    expect(text).toMatch(
      /Suppressed:\n {2}SIP-LAMBDA-5 aws_lambda_permission\.anyone \(stack noncompliant-1\): public webhook, ticket SIP-7/,
    );
    expect(text).toMatch(
      /\d+ error\(s\), 0 warning\(s\), 1 suppressed; 63 rules over 2 stack\(s\): noncompliant-1, noncompliant-3\n$/,
    );
  });

  it("renders JSON with relative paths, the summary and the rules", async () => {
    const json = JSON.parse(renderJson(await sampleReport(), FIXTURES));
    expect(json.summary).toMatchObject({ suppressed: 1, stacks: 2, rules: 63 });
    expect(json.findings.every((f: { file: string }) => !f.file.startsWith("/"))).toBe(true);
    expect(json.rules.map((r: { id: string }) => r.id)).toContain("SIP-SUP-1");
  });
});
