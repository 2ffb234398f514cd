/**
 * Attribute differences of one block between base and head, as leaf paths. cdktf's `//` metadata
 * (construct paths) is not configuration and is left out; everything else, meta-arguments such as
 * `provider` and `lifecycle` included, is compared.
 */
import { compareStrings, isObject } from "../core/json";
import type { AttributeChange } from "./types";

/** Attributes that describe the synthesizer, not the resource. */
const IGNORED: ReadonlySet<string> = new Set(["//"]);

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== "object";
}

/**
 * Leaves of a value: objects by key (`a.b`), lists of blocks by index (`a[0].b`); a list of scalars
 * is one leaf, so that one added element shows as one change.
 */
export function leaves(value: unknown, path = "", out = new Map<string, unknown>()): Map<string, unknown> {
  if (isObject(value)) {
    const keys = Object.keys(value).filter((k) => path !== "" || !IGNORED.has(k));
    if (keys.length === 0 && path !== "") out.set(path, {});
    for (const key of keys) leaves(value[key], path === "" ? key : `${path}.${key}`, out);
    return out;
  }
  if (Array.isArray(value) && value.length > 0 && !value.every(isScalar)) {
    value.forEach((item, i) => {
      leaves(item, `${path}[${i}]`, out);
    });
    return out;
  }
  out.set(path, value);
  return out;
}

/** The leaves that differ, sorted by path; `skip` leaves them out (policy documents, compared apart). */
export function attributeChanges(
  before: unknown,
  after: unknown,
  skip: (path: string) => boolean = () => false,
): AttributeChange[] {
  const a = leaves(before ?? {});
  const b = leaves(after ?? {});
  const paths = [...new Set([...a.keys(), ...b.keys()])].filter((p) => !skip(p)).sort(compareStrings);
  const out: AttributeChange[] = [];
  for (const path of paths) {
    const inBase = a.has(path);
    const inHead = b.has(path);
    if (inBase && inHead && JSON.stringify(a.get(path)) === JSON.stringify(b.get(path))) continue;
    out.push({ path, ...(inBase ? { before: a.get(path) } : {}), ...(inHead ? { after: b.get(path) } : {}) });
  }
  return out;
}

/** The top-level attribute a leaf path belongs to: `rule[0].x` -> `rule`, `tags.A` -> `tags`. */
export function topAttribute(path: string): string {
  return path.split(/[[.]/)[0] ?? path;
}
