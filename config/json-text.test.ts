import { describe, expect, it } from "vitest";
import { lineColumn, parseJsonText } from "./json-text";

function syntaxMessage(text: string): string {
  const result = parseJsonText(text);
  if (result.ok) throw new Error("expected a syntax error");
  expect(result.problems.map((p) => p.path)).toEqual(["(file)"]);
  return result.problems[0]?.message ?? "";
}

describe("parseJsonText", () => {
  it("returns what JSON.parse returns for valid JSON, without problems", () => {
    // Prepare
    const texts = ['{"a": [1, -2.5e3, true, false, null, "x\\u00e9\\n"], "b": {}}', "[]", ' "s" ', "0"];
    // Act
    const results = texts.map(parseJsonText);
    // Assess
    expect(results.map((r) => r.ok && r.value)).toEqual(texts.map((t) => JSON.parse(t)));
    expect(results.flatMap((r) => r.problems)).toEqual([]);
  });

  it.each([
    ['{\n  "a": 1\n  "b": 2\n}', /line 3, column 3: expected "," or "}", found "\\""/],
    ['{\n  "a": 1,\n}', /line 3, column 1: a comma before "}" \(JSON allows no trailing comma\)/],
    ["[1, 2,\n]", /line 2, column 1: a comma before "]"/],
    ['{\n  // note\n  "a": 1\n}', /line 2, column 3: .*comments are not JSON/],
    ["{'a': 1}", /line 1, column 2: .*double quotes/],
    ['{"a": 01}', /line 1, column 7: a number is malformed/],
    ['{"a": "x\ny"}', /line 1, column 9: a string holds a line break/],
    ['{"a": "\\x"}', /line 1, column 8: "\\x" is not a JSON escape/],
    ['{"a": 1} x', /line 1, column 10: expected the end of the file/],
    ['{ "environment": ', /line 1, column 18: expected a value.*found the end of the file/],
    ['{"a": tru}', /line 1, column 7: expected a value/],
    ['\ufeff{"a": 1}', /line 1, column 1: the file starts with a byte order mark/],
  ])("reports the line and column of a syntax error in %j", (text, message) => {
    // Act
    const result = syntaxMessage(text);
    // Assess
    expect(result).toMatch(message);
    expect(result).toMatch(/^not valid JSON at line \d+, column \d+: .*\. Fix: /);
  });

  it("reports a repeated key with its path and both places, keeping JSON.parse's value", () => {
    // Prepare
    const text =
      '{\n  "dataClasses": {\n    "identity": { "retentionDays": 1 },\n    "identity": { "retentionDays": 2, "allowCrossPartition": true }\n  }\n}';
    // Act
    const result = parseJsonText(text);
    // Assess
    expect(result.ok && result.value).toEqual(JSON.parse(text));
    expect(result.problems).toEqual([
      {
        path: "dataClasses.identity",
        message:
          'key "identity" is given twice in dataClasses: at line 3, column 5 and at line 4, column 5; JSON keeps only the last, silently dropping the first. Fix: remove one of them, or merge their fields into one',
      },
    ]);
  });

  it("finds repeated keys at any depth, inside arrays, and spelt with escapes", () => {
    // Prepare
    const text = '{"tenants": [{"id": "a", "tier": "x", "tier": "y"}], "env": 1, "\\u0065nv": 2}';
    // Act
    const result = parseJsonText(text);
    // Assess
    expect(result.problems.map((p) => p.path)).toEqual(["tenants[0].tier", "env"]);
    expect(result.problems[1]?.message).toMatch(/given twice in the top-level object/);
  });
});

describe("lineColumn", () => {
  it("counts lines and columns from 1", () => {
    expect(lineColumn("ab\ncd", 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumn("ab\ncd", 4)).toEqual({ line: 2, column: 2 });
  });
});
