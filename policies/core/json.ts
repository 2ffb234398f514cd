/**
 * Small helpers over parsed JSON: Terraform JSON writes a nested block either as an object or as a
 * list of objects (cdktf emits both), and attribute values may be literals or `${...}` expressions.
 */

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `x`, `[x, y]` or `undefined` as an array. */
export function asArray(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The blocks of a nested block attribute (`rule: {...}` or `rule: [{...}, ...]`), objects only. */
export function blocks(value: unknown): JsonObject[] {
  return asArray(value).filter(isObject);
}

/** The first block of a nested block attribute, if any. */
export function firstBlock(value: unknown): JsonObject | undefined {
  return blocks(value)[0];
}

/** Strings of a list attribute (non-strings dropped). */
export function strings(value: unknown): string[] {
  return asArray(value).filter((v): v is string => typeof v === "string");
}

/** A string that contains a Terraform expression (`${...}`), so its value is unknown until plan. */
export function isExpression(value: unknown): boolean {
  return typeof value === "string" && value.includes("${");
}

/** A literal (non-expression) string, or undefined. */
export function literalString(value: unknown): string | undefined {
  return typeof value === "string" && !value.includes("${") ? value : undefined;
}

/** `true`, `"true"` -> true; `false`, `"false"` -> false; anything else (expressions) -> undefined. */
export function literalBool(value: unknown): boolean | undefined {
  if (value === true || value === "true") return true;
  if (value === false || value === "false") return false;
  return undefined;
}

/** A literal number (also a numeric string), or undefined. */
export function literalNumber(value: unknown): number | undefined {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string" && /^-?\d+(\.\d+)?$/.test(value)) return Number(value);
  return undefined;
}

/** A deep copy with object keys sorted (arrays keep their order): stable, diff-friendly output. */
export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

/** Pretty-printed JSON with sorted keys and a final newline. */
export function stableJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 2)}\n`;
}

/** Parses a string that holds a JSON object or array; undefined if it does not. */
export function parseEmbeddedJson(value: string): unknown {
  const trimmed = value.trim();
  if (!(trimmed.startsWith("{") || trimmed.startsWith("["))) return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    return undefined;
  }
}

/** Compares strings for a stable order that does not depend on the locale. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
