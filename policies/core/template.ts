/**
 * The checker's model of one Terraform configuration: every resource, data source and provider
 * block of one or more `.tf.json` files, by address. Parsing accepts both shapes Terraform JSON
 * allows (objects and lists of objects) and never evaluates expressions.
 */
import { asArray, compareStrings, isObject, type JsonObject } from "./json";

export type BlockMode = "managed" | "data";

export interface TfResource {
  /** `aws_s3_bucket.name`, or `data.aws_iam_policy_document.name` for data sources. */
  readonly address: string;
  readonly mode: BlockMode;
  readonly type: string;
  readonly name: string;
  /** The block's attributes as written (including cdktf's `//` metadata). */
  readonly values: JsonObject;
  /** The file the block was read from. */
  readonly file: string;
}

export interface TfProvider {
  /** `provider.aws.sovereign`, or `provider.aws` for a provider without alias. */
  readonly address: string;
  /** Provider type (`aws`). */
  readonly type: string;
  readonly alias: string | undefined;
  /** How resources refer to it: `aws.sovereign`, or `aws` for the default provider. */
  readonly key: string;
  readonly values: JsonObject;
  readonly file: string;
}

/** A module call (`module.<name>`): the checker does not read the module's own blocks. */
export interface TfModule {
  readonly address: string;
  readonly name: string;
  /** The call's arguments as written (`source`, `providers`, inputs). */
  readonly values: JsonObject;
  readonly file: string;
}

/** An output (`output.<name>`): `terraform output`, plans and CI logs show its value unless it is sensitive. */
export interface TfOutput {
  readonly address: string;
  readonly name: string;
  /** The output's arguments as written (`value`, `sensitive`, `description`). */
  readonly values: JsonObject;
  readonly file: string;
}

export interface SourceFile {
  readonly path: string;
  readonly text: string;
}

export interface Template {
  /** Stack name (cdktf stack folder) or the file's base name. */
  readonly stack: string;
  /** The files the configuration was read from (one for a cdktf stack). */
  readonly files: readonly SourceFile[];
  /** Resources and data sources, sorted by address. */
  readonly resources: readonly TfResource[];
  /** Provider blocks, sorted by address. */
  readonly providers: readonly TfProvider[];
  /** Module calls, sorted by address. */
  readonly modules: readonly TfModule[];
  /** Outputs, sorted by address. */
  readonly outputs: readonly TfOutput[];
  readonly byAddress: ReadonlyMap<string, TfResource>;
}

export class TemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TemplateError";
  }
}

/** Objects of a value that is either an object or a list of objects. */
function objectsOf(value: unknown): JsonObject[] {
  return asArray(value).filter(isObject);
}

/** Merges `{a: x}` and `[{a: x}, {b: y}]` into one list of [key, value] entries. */
function entriesOf(value: unknown): Array<[string, unknown]> {
  return objectsOf(value).flatMap((o) => Object.entries(o));
}

function readBlocks(section: unknown, mode: BlockMode, file: string, out: TfResource[]): void {
  for (const [type, byName] of entriesOf(section)) {
    for (const [name, body] of entriesOf(byName)) {
      // A block body is an object; a list of objects means repeated bodies (invalid in Terraform),
      // which are merged so that nothing is silently dropped.
      const values = Object.assign({}, ...objectsOf(body)) as JsonObject;
      const address = `${mode === "data" ? "data." : ""}${type}.${name}`;
      out.push({ address, mode, type, name, values, file });
    }
  }
}

function readProviders(section: unknown, file: string, out: TfProvider[]): void {
  for (const [type, configs] of entriesOf(section)) {
    for (const values of objectsOf(configs)) {
      const alias = typeof values.alias === "string" ? values.alias : undefined;
      const key = alias === undefined ? type : `${type}.${alias}`;
      out.push({ address: `provider.${key}`, type, alias, key, values, file });
    }
  }
}

function readModules(section: unknown, file: string, out: TfModule[]): void {
  for (const [name, body] of entriesOf(section)) {
    const values = Object.assign({}, ...objectsOf(body)) as JsonObject;
    out.push({ address: `module.${name}`, name, values, file });
  }
}

function readOutputs(section: unknown, file: string, out: TfOutput[]): void {
  for (const [name, body] of entriesOf(section)) {
    const values = Object.assign({}, ...objectsOf(body)) as JsonObject;
    out.push({ address: `output.${name}`, name, values, file });
  }
}

/** Builds the model from parsed files; throws TemplateError when a file is not Terraform JSON. */
export function parseTemplate(
  stack: string,
  files: ReadonlyArray<{ path: string; text: string; json: unknown }>,
): Template {
  const resources: TfResource[] = [];
  const providers: TfProvider[] = [];
  const modules: TfModule[] = [];
  const outputs: TfOutput[] = [];
  for (const f of files) {
    if (!isObject(f.json))
      throw new TemplateError(`${f.path}: not a Terraform JSON configuration (the top level must be an object)`);
    readBlocks(f.json.resource, "managed", f.path, resources);
    readBlocks(f.json.data, "data", f.path, resources);
    readProviders(f.json.provider, f.path, providers);
    readModules(f.json.module, f.path, modules);
    readOutputs(f.json.output, f.path, outputs);
  }
  resources.sort((a, b) => compareStrings(a.address, b.address));
  providers.sort((a, b) => compareStrings(a.address, b.address));
  modules.sort((a, b) => compareStrings(a.address, b.address));
  outputs.sort((a, b) => compareStrings(a.address, b.address));
  const byAddress = new Map<string, TfResource>();
  for (const r of resources) {
    if (byAddress.has(r.address)) throw new TemplateError(`${r.file}: ${r.address} is declared twice`);
    byAddress.set(r.address, r);
  }
  return {
    stack,
    files: files.map(({ path, text }) => ({ path, text })),
    resources,
    providers,
    modules,
    outputs,
    byAddress,
  };
}

/** Convenience for tests and callers that hold parsed JSON: one in-memory file. */
export function templateOf(json: unknown, stack = "test", path = `${stack}.tf.json`): Template {
  return parseTemplate(stack, [{ path, text: JSON.stringify(json, null, 2), json }]);
}

/** Managed resources of some types. */
export function resourcesOfType(template: Template, ...types: string[]): TfResource[] {
  return template.resources.filter((r) => r.mode === "managed" && types.includes(r.type));
}

/** Data sources of some types. */
export function dataOfType(template: Template, ...types: string[]): TfResource[] {
  return template.resources.filter((r) => r.mode === "data" && types.includes(r.type));
}

/** Attribute names that describe Terraform itself, not the resource: skipped by value scans. */
export const META_ATTRIBUTES: ReadonlySet<string> = new Set([
  "//",
  "depends_on",
  "provider",
  "lifecycle",
  "count",
  "for_each",
  "provisioner",
  "connection",
]);

/**
 * Whether Terraform certainly creates no instance of a block: a literal `count` of 0 or a literal
 * empty `for_each`. A block that only may be absent (mayBeAbsent) can still exist, and a block that
 * weakens or replaces a protection counts as long as it may exist (issue 15).
 */
export function certainlyAbsent(resource: TfResource): boolean {
  const { count, for_each: forEach } = resource.values;
  if (count === 0 || (typeof count === "string" && /^\s*0+\s*$/.test(count))) return true;
  return (Array.isArray(forEach) && forEach.length === 0) || (isObject(forEach) && Object.keys(forEach).length === 0);
}

/**
 * Whether Terraform may not create a block: `count` other than a literal number of at least 1, or
 * `for_each` other than a literal non-empty map or list (`count = 0` is the cheapest decoy for a
 * check that a protective block exists, issue 15).
 */
export function mayBeAbsent(resource: TfResource): boolean {
  const { count, for_each: forEach } = resource.values;
  if (
    count !== undefined &&
    !(typeof count === "number" ? count >= 1 : typeof count === "string" && /^\s*[1-9]\d*\s*$/.test(count))
  )
    return true;
  if (
    forEach !== undefined &&
    !((Array.isArray(forEach) && forEach.length > 0) || (isObject(forEach) && Object.keys(forEach).length > 0))
  )
    return true;
  return false;
}

/**
 * The `lifecycle.ignore_changes` entry under which Terraform leaves an attribute (a dotted path,
 * `vpc_config.subnet_ids`) as it finds it: the attribute itself, a block it is in, a part of it, or
 * `all`. An imported or drifted resource then keeps whatever value it has, whatever the
 * configuration says (issue 15 probe); an entry the checker cannot read counts as ignoring.
 * Undefined when nothing covers it.
 */
export function ignoredChangeOf(resource: TfResource, attribute: string): string | undefined {
  for (const lifecycle of objectsOf(resource.values.lifecycle)) {
    const ignored = lifecycle.ignore_changes;
    if (ignored === undefined) continue;
    const list = Array.isArray(ignored) ? ignored : [ignored];
    for (const entry of list) {
      if (typeof entry !== "string") return JSON.stringify(entry);
      const name = entry
        .replace(/^\$\{(.*)\}$/, "$1")
        .trim()
        .replace(/\[[^\]]*\]/g, "");
      if (name === "all" || name.includes("${")) return entry;
      if (attribute === "*") continue;
      if (name === attribute || attribute.startsWith(`${name}.`) || name.startsWith(`${attribute}.`)) return entry;
    }
  }
  return undefined;
}

/** Whether `lifecycle.ignore_changes` covers an attribute (ignoredChangeOf). */
export function ignoresChanges(resource: TfResource, attribute: string): boolean {
  return ignoredChangeOf(resource, attribute) !== undefined;
}
