/**
 * A small HCL (Terraform native syntax) to Terraform JSON converter, for the subset that checkov's
 * test fixtures use: blocks, attributes, nested and repeated blocks, strings with interpolation,
 * heredocs, numbers, booleans, lists, maps and `jsonencode(...)`. Literal values become JSON values;
 * `jsonencode` of a convertible value becomes the JSON string Terraform would produce (references
 * inside stay as `${...}` templates); every other expression (references, function calls,
 * conditionals, for expressions, operators) becomes the string `"${<source>}"`, which is how
 * Terraform JSON writes an expression. Used once by convert.mjs; its output is committed.
 */

const IDENT = /[A-Za-z_][A-Za-z0-9_-]*/y;
const NUMBER = /[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/y;

export class HclError extends Error {}

class Parser {
  constructor(src) {
    this.s = src;
    this.i = 0;
  }

  fail(msg) {
    const line = this.s.slice(0, this.i).split("\n").length;
    throw new HclError(`line ${line}: ${msg} near ${JSON.stringify(this.s.slice(this.i, this.i + 40))}`);
  }

  /** Skips blanks and comments; newlines too when `nl`. */
  skip(nl) {
    for (;;) {
      const c = this.s[this.i];
      if (c === " " || c === "\t" || c === "\r" || (nl && c === "\n")) this.i++;
      else if (c === "#" || (c === "/" && this.s[this.i + 1] === "/")) {
        while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
      } else if (c === "/" && this.s[this.i + 1] === "*") {
        const end = this.s.indexOf("*/", this.i + 2);
        this.i = end === -1 ? this.s.length : end + 2;
      } else return;
    }
  }

  peek(str) {
    return this.s.startsWith(str, this.i);
  }

  expect(str, nl = true) {
    this.skip(nl);
    if (!this.peek(str)) this.fail(`expected ${str}`);
    this.i += str.length;
  }

  ident() {
    IDENT.lastIndex = this.i;
    const m = IDENT.exec(this.s);
    if (!m) return undefined;
    this.i += m[0].length;
    return m[0];
  }

  /** A body: attributes and blocks until `}` or the end. */
  body(top) {
    const items = [];
    for (;;) {
      this.skip(true);
      if (this.i >= this.s.length) {
        if (!top) this.fail("unterminated block");
        return items;
      }
      if (this.peek("}")) {
        if (top) this.fail("unexpected }");
        return items;
      }
      const name = this.ident();
      if (name === undefined) this.fail("expected an attribute or block name");
      this.skip(false);
      if (this.peek("=") && !this.peek("==")) {
        this.i++;
        const value = this.expr(false);
        items.push({ kind: "attr", name, value });
        continue;
      }
      const labels = [];
      for (;;) {
        this.skip(false);
        if (this.peek('"')) labels.push(this.template().raw);
        else if (this.peek("{")) break;
        else {
          const label = this.ident();
          if (label === undefined) this.fail("expected a block label or {");
          labels.push(label);
        }
      }
      this.expect("{");
      const body = this.body(false);
      this.expect("}");
      items.push({ kind: "block", name, labels, body });
    }
  }

  expr(nl) {
    this.skip(nl);
    const start = this.i;
    const cond = this.binary(0, nl);
    this.skip(nl);
    if (this.peek("?")) {
      this.i++;
      this.expr(true);
      this.expect(":");
      this.expr(nl);
      return { k: "other", start, end: this.i };
    }
    return cond;
  }

  static OPS = [["||"], ["&&"], ["==", "!="], ["<=", ">=", "<", ">"], ["+", "-"], ["*", "/", "%"]];

  binary(level, nl) {
    if (level === Parser.OPS.length) return this.unary(nl);
    this.skip(nl);
    const start = this.i;
    let left = this.binary(level + 1, nl);
    for (;;) {
      this.skip(nl);
      const op = Parser.OPS[level].find(
        (o) => this.peek(o) && !(o === "/" && (this.peek("//") || this.peek("/*"))) && !(o === "<" && this.peek("<<")),
      );
      if (op === undefined) return left;
      this.i += op.length;
      this.binary(level + 1, nl);
      left = { k: "other", start, end: this.i };
    }
  }

  unary(nl) {
    this.skip(nl);
    const start = this.i;
    if (this.peek("-") || this.peek("!")) {
      const op = this.s[this.i++];
      const inner = this.unary(nl);
      if (op === "-" && inner.k === "lit" && typeof inner.v === "number")
        return { k: "lit", v: -inner.v, start, end: this.i };
      return { k: "other", start, end: this.i };
    }
    return this.postfix();
  }

  postfix() {
    const start = this.i;
    let node = this.primary();
    for (;;) {
      const save = this.i;
      this.skip(false);
      if (this.peek(".") && !this.peek("...")) {
        this.i++;
        if (this.peek("*")) this.i++;
        else if (this.ident() === undefined) {
          NUMBER.lastIndex = this.i;
          const m = NUMBER.exec(this.s);
          if (!m) this.fail("expected an attribute name");
          this.i += m[0].length;
        }
        node = { k: "other", start, end: this.i };
      } else if (this.peek("[")) {
        this.i++;
        this.skip(true);
        if (this.peek("*")) this.i++;
        else this.expr(true);
        this.expect("]");
        node = { k: "other", start, end: this.i };
      } else {
        this.i = save;
        return node;
      }
    }
  }

  primary() {
    const start = this.i;
    const c = this.s[this.i];
    if (c === '"') return this.template();
    if (this.peek("<<")) return this.heredoc();
    if (c === "(") {
      this.i++;
      this.expr(true);
      this.expect(")");
      return { k: "other", start, end: this.i };
    }
    if (c === "[") return this.tuple();
    if (c === "{") return this.object();
    NUMBER.lastIndex = this.i;
    const num = NUMBER.exec(this.s);
    if (num) {
      this.i += num[0].length;
      return { k: "lit", v: Number(num[0]), start, end: this.i };
    }
    let name = this.ident();
    if (name === undefined) this.fail("expected an expression");
    while (this.peek("::")) {
      this.i += 2;
      name += `::${this.ident()}`;
    }
    if (name === "true" || name === "false") return { k: "lit", v: name === "true", start, end: this.i };
    if (name === "null") return { k: "lit", v: null, start, end: this.i };
    if (this.peek("(")) {
      this.i++;
      const args = [];
      for (;;) {
        this.skip(true);
        if (this.peek(")")) break;
        args.push(this.expr(true));
        this.skip(true);
        if (this.peek("...")) this.i += 3;
        this.skip(true);
        if (this.peek(",")) this.i++;
      }
      this.i++;
      return { k: "call", name, args, start, end: this.i };
    }
    return { k: "other", start, end: this.i };
  }

  /** `[a, b]` or `[for x in y : z]`. */
  tuple() {
    const start = this.i++;
    this.skip(true);
    if (this.isFor()) return this.skipFor("]", start);
    const items = [];
    for (;;) {
      this.skip(true);
      if (this.peek("]")) break;
      items.push(this.expr(true));
      this.skip(true);
      if (this.peek(",")) this.i++;
    }
    this.i++;
    return { k: "tuple", items, start, end: this.i };
  }

  /** `{ k = v, "k" : v }` or `{for k, v in m : k => v}`. */
  object() {
    const start = this.i++;
    this.skip(true);
    if (this.isFor()) return this.skipFor("}", start);
    const items = [];
    for (;;) {
      this.skip(true);
      if (this.peek("}")) break;
      const key = this.expr(true);
      this.skip(true);
      let value;
      if (this.peek("=") || this.peek(":")) {
        this.i++;
        value = this.expr(true);
      } else if (this.peek("{")) {
        // A nested block inside an object (python-hcl2 accepts it; checkov's fixtures use it).
        this.i++;
        value = { k: "block", body: this.body(false) };
        this.expect("}");
      } else this.fail("expected = or : in an object");
      items.push({ key, value });
      this.skip(true);
      if (this.peek(",")) this.i++;
    }
    this.i++;
    return { k: "obj", items, start, end: this.i };
  }

  isFor() {
    return /^for\s/.test(this.s.slice(this.i, this.i + 4));
  }

  /** Skips a for expression up to its closing bracket, honouring nesting and strings. */
  skipFor(close, start) {
    let depth = 0;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '"') {
        this.template();
        continue;
      }
      if (c === "[" || c === "{" || c === "(") depth++;
      if (c === "]" || c === "}" || c === ")") {
        if (depth === 0) {
          if (c !== close) this.fail(`expected ${close}`);
          this.i++;
          return { k: "other", start, end: this.i };
        }
        depth--;
      }
      this.i++;
    }
    this.fail("unterminated for expression");
  }

  /** A quoted template; `raw` is its text with escapes decoded and interpolations kept as written. */
  template() {
    const start = this.i++;
    let raw = "";
    let literal = true;
    for (;;) {
      if (this.i >= this.s.length) this.fail("unterminated string");
      const c = this.s[this.i];
      if (c === '"') break;
      if (c === "\\") {
        const e = this.s[this.i + 1];
        const simple = { n: "\n", t: "\t", r: "\r", '"': '"', "\\": "\\" };
        if (e in simple) {
          raw += simple[e];
          this.i += 2;
        } else if (e === "u") {
          raw += String.fromCharCode(Number.parseInt(this.s.slice(this.i + 2, this.i + 6), 16));
          this.i += 6;
        } else this.fail("unknown escape");
        continue;
      }
      if ((c === "$" || c === "%") && this.s[this.i + 1] === c && this.s[this.i + 2] === "{") {
        raw += `${c}${c}{`;
        this.i += 3;
        continue;
      }
      if ((c === "$" || c === "%") && this.s[this.i + 1] === "{") {
        raw += this.interpolation();
        literal = false;
        continue;
      }
      raw += c;
      this.i++;
    }
    this.i++;
    return { k: literal ? "lit" : "tmpl", v: raw, raw, start, end: this.i };
  }

  /** `${ expr }` or `%{ directive }`, returned as written. */
  interpolation() {
    const start = this.i;
    this.i += 2;
    let depth = 0;
    while (this.i < this.s.length) {
      const c = this.s[this.i];
      if (c === '"') {
        this.template();
        continue;
      }
      if (c === "{") depth++;
      if (c === "}") {
        if (depth === 0) {
          this.i++;
          return this.s.slice(start, this.i);
        }
        depth--;
      }
      this.i++;
    }
    this.fail("unterminated interpolation");
  }

  /** `<<EOF` / `<<-EOF` (indented) heredoc; a template like a quoted string. */
  heredoc() {
    const start = this.i;
    this.i += 2;
    const indented = this.peek("-");
    if (indented) this.i++;
    const marker = this.ident();
    if (marker === undefined) this.fail("expected a heredoc marker");
    const nl = this.s.indexOf("\n", this.i);
    const lines = [];
    let pos = nl + 1;
    for (;;) {
      if (pos >= this.s.length) this.fail(`unterminated heredoc ${marker}`);
      let end = this.s.indexOf("\n", pos);
      if (end === -1) end = this.s.length;
      const line = this.s.slice(pos, end);
      if (line.trim() === marker) {
        this.i = pos + line.indexOf(marker) + marker.length;
        break;
      }
      lines.push(line.replace(/\r$/, ""));
      pos = end + 1;
    }
    let body = lines;
    if (indented) {
      const widths = lines.filter((l) => l.trim() !== "").map((l) => /^[ \t]*/.exec(l)[0].length);
      const cut = widths.length === 0 ? 0 : Math.min(...widths);
      body = lines.map((l) => l.slice(cut));
    }
    const raw = body.map((l) => `${l}\n`).join("");
    return { k: /[$%]\{/.test(raw.replace(/([$%])\1\{/g, "")) ? "tmpl" : "lit", v: raw, raw, start, end: this.i };
  }
}

/** The Terraform JSON value of an expression node. */
function value(src, node) {
  switch (node.k) {
    case "lit":
      return node.v;
    case "tmpl":
      return node.raw;
    case "tuple":
      return node.items.map((n) => value(src, n));
    case "obj": {
      const out = {};
      for (const { key, value: v } of node.items) {
        const k =
          key.k === "lit" || key.k === "tmpl"
            ? String(key.v ?? key.raw)
            : key.k === "other" && /^[A-Za-z_][A-Za-z0-9_-]*$/.test(src.slice(key.start, key.end))
              ? src.slice(key.start, key.end)
              : `\${${src.slice(key.start, key.end)}}`;
        out[k] = value(src, v);
      }
      return out;
    }
    case "block":
      return [bodyJson(src, node.body)];
    case "call":
      if (
        node.name === "jsonencode" &&
        node.args.length === 1 &&
        ["lit", "tmpl", "tuple", "obj"].includes(node.args[0].k)
      )
        return JSON.stringify(value(src, node.args[0]));
      return `\${${src.slice(node.start, node.end)}}`;
    default:
      return `\${${src.slice(node.start, node.end)}}`;
  }
}

/** A block body as a Terraform JSON object: attributes as values, nested blocks as lists of objects. */
function bodyJson(src, items) {
  const out = {};
  for (const item of items) {
    if (item.kind === "attr") {
      out[item.name] = value(src, item.value);
      continue;
    }
    const inner = bodyJson(src, item.body);
    if (item.labels.length === 0) {
      out[item.name] = [...(out[item.name] ?? []), inner];
      continue;
    }
    out[item.name] ??= {};
    let cursor = out[item.name];
    for (const label of item.labels.slice(0, -1)) cursor = cursor[label] ??= {};
    const last = item.labels.at(-1);
    cursor[last] = cursor[last] === undefined ? inner : [...[cursor[last]].flat(), inner];
  }
  return out;
}

/**
 * Converts one HCL file to a Terraform JSON object, plus the blocks it declares a second time with
 * a different body (each as a Terraform JSON object of its own).
 */
export function hclToJson(src) {
  const parser = new Parser(src);
  const items = parser.body(true);
  const out = {};
  const duplicates = [];
  for (const item of items) {
    if (item.kind === "attr") throw new HclError(`top-level attribute ${item.name}`);
    const body = bodyJson(src, item.body);
    const { name, labels } = item;
    if (name === "locals" || name === "terraform") {
      out[name] = { ...(out[name] ?? {}), ...body };
    } else if (name === "provider") {
      out.provider ??= {};
      out.provider[labels[0]] = [...(out.provider[labels[0]] ?? []), body];
    } else if (labels.length === 2) {
      out[name] ??= {};
      out[name][labels[0]] ??= {};
      const previous = out[name][labels[0]][labels[1]];
      if (previous === undefined) out[name][labels[0]][labels[1]] = body;
      // Checkov's fixtures declare some blocks twice (invalid Terraform): an identical copy is
      // dropped, a different one is returned apart so that it can be written to a file of its own.
      else if (JSON.stringify(previous) !== JSON.stringify(body))
        duplicates.push({ [name]: { [labels[0]]: { [labels[1]]: body } } });
    } else if (labels.length === 1) {
      out[name] ??= {};
      out[name][labels[0]] = body;
    } else throw new HclError(`unsupported top-level block ${name} with ${labels.length} labels`);
  }
  return { json: out, duplicates };
}
