import { checkEuRegion } from "../../../config/partitions";
import { literalString } from "../../core/json";
import {
  partitionOfAnyRegion,
  placementOfProvider,
  providerOf,
  providerRefOf,
  providerTypeOf,
} from "../../core/placement";
import { COPY_REGIONS, copyRegions } from "../../core/residency";
import { defineRule, type Violation, verdict } from "../../core/types";

/**
 * Every aws provider has a literal region inside the EU (checkEuRegion), and so does every region a
 * resource names itself: its own `region` argument (aws provider 6.x) and the regions it replicates or copies to (COPY_REGIONS in core/residency.ts).
 */
export const RegionInEu = defineRule({
  id: "SIP-RES-2",
  name: "RegionInEu",
  service: "residency",
  severity: "error",
  suppressible: false,
  info: "A provider or resource uses a region outside the EU, an unknown region, or no literal region.",
  explanation:
    "Residency is promised per region: data of this platform may only live in EU regions of the two partitions. A region outside the EU (including London and Zurich), or a region that is only known at run time, breaks that promise without anyone noticing in review.",
  fix: "Use a literal EU region from config/partitions.ts (eusc-de-east-1 for aws.sovereign; an EU region such as eu-central-1 for aws.commercial), set through the deployment configuration.",
  anchors: {},
  reads: [
    { type: "provider.aws", attribute: "region", as: "literal", passes: "a literal EU region" },
    { type: "provider.aws", attribute: "sts_region", as: "literal", passes: "a literal EU region, or leaving it out" },
    {
      type: "aws_*",
      attribute: "region",
      as: "literal",
      passes: "a literal EU region of the provider's partition, or leaving it out",
    },
    ...Object.entries(COPY_REGIONS).flatMap(([type, paths]) =>
      paths.map((attribute) => ({ type, attribute, as: "literal" as const, passes: "a literal EU region" })),
    ),
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    let checked = 0;
    // Providers whose region fails, by the key resources use (`aws.sovereign`): each of their
    // resources is reported too, where a reviewer looks.
    const badProviders = new Map<string, string>();
    for (const p of template.providers) {
      if (p.type !== "aws") continue;
      checked++;
      const problems: string[] = [];
      const region = p.values.region;
      if (region === undefined) problems.push("has no region, so it comes from the environment (AWS_REGION, profile)");
      else if (literalString(region) === undefined)
        problems.push(`region ${JSON.stringify(region)} is not a literal and cannot be verified`);
      else {
        const check = checkEuRegion(literalString(region) ?? "");
        if (!check.ok) problems.push(check.reason);
      }
      const sts = literalString(p.values.sts_region);
      if (sts !== undefined) {
        const check = checkEuRegion(sts);
        if (!check.ok) problems.push(`sts_region: ${check.reason}`);
      }
      if (problems.length > 0) violations.push({ address: p.address, detail: problems.join("; ") });
      if (problems.length > 0) badProviders.set(p.key, `its provider ${p.address} ${problems.join("; ")}`);
    }
    for (const r of template.resources) {
      if (providerTypeOf(r.type) !== "aws") continue;
      const problems: string[] = [];
      const own = r.values.region;
      const partition = placementOfProvider(providerOf(template, r)).partition;
      const named: Array<{ path: string; region: string }> = [];
      const providerKey = providerRefOf(r) ?? "aws";
      const inherited = badProviders.get(providerKey);
      if (own === undefined && inherited !== undefined) problems.push(inherited);
      if (own !== undefined) {
        checked++;
        const literal = literalString(own);
        if (literal === undefined)
          problems.push(`region ${JSON.stringify(own)} is not a literal and cannot be verified`);
        else named.push({ path: "region", region: literal });
      }
      const replicas = copyRegions(r.values, r.type);
      if (replicas.length > 0) checked++;
      named.push(...replicas);
      for (const { path, region } of named) {
        const check = checkEuRegion(region);
        if (!check.ok) problems.push(`${path}: ${check.reason}`);
        else if (partition !== undefined && partitionOfAnyRegion(region)?.id !== partition.id) {
          problems.push(
            `${path}: region "${region}" belongs to partition ${check.partition.id}, but the provider is in ${partition.id}`,
          );
        }
      }
      if (problems.length > 0) violations.push({ address: r.address, detail: problems.join("; ") });
    }
    return verdict(checked, violations);
  },
});
