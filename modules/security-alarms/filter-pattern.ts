/**
 * An evaluator of the CloudWatch Logs filter pattern syntax for JSON log events: enough to prove
 * what a metric filter over CloudTrail records counts, before it is deployed.
 *
 * Semantics, as documented (https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html,
 * "Using filter patterns to match terms in JSON log events"):
 * - the pattern is `{ expression }`; `||` and `&&` combine conditions, precedence `()` > `&&` > `||`;
 * - a selector starts at the root `$` and names properties (`.name`, letters, digits, `-`, `_`) and
 *   array elements (`[0]`); an index into something that is not an array selects nothing;
 * - `=` and `!=` compare with a string, quoted or not; `*` at the start or end of it matches any text
 *   there (`*Event`, `Event*`), one inside it is a literal character (`Ev*ent`); a lone `*` matches
 *   any value;
 * - `<`, `>`, `<=`, `>=`, `=`, `!=` compare numerically with an unquoted number (integer, decimal or
 *   scientific, optionally signed);
 * - a comparison applies only to a value node (a string or a number): on an object, an array, a
 *   boolean, null or a missing property both `=` and `!=` are false;
 * - `IS NULL` holds only for an explicit null, `NOT EXISTS` only for a missing property,
 *   `IS TRUE` / `IS FALSE` only for that boolean.
 *
 * Not supported, and refused with a FilterPatternSyntaxError rather than guessed: regular
 * expressions (`%…%`), text and space-delimited patterns, lowercase keywords.
 */

/** A pattern the evaluator cannot read; `position` is the 0-based offset of the offending character. */
export class FilterPatternSyntaxError extends Error {
  constructor(
    readonly pattern: string,
    readonly position: number,
    reason: string,
  ) {
    super(`filter pattern, position ${position}: ${reason}\n  ${pattern}\n  ${" ".repeat(position)}^`);
    this.name = "FilterPatternSyntaxError";
  }
}

export type ComparisonOperator = "=" | "!=" | "<" | ">" | "<=" | ">=";
export type ValueTest = "IS NULL" | "NOT EXISTS" | "IS TRUE" | "IS FALSE";

/** A literal after an operator: its text, whether it was quoted, and its value if it is an unquoted number. */
export interface Literal {
  readonly text: string;
  readonly quoted: boolean;
  readonly number?: number;
}

export interface Selector {
  /** As written, e.g. `$.userIdentity.type`. */
  readonly text: string;
  /** Property names and array indexes, from the root. */
  readonly path: readonly (string | number)[];
}

export type FilterExpression =
  | { readonly kind: "or" | "and"; readonly operands: readonly FilterExpression[] }
  | {
      readonly kind: "compare";
      readonly selector: Selector;
      readonly operator: ComparisonOperator;
      readonly value: Literal;
    }
  | { readonly kind: "test"; readonly selector: Selector; readonly test: ValueTest };

type TokenKind = "{" | "}" | "(" | ")" | "&&" | "||" | "operator" | "selector" | "string" | "word" | "end";

interface Token {
  readonly kind: TokenKind;
  /** What the token stands for (a quoted string without its quotes and escapes). */
  readonly text: string;
  readonly position: number;
  /** Offset just after the token. */
  readonly end: number;
}

const NUMBER = /^[+-]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?$/;
const SELECTOR = /^\$((\.[A-Za-z0-9_-]+)|(\[\d+\]))+/;
const WORD = /^[^\s(){}"&|=!<>]+/;
const OPERATORS = ["!=", "<=", ">=", "=", "<", ">"] as const;
const PUNCTUATION = ["&&", "||", "{", "}", "(", ")"] as const;

/** The next token of `text` at `at` (whitespace already skipped). */
function nextToken(text: string, at: number): Token {
  const rest = text.slice(at);
  const punctuation = PUNCTUATION.find((p) => rest.startsWith(p));
  if (punctuation !== undefined)
    return { kind: punctuation, text: punctuation, position: at, end: at + punctuation.length };
  const operator = OPERATORS.find((o) => rest.startsWith(o));
  if (operator !== undefined) return { kind: "operator", text: operator, position: at, end: at + operator.length };
  if (rest.startsWith('"')) return quotedString(text, at);
  if (rest.startsWith("%")) {
    throw new FilterPatternSyntaxError(text, at, "regular expressions (%…%) are not supported by this evaluator");
  }
  if (rest.startsWith("$")) {
    const selector = SELECTOR.exec(rest)?.[0];
    if (selector === undefined) {
      throw new FilterPatternSyntaxError(text, at, "a selector is $ followed by .property or [index] steps");
    }
    return { kind: "selector", text: selector, position: at, end: at + selector.length };
  }
  const word = WORD.exec(rest)?.[0];
  if (word === undefined)
    throw new FilterPatternSyntaxError(text, at, `unexpected character ${JSON.stringify(rest[0])}`);
  return { kind: "word", text: word, position: at, end: at + word.length };
}

/** A double-quoted string; `\"` and `\\` stand for themselves. */
function quotedString(text: string, at: number): Token {
  let value = "";
  for (let i = at + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '"') return { kind: "string", text: value, position: at, end: i + 1 };
    if (c === "\\" && i + 1 < text.length) {
      i++;
      value += text[i];
    } else {
      value += c;
    }
  }
  throw new FilterPatternSyntaxError(text, at, "unterminated quoted string");
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (true) {
    while (at < text.length && /\s/.test(text[at] ?? "")) at++;
    if (at >= text.length) break;
    const token = nextToken(text, at);
    tokens.push(token);
    at = token.end;
  }
  tokens.push({ kind: "end", text: "", position: text.length, end: text.length });
  return tokens;
}

/** Parses a JSON filter pattern; throws FilterPatternSyntaxError naming the position of the first problem. */
export function parseFilterPattern(text: string): FilterExpression {
  return new Parser(text, tokenize(text)).pattern();
}

class Parser {
  private index = 0;

  constructor(
    private readonly text: string,
    private readonly tokens: readonly Token[],
  ) {}

  pattern(): FilterExpression {
    this.expect("{", "a JSON filter pattern starts with {");
    const expression = this.or();
    this.expect("}", "expected && or || or the closing }");
    this.expect("end", "nothing may follow the closing }");
    return expression;
  }

  private or(): FilterExpression {
    const operands = [this.and()];
    while (this.peek().kind === "||") {
      this.index++;
      operands.push(this.and());
    }
    return operands.length === 1 ? (operands[0] as FilterExpression) : { kind: "or", operands };
  }

  private and(): FilterExpression {
    const operands = [this.primary()];
    while (this.peek().kind === "&&") {
      this.index++;
      operands.push(this.primary());
    }
    return operands.length === 1 ? (operands[0] as FilterExpression) : { kind: "and", operands };
  }

  private primary(): FilterExpression {
    if (this.peek().kind === "(") {
      this.index++;
      const inner = this.or();
      this.expect(")", "expected && or || or the closing )");
      return inner;
    }
    const token = this.expect("selector", "expected a selector ($.…) or (");
    const selector: Selector = { text: token.text, path: selectorPath(token.text) };
    const next = this.peek();
    if (next.kind === "word" && (next.text === "IS" || next.text === "NOT")) return this.test(selector);
    return this.comparison(selector);
  }

  private test(selector: Selector): FilterExpression {
    const first = this.expect("word", "expected IS or NOT");
    const second = this.expect("word", first.text === "IS" ? "expected NULL, TRUE or FALSE" : "expected EXISTS");
    const test = `${first.text} ${second.text}`;
    if (test === "IS NULL" || test === "NOT EXISTS" || test === "IS TRUE" || test === "IS FALSE") {
      return { kind: "test", selector, test };
    }
    throw this.error(second, first.text === "IS" ? "expected NULL, TRUE or FALSE" : "expected EXISTS");
  }

  private comparison(selector: Selector): FilterExpression {
    const operator = this.expect("operator", "expected an operator (=, !=, <, >, <=, >=), IS or NOT EXISTS");
    const token = this.peek();
    if (token.kind !== "string" && token.kind !== "word") throw this.error(token, "expected a value");
    this.index++;
    const quoted = token.kind === "string";
    const number = !quoted && NUMBER.test(token.text) ? Number(token.text) : undefined;
    const op = operator.text as ComparisonOperator;
    if (op !== "=" && op !== "!=" && number === undefined) {
      throw this.error(token, `${op} compares with an unquoted number`);
    }
    const value: Literal = number === undefined ? { text: token.text, quoted } : { text: token.text, quoted, number };
    return { kind: "compare", selector, operator: op, value };
  }

  private peek(): Token {
    return this.tokens[this.index] as Token;
  }

  private expect(kind: TokenKind, reason: string): Token {
    const token = this.peek();
    if (token.kind !== kind) throw this.error(token, reason);
    this.index++;
    return token;
  }

  private error(token: Token, reason: string): FilterPatternSyntaxError {
    const found = token.kind === "end" ? "the end of the pattern" : JSON.stringify(token.text);
    return new FilterPatternSyntaxError(this.text, token.position, `${reason}, found ${found}`);
  }
}

function selectorPath(text: string): (string | number)[] {
  return [...text.slice(1).matchAll(/\.([A-Za-z0-9_-]+)|\[(\d+)\]/g)].map((m) =>
    m[1] !== undefined ? m[1] : Number(m[2]),
  );
}

type Resolved = { readonly found: false } | { readonly found: true; readonly value: unknown };

function resolve(event: unknown, path: readonly (string | number)[]): Resolved {
  let current: unknown = event;
  for (const step of path) {
    if (typeof step === "number") {
      if (!Array.isArray(current) || step >= current.length) return { found: false };
      current = current[step];
    } else {
      if (current === null || typeof current !== "object" || Array.isArray(current)) return { found: false };
      if (!Object.hasOwn(current, step)) return { found: false };
      current = (current as Record<string, unknown>)[step];
    }
  }
  return { found: true, value: current };
}

/** `*` at the start or end of the pattern text matches any text there; a lone `*` matches anything. */
function wildcardMatch(pattern: string, value: string): boolean {
  if (pattern === "*") return true;
  const leading = pattern.startsWith("*");
  const trailing = pattern.length > 1 && pattern.endsWith("*");
  const core = pattern.slice(leading ? 1 : 0, trailing ? -1 : undefined);
  if (leading && trailing) return value.includes(core);
  if (leading) return value.endsWith(core);
  if (trailing) return value.startsWith(core);
  return value === pattern;
}

function compareNumbers(operator: ComparisonOperator, a: number, b: number): boolean {
  switch (operator) {
    case "=":
      return a === b;
    case "!=":
      return a !== b;
    case "<":
      return a < b;
    case ">":
      return a > b;
    case "<=":
      return a <= b;
    case ">=":
      return a >= b;
  }
}

function compare(operator: ComparisonOperator, literal: Literal, value: unknown): boolean {
  if (typeof value === "number" && literal.number !== undefined) return compareNumbers(operator, value, literal.number);
  if (typeof value !== "string" && typeof value !== "number") return false;
  if (operator !== "=" && operator !== "!=") return false;
  const matched = wildcardMatch(literal.text, typeof value === "number" ? String(value) : value);
  return operator === "=" ? matched : !matched;
}

function holds(test: ValueTest, resolved: Resolved): boolean {
  switch (test) {
    case "NOT EXISTS":
      return !resolved.found;
    case "IS NULL":
      return resolved.found && resolved.value === null;
    case "IS TRUE":
      return resolved.found && resolved.value === true;
    case "IS FALSE":
      return resolved.found && resolved.value === false;
  }
}

/** Whether a parsed JSON log event satisfies the expression. */
export function evaluate(expression: FilterExpression, event: unknown): boolean {
  switch (expression.kind) {
    case "or":
      return expression.operands.some((operand) => evaluate(operand, event));
    case "and":
      return expression.operands.every((operand) => evaluate(operand, event));
    case "test":
      return holds(expression.test, resolve(event, expression.selector.path));
    case "compare": {
      const resolved = resolve(event, expression.selector.path);
      return resolved.found && compare(expression.operator, expression.value, resolved.value);
    }
  }
}

/**
 * Whether a log event message matches a JSON filter pattern, as a metric filter would count it: a
 * message that is not a JSON object never matches a JSON pattern.
 */
export function matchesLogEvent(pattern: string | FilterExpression, message: string): boolean {
  const expression = typeof pattern === "string" ? parseFilterPattern(pattern) : pattern;
  let event: unknown;
  try {
    event = JSON.parse(message);
  } catch {
    return false;
  }
  if (event === null || typeof event !== "object" || Array.isArray(event)) return false;
  return evaluate(expression, event);
}

/** Every selector an expression reads, as written (`$.eventName`), each once, in order of appearance. */
export function selectorsOf(expression: FilterExpression): string[] {
  if ("operands" in expression) return [...new Set(expression.operands.flatMap(selectorsOf))];
  return [expression.selector.text];
}
