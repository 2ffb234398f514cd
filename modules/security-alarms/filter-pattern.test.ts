/**
 * The evaluator against the examples of the CloudWatch Logs documentation:
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html (section "Matching
 * terms in JSON log events"; the same text as doc_source/FilterAndPatternSyntax.md of
 * github.com/awsdocs/amazon-cloudwatch-logs-user-guide) and
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/matching-terms-json-log-events.html.
 * Each documented example pattern is run against the documented example event, with the documented
 * outcome.
 */
import { describe, expect, it } from "vitest";
import { evaluate, FilterPatternSyntaxError, matchesLogEvent, parseFilterPattern, selectorsOf } from "./filter-pattern";

/** The documentation's first JSON example event. */
const DOC_EVENT = {
  eventType: "UpdateTrail",
  sourceIPAddress: "111.111.111.111",
  arrayKey: ["value", "another value"],
  objectList: [
    { name: "a", id: 1 },
    { name: "b", id: 2 },
  ],
  SomeObject: null,
  ThisFlag: true,
};

/** The documentation's example event for compound conditions. */
const COMPOUND_EVENT = {
  user: { id: 1, email: "John.Stiles@example.com" },
  users: [
    { id: 2, email: "John.Doe@example.com" },
    { id: 3, email: "Jane.Doe@example.com" },
  ],
  actions: ["GET", "PUT", "DELETE"],
  coordinates: [
    [0, 1, 2],
    [4, 5, 6],
    [7, 8, 9],
  ],
};

const matches = (pattern: string, event: unknown) => evaluate(parseFilterPattern(pattern), event);

describe("JSON filter patterns, the documented examples", () => {
  it.each([
    '{ $.eventType = "UpdateTrail" }',
    "{ $.sourceIPAddress != 123.123.* }",
    '{ $.arrayKey[0] = "value" }',
    "{ $.objectList[1].id = 2 }",
    "{ $.SomeObject IS NULL }",
    "{ $.SomeOtherObject NOT EXISTS }",
    "{ $.ThisFlag IS TRUE }",
  ])("%s matches the documented event", (pattern) => {
    expect(matches(pattern, DOC_EVENT)).toBe(true);
  });

  it("matches the OR example: {$.foo = bar || $.foo = baz} matches both events, each single term one", () => {
    const bar = { foo: "bar" };
    const baz = { foo: "baz" };
    expect([matches("{$.foo = bar}", bar), matches("{$.foo = bar}", baz)]).toEqual([true, false]);
    expect([matches("{$.foo = baz }", bar), matches("{$.foo = baz }", baz)]).toEqual([false, true]);
    expect([matches("{$.foo = bar || $.foo = baz }", bar), matches("{$.foo = bar || $.foo = baz }", baz)]).toEqual([
      true,
      true,
    ]);
  });

  it.each([
    ['{ ($.user.id = 1) && ($.users[0].email = "John.Doe@example.com") }', true],
    ['{ ($.user.id = 2 && $.users[0].email = "nonmatch") || $.actions[2] = "GET" }', false],
    ['{ $.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch && $.actions[2] = nomatch }', true],
    [
      '{ ($.user.email = "John.Stiles@example.com" || $.coordinates[0][1] = nonmatch) && $.actions[2] = nomatch }',
      false,
    ],
  ])("compound example %s: %s (precedence () > && > ||)", (pattern, expected) => {
    expect(matches(pattern, COMPOUND_EVENT)).toBe(expected);
  });

  it("applies neither = nor != to an array: both {$.users = 1} and {$.users != 1} fail on users: [1, 2, 3]", () => {
    const event = { users: [1, 2, 3] };
    expect([matches("{$.users = 1}", event), matches("{$.users != 1}", event)]).toEqual([false, false]);
  });

  it("gives false for an index into something that is not an array", () => {
    expect(matches('{ $.eventType[0] = "UpdateTrail" }', DOC_EVENT)).toBe(false);
    expect(matches("{ $.objectList[5].id = 2 }", DOC_EVENT)).toBe(false);
  });

  it.each([
    ["{ $.latency >= 500 }", { latency: 500 }, true],
    ["{ $.latency >= 500 }", { latency: 499.9 }, false],
    ["{ $.numbers[0] < 10e3 }", { numbers: [9999] }, true],
    ["{ $.numbers[0] < 10e-3 }", { numbers: [0.01] }, false],
    ["{ $.processes[4].averageRuntime <= 55.5 }", { processes: [{}, {}, {}, {}, { averageRuntime: 55.5 }] }, true],
    ["{ $.errorCode = 400 }", { errorCode: 400 }, true],
    ["{ $.errorCode != 500 }", { errorCode: 400 }, true],
    ["{ $.latency > +1000 }", { latency: 1000 }, false],
  ])("numeric comparison %s on %j: %s", (pattern, event, expected) => {
    expect(matches(pattern, event)).toBe(expected);
  });

  it("matches * at the start or end of a string, and a * inside it only as itself", () => {
    expect(["PutEvent", "GetEvent", "EventId"].map((v) => matches("{ $.e = *Event }", { e: v }))).toEqual([
      true,
      true,
      false,
    ]);
    expect(["EventId", "EventName", "PutEvent"].map((v) => matches("{ $.e = Event* }", { e: v }))).toEqual([
      true,
      true,
      false,
    ]);
    expect(["Ev*ent", "Event", "EvXent"].map((v) => matches('{ $.e = "Ev*ent" }', { e: v }))).toEqual([
      true,
      false,
      false,
    ]);
  });

  it("matches the quoted wildcards of the CIS unauthorized-calls pattern (Security Hub CloudWatch.2)", () => {
    const pattern = '{($.errorCode="*UnauthorizedOperation") || ($.errorCode="AccessDenied*")}';
    expect(
      ["Client.UnauthorizedOperation", "AccessDeniedException", "ThrottlingException"].map((errorCode) =>
        matches(pattern, { errorCode }),
      ),
    ).toEqual([true, true, false]);
  });

  it("matches any value of a property with a lone *, and no missing property", () => {
    expect([matches("{ $.latency = * }", { latency: 3 }), matches("{ $.latency = * }", {})]).toEqual([true, false]);
  });
});

describe("JSON filter patterns, what the documentation implies", () => {
  it("tells IS NULL (an explicit null) from NOT EXISTS (no such property)", () => {
    expect([matches("{ $.a IS NULL }", { a: null }), matches("{ $.a IS NULL }", {})]).toEqual([true, false]);
    expect([matches("{ $.a NOT EXISTS }", { a: null }), matches("{ $.a NOT EXISTS }", {})]).toEqual([false, true]);
    expect(matches("{ $.a.b NOT EXISTS }", { a: "x" })).toBe(true);
  });

  it("holds IS TRUE and IS FALSE only for that boolean", () => {
    expect([true, false, "true", undefined].map((f) => matches("{ $.f IS FALSE }", { f }))).toEqual([
      false,
      true,
      false,
      false,
    ]);
  });

  it("compares nothing on a missing property: = and != are both false", () => {
    expect([matches('{ $.eventType = "X" }', {}), matches('{ $.eventType != "X" }', {})]).toEqual([false, false]);
  });

  it("is case sensitive", () => {
    expect(matches("{ $.eventName = DisableKey }", { eventName: "disablekey" })).toBe(false);
  });

  it("compares an unquoted number with a string property as text", () => {
    expect(matches("{ $.recipientAccountId = 111111111111 }", { recipientAccountId: "111111111111" })).toBe(true);
  });

  it("reads a log event message: a message that is not a JSON object never matches", () => {
    expect(matchesLogEvent('{ $.a = "b" }', '{"a":"b"}')).toBe(true);
    expect(matchesLogEvent('{ $.a = "b" }', "a b")).toBe(false);
    expect(matchesLogEvent("{ $.a NOT EXISTS }", "[1]")).toBe(false);
  });

  it("reads escaped quotes and backslashes in quoted strings", () => {
    expect(matches('{ $.m = "say \\"hi\\" \\\\ now" }', { m: 'say "hi" \\ now' })).toBe(true);
  });

  it("lists the selectors a pattern reads", () => {
    expect(selectorsOf(parseFilterPattern("{ ($.a = 1 || $.b[0].c = x) && $.a != 2 && $.d NOT EXISTS }"))).toEqual([
      "$.a",
      "$.b[0].c",
      "$.d",
    ]);
  });
});

describe("JSON filter patterns, refused", () => {
  it.each([
    ['$.a = "b"', 0, /starts with \{/],
    ['{ $.a = "b" ', 12, /closing \}, found the end/],
    ['{ $.a = "b" } x', 14, /nothing may follow/],
    ['{ $.a = "b }', 8, /unterminated quoted string/],
    ['{ $.a "b" }', 6, /expected an operator/],
    ["{ $.a > abc }", 8, /> compares with an unquoted number/],
    ["{ $.a IS MAYBE }", 9, /expected NULL, TRUE or FALSE/],
    ["{ $.a NOT THERE }", 10, /expected EXISTS/],
    ["{ ($.a = 1 }", 11, /closing \)/],
    ["{ $.a = 1 & $.b = 2 }", 10, /unexpected character "&"/],
    ["{ a = 1 }", 2, /expected a selector/],
    ["{ $ = 1 }", 2, /\$ followed by \.property or \[index\]/],
    ["{ $.a = %ab+% }", 8, /regular expressions/],
    ["{ $.a is null }", 6, /expected an operator/],
    ["{ }", 2, /expected a selector/],
  ])("refuses %s at position %i", (pattern, position, reason) => {
    let error: unknown;
    try {
      parseFilterPattern(pattern);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FilterPatternSyntaxError);
    expect((error as FilterPatternSyntaxError).position).toBe(position);
    expect((error as Error).message).toMatch(new RegExp(`^filter pattern, position ${position}: `));
    expect((error as Error).message).toMatch(reason);
  });
});
