import { bucketOf } from "../../core/buckets";
import { blocks, literalString } from "../../core/json";
import { partitionById, partitionOfAnyRegion, placementOf, providerTypeOf } from "../../core/placement";
import { resolveReference } from "../../core/references";
import { COPY_REGIONS, copyRegions, dataClassOf, isDataHolding, partitionAllows } from "../../core/residency";
import { resourcesOfType, type Template } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

/** Partition of a replication destination given as a reference or an ARN. */
function destinationPartition(template: Template, value: unknown): { id: string; label: string } | undefined {
  const ref = resolveReference(template, value);
  if (ref !== undefined) {
    const p = placementOf(template, ref.resource).partition;
    return p === undefined ? undefined : { id: p.id, label: ref.resource.address };
  }
  const arn = literalString(value);
  const m = arn === undefined ? null : /^arn:([^:]+):/.exec(arn);
  if (!m?.[1]) return undefined;
  return { id: partitionById(m[1])?.id ?? m[1], label: arn ?? "" };
}

/**
 * No replication across partitions, and no sovereign-only data on the commercial side: S3
 * replication destinations, the regions a resource replicates or copies to (COPY_REGIONS: DynamoDB
 * and Secrets Manager replicas, global tables, ECR replication, Redshift snapshot copies), and any (non data-holding)
 * resource in the commercial partition that carries a sovereign-only DataClass.
 */
export const NoCrossPartitionReplication = defineRule({
  id: "SIP-RES-6",
  name: "NoCrossPartitionReplication",
  service: "residency",
  severity: "error",
  suppressible: false,
  info: "A replication or replica crosses the partition boundary, or a commercial-side resource carries a sovereign-only data class.",
  explanation:
    "S3 replication does not cross partitions, and replicas of tables or secrets copy data wholesale. Data of a sovereign-only class must never have a copy, a pipeline or a configuration outside the sovereign partition; what may cross is decided per class and moved only by the sync function.",
  fix: "Replicate only within the source's partition (and to EU regions), move cross-partition copies through the sync function for classes with allowCrossPartition, and keep resources that handle sovereign-only classes on aws.sovereign.",
  anchors: {},
  reads: [
    {
      type: "aws_s3_bucket_replication_configuration",
      attribute: "bucket",
      as: "reference",
      passes: "a reference to an aws_s3_bucket of this configuration, or its literal name",
    },
    {
      type: "aws_s3_bucket_replication_configuration",
      attribute: "rule.destination.bucket",
      as: "reference",
      passes: "a literal bucket ARN or a reference to a bucket of this configuration",
    },
    ...Object.entries(COPY_REGIONS).flatMap(([type, paths]) =>
      paths.map((attribute) => ({
        type,
        attribute,
        as: "literal" as const,
        passes: "a literal region of the resource's partition",
      })),
    ),
  ],
  evaluate({ template, config }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const rc of resourcesOfType(template, "aws_s3_bucket_replication_configuration")) {
      checked++;
      const source = bucketOf(template, rc.values.bucket);
      const home = (source ? placementOf(template, source) : placementOf(template, rc)).partition;
      if (home === undefined) continue;
      const sourceClass = source ? dataClassOf(template, source) : dataClassOf(template, rc);
      const problems: string[] = [];
      blocks(rc.values.rule).forEach((rule, i) => {
        blocks(rule.destination).forEach((dest) => {
          const d = destinationPartition(template, dest.bucket);
          if (d === undefined) return;
          if (d.id !== home.id) {
            problems.push(
              `rule[${i}] replicates ${source?.address ?? "the bucket"} (partition ${home.id}${sourceClass ? `, data class ${sourceClass}` : ""}) to ${d.label} in partition ${d.id}; S3 replication cannot cross partitions`,
            );
          }
        });
      });
      if (problems.length > 0) violations.push({ address: rc.address, detail: problems.join("; ") });
    }
    for (const r of resourcesOfType(template, ...Object.keys(COPY_REGIONS))) {
      const copies = copyRegions(r.values, r.type);
      if (copies.length === 0) continue;
      const home = placementOf(template, r).partition;
      if (home === undefined) continue;
      checked++;
      const dataClass = dataClassOf(template, r);
      const problems: string[] = [];
      for (const { path, region } of copies) {
        const p = partitionOfAnyRegion(region);
        if (p === undefined) continue;
        if (p.id !== home.id)
          problems.push(`${path} ${region} is in partition ${p.id}, but the ${r.type} is in ${home.id}`);
        else if (dataClass !== undefined) {
          const allowed = partitionAllows(p, dataClass, config);
          if (!allowed.allowed) problems.push(`${path} ${region}: ${allowed.reason}`);
        }
      }
      if (problems.length > 0) violations.push({ address: r.address, detail: problems.join("; ") });
    }
    for (const r of template.resources) {
      if (r.mode !== "managed" || isDataHolding(r) || providerTypeOf(r.type) !== "aws") continue;
      const dataClass = dataClassOf(template, r);
      if (dataClass === undefined) continue;
      const p = placementOf(template, r).partition;
      if (p === undefined || p.id === "aws-eusc") continue;
      checked++;
      const allowed = partitionAllows(p, dataClass, config);
      if (!allowed.allowed)
        violations.push({
          address: r.address,
          detail: `${r.type} in partition ${p.id} handles data: ${allowed.reason}`,
        });
    }
    return verdict(checked, violations);
  },
});
