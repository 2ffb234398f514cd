/**
 * Reads and validates a deployment configuration. Every problem is reported at once, each with its
 * path and fix; nothing downstream runs on an invalid configuration.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
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

/** A validated configuration with the files it names read and checked. */
export type ResolvedDeployment = DeploymentConfig & {
  readonly crossPartition?: NonNullable<DeploymentConfig["crossPartition"]> & { readonly caCertificatePem: string };
};

/**
 * Reads the files a configuration names (paths relative to `baseDir`, the configuration file's
 * folder) and checks them: the CA certificate must be a PEM CA certificate.
 */
export function resolveDeploymentFiles(config: DeploymentConfig, baseDir: string): ResolvedDeployment | { readonly problems: readonly ConfigProblem[] } {
  const cross = config.crossPartition;
  if (cross === undefined) return { ...config, crossPartition: undefined };
  const path = "crossPartition.caCertificateFile";
  if (isAbsolute(cross.caCertificateFile)) {
    return { problems: [{ path, message: `"${cross.caCertificateFile}" is absolute. Fix: give the path relative to the configuration file, so the project works on any machine` }] };
  }
  let pem: string;
  try {
    pem = readFileSync(resolve(baseDir, cross.caCertificateFile), "utf8");
  } catch {
    return { problems: [{ path, message: `"${cross.caCertificateFile}" cannot be read (relative to ${baseDir}). Fix: point it at the platform CA's certificate (PEM)` }] };
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  let certificate: X509Certificate | undefined;
  try {
    certificate = blocks.length === 1 ? new X509Certificate(blocks[0] ?? "") : undefined;
  } catch {
    certificate = undefined;
  }
  if (certificate === undefined) {
    return { problems: [{ path, message: `"${cross.caCertificateFile}" must hold exactly one PEM certificate (found ${blocks.length} certificate blocks). Fix: use the CA certificate file that \`make certs\` writes` }] };
  }
  if (!certificate.ca) {
    return { problems: [{ path, message: `"${cross.caCertificateFile}" is not a CA certificate (basicConstraints CA:false). Fix: use the platform CA's certificate, not a leaf` }] };
  }
  if (/PRIVATE KEY/.test(pem)) {
    return { problems: [{ path, message: `"${cross.caCertificateFile}" contains a private key, which would end up in the Terraform JSON and state. Fix: keep only the certificate in this file` }] };
  }
  // LF line endings whatever wrote the file, so the synthesized JSON does not depend on it.
  return { ...config, crossPartition: { ...cross, caCertificatePem: `${(blocks[0] ?? "").replace(/\r\n/g, "\n")}\n` } };
}

/** Reads a JSON configuration file and the files it names; throws ConfigError naming every problem. */
export function loadDeploymentFile(file: string): ResolvedDeployment {
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
  const resolved = resolveDeploymentFiles(result.config, dirname(file));
  if ("problems" in resolved) throw new ConfigError(file, resolved.problems);
  return resolved;
}
