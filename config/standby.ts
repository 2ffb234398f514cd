/**
 * The `crossPartition.standby` block against the rest of the configuration (issue 17, item 2;
 * docs/cross-partition.md §7): the standby serves the replicas of the image pipeline's clean class,
 * so that pipeline must exist and its clean class must cross; its network lives in the commercial
 * region. The structure is in schema.ts.
 */
import { checkEuRegion, partitionOfRegion } from "./partitions";
import type { ConfigProblem } from "./validate";
import { zoneListProblems } from "./zones";

type Raw = Record<string, unknown>;
const isObject = (v: unknown): v is Raw => typeof v === "object" && v !== null && !Array.isArray(v);

/** The data class the standby serves: the image pipeline's clean class (the one the read API serves). */
export function standbyServedClass(input: Raw): string | undefined {
  const upload = isObject(input.upload) ? input.upload : {};
  return typeof upload.cleanDataClass === "string" ? upload.cleanDataClass : undefined;
}

/** What is wrong with `crossPartition.standby` in relation to the other fields. */
export function standbyProblems(input: Raw): ConfigProblem[] {
  const cross = input.crossPartition;
  if (!isObject(cross) || !isObject(cross.standby)) return [];
  const standby = cross.standby;
  const problems: ConfigProblem[] = [];
  const upload = isObject(input.upload) ? input.upload : {};
  const served = standbyServedClass(input);
  const classes = isObject(input.dataClasses) ? input.dataClasses : {};
  const servedClass = served === undefined ? undefined : classes[served];
  // A missing or misused cleanDataClass is the upload block's own problem (validate.ts), not reported twice.
  const uploadClasses: unknown[] = Array.isArray(upload.dataClasses) ? upload.dataClasses : [];
  if (uploadClasses.length === 0)
    problems.push({
      path: "crossPartition.standby",
      message:
        "crossPartition.standby serves the read API's objects, but no upload pipeline is deployed. Fix: configure upload.dataClasses and upload.cleanDataClass, or remove crossPartition.standby",
    });
  else if (
    served !== undefined &&
    !uploadClasses.includes(served) &&
    isObject(servedClass) &&
    servedClass.allowCrossPartition !== true
  )
    problems.push({
      path: "crossPartition.standby",
      message: `crossPartition.standby serves the replicas of upload.cleanDataClass "${served}", which does not cross partitions, so there are none. Fix: set allowCrossPartition on data class "${served}", or remove crossPartition.standby`,
    });
  const partitions = isObject(input.partitions) ? input.partitions : {};
  const commercial = isObject(partitions.commercial) ? partitions.commercial : {};
  // An invalid region is its own problem (validate.ts), not reported again for every zone.
  const region =
    typeof commercial.region === "string" &&
    checkEuRegion(commercial.region).ok &&
    partitionOfRegion(commercial.region).id === "aws"
      ? commercial.region
      : undefined;
  const zones = isObject(standby.network) ? standby.network.availabilityZones : undefined;
  if (region !== undefined && Array.isArray(zones))
    problems.push(...zoneListProblems(zones, region, "commercial", "crossPartition.standby.network.availabilityZones"));
  return problems;
}
