/**
 * Resources whose address changes. A `moved` block in the head (`"moved": [{"from", "to"}]`, which
 * cdktf writes for `moveTo`/`moveFrom`) carries state over, so Terraform neither destroys nor
 * creates. Without one, a new address is a destroy plus a create; the review pairs such removals and
 * additions when the two blocks have the same type and either the same attributes or the same name.
 */
import { compareStrings, isObject } from "../core/json";
import type { Template, TfResource } from "../core/template";

/** Arguments that name a resource: equal values mean the same real resource. */
const NAMING_ATTRIBUTES = ["bucket", "bucket_prefix", "name", "name_prefix", "function_name", "email"] as const;

/** `moved` blocks of a configuration: to -> from. */
export function movedBlocks(template: Template | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const file of template?.files ?? []) {
    let json: unknown;
    try {
      json = JSON.parse(file.text);
    } catch {
      continue;
    }
    if (!isObject(json)) continue;
    for (const block of [json.moved].flat()) {
      if (isObject(block) && typeof block.from === "string" && typeof block.to === "string")
        out.set(block.to, block.from);
    }
  }
  return out;
}

function withoutMetadata(resource: TfResource): string {
  const { "//": _, ...values } = resource.values;
  return JSON.stringify(values);
}

function sameName(a: TfResource, b: TfResource): boolean {
  return NAMING_ATTRIBUTES.some(
    (attr) =>
      typeof a.values[attr] === "string" && !String(a.values[attr]).includes("${") && a.values[attr] === b.values[attr],
  );
}

/**
 * Pairs removed and added resources that look like one resource under a new address: added address
 * -> removed address. Deterministic: addresses are taken in sorted order, exact matches first.
 */
export function addressChanges(removed: readonly TfResource[], added: readonly TfResource[]): Map<string, string> {
  const out = new Map<string, string>();
  const taken = new Set<string>();
  const byAddress = (a: TfResource, b: TfResource) => compareStrings(a.address, b.address);
  const olds = [...removed].sort(byAddress);
  const news = [...added].sort(byAddress);
  for (const match of [(a: TfResource, b: TfResource) => withoutMetadata(a) === withoutMetadata(b), sameName]) {
    for (const old of olds) {
      if (taken.has(old.address)) continue;
      const candidate = news.find(
        (n) => !out.has(n.address) && n.type === old.type && n.mode === old.mode && match(old, n),
      );
      if (candidate === undefined) continue;
      out.set(candidate.address, old.address);
      taken.add(old.address);
    }
  }
  return out;
}
