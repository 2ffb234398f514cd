/**
 * Which changes are dangerous, and why:
 * - destroying or replacing a KMS key, an S3 bucket, a CloudTrail trail, an organization account or
 *   a CloudWatch log group (data loss or loss of evidence; force-new.ts);
 * - a change that widens a policy, or one whose policy cannot be read before plan (statements.ts);
 * - data crossing partitions: a data-holding resource whose partition changes, a data class held in
 *   the commercial partition where the base held none of it there (what `allowCrossPartition`
 *   brings), and a new cross-partition sync function.
 */
import { CROSS_PARTITION_SYNC } from "../core/egress";
import { placementOf } from "../core/placement";
import { DATA_CLASS_TAG, isDataHolding, tagsOf } from "../core/residency";
import type { Template, TfResource } from "../core/template";
import { topAttribute } from "./attributes";
import { DANGEROUS_TYPES } from "./force-new";
import type { AttributeChange, Danger, PolicyChange } from "./types";

export const COMMERCIAL_PARTITION = "aws";

export interface Side {
  readonly template: Template;
  readonly resource: TfResource;
}

/** A destroyed resource of a dangerous type; `newAddress` when it looks like an address change. */
export function removalDangers(removed: TfResource, newAddress?: string): Danger[] {
  const type = DANGEROUS_TYPES.get(removed.type);
  if (type === undefined) return [];
  const moved =
    newAddress === undefined
      ? ""
      : ` Its address changes to ${newAddress}: Terraform destroys it and creates a new one unless a \`moved\` block carries it over.`;
  return [{ kind: "destroy", reason: `destroys ${removed.address}: ${type.loss}.${moved}` }];
}

function placementLabel(side: Side): { partition: string | undefined; region: string | undefined } {
  const p = placementOf(side.template, side.resource);
  return { partition: p.partition?.id, region: p.region };
}

/** The same address in base and head (or carried over by a `moved` block). */
export function changeDangers(before: Side, after: Side, attributes: readonly AttributeChange[]): Danger[] {
  const out: Danger[] = [];
  const from = placementLabel(before);
  const to = placementLabel(after);
  const type = DANGEROUS_TYPES.get(after.resource.type);
  if (type !== undefined) {
    const forced = [...new Set(attributes.map((a) => topAttribute(a.path)).filter((a) => type.forceNew.includes(a)))];
    if (forced.length > 0) {
      out.push({
        kind: "replace",
        reason: `replaces ${after.resource.address} (${forced.join(", ")} forces a new resource): ${type.loss}.`,
      });
    } else if (from.region !== to.region || from.partition !== to.partition) {
      out.push({
        kind: "replace",
        reason: `replaces ${after.resource.address} (its provider moves it from ${from.region ?? "an unknown region"} to ${to.region ?? "an unknown region"}): ${type.loss}.`,
      });
    }
  }
  if (
    isDataHolding(after.resource) &&
    from.partition !== undefined &&
    to.partition !== undefined &&
    from.partition !== to.partition
  ) {
    out.push({
      kind: "partition-move",
      reason: `moves data-holding ${after.resource.type} ${after.resource.address} from partition ${from.partition} to ${to.partition}.`,
    });
  }
  return out;
}

/** Data classes held by data-holding resources in the commercial partition of a configuration. */
export function commercialDataClasses(template: Template | undefined): Set<string> {
  const out = new Set<string>();
  for (const r of template?.resources ?? []) {
    if (!isDataHolding(r) || placementOf(template as Template, r).partition?.id !== COMMERCIAL_PARTITION) continue;
    const dataClass = tagsOf(template as Template, r)[DATA_CLASS_TAG];
    if (dataClass !== undefined) out.add(dataClass);
  }
  return out;
}

/**
 * An added resource (or one whose partition changed) that brings data into the commercial partition:
 * a data class the base did not hold there, or a new cross-partition sync function.
 */
export function crossingDangers(after: Side, baseCommercialClasses: ReadonlySet<string>): Danger[] {
  const { template, resource } = after;
  const out: Danger[] = [];
  const tags = tagsOf(template, resource);
  const dataClass = tags[DATA_CLASS_TAG];
  if (
    isDataHolding(resource) &&
    dataClass !== undefined &&
    !baseCommercialClasses.has(dataClass) &&
    placementOf(template, resource).partition?.id === COMMERCIAL_PARTITION
  ) {
    out.push({
      kind: "partition-move",
      reason: `holds data class "${dataClass}" in the commercial partition (${COMMERCIAL_PARTITION}), where the base held none of it: data of this class now crosses partitions (allowCrossPartition).`,
    });
  }
  if (
    resource.mode === "managed" &&
    resource.type === "aws_lambda_function" &&
    tags["sip:exception"] === CROSS_PARTITION_SYNC
  ) {
    out.push({
      kind: "partition-move",
      reason: `new cross-partition sync function ${resource.address}: it copies data between the sovereign and the commercial partition.`,
    });
  }
  return out;
}

/** Whether a changed block's partition, data class or cross-partition exception changed (crossingDangers applies then). */
export function crossingMayChange(before: Side, after: Side): boolean {
  const a = tagsOf(before.template, before.resource);
  const b = tagsOf(after.template, after.resource);
  return (
    placementLabel(before).partition !== placementLabel(after).partition ||
    a[DATA_CLASS_TAG] !== b[DATA_CLASS_TAG] ||
    a["sip:exception"] !== b["sip:exception"]
  );
}

/** Policy changes that widen access, or that cannot be judged because a side is computed. */
export function policyDangers(policies: readonly PolicyChange[]): Danger[] {
  const out: Danger[] = [];
  for (const p of policies) {
    for (const w of p.widening) out.push({ kind: "policy-widening", reason: `${p.kind} policy ${p.attribute}: ${w}.` });
    if (p.unreadable !== undefined)
      out.push({
        kind: "unreadable-policy",
        reason: `${p.kind} policy ${p.attribute} changed but cannot be judged here (${p.unreadable}): review it by hand.`,
      });
  }
  return out;
}
