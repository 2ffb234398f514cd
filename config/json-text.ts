/**
 * Reads the text of a JSON configuration file strictly (RFC 8259), for what `JSON.parse` does not
 * say: where a syntax error is (line and column), and which object keys are given twice (JSON.parse
 * keeps the last silently, so a repeated data class could turn a sovereign-only class into a
 * crossing one). No parser installed in the project reports duplicate keys, so this is a small
 * recursive-descent checker; the value itself still comes from `JSON.parse`.
 */

/** A problem found in the text, located in the file. */
export interface JsonTextProblem {
  /** Where: the JSON path of the repeated key, or `(file)` for a syntax error. */
  readonly path: string;
  readonly message: string;
}

export type JsonTextResult =
  | { readonly ok: true; readonly value: unknown; readonly problems: readonly JsonTextProblem[] }
  | { readonly ok: false; readonly problems: readonly JsonTextProblem[] };

/** `["tenants", 2, "id"]` -> `tenants[2].id`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? String(key) : `.${String(key)}`;
  }
  return out === "" ? "(root)" : out;
}

/** 1-based line and column (in characters) of an index into `text`. */
export function lineColumn(text: string, index: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < index && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: index - lineStart + 1 };
}

const at = (text: string, index: number): string => {
  const { line, column } = lineColumn(text, index);
  return `line ${line}, column ${column}`;
};

class JsonSyntaxError extends Error {
  constructor(
    readonly index: number,
    readonly what: string,
  ) {
    super(what);
  }
}

/** Parses `text` as strict JSON; reports a syntax error's line and column, and every repeated key. */
export function parseJsonText(text: string): JsonTextResult {
  const duplicates: JsonTextProblem[] = [];
  let i = 0;

  const describeHere = (): string => {
    if (i >= text.length) return "the end of the file";
    const c = text[i] ?? "";
    if (c === "/") return '"/" (comments are not JSON)';
    if (c === "'") return '"\'" (JSON strings use double quotes)';
    return JSON.stringify(text.slice(i, i + 1).replace(/[\r\n]/, "\\n"));
  };
  const fail = (expected: string): never => {
    throw new JsonSyntaxError(i, `expected ${expected}, found ${describeHere()}`);
  };
  const skipWhitespace = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };

  /** Scans a string token at `i`; returns its decoded value. */
  const string = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return JSON.parse(text.slice(start, i)) as string;
      }
      if (c === 92) {
        const e = text[i + 1] ?? "";
        if (e === "u") {
          if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6)))
            throw new JsonSyntaxError(i, "a \\u escape needs four hex digits");
          i += 6;
        } else if ('"\\/bfnrt'.includes(e) && e !== "") {
          i += 2;
        } else {
          throw new JsonSyntaxError(i, `"\\${e}" is not a JSON escape (write "\\\\" for a backslash)`);
        }
        continue;
      }
      if (c < 32)
        throw new JsonSyntaxError(
          i,
          "a string holds a line break or control character (write \\n, or close the string with a double quote)",
        );
      i++;
    }
    throw new JsonSyntaxError(start, "a string is not closed (missing double quote)");
  };

  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (m === null) fail("a value");
    const length = m?.[0].length ?? 0;
    if (/^[0-9.]/.test(text[i + length] ?? ""))
      throw new JsonSyntaxError(i, "a number is malformed (no leading zeros, digits after a decimal point)");
    i += length;
  };

  const value = (path: PropertyKey[]) => {
    skipWhitespace();
    const c = text[i];
    if (c === "{") object(path);
    else if (c === "[") array(path);
    else if (c === '"') string();
    else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) number();
    else {
      const word = /^(true|false|null)\b/.exec(text.slice(i));
      if (word === null) fail("a value (a string in double quotes, number, object, array, true, false or null)");
      i += word?.[0].length ?? 0;
    }
  };

  const object = (path: PropertyKey[]) => {
    i++; // {
    const seen = new Map<string, number>();
    skipWhitespace();
    if (text[i] === "}") {
      i++;
      return;
    }
    for (;;) {
      skipWhitespace();
      if (text[i] === "}") throw new JsonSyntaxError(i, 'a comma before "}" (JSON allows no trailing comma)');
      if (text[i] !== '"') fail("a key in double quotes");
      const keyIndex = i;
      const key = string();
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, keyIndex);
      } else {
        const where = path.length === 0 ? "the top-level object" : formatPath(path);
        duplicates.push({
          path: formatPath([...path, key]),
          message: `key "${key}" is given twice in ${where}: at ${at(text, first)} and at ${at(text, keyIndex)}; JSON keeps only the last, silently dropping the first. Fix: remove one of them, or merge their fields into one`,
        });
      }
      skipWhitespace();
      if (text[i] !== ":") fail('":" after the key');
      i++;
      value([...path, key]);
      skipWhitespace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return;
      }
      fail('"," or "}"');
    }
  };

  const array = (path: PropertyKey[]) => {
    i++; // [
    skipWhitespace();
    if (text[i] === "]") {
      i++;
      return;
    }
    for (let n = 0; ; n++) {
      skipWhitespace();
      if (text[i] === "]") throw new JsonSyntaxError(i, 'a comma before "]" (JSON allows no trailing comma)');
      value([...path, n]);
      skipWhitespace();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "]") {
        i++;
        return;
      }
      fail('"," or "]"');
    }
  };

  try {
    if (text.charCodeAt(0) === 0xfeff) throw new JsonSyntaxError(0, "the file starts with a byte order mark (BOM)");
    value([]);
    skipWhitespace();
    if (i < text.length) fail("the end of the file after the top-level value");
  } catch (err) {
    if (!(err instanceof JsonSyntaxError)) throw err;
    return {
      ok: false,
      problems: [
        {
          path: "(file)",
          message: `not valid JSON at ${at(text, err.index)}: ${err.message}. Fix: correct the syntax there (save the file as plain UTF-8 JSON)`,
        },
      ],
    };
  }
  return { ok: true, value: JSON.parse(text), problems: duplicates };
}
