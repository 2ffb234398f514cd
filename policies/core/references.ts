/**
 * References between blocks: `${aws_kms_key.k.arn}`, `${data.aws_iam_policy_document.d.json}`.
 * Only direct references are resolved; anything computed (functions, locals, variables) stays
 * unknown and the rules that need a value treat it as such.
 */
import { isObject } from "./json";
import { META_ATTRIBUTES, type Template, type TfResource } from "./template";

export interface Reference {
  /** Address of the referenced block (`aws_kms_key.k`, `data.aws_iam_policy_document.d`). */
  readonly address: string;
  /** The attribute read (`arn`, `id`, `json`), if any. */
  readonly attribute: string | undefined;
}

const NOT_BLOCKS = new Set(["var", "local", "module", "each", "count", "path", "terraform", "self"]);
const REF =
  /(?<![\w.-])(data\.)?([a-z][a-z0-9]*_[a-z0-9_]+)\.([A-Za-z_][A-Za-z0-9_-]*)(?:\.([A-Za-z_][A-Za-z0-9_]*))?/g;

/** The bodies of every `${...}` in a string (nested braces balanced). */
export function interpolations(value: string): string[] {
  const out: string[] = [];
  let i = value.indexOf("${");
  while (i !== -1) {
    let depth = 0;
    let j = i + 2;
    for (; j < value.length; j++) {
      const c = value[j];
      if (c === "{") depth++;
      else if (c === "}") {
        if (depth === 0) break;
        depth--;
      }
    }
    out.push(value.slice(i + 2, j));
    i = value.indexOf("${", j);
  }
  return out;
}

/** Every block reference inside the `${...}` expressions of a string. */
export function referencesIn(value: string): Reference[] {
  const refs: Reference[] = [];
  for (const body of interpolations(value)) {
    for (const m of body.matchAll(REF)) {
      const [, data, type = "", name = "", attribute] = m;
      if (NOT_BLOCKS.has(type)) continue;
      refs.push({ address: `${data ? "data." : ""}${type}.${name}`, attribute });
    }
  }
  return refs;
}

/** The block a value refers to when the value is exactly one reference (`${aws_s3_bucket.b.id}`). */
export function resolveReference(
  template: Template,
  value: unknown,
): { resource: TfResource; attribute: string | undefined } | undefined {
  if (typeof value !== "string") return undefined;
  const m = /^\$\{([^{}]*)\}$/.exec(value.trim());
  if (!m) return undefined;
  const refs = referencesIn(value);
  if (refs.length !== 1) return undefined;
  const [ref] = refs;
  if (ref === undefined) return undefined;
  const resource = template.byAddress.get(ref.address);
  return resource ? { resource, attribute: ref.attribute } : undefined;
}

/** True when a value refers (directly) to the given block. */
export function refersTo(value: unknown, address: string): boolean {
  return typeof value === "string" && referencesIn(value).some((r) => r.address === address);
}

/** Visits every string in a block's attributes (skipping Terraform meta-arguments), with its path. */
export function walkStrings(values: unknown, visit: (value: string, path: string) => void, path = ""): void {
  if (typeof values === "string") {
    visit(values, path);
  } else if (Array.isArray(values)) {
    values.forEach((v, i) => {
      walkStrings(v, visit, `${path}[${i}]`);
    });
  } else if (isObject(values)) {
    for (const [key, v] of Object.entries(values)) {
      if (path === "" && META_ATTRIBUTES.has(key)) continue;
      walkStrings(v, visit, path === "" ? key : `${path}.${key}`);
    }
  }
}

/** Every block a resource refers to, with the attribute path of the reference. */
export function outgoingReferences(resource: TfResource): Array<Reference & { path: string }> {
  const out: Array<Reference & { path: string }> = [];
  walkStrings(resource.values, (value, path) => {
    for (const ref of referencesIn(value)) out.push({ ...ref, path });
  });
  return out;
}
