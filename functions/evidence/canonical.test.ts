import { describe, expect, it } from "vitest";
import { CanonicalizationError, canonicalBytes, canonicalize, MAX_DEPTH, parseJson } from "./canonical";

/** What canonicalize throws for `value`, as [path, problem]. */
function refusal(value: unknown): [string, string] {
  try {
    canonicalize(value);
  } catch (error) {
    if (error instanceof CanonicalizationError) return [error.path, error.problem];
    throw error;
  }
  throw new Error("canonicalize accepted the value");
}

describe("canonicalize: RFC 8785 test vectors", () => {
  it("sorts member names by UTF-16 code units (RFC 8785 §3.2.3)", () => {
    // Prepare: the RFC's input, parsed from its JSON text (escapes included)
    const input = parseJson(`{
      "\\u20ac": "Euro Sign",
      "\\r": "Carriage Return",
      "\\ufb33": "Hebrew Letter Dalet With Dagesh",
      "1": "One",
      "\\ud83d\\ude00": "Emoji: Grinning Face",
      "\\u0080": "Control",
      "\\u00f6": "Latin Small Letter O With Diaeresis"
    }`);

    // Act
    const text = canonicalize(input);

    // Assess: checked as text (parsing it back would put the integer-like name "1" first again);
    // the emoji (D83D DE00) sorts before U+FB33, which sorting by code points would not do
    expect([...text.matchAll(/":"([^"]+)"/g)].map((m) => m[1])).toEqual([
      "Carriage Return",
      "One",
      "Control",
      "Latin Small Letter O With Diaeresis",
      "Euro Sign",
      "Emoji: Grinning Face",
      "Hebrew Letter Dalet With Dagesh",
    ]);
    expect(text.startsWith('{"\\r":"Carriage Return","1":"One","\u0080":"Control","ö":')).toBe(true);
  });

  it("writes strings and literals as RFC 8785 §3.2.2 does", () => {
    // Prepare: the RFC's sample without its fractional numbers, which evidence refuses (next test)
    const input = parseJson(
      String.raw`{"string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false]}`,
    );

    // Act
    const text = canonicalize(input);

    // Assess
    expect(text).toBe(String.raw`{"literals":[null,true,false],"string":"€$\u000f\nA'B\"\\\\\"/"}`);
  });

  it("refuses the RFC's fractional and large numbers rather than write them in ECMAScript's shortest form", () => {
    // Prepare
    const input = parseJson('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001]}');

    // Act
    const [path, problem] = refusal(input);

    // Assess
    expect(path).toBe("$.numbers[0]");
    expect(problem).toMatch(
      /333333333\.3333333 is not an integer: evidence holds only integers \(write it as a string\)/,
    );
  });
});

describe("canonicalize: member order", () => {
  it("gives the same text whatever order the members were written in, at every depth", () => {
    // Prepare
    const a = { subject: "p", found: [{ version: "2", key: "k" }], approvals: { second: "bob", first: "ann" } };
    const b = { approvals: { first: "ann", second: "bob" }, found: [{ key: "k", version: "2" }], subject: "p" };

    // Act / Assess
    expect(canonicalize(a)).toBe(canonicalize(b));
    expect(canonicalize(a)).toBe(
      '{"approvals":{"first":"ann","second":"bob"},"found":[{"key":"k","version":"2"}],"subject":"p"}',
    );
  });

  it("sorts integer-like names as strings, not in JavaScript's numeric property order", () => {
    // Prepare: Object.keys gives 1, 9, 10, then b, A
    const value = { b: 0, 10: 0, 9: 0, A: 0, 1: 0 };

    // Act / Assess
    expect(canonicalize(value)).toBe('{"1":0,"10":0,"9":0,"A":0,"b":0}');
  });

  it("keeps the order of array elements", () => {
    // Act / Assess
    expect(canonicalize(["b", "a", ["d", "c"]])).toBe('["b","a",["d","c"]]');
  });
});

describe("canonicalize: strings", () => {
  it("escapes the control characters, short forms where JSON has them, others as lower-case \\u00xx", () => {
    // Prepare
    const controls = Array.from({ length: 0x20 }, (_, i) => String.fromCharCode(i)).join("");

    // Act
    const text = canonicalize(controls);

    // Assess
    expect(text).toBe(
      String.raw`"\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f"`,
    );
  });

  it("writes quote and backslash escaped, and DEL, slash, U+2028/2029 and all non-ASCII as they are", () => {
    // Act
    const text = canonicalize('"\\/\u007f\u2028\u2029é€😀');

    // Assess
    expect(text).toBe('"\\"\\\\/\u007f\u2028\u2029é€😀"');
    expect(canonicalBytes("😀").toString("hex")).toBe("22f09f988022");
  });

  it("gives one form for a character however the JSON text escaped it", () => {
    // Prepare
    const escaped = parseJson(String.raw`{"name":"Caf\u00e9 \ud83d\ude00 \u0041"}`);
    const literal = parseJson('{"name":"Café 😀 A"}');

    // Act / Assess
    expect(canonicalize(escaped)).toBe(canonicalize(literal));
    expect(canonicalize(literal)).toBe('{"name":"Café 😀 A"}');
  });

  it("keeps composed and decomposed characters apart (no Unicode normalization, as RFC 8785 says)", () => {
    // Act / Assess
    expect(canonicalize("Caf\u00e9")).not.toBe(canonicalize("Cafe\u0301"));
  });

  it.each([
    ["a lone high surrogate", "ab\ud800", 2, "D800"],
    ["a lone low surrogate", "\udc00", 0, "DC00"],
    ["a reversed pair", "\ude00\ud83d", 0, "DE00"],
  ])("refuses %s, which is not Unicode text", (_, text, index, unit) => {
    // Act
    const [path, problem] = refusal({ note: text });

    // Assess
    expect(path).toBe("$.note");
    expect(problem).toBe(
      `holds a lone surrogate (U+${unit} at index ${index}), which is not Unicode text (RFC 8785 requires I-JSON)`,
    );
  });

  it("refuses a member name with a lone surrogate, naming it", () => {
    // Act / Assess
    expect(refusal({ "\ud800": 1 })[0]).toBe('$["\\ud800"]');
  });
});

describe("canonicalize: numbers", () => {
  it.each([
    [0, "0"],
    [-0, "0"],
    [7, "7"],
    [-42, "-42"],
    [1e2, "100"],
    [Number.MAX_SAFE_INTEGER, "9007199254740991"],
    [Number.MIN_SAFE_INTEGER, "-9007199254740991"],
  ])("writes the integer %d as %s", (value, text) => {
    // Act / Assess
    expect(canonicalize(value)).toBe(text);
  });

  it("writes integers the JSON text wrote as 1.0, 1e2 or 1E+2 in plain decimal", () => {
    // Act / Assess
    expect(canonicalize(parseJson("[1.0, 1e2, 1E+2, -0, 0.0e5]"))).toBe("[1,100,100,0,0]");
  });

  it.each([
    [0.5, "0.5 is not an integer: evidence holds only integers (write it as a string)"],
    [Number.NaN, "NaN is not a JSON number"],
    [Number.POSITIVE_INFINITY, "Infinity is not a JSON number"],
    [Number.NEGATIVE_INFINITY, "-Infinity is not a JSON number"],
    [
      2 ** 53,
      "9007199254740992 is beyond the safe integers ±(2^53 − 1), where JSON readers lose digits (write it as a string)",
    ],
    [1e21, "1e+21 is beyond the safe integers ±(2^53 − 1), where JSON readers lose digits (write it as a string)"],
  ])("refuses %d", (value, problem) => {
    // Act / Assess
    expect(refusal({ size: value })).toEqual(["$.size", problem]);
  });
});

describe("canonicalize: values evidence does not allow", () => {
  class Approval {
    readonly by = "ann";
  }

  it.each([
    ["undefined as a member", { a: undefined }, "$.a", "is undefined, which JSON cannot hold"],
    ["undefined in an array", [1, undefined], "$[1]", "is undefined, which JSON cannot hold"],
    ["a hole in an array", new Array(2), "$[0]", "is a hole in the array"],
    ["a function", { f: () => 1 }, "$.f", "function is not a JSON value"],
    ["a symbol", { s: Symbol("s") }, "$.s", "symbol is not a JSON value"],
    ["a bigint", { n: 10n }, "$.n", "bigint is not a JSON value"],
    ["a Date", { at: new Date(0) }, "$.at", "a Date object is not a JSON object (only plain objects)"],
    ["a Map", { m: new Map() }, "$.m", "a Map object is not a JSON object (only plain objects)"],
    ["a Buffer", { b: Buffer.from("x") }, "$.b", "a Buffer object is not a JSON object (only plain objects)"],
    ["a class instance", { a: new Approval() }, "$.a", "a Approval object is not a JSON object (only plain objects)"],
    ["a symbol-named property", { [Symbol("s")]: 1 }, "$", "has symbol-named properties, which JSON cannot hold"],
  ])("refuses %s, naming where", (_, value, path, problem) => {
    // Act / Assess
    expect(refusal(value)).toEqual([path, problem]);
  });

  it("names the path of a refused value deep inside, quoting names that are not identifiers", () => {
    // Act / Assess
    expect(refusal({ found: { "object versions": [{ size: 1 }, { size: 1.5 }] } })[0]).toBe(
      '$.found["object versions"][1].size',
    );
  });

  it("refuses a cycle", () => {
    // Prepare
    const value: Record<string, unknown> = { a: { b: [] as unknown[] } };
    ((value.a as Record<string, unknown>).b as unknown[]).push(value);

    // Act / Assess
    expect(refusal(value)).toEqual(["$.a.b[0]", "refers to an object that contains it (a cycle)"]);
  });

  it("accepts the same object twice when it does not contain itself", () => {
    // Prepare
    const shared = { key: "k" };

    // Act / Assess
    expect(canonicalize({ a: shared, b: [shared] })).toBe('{"a":{"key":"k"},"b":[{"key":"k"}]}');
  });

  it(`accepts ${MAX_DEPTH} nested arrays and objects and refuses one more`, () => {
    // Prepare
    const nest = (depth: number): unknown => (depth === 1 ? [] : [nest(depth - 1)]);

    // Act / Assess
    expect(canonicalize(nest(MAX_DEPTH))).toBe(`${"[".repeat(MAX_DEPTH)}${"]".repeat(MAX_DEPTH)}`);
    expect(refusal(nest(MAX_DEPTH + 1))[1]).toBe(`nests deeper than ${MAX_DEPTH} arrays and objects`);
  });

  it("accepts objects without a prototype", () => {
    // Prepare
    const value = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: true });

    // Act / Assess
    expect(canonicalize(value)).toBe('{"a":true,"b":1}');
  });
});

describe("parseJson", () => {
  it("refuses an object that names a member twice, with the object's path", () => {
    // Act / Assess
    expect(() => parseJson('{"found":[{"key":"a"},{"key":"b","erased":false,"erased":true}]}')).toThrow(
      new CanonicalizationError("$.found[1]", 'names the member "erased" twice'),
    );
  });

  it("compares names after unescaping them", () => {
    // Act / Assess
    expect(() => parseJson(String.raw`{"a":1,"\u0061":2}`)).toThrow(/names the member "a" twice/);
  });

  it("accepts one name in several objects, and brackets, commas and quotes inside strings", () => {
    // Prepare
    const text = String.raw`{"a":"{[,\":","b":{"a":1},"c":[{"a":1},{"a":2}],"d" : {"e\\":[],"e":[]}}`;

    // Act / Assess
    expect(parseJson(text)).toEqual(JSON.parse(text));
  });

  it("throws JSON.parse's SyntaxError for text that is not JSON", () => {
    // Act / Assess
    expect(() => parseJson("{'a':1}")).toThrow(SyntaxError);
  });

  it("reads back what canonicalize wrote, to the same canonical text", () => {
    // Prepare
    const value = { z: [1, "two", { "": null, " ": false }], a: { é: "\u0001", "😀": [-5] } };

    // Act
    const text = canonicalize(value);

    // Assess
    expect(canonicalize(parseJson(text))).toBe(text);
    expect(parseJson(text)).toEqual(value);
  });
});
