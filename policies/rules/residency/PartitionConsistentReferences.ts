import { dnsNameExceptions } from "../../core/dns-names";
import { checkEuRegion, type PartitionInfo } from "../../../config/partitions";
import { crossPartitionExceptions } from "../../core/egress";
import { arnsIn, dnsSuffixesOf, hostsIn, partitionOfSuffix, serviceNamesIn } from "../../core/identifiers";
import { isObject, parseEmbeddedJson } from "../../core/json";
import {
  partitionById,
  partitionOfAnyRegion,
  placementOf,
  placementOfProvider,
  providerTypeOf,
} from "../../core/placement";
import { sealingPublicKeyExceptions } from "../../core/outage-uploads";
import { referencesIn } from "../../core/references";
import { META_ATTRIBUTES, type Template } from "../../core/template";
import { defineRule, type Violation, verdict } from "../../core/types";

const MAX_PROBLEMS = 8;

/**
 * JSON escapes of a text that is not valid JSON (a policy with a `${...}` in it): IAM and the
 * services decode `\u0061rn:aws:...` to an ARN, so the scan reads the decoded text too.
 */
function decodeJsonEscapes(value: string): string {
  return value.replace(/\\u([0-9a-fA-F]{4})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

/**
 * A CloudTrail `eventSource` compared in a CloudWatch Logs filter pattern (`$.eventSource =
 * kms.amazonaws.com`): a service identifier in the service principal form, which CloudTrail
 * records in every partition, not an endpoint.
 */
const EVENT_SOURCE_COMPARISON = /(\$\.eventSource\s*!?=\s*"?)[a-z0-9-]+\.amazonaws\.com("?)/g;

/** Problems of one string in a block of partition `home`. */
function scanString(
  template: Template,
  home: PartitionInfo,
  raw: string,
  path: string,
  principal: boolean,
  problems: Set<string>,
): void {
  const value = decodeJsonEscapes(raw).replace(EVENT_SOURCE_COMPARISON, "$1service$2");
  for (const arn of arnsIn(value)) {
    if (arn.partitionId === "*") continue;
    const p = partitionById(arn.partitionId);
    if (p === undefined)
      problems.add(`${path}: ARN ${arn.text} names partition "${arn.partitionId}", which this platform does not use`);
    else if (p.id !== home.id)
      problems.add(`${path}: ARN ${arn.text} is in partition ${p.id}, but the block is in ${home.id}`);
    if (arn.region !== "" && !arn.region.includes("*")) {
      const check = checkEuRegion(arn.region);
      if (!check.ok) problems.add(`${path}: ARN ${arn.text}: ${check.reason}`);
      else if (p !== undefined && check.partition.id !== p.id)
        problems.add(
          `${path}: ARN ${arn.text} has region ${arn.region} of partition ${check.partition.id} in an ${p.id} ARN`,
        );
    }
  }
  for (const h of hostsIn(value)) {
    if (h.region !== undefined) {
      const p = partitionOfAnyRegion(h.region);
      if (p !== undefined && p.id !== home.id)
        problems.add(`${path}: ${h.host} is an endpoint of partition ${p.id}, but the block is in ${home.id}`);
      else if (!principal && partitionOfSuffix(h.suffix)?.id !== home.id)
        problems.add(
          `${path}: ${h.host} uses DNS suffix ${h.suffix}; endpoints of ${home.id} end in ${dnsSuffixesOf(home).join(" or ")}`,
        );
      continue;
    }
    const p = partitionOfSuffix(h.suffix);
    if (p === undefined || p.id === home.id) continue; // a global endpoint of the own partition: SIP-RES-5
    // Service principals keep the commercial form in every partition (`lambda.amazonaws.com`).
    const servicePrincipalForm = h.whole && h.host.split(".").length === 3 && h.suffix === "amazonaws.com";
    if (servicePrincipalForm) continue;
    problems.add(`${path}: ${h.host} is an endpoint of partition ${p.id}, but the block is in ${home.id}`);
  }
  for (const sn of serviceNamesIn(value)) {
    if (sn.region === undefined) continue;
    const p = partitionOfAnyRegion(sn.region);
    if (p !== undefined && p.id !== home.id)
      problems.add(`${path}: service name ${sn.text} is in partition ${p.id}, but the block is in ${home.id}`);
  }
  for (const ref of referencesIn(value)) {
    const target = template.byAddress.get(ref.address);
    if (target === undefined || providerTypeOf(target.type) !== "aws") continue;
    const p = placementOf(template, target).partition;
    if (p !== undefined && p.id !== home.id)
      problems.add(`${path}: refers to ${ref.address}, which is in partition ${p.id}, but the block is in ${home.id}`);
  }
}

function scan(
  template: Template,
  home: PartitionInfo,
  value: unknown,
  path: string,
  principal: boolean,
  problems: Set<string>,
): void {
  if (typeof value === "string") {
    const embedded = parseEmbeddedJson(value);
    if (embedded !== undefined) scan(template, home, embedded, path, false, problems);
    else scanString(template, home, value, path, principal, problems);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      scan(template, home, v, `${path}[${i}]`, principal, problems);
    });
  } else if (isObject(value)) {
    for (const [key, v] of Object.entries(value)) {
      if (path === "" && META_ATTRIBUTES.has(key)) continue;
      const inPrincipal =
        (key === "Service" && /(?:^|\.)(?:Not)?Principal$/.test(path)) || (path === "" && key === "principal");
      scan(template, home, v, path === "" ? key : `${path}.${key}`, inPrincipal, problems);
    }
  }
}

function summarize(problems: Set<string>): string {
  const list = [...problems].sort();
  const shown = list.slice(0, MAX_PROBLEMS).join("; ");
  return list.length > MAX_PROBLEMS ? `${shown}; and ${list.length - MAX_PROBLEMS} more` : shown;
}

/**
 * Every ARN, principal, endpoint and VPC endpoint service name in a block's attributes (including
 * embedded policy JSON), and every block it refers to, belongs to the partition of the block's own
 * provider. Service principals keep their `<service>.amazonaws.com` form in both partitions. Four
 * named exceptions, verified by structure, are reported as accepted: the controlled egress
 * allowlist's host names and the cross-partition sync function's target variables
 * (policies/core/egress.ts), DNS records holding another partition's API names (dns-names.ts), and
 * the other partition's sealing public key in SUBJECT_SEALING_PUBLIC_KEY (outage-uploads.ts).
 */
export const PartitionConsistentReferences = defineRule({
  id: "SIP-RES-4",
  name: "PartitionConsistentReferences",
  service: "residency",
  severity: "error",
  suppressible: false,
  info: "An ARN, principal, endpoint or reference in the block belongs to a different partition than the block's provider.",
  explanation:
    "Partitions are separate clouds: an arn:aws: principal in a sovereign key policy, an amazonaws.com endpoint in a sovereign function, or a sovereign bucket encrypted with a commercial key either fails at deploy time or, worse, routes data or trust across the sovereignty boundary.",
  fix: "Derive partition-specific strings from the placement (arn(partition, ...) in config/partitions.ts, data.aws_partition at plan time) instead of literals, and reference only resources of the same provider. Cross-partition access goes through the sync function's controlled path, never through references.",
  anchors: {},
  reads: [
    {
      type: "aws_*",
      attribute: "*",
      as: "reference",
      passes: "literal values, or values computed only from blocks of this configuration, in the block's own partition",
    },
    {
      type: "data.aws_*",
      attribute: "*",
      as: "reference",
      passes: "literal values, or values computed only from blocks of this configuration, in the block's own partition",
    },
    {
      type: "provider.aws",
      attribute: "*",
      as: "reference",
      passes: "literal values, or values computed only from blocks of this configuration, in the block's own partition",
    },
  ],
  evaluate({ template }) {
    const violations: Violation[] = [];
    let checked = 0;
    for (const p of template.providers) {
      if (p.type !== "aws") continue;
      const home = placementOfProvider(p).partition;
      if (home === undefined) continue;
      checked++;
      const problems = new Set<string>();
      scan(template, home, p.values, "", false, problems);
      if (problems.size > 0) violations.push({ address: p.address, detail: summarize(problems) });
    }
    const exceptions = new Map([
      ...crossPartitionExceptions(template),
      ...dnsNameExceptions(template),
      ...sealingPublicKeyExceptions(template),
    ]);
    for (const r of template.resources) {
      if (providerTypeOf(r.type) !== "aws") continue;
      const home = placementOf(template, r).partition;
      if (home === undefined) continue;
      checked++;
      const problems = new Set<string>();
      scan(template, home, r.values, "", false, problems);
      if (problems.size === 0) continue;
      // Problems at the attribute paths a named exception covers are reported as accepted, apart.
      const exception = exceptions.get(r.address);
      const accepted = new Set([...problems].filter((p) => exception?.paths(p.slice(0, p.indexOf(": "))) === true));
      const open = new Set([...problems].filter((p) => !accepted.has(p)));
      if (open.size > 0) violations.push({ address: r.address, detail: summarize(open) });
      if (accepted.size > 0 && exception !== undefined)
        violations.push({ address: r.address, detail: summarize(accepted), acceptedBecause: exception.reason });
    }
    return verdict(checked, violations);
  },
});
