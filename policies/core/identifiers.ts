/**
 * Partition-bearing identifiers inside strings: ARNs (`arn:<partition>:...`), endpoint host names
 * (`kms.eusc-de-east-1.amazonaws.eu`, dual-stack `kms.eu-central-1.api.aws`) and VPC endpoint service
 * names (`com.amazonaws.<region>.s3`).
 */
import { PARTITIONS, type PartitionId, type PartitionInfo } from "../../config/partitions";
import { isRegionName, partitionOfAnyRegion } from "./placement";

export interface ArnMatch {
  readonly text: string;
  /** The partition field as written (`aws`, `aws-eusc`, `aws-cn`, ...). */
  readonly partitionId: string;
  readonly service: string;
  readonly region: string;
}

const ARN = /(?<![A-Za-z0-9])arn:([A-Za-z0-9*-]+):([A-Za-z0-9*-]*):([A-Za-z0-9*-]*):[^\s"',]*/g;

/** Literal ARNs in a string (expressions such as `arn:${...}` are skipped). */
export function arnsIn(value: string): ArnMatch[] {
  return [...value.matchAll(ARN)].map((m) => ({
    text: m[0],
    partitionId: m[1] ?? "",
    service: m[2] ?? "",
    region: m[3] ?? "",
  }));
}

export interface HostMatch {
  readonly host: string;
  /** The DNS suffix (`amazonaws.com`, `amazonaws.eu`, dual-stack `api.aws`, `api.amazonwebservices.eu`). */
  readonly suffix: string;
  /** The region label inside the host name, if any. */
  readonly region: string | undefined;
  /** Whether the host is the whole string (a bare name such as a service principal). */
  readonly whole: boolean;
}

/**
 * DNS suffixes of the dual-stack (IPv4 and IPv6) endpoints of each partition: `sts.eu-central-1.api.aws`
 * is an endpoint of the commercial partition just as `sts.eu-central-1.amazonaws.com` is (issue 15: a
 * dual-stack host was under no partition's suffix, so it escaped every partition and region check).
 * DESIGN.md §2 lists only the IPv4 suffixes. Source of both values: `dualStackDnsSuffix` in the AWS
 * SDK's partitions.json (@aws-sdk/core 3.981.0, util-endpoints/lib/aws/partitions.js); the sovereign
 * one, `api.amazonwebservices.eu`, is assumed from there and has not been measured against the
 * partition itself. Kept here rather than in config/partitions.ts because function bundles include
 * that table, and a fact only the checker needs should not change deployed code.
 */
export const DUAL_STACK_DNS_SUFFIXES: Readonly<Record<PartitionId, string>> = {
  aws: "api.aws",
  "aws-eusc": "api.amazonwebservices.eu",
};

/** Every DNS suffix of a partition's endpoints: the IPv4 one, then the dual-stack one. */
export function dnsSuffixesOf(partition: PartitionInfo): readonly string[] {
  return [partition.dnsSuffix, DUAL_STACK_DNS_SUFFIXES[partition.id]];
}

const SUFFIXES = [...new Set(Object.values(PARTITIONS).flatMap((p) => dnsSuffixesOf(p)))];
const HOST = new RegExp(
  `([A-Za-z0-9][A-Za-z0-9.-]*)\\.(${SUFFIXES.map((s) => s.replace(/\./g, "\\.")).join("|")})(?![A-Za-z0-9-])`,
  "gi",
);

/** Endpoint-like host names under an AWS DNS suffix, lower-cased (DNS names are case-insensitive). */
export function hostsIn(value: string): HostMatch[] {
  return [...value.matchAll(HOST)].map((m) => {
    const prefix = (m[1] ?? "").toLowerCase();
    const suffix = (m[2] ?? "").toLowerCase();
    const host = `${prefix}.${suffix}`;
    const region = prefix.split(".").find((label) => isRegionName(label));
    return { host, suffix, region, whole: value.trim().toLowerCase() === host };
  });
}

/** The partition whose DNS suffix (IPv4 or dual-stack) this is. */
export function partitionOfSuffix(suffix: string): PartitionInfo | undefined {
  return Object.values(PARTITIONS).find((p) => dnsSuffixesOf(p).includes(suffix));
}

export interface ServiceNameMatch {
  readonly text: string;
  readonly region: string | undefined;
}

const SERVICE_NAME = /\b(?:com|eu)\.amazonaws\.[a-z0-9.-]+/g;

/** VPC endpoint service names (`com.amazonaws.eu-central-1.s3`, `eu.amazonaws.eusc-de-east-1.kms`). */
export function serviceNamesIn(value: string): ServiceNameMatch[] {
  return [...value.matchAll(SERVICE_NAME)].map((m) => {
    const labels = m[0].split(".").slice(2);
    return { text: m[0], region: labels.find((label) => isRegionName(label)) };
  });
}

/** The partition of a region label (EU or not). */
export function partitionOfLabel(region: string): PartitionInfo | undefined {
  return partitionOfAnyRegion(region);
}

/** A host without a region label: a global endpoint (`sts.amazonaws.com`, `bucket.s3.amazonaws.com`). */
export function isGlobalHost(h: HostMatch): boolean {
  return h.region === undefined;
}
