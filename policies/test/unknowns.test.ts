/**
 * Values the checker cannot evaluate are findings, never silent passes (issue 15). For every rule of
 * the baseline pack and every value it declares it reads, each compliant fixture (and
 * fixtures/unknowns/blocks.tf.json, for the types they lack) that has that value's block gets the
 * value replaced by an expression the checker cannot evaluate, as a variable and as
 * `each.value` of a `for_each` block; the rule must report every such block, saying the value could
 * not be evaluated.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { isObject, type JsonObject } from "../core/json";
import { templateOf } from "../core/template";
import type { Rule, ValueRead } from "../core/types";
import { BASELINE_PACK } from "../packs/baseline";
import { NoPublicIp } from "../rules/vpc/NoPublicIp";
import { ScopedTrustPolicy } from "../rules/iam/ScopedTrustPolicy";
import { evaluate, exampleConfig, FIXTURES, fixture } from "./harness";

const UNKNOWN = /could not be evaluated|cannot be verified/;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** The compliant fixtures, and blocks of the types they lack (not compliant, see its "//"). */
const BASES = [
  ...files(FIXTURES)
    .filter((f) => f.endsWith("/compliant.tf.json"))
    .map((f) => relative(FIXTURES, f))
    .sort(),
  "unknowns/blocks.tf.json",
];

interface Variant {
  readonly name: string;
  /** The unevaluable value for a read. */
  value(read: ValueRead): unknown;
  /** Whether the block gets `for_each` (resources and data sources only). */
  readonly forEach: boolean;
}

const VARIANTS: readonly Variant[] = [
  {
    name: "a variable",
    value: (read) => (read.as === "document" ? "${jsonencode(var.unknown)}" : "${var.unknown}"),
    forEach: false,
  },
  {
    name: "each.value of a for_each block",
    value: (read) => (read.as === "document" ? "${jsonencode(each.value.policy)}" : "${each.value.x}"),
    forEach: true,
  },
  {
    name: "a policy document data source that does not exist",
    value: (read) => (read.as === "document" ? "${data.aws_iam_policy_document.unknown.json}" : undefined),
    forEach: false,
  },
];

function matches(pattern: string, type: string): boolean {
  return pattern.endsWith("*") ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/** The block bodies of a read's type in a parsed fixture, with their addresses. */
function bodies(json: JsonObject, read: ValueRead): Array<{ address: string; body: JsonObject; provider: boolean }> {
  const out: Array<{ address: string; body: JsonObject; provider: boolean }> = [];
  const list = (v: unknown): JsonObject[] => (Array.isArray(v) ? v.filter(isObject) : isObject(v) ? [v] : []);
  if (read.type.startsWith("provider.")) {
    for (const section of list(json.provider)) {
      for (const [type, configs] of Object.entries(section)) {
        if (!matches(read.type.slice("provider.".length), type)) continue;
        for (const body of list(configs))
          out.push({
            address: `provider.${type}${typeof body.alias === "string" ? `.${body.alias}` : ""}`,
            body,
            provider: true,
          });
      }
    }
    return out;
  }
  if (read.type === "output") {
    for (const section of list(json.output))
      for (const [name, body] of Object.entries(section))
        if (isObject(body)) out.push({ address: `output.${name}`, body, provider: false });
    return out;
  }
  const data = read.type.startsWith("data.");
  const pattern = data ? read.type.slice("data.".length) : read.type;
  for (const section of list(data ? json.data : json.resource)) {
    for (const [type, byName] of Object.entries(section)) {
      if (!matches(pattern, type)) continue;
      for (const named of list(byName))
        for (const [name, body] of Object.entries(named))
          if (isObject(body)) out.push({ address: `${data ? "data." : ""}${type}.${name}`, body, provider: false });
    }
  }
  return out;
}

/** Sets the read's value in a block (through existing nested blocks); false when its parent block is absent. */
function setValue(body: JsonObject, read: ValueRead, value: unknown): boolean {
  if (read.type === "data.aws_iam_policy_document" && read.attribute === "json") {
    body.override_policy_documents = [value];
    return true;
  }
  const path =
    read.attribute === "*"
      ? ["description"]
      : read.attribute.endsWith(".*")
        ? [...read.attribute.slice(0, -2).split("."), "description"]
        : read.attribute.split(".");
  let nodes: JsonObject[] = [body];
  for (const segment of path.slice(0, -1)) {
    nodes = nodes.flatMap((n) =>
      Array.isArray(n[segment])
        ? (n[segment] as unknown[]).filter(isObject)
        : isObject(n[segment])
          ? [n[segment] as JsonObject]
          : [],
    );
  }
  const last = path[path.length - 1] ?? "";
  for (const n of nodes) n[last] = value;
  return nodes.length > 0;
}

interface Case {
  readonly rule: Rule;
  readonly read: ValueRead;
  readonly variant: Variant;
  readonly file: string;
}

/** Every (rule, read, variant, fixture) where the fixture has a block to mutate. */
function cases(): { runnable: Case[]; uncovered: string[] } {
  const runnable: Case[] = [];
  const uncovered: string[] = [];
  for (const rule of BASELINE_PACK) {
    for (const read of rule.reads) {
      let covered = false;
      for (const variant of VARIANTS) {
        if (variant.value(read) === undefined) continue;
        for (const file of BASES) {
          const json = JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as JsonObject;
          if (
            !bodies(json, read).some(
              ({ body, provider }) => !(provider && variant.forEach) && setValue(structuredClone(body), read, "x"),
            )
          )
            continue;
          runnable.push({ rule, read, variant, file });
          covered = true;
        }
      }
      if (!covered) uncovered.push(`${rule.name}: ${read.type}.${read.attribute}`);
    }
  }
  return { runnable, uncovered };
}

const { runnable, uncovered } = cases();

describe("values the checker cannot evaluate", () => {
  it("has a compliant fixture with a block for every value a rule reads", () => {
    expect(uncovered).toEqual([]);
  });

  it.each(
    runnable.map(
      (c) => [`${c.rule.id} ${c.rule.name}`, `${c.read.type}.${c.read.attribute}`, c.variant.name, c.file, c] as const,
    ),
  )("%s reports %s as %s (%s)", async (_rule, _read, _variant, _file, c) => {
    // Prepare
    const json = JSON.parse(readFileSync(join(FIXTURES, c.file), "utf8")) as JsonObject;
    const mutated: string[] = [];
    for (const { address, body, provider } of bodies(json, c.read)) {
      if (provider && c.variant.forEach) continue;
      if (!setValue(body, c.read, c.variant.value(c.read))) continue;
      if (c.variant.forEach) body.for_each = "${var.items}";
      mutated.push(address);
    }
    // Act
    const result = await evaluate(c.rule, templateOf(json), exampleConfig());
    // Assess
    const violations =
      result.kind === "NonCompliant" ? result.violations.filter((v) => v.acceptedBecause === undefined) : [];
    const silent = mutated.filter(
      (address) => !violations.some((v) => v.address === address && UNKNOWN.test(v.detail)),
    );
    expect(silent).toEqual([]);
  });
});

describe("the examples of issue 15", () => {
  it("reports a public IP setting from each.value as a value it could not evaluate", async () => {
    // Act
    const result = await evaluate(NoPublicIp, fixture("vpc/NoPublicIp/noncompliant-2.tf.json"));
    // Assess
    expect(
      result.kind === "NonCompliant" ? result.violations.map((v) => `${v.address}: ${v.detail}`) : result.kind,
    ).toEqual([
      'aws_subnet.from_map: map_public_ip_on_launch "${each.value.public}" could not be evaluated: each.value.public is not a literal; what passes: a literal false, or leaving it out',
      'aws_instance.from_map: associate_public_ip_address "${each.value.public_ip}" could not be evaluated: each.value.public_ip is not a literal; what passes: a literal false, or leaving it out',
    ]);
  });

  it('reports a computed trust policy that trusts "*" instead of skipping it', async () => {
    // Act
    const result = await evaluate(ScopedTrustPolicy, fixture("iam/ScopedTrustPolicy/noncompliant-7.tf.json"));
    // Assess
    expect(result.kind).toBe("NonCompliant");
    const [violation] = result.kind === "NonCompliant" ? result.violations : [];
    expect(violation?.address).toBe("aws_iam_role.computed");
    expect(violation?.detail).toMatch(
      /^assume_role_policy "\$\{jsonencode\(.*could not be evaluated: jsonencode\(.*is computed by a Terraform expression.*what passes: a literal JSON policy/,
    );
  });
});
