/**
 * Values Terraform does not manage are findings (issue 15 probe): for every rule of the baseline
 * pack and every resource value it declares it reads, each compliant fixture (and
 * fixtures/unknowns/blocks.tf.json) that has such a resource gets `lifecycle.ignore_changes` on that
 * value (its top-level block, as users write it, and `all`); the rule must report every such
 * resource. A compliant configuration without ignore_changes stays compliant (the fixtures' own tests).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { isObject, type JsonObject } from "../core/json";
import { templateOf } from "../core/template";
import type { Rule, ValueRead } from "../core/types";
import { BASELINE_PACK } from "../packs/baseline";
import { TrailKmsEncryption } from "../rules/cloudtrail/TrailKmsEncryption";
import { evaluate, exampleConfig, FIXTURES } from "./harness";
import { BASES, bodies } from "./read-fixtures";

/** The ignore_changes entries tried for a read. */
function entries(read: ValueRead): string[] {
  if (read.attribute === "*") return ["all"];
  const top = read.attribute.split(".")[0] ?? read.attribute;
  return top === read.attribute ? [top, "all"] : [top, `${read.attribute.replace(/\.\*$/, "")}`, "all"];
}

interface Case {
  readonly rule: Rule;
  readonly read: ValueRead;
  readonly entry: string;
  readonly file: string;
}

function cases(): { runnable: Case[]; uncovered: string[] } {
  const runnable: Case[] = [];
  const uncovered: string[] = [];
  for (const rule of BASELINE_PACK) {
    for (const read of rule.reads) {
      // Providers, data sources and outputs have no lifecycle.
      if (read.type.startsWith("provider.") || read.type.startsWith("data.") || read.type === "output") continue;
      const files = BASES.filter(
        (file) => bodies(JSON.parse(readFileSync(join(FIXTURES, file), "utf8")) as JsonObject, read).length > 0,
      );
      if (files.length === 0) uncovered.push(`${rule.name}: ${read.type}.${read.attribute}`);
      for (const file of files) for (const entry of entries(read)) runnable.push({ rule, read, entry, file });
    }
  }
  return { runnable, uncovered };
}

const { runnable, uncovered } = cases();

describe("values under lifecycle.ignore_changes", () => {
  it("has a fixture with a resource for every resource value a rule reads", () => {
    expect(uncovered).toEqual([]);
  });

  it.each(
    runnable.map(
      (c) => [`${c.rule.id} ${c.rule.name}`, `${c.read.type}.${c.read.attribute}`, c.entry, c.file, c] as const,
    ),
  )("%s reports %s under ignore_changes %s (%s)", async (_rule, _read, _entry, _file, c) => {
    // Prepare
    const json = JSON.parse(readFileSync(join(FIXTURES, c.file), "utf8")) as JsonObject;
    const mutated: string[] = [];
    for (const { address, body } of bodies(json, c.read)) {
      const lifecycle = isObject(body.lifecycle) ? body.lifecycle : {};
      body.lifecycle = { ...lifecycle, ignore_changes: [c.entry] };
      mutated.push(address);
    }
    // Act
    const result = await evaluate(c.rule, templateOf(json), exampleConfig());
    // Assess
    const violations =
      result.kind === "NonCompliant" ? result.violations.filter((v) => v.acceptedBecause === undefined) : [];
    const silent = mutated.filter(
      (address) => !violations.some((v) => v.address === address && v.detail.includes("ignore_changes")),
    );
    expect(silent).toEqual([]);
  });
});

describe("what the finding says", () => {
  it("names the entry, the attribute and what passes", async () => {
    // Prepare
    const json = JSON.parse(readFileSync(join(FIXTURES, "cloudtrail/compliant.tf.json"), "utf8")) as JsonObject;
    const [trail] = bodies(json, { type: "aws_cloudtrail", attribute: "kms_key_id", as: "reference", passes: "" });
    if (trail === undefined) throw new Error("the CloudTrail fixture has no trail");
    trail.body.lifecycle = { ignore_changes: ["kms_key_id", "tags"] };
    // Act
    const result = await evaluate(TrailKmsEncryption, templateOf(json), exampleConfig());
    // Assess
    expect(result.kind === "NonCompliant" ? result.violations.map((v) => v.detail) : result.kind).toEqual([
      expect.stringMatching(
        /^lifecycle\.ignore_changes "kms_key_id" covers kms_key_id: Terraform keeps whatever the deployed resource has, so the configured value proves nothing; what passes: .+, with kms_key_id out of ignore_changes$/,
      ),
    ]);
  });

  it("does not report an attribute no rule reads", async () => {
    // Prepare
    const raw = JSON.parse(readFileSync(join(FIXTURES, "cloudtrail/compliant.tf.json"), "utf8")) as JsonObject;
    for (const { body } of bodies(raw, { type: "aws_cloudtrail", attribute: "name", as: "literal", passes: "" }))
      body.lifecycle = { ignore_changes: ["tags"] };
    // Act
    const results = await Promise.all(BASELINE_PACK.map((rule) => evaluate(rule, templateOf(raw), exampleConfig())));
    // Assess
    const mentions = results.flatMap((r) =>
      r.kind === "NonCompliant" ? r.violations.filter((v) => v.detail.includes("ignore_changes")) : [],
    );
    expect(mentions).toEqual([]);
  });
});
