import { outageUploadExceptions } from "../../core/outage-uploads";
import { placementOf } from "../../core/placement";
import { DATA_CLASS_TAG, DATA_HOLDING_TYPES, dataClassOf, isDataHolding, partitionAllows } from "../../core/residency";
import { defineRule, type ValueRead, type Violation, verdict } from "../../core/types";

/**
 * Data-holding resources (buckets, keys, secrets, log groups, tables, functions, queues, ...) live in
 * a partition their data class allows: the class comes from the `DataClass` tag, what it allows from
 * the deployment configuration (`allowCrossPartition`). Without a configuration every class is
 * sovereign-only. In the commercial partition a data-holding resource must carry a class. The outage
 * inbox of outage uploads and its key are the named exception `outage-uploads` (outage-uploads.ts).
 */
export const DataClassPartition = defineRule({
  id: "SIP-RES-3",
  name: "DataClassPartition",
  service: "residency",
  severity: "error",
  suppressible: false,
  info: "A data-holding resource lives in a partition its data class does not allow, or its class is missing or unknown.",
  explanation:
    "What may leave the sovereign partition is decided per data class in the deployment configuration (by default: nothing). A bucket, key, secret, log group, table, function or queue of a sovereign-only class in the commercial partition, or one there without a class, moves data out of the European Sovereign Cloud.",
  fix: `Tag the resource with its ${DATA_CLASS_TAG}; keep sovereign-only classes on aws.sovereign; set allowCrossPartition on a class in the deployment configuration only when it may be replicated (and pass that configuration with --config).`,
  anchors: {},
  reads: [
    ...[...DATA_HOLDING_TYPES].map(
      (type): ValueRead => ({
        type,
        attribute: `tags.${DATA_CLASS_TAG}`,
        as: "literal",
        passes: "a literal data class, or leaving it out in the sovereign partition",
      }),
    ),
    {
      type: "provider.aws",
      attribute: `default_tags.tags.${DATA_CLASS_TAG}`,
      as: "literal",
      passes: "a literal data class, or leaving it out",
    },
  ],
  evaluate({ template, config }) {
    const violations: Violation[] = [];
    const outage = outageUploadExceptions(template, config);
    let checked = 0;
    for (const r of template.resources) {
      if (!isDataHolding(r)) continue;
      const { partition } = placementOf(template, r);
      if (partition === undefined) continue; // unplaced: SIP-RES-1 and SIP-RES-2 report it
      checked++;
      const dataClass = dataClassOf(template, r);
      if (dataClass === undefined) {
        if (partition.id !== "aws-eusc") {
          violations.push({
            address: r.address,
            detail: `${r.type} in partition ${partition.id} has no ${DATA_CLASS_TAG} tag; outside the sovereign partition every data-holding resource must name a class that allows it`,
          });
        }
        continue;
      }
      const allowed = partitionAllows(partition, dataClass, config);
      if (allowed.allowed) continue;
      const detail = `${r.type} in partition ${partition.id}: ${allowed.reason}`;
      // The outage inbox and its key: a named exception verified by structure (outage-uploads.ts).
      const because = outage.accepted.get(r.address);
      const notInbox = outage.problems.get(r.address);
      if (because !== undefined) violations.push({ address: r.address, detail, acceptedBecause: because });
      else violations.push({ address: r.address, detail: notInbox === undefined ? detail : `${detail}; ${notInbox}` });
    }
    return verdict(checked, violations);
  },
});
