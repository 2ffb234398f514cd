/**
 * Reads and validates a deployment configuration. Every problem is reported at once, each with its
 * path and fix; nothing downstream runs on an invalid configuration.
 */
import { readFileSync } from "node:fs";
import type { z } from "zod";
import { type DeploymentConfig, deploymentSchema } from "./schema";
import { type ConfigProblem, crossFieldProblems } from "./validate";

export type { ConfigProblem } from "./validate";

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    const noun = problems.length === 1 ? "problem" : "problems";
    super(`${source}: ${problems.length} ${noun} in the configuration:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

/** `["tenants", 2, "id"]` -> `tenants[2].id`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

function toProblems(issue: z.core.$ZodIssue): ConfigProblem[] {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        message: `unknown field "${key}". Fix: remove it or correct its spelling (see docs/configuration.md)`,
      }));
    case "invalid_type":
      if (issue.input === undefined) {
        return [{ path, message: `is required but missing. Fix: add it (${issue.expected})` }];
      }
      if (issue.message && !issue.message.startsWith("Invalid input")) return [{ path, message: issue.message }];
      return [{ path, message: `expected ${issue.expected}, got ${describe(issue.input)}. Fix: write a ${issue.expected}` }];
    default:
      return [{ path, message: issue.message }];
  }
}

export type ParseResult =
  | { readonly ok: true; readonly config: DeploymentConfig }
  | { readonly ok: false; readonly problems: readonly ConfigProblem[] };

/** Validates a parsed JSON value; reports every structural and cross-field problem. */
export function parseDeployment(input: unknown): ParseResult {
  const result = deploymentSchema.safeParse(input, { reportInput: true });
  const problems = [...(result.success ? [] : result.error.issues.flatMap(toProblems)), ...crossFieldProblems(input)];
  if (problems.length > 0 || !result.success) {
    const unique = new Map(problems.map((p) => [`${p.path}\u0000${p.message}`, p]));
    return { ok: false, problems: [...unique.values()] };
  }
  return { ok: true, config: result.data };
}

/** Reads a JSON configuration file; throws ConfigError naming every problem. */
export function loadDeploymentFile(file: string): DeploymentConfig {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message;
    throw new ConfigError(file, [{ path: "(file)", message: `${reason}. Fix: pass an existing file with --config` }]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, [{ path: "(file)", message: `not valid JSON (${(err as Error).message}). Fix: correct the syntax` }]);
  }
  const result = parseDeployment(json);
  if (!result.ok) throw new ConfigError(file, result.problems);
  return result.config;
}
