/**
 * Where a block lives: its provider, region and partition. Partition facts come only from the
 * project's partition table (config/partitions.ts).
 */
import { checkEuRegion, PARTITIONS, type PartitionInfo } from "../../config/partitions";
import { literalString } from "./json";
import type { Template, TfProvider, TfResource } from "./template";

/**
 * The partition a region name belongs to, EU or not (`us-east-1` -> aws), or undefined for names
 * that match no partition. EU membership is checked separately with `checkEuRegion`.
 */
export function partitionOfAnyRegion(region: string): PartitionInfo | undefined {
  const check = checkEuRegion(region);
  if (check.ok) return check.partition;
  // Sovereign first: its pattern is the more specific one.
  for (const id of ["aws-eusc", "aws"] as const) {
    if (PARTITIONS[id].regionPattern.test(region)) return PARTITIONS[id];
  }
  return undefined;
}

/** The partition with this ARN id (`aws`, `aws-eusc`), or undefined for other partitions. */
export function partitionById(id: string): PartitionInfo | undefined {
  return Object.values(PARTITIONS).find((p) => p.id === id);
}

/** True when a label looks like a region name of any known partition. */
export function isRegionName(label: string): boolean {
  return Object.values(PARTITIONS).some((p) => p.regionPattern.test(label));
}

/** Provider type of a resource type: `aws_s3_bucket` -> `aws`. */
export function providerTypeOf(resourceType: string): string {
  const i = resourceType.indexOf("_");
  return i === -1 ? resourceType : resourceType.slice(0, i);
}

/** The provider reference as written (`aws.sovereign`), without `${}`; undefined when absent. */
export function providerRefOf(resource: TfResource): string | undefined {
  const raw = resource.values.provider;
  if (typeof raw !== "string") return undefined;
  const m = /^\$\{(.*)\}$/.exec(raw.trim());
  return (m?.[1] ?? raw).trim();
}

/** The provider block a resource uses: the named one, or the default provider of its type. */
export function providerOf(template: Template, resource: TfResource): TfProvider | undefined {
  const key = providerRefOf(resource) ?? providerTypeOf(resource.type);
  return template.providers.find((p) => p.key === key);
}

export interface Placement {
  readonly provider: TfProvider | undefined;
  /** Literal region (the resource's own `region` argument wins over the provider's). */
  readonly region: string | undefined;
  readonly partition: PartitionInfo | undefined;
}

export function providerRegion(provider: TfProvider): string | undefined {
  return literalString(provider.values.region);
}

export function placementOfProvider(provider: TfProvider | undefined): Placement {
  const region = provider ? providerRegion(provider) : undefined;
  return { provider, region, partition: region === undefined ? undefined : partitionOfAnyRegion(region) };
}

/**
 * Placement of a resource. The partition comes from the provider's region; a resource-level
 * `region` argument (aws provider 6.x) overrides the region but cannot change the partition.
 */
export function placementOf(template: Template, resource: TfResource): Placement {
  const base = placementOfProvider(providerOf(template, resource));
  const own = literalString(resource.values.region);
  return own === undefined ? base : { ...base, region: own };
}
