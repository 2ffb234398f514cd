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
  if (isObject(standby.outageUploads))
    problems.push(...outageUploadProblems(standby.outageUploads, { uploadClasses, served, servedClass, classes }));
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

/**
 * What is wrong with `crossPartition.standby.outageUploads` (a named residency weakening: the standby
 * accepts originals of the upload class into a commercial inbox during an outage). It needs the
 * upload pipeline (whose class it accepts; upload.dataClasses holds one class, so the inbox holds
 * that one) and the cross-partition sync of upload.cleanDataClass, whose failback brings the uploads
 * home; it keeps them at most as long as the upload class keeps its objects.
 */
function outageUploadProblems(
  outage: Raw,
  o: { uploadClasses: unknown[]; served: string | undefined; servedClass: unknown; classes: Raw },
): ConfigProblem[] {
  const path = "crossPartition.standby.outageUploads";
  const uploadClass = o.uploadClasses[0];
  if (typeof uploadClass !== "string")
    return [
      {
        path,
        message:
          "outageUploads accepts uploads of the upload pipeline's class during an outage, but no upload pipeline is deployed. Fix: configure upload.dataClasses and upload.cleanDataClass, or remove outageUploads",
      },
    ];
  const problems: ConfigProblem[] = [];
  // A clean class that also takes uploads is the upload block's own problem (validate.ts).
  if (
    o.served !== undefined &&
    !o.uploadClasses.includes(o.served) &&
    isObject(o.servedClass) &&
    o.servedClass.allowCrossPartition !== true
  )
    problems.push({
      path,
      message: `outageUploads needs the cross-partition sync of upload.cleanDataClass "${o.served}", whose failback brings the uploads home, but "${o.served}" does not cross partitions. Fix: set allowCrossPartition on data class "${o.served}", or remove outageUploads`,
    });
  const declared = o.classes[uploadClass];
  const classDays =
    isObject(declared) && typeof declared.retentionDays === "number" ? declared.retentionDays : undefined;
  if (typeof outage.retentionDays === "number" && classDays !== undefined && outage.retentionDays > classDays)
    problems.push({
      path: `${path}.retentionDays`,
      message: `outageUploads.retentionDays ${outage.retentionDays} is longer than the retentionDays (${classDays}) of upload class "${uploadClass}", whose originals the inbox holds. Fix: use 1-${classDays}, or leave it out for ${classDays}`,
    });
  return problems;
}

/**
 * Outage uploads as the stacks build them: the upload class the inbox holds (upload.dataClasses holds
 * one) and how long the inbox keeps an upload (outageUploads.retentionDays, else the class's).
 */
export function outageUploadsOf(config: {
  readonly dataClasses: Readonly<Record<string, { readonly retentionDays: number }>>;
  readonly upload: { readonly dataClasses: readonly string[] };
  readonly crossPartition?: {
    readonly standby?: { readonly outageUploads?: { readonly retentionDays?: number | undefined } | undefined };
  };
}): { readonly dataClass: string; readonly retentionDays: number } | undefined {
  const outage = config.crossPartition?.standby?.outageUploads;
  const dataClass = config.upload.dataClasses[0];
  const classDays = dataClass === undefined ? undefined : config.dataClasses[dataClass]?.retentionDays;
  if (outage === undefined || dataClass === undefined || classDays === undefined) return undefined;
  return { dataClass, retentionDays: outage.retentionDays ?? classDays };
}
