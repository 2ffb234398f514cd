/**
 * Compares the synthesized output of a base with a head, stack by stack and address by address:
 * what is added, removed, changed or moved, the attribute and policy-statement changes, and the
 * dangers (dangerous.ts). Pure: the same inputs give the same report.
 */
import { compareStrings } from "../core/json";
import type { Template, TfResource } from "../core/template";
import { attributeChanges } from "./attributes";
import {
  changeDangers,
  commercialDataClasses,
  crossingDangers,
  crossingMayChange,
  policyDangers,
  removalDangers,
  type Side,
} from "./dangerous";
import { addressChanges, movedBlocks } from "./moves";
import { documentsByAddress, policyChanges } from "./policy-changes";
import type { Danger, DangerousItem, DiffReport, ResourceChange, StackDiff } from "./types";

/** A provider block as a comparable entry (`provider.aws.sovereign`). */
function providerEntries(template: Template | undefined): Map<string, TfResource> {
  const out = new Map<string, TfResource>();
  for (const p of template?.providers ?? []) {
    out.set(p.address, {
      address: p.address,
      mode: "managed",
      type: "provider",
      name: p.key,
      values: p.values,
      file: p.file,
    });
  }
  return out;
}

function blocksOf(template: Template | undefined): Map<string, TfResource> {
  return new Map([...(template?.byAddress ?? new Map<string, TfResource>()), ...providerEntries(template)]);
}

/** Leaf paths that belong to a policy document (compared statement by statement instead). */
function isPolicyPath(attributes: ReadonlySet<string>): (path: string) => boolean {
  return (path) => [...attributes].some((a) => path === a || path.startsWith(`${a}.`) || path.startsWith(`${a}[`));
}

const isStandalonePolicy = (type: string) => type.endsWith("_policy");

/** One stack in base and head: its blocks, policy documents and how addresses moved between them. */
interface StackPair {
  readonly base: Template | undefined;
  readonly head: Template | undefined;
  readonly before: Map<string, TfResource>;
  readonly after: Map<string, TfResource>;
  readonly baseDocs: ReturnType<typeof documentsByAddress>;
  readonly headDocs: ReturnType<typeof documentsByAddress>;
  readonly baseCommercial: ReturnType<typeof commercialDataClasses>;
  /** Head address -> base address, by a `moved` block. */
  readonly moved: Map<string, string>;
}

/** The attribute and policy changes of one block between base and head. */
function compared(pair: StackPair, old: TfResource, now: TfResource) {
  const docsBefore = pair.baseDocs.get(old.address) ?? [];
  const docsAfter = pair.headDocs.get(now.address) ?? [];
  const policyPaths = new Set([...docsBefore, ...docsAfter].map((d) => d.attribute));
  const attributes = attributeChanges(old.values, now.values, isPolicyPath(policyPaths));
  const policies = policyChanges(docsBefore, docsAfter);
  return { attributes, policies };
}

function sides({ base, head }: StackPair, old: TfResource, now: TfResource): [Side, Side] | undefined {
  return base && head && old.type !== "provider"
    ? [
        { template: base, resource: old },
        { template: head, resource: now },
      ]
    : undefined;
}

/** Blocks gone from the head (`renamedTo`: those whose address changed, to their new address). */
function removedChanges(
  pair: StackPair,
  removed: readonly TfResource[],
  renamedTo: ReadonlyMap<string, string>,
): ResourceChange[] {
  return removed.map((r) => {
    const to = renamedTo.get(r.address);
    // A destroyed block's policy goes with it; a standalone policy's target may stay, so its Denies count.
    const policies =
      to !== undefined
        ? []
        : policyChanges(pair.baseDocs.get(r.address) ?? [], [], { denyRemovalWidens: isStandalonePolicy(r.type) });
    const dangers: Danger[] = [...removalDangers(r, to), ...policyDangers(policies)];
    return {
      address: r.address,
      type: r.type,
      change: "removed",
      ...(to !== undefined ? { addressChangedTo: to } : {}),
      attributes: [],
      policies,
      dangers,
    };
  });
}

/** Blocks new in the head (`renamed`: those whose address changed, to their old address). */
function addedChanges(
  pair: StackPair,
  added: readonly TfResource[],
  renamed: ReadonlyMap<string, string>,
): ResourceChange[] {
  const { head } = pair;
  return added.map((r) => {
    const from = renamed.get(r.address);
    const old = from === undefined ? undefined : pair.before.get(from);
    const { attributes, policies } = old
      ? compared(pair, old, r)
      : { attributes: [], policies: policyChanges([], pair.headDocs.get(r.address) ?? []) };
    const dangers: Danger[] = [
      ...policyDangers(policies),
      ...(head && r.type !== "provider" ? crossingDangers({ template: head, resource: r }, pair.baseCommercial) : []),
    ];
    return {
      address: r.address,
      type: r.type,
      change: "added",
      ...(from !== undefined ? { addressChangedFrom: from } : {}),
      attributes,
      policies,
      dangers,
    };
  });
}

/** Blocks in both, at the same address or moved: those that changed or moved. */
function changedChanges(pair: StackPair): ResourceChange[] {
  const changes: ResourceChange[] = [];
  for (const [address, now] of pair.after) {
    const from = pair.moved.get(address);
    const old = pair.before.get(from ?? address);
    if (old === undefined) continue;
    const { attributes, policies } = compared(pair, old, now);
    if (from === undefined && attributes.length === 0 && policies.length === 0) continue;
    const both = sides(pair, old, now);
    const dangers: Danger[] = [
      ...(both ? changeDangers(both[0], both[1], attributes) : []),
      ...policyDangers(policies),
    ];
    if (both && crossingMayChange(both[0], both[1])) dangers.push(...crossingDangers(both[1], pair.baseCommercial));
    changes.push({
      address,
      type: now.type,
      change: from === undefined ? "changed" : "moved",
      ...(from !== undefined ? { movedFrom: from } : {}),
      attributes,
      policies,
      dangers,
    });
  }
  return changes;
}

function compareStack(stack: string, base: Template | undefined, head: Template | undefined): StackDiff {
  const before = blocksOf(base);
  const after = blocksOf(head);
  const moved = new Map(
    [...movedBlocks(head)].filter(
      ([to, from]) => after.has(to) && !before.has(to) && before.has(from) && !after.has(from),
    ),
  );
  const pair: StackPair = {
    base,
    head,
    before,
    after,
    baseDocs: documentsByAddress(base),
    headDocs: documentsByAddress(head),
    baseCommercial: commercialDataClasses(base),
    moved,
  };
  const movedFrom = new Set(moved.values());
  const removed = [...before.values()].filter((r) => !after.has(r.address) && !movedFrom.has(r.address));
  const added = [...after.values()].filter((r) => !before.has(r.address) && !moved.has(r.address));
  const renamed = addressChanges(removed, added);
  const renamedTo = new Map([...renamed].map(([to, from]) => [from, to]));
  const changes: ResourceChange[] = [
    ...removedChanges(pair, removed, renamedTo),
    ...addedChanges(pair, added, renamed),
    ...changedChanges(pair),
  ];
  changes.sort((a, b) => compareStrings(a.address, b.address));
  const status =
    base === undefined ? "added" : head === undefined ? "removed" : changes.length > 0 ? "changed" : "unchanged";
  return { stack, status, resources: changes };
}

/** The change review of two synthesized outputs (each one or more stacks). */
export function compareTemplates(base: readonly Template[], head: readonly Template[]): DiffReport {
  const names = [...new Set([...base, ...head].map((t) => t.stack))].sort(compareStrings);
  const stacks = names.map((name) =>
    compareStack(
      name,
      base.find((t) => t.stack === name),
      head.find((t) => t.stack === name),
    ),
  );
  const all = stacks.flatMap((s) => s.resources.map((r) => ({ stack: s.stack, r })));
  const count = (kind: ResourceChange["change"]) => all.filter(({ r }) => r.change === kind).length;
  const dangerous: DangerousItem[] = all.flatMap(({ stack, r }) =>
    r.dangers.map((d) => ({ stack, address: r.address, ...d })),
  );
  return {
    summary: {
      stacks: names.length,
      added: count("added"),
      removed: count("removed"),
      changed: count("changed"),
      moved: count("moved"),
      dangerous: dangerous.length,
    },
    dangerous,
    stacks,
  };
}

/** Exit code of `diff`: 3 when something dangerous was found, else 0. */
export function diffExitCode(report: DiffReport): number {
  return report.summary.dangerous > 0 ? 3 : 0;
}
