/** The residency pack: partition and region guarantees no anchor tool has. Not suppressible. */
import type { Rule } from "../core/types";
import { DataClassPartition } from "../rules/residency/DataClassPartition";
import { NoCrossPartitionReplication } from "../rules/residency/NoCrossPartitionReplication";
import { NoGlobalEndpoints } from "../rules/residency/NoGlobalEndpoints";
import { PartitionConsistentReferences } from "../rules/residency/PartitionConsistentReferences";
import { ProviderPinned } from "../rules/residency/ProviderPinned";
import { RegionInEu } from "../rules/residency/RegionInEu";

export const RESIDENCY_PACK: readonly Rule[] = [
  ProviderPinned,
  RegionInEu,
  DataClassPartition,
  PartitionConsistentReferences,
  NoGlobalEndpoints,
  NoCrossPartitionReplication,
];
