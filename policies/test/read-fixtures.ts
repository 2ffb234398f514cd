/**
 * The blocks each rule's declared reads (`reads`) apply to, in the fixtures: what the tests that
 * mutate a read value in every compliant fixture (unknowns.test.ts, ignored-changes.test.ts) walk.
 */
import { readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { isObject, type JsonObject } from "../core/json";
import type { ValueRead } from "../core/types";
import { FIXTURES } from "./harness";

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)],
  );
}

/** The compliant fixtures, and blocks of the types they lack (not compliant, see its "//"). */
export const BASES = [
  ...files(FIXTURES)
    .filter((f) => f.endsWith("/compliant.tf.json"))
    .map((f) => relative(FIXTURES, f))
    .sort(),
  "unknowns/blocks.tf.json",
];

function matches(pattern: string, type: string): boolean {
  return pattern.endsWith("*") ? type.startsWith(pattern.slice(0, -1)) : pattern === type;
}

/** The block bodies of a read's type in a parsed fixture, with their addresses. */
export function bodies(
  json: JsonObject,
  read: ValueRead,
): Array<{ address: string; body: JsonObject; provider: boolean }> {
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
