/**
 * Reads and validates a deployment configuration. Every problem is reported at once, each with its
 * path and fix; nothing downstream runs on an invalid configuration.
 */
import { X509Certificate } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import type { z } from "zod";
import { formatPath, parseJsonText } from "./json-text";
import { type DeploymentConfig, deploymentSchema } from "./schema";
import { type ConfigProblem, crossFieldProblems } from "./validate";

export { formatPath } from "./json-text";
export type { ConfigProblem } from "./validate";

export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: readonly ConfigProblem[],
  ) {
    const noun = problems.length === 1 ? "problem" : "problems";
    super(
      `${source}: ${problems.length} ${noun} in the configuration:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join("\n")}`,
    );
    this.name = "ConfigError";
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${JSON.stringify(value)}`;
}

function toProblems(issue: z.core.$ZodIssue): ConfigProblem[] {
  const path = formatPath(issue.path);
  switch (issue.code) {
    case "unrecognized_keys": {
      const known = knownKeysAt(deploymentSchema, issue.path);
      return issue.keys.map((key) => {
        const near = nearest(key, known);
        return {
          path: formatPath([...issue.path, key]),
          message:
            near === undefined
              ? `unknown field "${key}". Fix: remove it or correct its spelling (known here: ${known.join(", ")}; see docs/configuration.md)`
              : `unknown field "${key}". Fix: did you mean "${near}"? Rename it, or remove it (see docs/configuration.md)`,
        };
      });
    }
    case "invalid_type":
      if (issue.input === undefined) {
        return [{ path, message: `is required but missing. Fix: add it (${issue.expected})` }];
      }
      if (issue.message && !issue.message.startsWith("Invalid input")) return [{ path, message: issue.message }];
      return [
        { path, message: `expected ${issue.expected}, got ${describe(issue.input)}. Fix: write a ${issue.expected}` },
      ];
    case "too_small":
      if (hasFix(issue.message)) return [{ path, message: issue.message }];
      if (issue.origin === "string")
        return [{ path, message: `must not be empty. Fix: give a value, or remove the field if it is optional` }];
      if (issue.origin === "array")
        return [
          {
            path,
            message: `lists fewer than ${String(issue.minimum)} entries. Fix: list at least ${String(issue.minimum)}`,
          },
        ];
      return [
        {
          path,
          message: `${describe(issue.input)} is below the minimum ${String(issue.minimum)}. Fix: use ${String(issue.minimum)} or more`,
        },
      ];
    case "too_big":
      if (hasFix(issue.message)) return [{ path, message: issue.message }];
      return [
        {
          path,
          message: `${describe(issue.input)} is above the maximum ${String(issue.maximum)}. Fix: use ${String(issue.maximum)} or less`,
        },
      ];
    default:
      return [
        {
          path,
          message: hasFix(issue.message)
            ? issue.message
            : `${issue.message}. Fix: see docs/configuration.md for ${path}`,
        },
      ];
  }
}

const hasFix = (message: string): boolean => /Fix: |use one of/.test(message);

type AnySchema = z.core.$ZodType;

/** The field names the schema knows for the object at `path` (through optional, default, record, array and union). */
function knownKeysAt(schema: AnySchema, path: readonly PropertyKey[]): string[] {
  let nodes: AnySchema[] = [schema];
  const unwrap = (s: AnySchema): AnySchema[] => {
    const def = s._zod.def as unknown as { type: string; innerType?: AnySchema; in?: AnySchema; options?: AnySchema[] };
    if (def.innerType !== undefined) return unwrap(def.innerType);
    if (def.type === "pipe" && def.in !== undefined) return unwrap(def.in);
    if (def.type === "union" && def.options !== undefined) return def.options.flatMap(unwrap);
    return [s];
  };
  for (const key of path) {
    nodes = nodes.flatMap(unwrap).flatMap((s) => {
      const def = s._zod.def as unknown as {
        type: string;
        shape?: Record<string, AnySchema>;
        element?: AnySchema;
        valueType?: AnySchema;
      };
      if (def.type === "object" && typeof key === "string" && def.shape?.[key] !== undefined) return [def.shape[key]];
      if (def.type === "array" && typeof key === "number" && def.element !== undefined) return [def.element];
      if (def.type === "record" && def.valueType !== undefined) return [def.valueType];
      return [];
    });
  }
  const keys = nodes
    .flatMap(unwrap)
    .flatMap((s) => Object.keys((s._zod.def as unknown as { shape?: object }).shape ?? {}));
  return [...new Set(keys)].filter((k) => k !== "$schema");
}

/** The known key nearest to a misspelt one (case-insensitive edit distance), if near enough. */
export function nearest(key: string, known: readonly string[]): string | undefined {
  const distance = (a: string, b: string): number => {
    let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
    for (let i = 1; i <= a.length; i++) {
      const current = [i];
      for (let j = 1; j <= b.length; j++)
        current[j] = Math.min(
          (previous[j] ?? 0) + 1,
          (current[j - 1] ?? 0) + 1,
          (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
        );
      previous = current;
    }
    return previous[b.length] ?? 0;
  };
  let best: { key: string; d: number } | undefined;
  for (const candidate of known) {
    const d = distance(key.toLowerCase(), candidate.toLowerCase());
    if (d <= Math.max(1, Math.floor(candidate.length / 3)) && (best === undefined || d < best.d))
      best = { key: candidate, d };
  }
  return best?.key;
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

const CA_PATH = "crossPartition.caCertificateFile";

/**
 * Reads and checks the CA certificate file a configuration names (relative to `baseDir`): exactly
 * one PEM certificate, a CA (basicConstraints CA:TRUE), valid now, and no private key beside it.
 * Every problem with the file is reported at once.
 */
export function readCaCertificate(
  file: string,
  baseDir: string,
  now: Date = new Date(),
): { readonly pem: string } | { readonly problems: readonly ConfigProblem[] } {
  const problem = (message: string) => ({ problems: [{ path: CA_PATH, message }] });
  if (isAbsolute(file)) {
    return problem(
      `"${file}" is absolute. Fix: give the path relative to the configuration file, so the project works on any machine`,
    );
  }
  let pem: string;
  try {
    pem = readFileSync(resolve(baseDir, file), "utf8");
  } catch {
    return problem(
      `"${file}" cannot be read (relative to ${baseDir}). Fix: point it at the platform CA's certificate (PEM)`,
    );
  }
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length !== 1) {
    return problem(
      `"${file}" must hold exactly one PEM certificate (found ${blocks.length} certificate blocks). Fix: use the CA certificate file that \`make certs\` writes`,
    );
  }
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(blocks[0] ?? "");
  } catch (err) {
    return problem(
      `"${file}" holds a certificate block that is not a readable X.509 certificate (${(err as Error).message}). Fix: use the CA certificate file that \`make certs\` writes, unchanged`,
    );
  }
  const problems: ConfigProblem[] = [];
  if (!certificate.ca) {
    problems.push({
      path: CA_PATH,
      message: `"${file}" is not a CA certificate (basicConstraints CA:false). Fix: use the platform CA's certificate, not a leaf`,
    });
  }
  const notBefore = new Date(certificate.validFrom);
  const notAfter = new Date(certificate.validTo);
  if (notAfter.getTime() <= now.getTime()) {
    problems.push({
      path: CA_PATH,
      message: `"${file}" expired on ${notAfter.toISOString()}, so Roles Anywhere would accept no certificate it signed. Fix: create a new CA (make certs) and issue the sync certificates again (docs/cross-partition.md)`,
    });
  } else if (notBefore.getTime() > now.getTime()) {
    problems.push({
      path: CA_PATH,
      message: `"${file}" is not valid before ${notBefore.toISOString()} (this machine's clock says ${now.toISOString()}). Fix: check the clock of the machine that made it, or make the CA again`,
    });
  }
  if (/PRIVATE KEY/.test(pem)) {
    problems.push({
      path: CA_PATH,
      message: `"${file}" contains a private key, which would end up in the Terraform JSON and state. Fix: keep only the certificate in this file`,
    });
  }
  if (problems.length > 0) return { problems };
  // LF line endings whatever wrote the file, so the synthesized JSON does not depend on it.
  return { pem: `${(blocks[0] ?? "").replace(/\r\n/g, "\n")}\n` };
}

/**
 * Reads the files a configuration names (paths relative to `baseDir`, the configuration file's
 * folder) and checks them: the CA certificate must be a PEM CA certificate, valid now.
 */
export function resolveDeploymentFiles(
  config: DeploymentConfig,
  baseDir: string,
): ResolvedDeployment | { readonly problems: readonly ConfigProblem[] } {
  const cross = config.crossPartition;
  if (cross === undefined) return { ...config, crossPartition: undefined };
  const ca = readCaCertificate(cross.caCertificateFile, baseDir);
  if ("problems" in ca) return ca;
  return { ...config, crossPartition: { ...cross, caCertificatePem: ca.pem } };
}

/** The problems of the files a raw (possibly invalid) configuration names, so they come with the rest. */
function namedFileProblems(input: unknown, baseDir: string): readonly ConfigProblem[] {
  const cross =
    typeof input === "object" && input !== null ? (input as { crossPartition?: unknown }).crossPartition : undefined;
  const file =
    typeof cross === "object" && cross !== null
      ? (cross as { caCertificateFile?: unknown }).caCertificateFile
      : undefined;
  if (typeof file !== "string" || file.trim() === "") return [];
  const ca = readCaCertificate(file, baseDir);
  return "problems" in ca ? ca.problems : [];
}

/** Reads a configuration file's JSON: a syntax error by line and column, a repeated key by both places. */
export function readConfigurationJson(file: string): {
  readonly value: unknown;
  readonly problems: readonly ConfigProblem[];
} {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === "ENOENT" ? "file not found" : (err as Error).message;
    throw new ConfigError(file, [{ path: "(file)", message: `${reason}. Fix: pass an existing file with --config` }]);
  }
  const parsed = parseJsonText(text);
  if (!parsed.ok) throw new ConfigError(file, parsed.problems);
  return { value: parsed.value, problems: parsed.problems };
}

/** Reads a JSON configuration file and the files it names; throws ConfigError naming every problem. */
export function loadDeploymentFile(file: string): ResolvedDeployment {
  const json = readConfigurationJson(file);
  const result = parseDeployment(json.value);
  const problems = [
    ...json.problems,
    ...(result.ok ? [] : result.problems),
    ...namedFileProblems(json.value, dirname(file)),
  ];
  if (!result.ok || problems.length > 0) throw new ConfigError(file, problems);
  const resolved = resolveDeploymentFiles(result.config, dirname(file));
  if ("problems" in resolved) throw new ConfigError(file, resolved.problems);
  return resolved;
}
