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

/** A recursive-descent reader of strict JSON over `text`; collects repeated keys, throws JsonSyntaxError. */
class StrictJsonReader {
  readonly duplicates: JsonTextProblem[] = [];
  private i = 0;

  constructor(private readonly text: string) {}

  /** Reads the whole text: one value and nothing after it but whitespace. */
  readDocument(): void {
    if (this.text.charCodeAt(0) === 0xfeff)
      throw new JsonSyntaxError(0, "the file starts with a byte order mark (BOM)");
    this.value([]);
    this.skipWhitespace();
    if (this.i < this.text.length) this.fail("the end of the file after the top-level value");
  }

  private describeHere(): string {
    const { text, i } = this;
    if (i >= text.length) return "the end of the file";
    const c = text[i] ?? "";
    if (c === "/") return '"/" (comments are not JSON)';
    if (c === "'") return '"\'" (JSON strings use double quotes)';
    return JSON.stringify(text.slice(i, i + 1).replace(/[\r\n]/, "\\n"));
  }

  private fail(expected: string): never {
    throw new JsonSyntaxError(this.i, `expected ${expected}, found ${this.describeHere()}`);
  }

  private skipWhitespace(): void {
    const { text } = this;
    while (
      this.i < text.length &&
      (text[this.i] === " " || text[this.i] === "\t" || text[this.i] === "\n" || text[this.i] === "\r")
    )
      this.i++;
  }

  /** Scans a string token at `i`; returns its decoded value. */
  private string(): string {
    const { text } = this;
    const start = this.i;
    this.i++; // opening quote
    while (this.i < text.length) {
      const c = text.charCodeAt(this.i);
      if (c === 34) {
        this.i++;
        return JSON.parse(text.slice(start, this.i)) as string;
      }
      if (c === 92) {
        this.escape();
        continue;
      }
      if (c < 32)
        throw new JsonSyntaxError(
          this.i,
          "a string holds a line break or control character (write \\n, or close the string with a double quote)",
        );
      this.i++;
    }
    throw new JsonSyntaxError(start, "a string is not closed (missing double quote)");
  }

  /** Steps over the escape sequence at `i` (a backslash), or throws when it is not JSON's. */
  private escape(): void {
    const { text, i } = this;
    const e = text[i + 1] ?? "";
    if (e === "u") {
      if (!/^[0-9A-Fa-f]{4}$/.test(text.slice(i + 2, i + 6)))
        throw new JsonSyntaxError(i, "a \\u escape needs four hex digits");
      this.i += 6;
    } else if ('"\\/bfnrt'.includes(e) && e !== "") {
      this.i += 2;
    } else {
      throw new JsonSyntaxError(i, `"\\${e}" is not a JSON escape (write "\\\\" for a backslash)`);
    }
  }

  private number(): void {
    const { text } = this;
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(this.i));
    if (m === null) this.fail("a value");
    const length = m?.[0].length ?? 0;
    if (/^[0-9.]/.test(text[this.i + length] ?? ""))
      throw new JsonSyntaxError(this.i, "a number is malformed (no leading zeros, digits after a decimal point)");
    this.i += length;
  }

  private value(path: PropertyKey[]): void {
    this.skipWhitespace();
    const { text } = this;
    const c = text[this.i];
    if (c === "{") this.object(path);
    else if (c === "[") this.array(path);
    else if (c === '"') this.string();
    else if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) this.number();
    else {
      const word = /^(true|false|null)\b/.exec(text.slice(this.i));
      if (word === null) this.fail("a value (a string in double quotes, number, object, array, true, false or null)");
      this.i += word?.[0].length ?? 0;
    }
  }

  private object(path: PropertyKey[]): void {
    const { text } = this;
    this.i++; // {
    const seen = new Map<string, number>();
    this.skipWhitespace();
    if (text[this.i] === "}") {
      this.i++;
      return;
    }
    for (;;) {
      this.skipWhitespace();
      if (text[this.i] === "}") throw new JsonSyntaxError(this.i, 'a comma before "}" (JSON allows no trailing comma)');
      if (text[this.i] !== '"') this.fail("a key in double quotes");
      const keyIndex = this.i;
      const key = this.string();
      this.noteKey(path, key, keyIndex, seen);
      this.skipWhitespace();
      if (text[this.i] !== ":") this.fail('":" after the key');
      this.i++;
      this.value([...path, key]);
      this.skipWhitespace();
      if (text[this.i] === ",") {
        this.i++;
        continue;
      }
      if (text[this.i] === "}") {
        this.i++;
        return;
      }
      this.fail('"," or "}"');
    }
  }

  /** Records the key at `keyIndex` of the object at `path`, or a problem when the object already has it. */
  private noteKey(path: readonly PropertyKey[], key: string, keyIndex: number, seen: Map<string, number>): void {
    const { text } = this;
    const first = seen.get(key);
    if (first === undefined) {
      seen.set(key, keyIndex);
      return;
    }
    const where = path.length === 0 ? "the top-level object" : formatPath(path);
    this.duplicates.push({
      path: formatPath([...path, key]),
      message: `key "${key}" is given twice in ${where}: at ${at(text, first)} and at ${at(text, keyIndex)}; JSON keeps only the last, silently dropping the first. Fix: remove one of them, or merge their fields into one`,
    });
  }

  private array(path: PropertyKey[]): void {
    const { text } = this;
    this.i++; // [
    this.skipWhitespace();
    if (text[this.i] === "]") {
      this.i++;
      return;
    }
    for (let n = 0; ; n++) {
      this.skipWhitespace();
      if (text[this.i] === "]") throw new JsonSyntaxError(this.i, 'a comma before "]" (JSON allows no trailing comma)');
      this.value([...path, n]);
      this.skipWhitespace();
      if (text[this.i] === ",") {
        this.i++;
        continue;
      }
      if (text[this.i] === "]") {
        this.i++;
        return;
      }
      this.fail('"," or "]"');
    }
  }
}

/** Parses `text` as strict JSON; reports a syntax error's line and column, and every repeated key. */
export function parseJsonText(text: string): JsonTextResult {
  const reader = new StrictJsonReader(text);
  try {
    reader.readDocument();
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
  return { ok: true, value: JSON.parse(text), problems: reader.duplicates };
}
