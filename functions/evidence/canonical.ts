/**
 * The canonical form of an evidence document: RFC 8785 JSON Canonicalization Scheme (JCS), for the
 * values evidence allows. The same document always gives the same bytes, so its SHA-256 digest (what
 * KMS signs) does not depend on who wrote the JSON or in which order.
 *
 * Evidence allows strings, safe integers, booleans, null, arrays and plain objects. Everything else is
 * refused with the path of the value, rather than changed silently as JSON.stringify would:
 * - fractions, NaN, infinities and integers beyond ±(2^53 − 1): JCS would write them in ECMAScript's
 *   shortest form, which a reader in another language easily gets wrong; evidence writes sizes, counts
 *   and times as safe integers or strings (an ISO 8601 time, a decimal as a string);
 * - undefined, functions, symbols, bigints, class instances (Date, Map, Buffer), holes in arrays;
 * - strings with a lone surrogate (not Unicode text: RFC 8785 requires I-JSON, RFC 7493);
 * - cycles, and nesting deeper than MAX_DEPTH.
 *
 * Within those values JCS is: no whitespace; object members sorted by their names compared as UTF-16
 * code units (JavaScript's default sort order); strings as ECMAScript JSON.stringify writes them (`\"`,
 * `\\`, `\b \t \n \f \r`, other control characters as `\u00xx` in lower case, everything else as is);
 * integers in plain decimal, -0 as 0.
 *
 * `parseJson` is JSON.parse that also refuses an object with the same member name twice (JSON.parse
 * keeps the last one silently; a reader of the file might see the first).
 */

/** A value an evidence document may hold. */
export type EvidenceValue =
  | string
  | number
  | boolean
  | null
  | readonly EvidenceValue[]
  | { readonly [name: string]: EvidenceValue };

/** An evidence document: a JSON object of evidence values. */
export type EvidenceDocument = { readonly [name: string]: EvidenceValue };

/** How deeply arrays and objects may nest. */
export const MAX_DEPTH = 64;

/** A value that has no canonical form; `path` names it (`$.items[2].size`). */
export class CanonicalizationError extends Error {
  override readonly name = "CanonicalizationError";

  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path}: ${problem}`);
  }
}

/** The RFC 8785 canonical form of `value`; throws CanonicalizationError for what evidence does not allow. */
export function canonicalize(value: unknown): string {
  return write(value, "$", []);
}

/** The UTF-8 bytes of the canonical form (what is hashed and signed). */
export function canonicalBytes(value: unknown): Buffer {
  return Buffer.from(canonicalize(value), "utf8");
}

function write(value: unknown, path: string, parents: readonly object[]): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "boolean":
      return value ? "true" : "false";
    case "string":
      return quote(value, path);
    case "number":
      return integer(value, path);
    case "object":
      if (parents.includes(value))
        throw new CanonicalizationError(path, "refers to an object that contains it (a cycle)");
      if (parents.length >= MAX_DEPTH)
        throw new CanonicalizationError(path, `nests deeper than ${MAX_DEPTH} arrays and objects`);
      return Array.isArray(value) ? array(value, path, [...parents, value]) : object(value, path, [...parents, value]);
    default:
      throw new CanonicalizationError(path, `${typeof value} is not a JSON value`);
  }
}

/** A lone surrogate (a UTF-16 code unit D800 to DFFF not paired): with the u flag, pairs are one code point. */
const LONE_SURROGATE = /\p{Cs}/u;

function quote(text: string, path: string): string {
  const lone = LONE_SURROGATE.exec(text);
  if (lone !== null) {
    const unit = text.charCodeAt(lone.index).toString(16).toUpperCase();
    throw new CanonicalizationError(
      path,
      `holds a lone surrogate (U+${unit} at index ${lone.index}), which is not Unicode text (RFC 8785 requires I-JSON)`,
    );
  }
  return JSON.stringify(text);
}

function integer(value: number, path: string): string {
  if (Number.isSafeInteger(value)) return String(value);
  if (!Number.isFinite(value)) throw new CanonicalizationError(path, `${value} is not a JSON number`);
  if (!Number.isInteger(value))
    throw new CanonicalizationError(
      path,
      `${value} is not an integer: evidence holds only integers (write it as a string)`,
    );
  throw new CanonicalizationError(
    path,
    `${value} is beyond the safe integers ±(2^53 − 1), where JSON readers lose digits (write it as a string)`,
  );
}

function array(value: readonly unknown[], path: string, parents: readonly object[]): string {
  const items: string[] = [];
  for (let i = 0; i < value.length; i++) {
    if (!(i in value)) throw new CanonicalizationError(`${path}[${i}]`, "is a hole in the array");
    items.push(element(value[i], `${path}[${i}]`, parents));
  }
  return `[${items.join(",")}]`;
}

function object(value: object, path: string, parents: readonly object[]): string {
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null)
    throw new CanonicalizationError(
      path,
      `a ${prototype?.constructor?.name ?? "non-plain"} object is not a JSON object (only plain objects)`,
    );
  if (Object.getOwnPropertySymbols(value).length > 0)
    throw new CanonicalizationError(path, "has symbol-named properties, which JSON cannot hold");
  const record = value as Record<string, unknown>;
  // Array.prototype.sort without a comparator orders strings by UTF-16 code units, as RFC 8785 §3.2.3 does.
  const members = Object.keys(record)
    .sort()
    .map((name) => {
      const at = memberPath(path, name);
      return `${quote(name, at)}:${element(record[name], at, parents)}`;
    });
  return `{${members.join(",")}}`;
}

function element(value: unknown, path: string, parents: readonly object[]): string {
  if (value === undefined) throw new CanonicalizationError(path, "is undefined, which JSON cannot hold");
  return write(value, path, parents);
}

function memberPath(path: string, name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? `${path}.${name}` : `${path}[${JSON.stringify(name)}]`;
}

/**
 * JSON.parse, refusing an object that names a member twice (RFC 8785 requires I-JSON, which forbids
 * it). Throws SyntaxError for text that is not JSON, CanonicalizationError for a repeated name.
 */
export function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  const repeated = repeatedName(text);
  if (repeated !== undefined)
    throw new CanonicalizationError(repeated.path, `names the member ${JSON.stringify(repeated.name)} twice`);
  return value;
}

interface Scope {
  readonly path: string;
  /** The member names seen so far; undefined in an array. */
  readonly names: Set<string> | undefined;
  last: string;
  index: number;
}

/**
 * The first member name an object of `text` repeats (compared after unescaping, so "a" and "\u0061"
 * are one name), with the object's path. `text` is valid JSON (JSON.parse accepted it), so a plain
 * scan suffices: a string followed by a colon names a member of the innermost open object.
 */
function repeatedName(text: string): { name: string; path: string } | undefined {
  const scopes: Scope[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const scope = scopes.at(-1);
    if (c === "{" || c === "[") {
      scopes.push({ path: childPath(scope), names: c === "{" ? new Set() : undefined, last: "", index: 0 });
    } else if (c === "}" || c === "]") {
      scopes.pop();
    } else if (c === ",") {
      if (scope !== undefined) scope.index++;
    } else if (c === '"') {
      let end = i + 1;
      while (text[end] !== '"') end += text[end] === "\\" ? 2 : 1;
      const literal = text.slice(i, end + 1);
      i = end;
      let next = end + 1;
      while (" \t\n\r".includes(text[next] ?? "x")) next++;
      if (text[next] !== ":" || scope?.names === undefined) continue;
      const name = JSON.parse(literal) as string;
      if (scope.names.has(name)) return { name, path: scope.path };
      scope.names.add(name);
      scope.last = name;
    }
  }
  return undefined;
}

function childPath(parent: Scope | undefined): string {
  if (parent === undefined) return "$";
  return parent.names === undefined ? `${parent.path}[${parent.index}]` : memberPath(parent.path, parent.last);
}
