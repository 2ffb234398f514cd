/**
 * The one partition table of the project. Everything that needs an ARN prefix, a DNS suffix or a
 * regional endpoint derives it from here (or from `data.aws_partition` at plan time); no module or
 * stack writes a literal partition. Facts: ../shared/DESIGN.md §2 and the AWS SDK's partitions.json.
 */

export type PartitionId = "aws" | "aws-eusc";

export interface PartitionInfo {
  /** Partition name as it appears in ARNs: `arn:<id>:...`. */
  readonly id: PartitionId;
  /** Human-readable name, used in error messages. */
  readonly name: string;
  /** DNS suffix of regional endpoints (`amazonaws.com`, `amazonaws.eu`). */
  readonly dnsSuffix: string;
  /** Regions of this partition that hold EU data, with the country each one is in. */
  readonly euRegions: Readonly<Record<string, string>>;
  /** Every region name of this partition matches this pattern (EU or not). */
  readonly regionPattern: RegExp;
}

export const PARTITIONS: Readonly<Record<PartitionId, PartitionInfo>> = {
  "aws-eusc": {
    id: "aws-eusc",
    name: "AWS European Sovereign Cloud",
    dnsSuffix: "amazonaws.eu",
    euRegions: { "eusc-de-east-1": "Germany" },
    regionPattern: /^eusc-[a-z]{2}-[a-z]+-\d+$/,
  },
  aws: {
    id: "aws",
    name: "AWS (commercial)",
    dnsSuffix: "amazonaws.com",
    // Only regions inside the European Union. London (eu-west-2) and Zurich (eu-central-2) carry
    // an `eu-` name but are outside the EU, so they are rejected for data-holding resources.
    euRegions: {
      "eu-central-1": "Germany",
      "eu-west-1": "Ireland",
      "eu-west-3": "France",
      "eu-south-1": "Italy",
      "eu-south-2": "Spain",
      "eu-north-1": "Sweden",
    },
    regionPattern: /^(us|eu|ap|sa|ca|me|af|il|mx)-[a-z]+-\d+$/,
  },
};

/** Regions whose name looks European but which are not in the EU: named in error messages. */
const NON_EU_EUROPEAN_REGIONS: Readonly<Record<string, string>> = {
  "eu-west-2": "London, United Kingdom",
  "eu-central-2": "Zurich, Switzerland",
};

export type RegionCheck =
  | { readonly ok: true; readonly partition: PartitionInfo; readonly country: string }
  | { readonly ok: false; readonly reason: string };

/**
 * Derives the partition from a region name and checks that the region is inside the EU.
 * `eusc-*` regions belong to `aws-eusc`; EU regions of the commercial partition to `aws`.
 */
export function checkEuRegion(region: string): RegionCheck {
  for (const partition of Object.values(PARTITIONS)) {
    const country = partition.euRegions[region];
    if (country !== undefined) return { ok: true, partition, country };
  }
  const knownEu = Object.values(PARTITIONS).flatMap((p) => Object.keys(p.euRegions));
  const nonEu = NON_EU_EUROPEAN_REGIONS[region];
  if (nonEu !== undefined) {
    return { ok: false, reason: `region "${region}" (${nonEu}) is outside the EU; use one of ${knownEu.join(", ")}` };
  }
  if (PARTITIONS["aws-eusc"].regionPattern.test(region)) {
    return {
      ok: false,
      reason: `region "${region}" is not a known AWS European Sovereign Cloud region; use one of ${Object.keys(PARTITIONS["aws-eusc"].euRegions).join(", ")}`,
    };
  }
  if (PARTITIONS.aws.regionPattern.test(region)) {
    return {
      ok: false,
      reason: `region "${region}" is outside the EU and may not hold data; use one of ${knownEu.join(", ")}`,
    };
  }
  return { ok: false, reason: `"${region}" is not an AWS region name; use one of ${knownEu.join(", ")}` };
}

/** The partition of an EU region; throws for regions `checkEuRegion` rejects. */
export function partitionOfRegion(region: string): PartitionInfo {
  const check = checkEuRegion(region);
  if (!check.ok) throw new Error(check.reason);
  return check.partition;
}

/** `arn:<partition>:<service>:<region>:<account>:<resource>`; region and account may be empty. */
export function arn(
  partition: PartitionInfo,
  parts: { service: string; region?: string; account?: string; resource: string },
): string {
  return ["arn", partition.id, parts.service, parts.region ?? "", parts.account ?? "", parts.resource].join(":");
}

/** Regional endpoint host of a service: `{service}.{region}.{dnsSuffix}`. */
export function endpointHost(partition: PartitionInfo, service: string, region: string): string {
  return `${service}.${region}.${partition.dnsSuffix}`;
}

/** Regional endpoint URL of a service (https). */
export function endpointUrl(partition: PartitionInfo, service: string, region: string): string {
  return `https://${endpointHost(partition, service, region)}`;
}

/** The ARN prefix (`arn:aws-eusc:`) of a partition, for checks over synthesized output. */
export function arnPrefix(partition: PartitionInfo): string {
  return `arn:${partition.id}:`;
}
