import type { PartitionInfo } from "../config/partitions";
import type { AwsProvider } from "../framework/aws";

/** Which side of the platform a resource belongs to. */
export type Side = "sovereign" | "commercial";

/**
 * Where a module's resources live: the provider every resource is pinned to, and the partition,
 * account and region that provider addresses. Modules build ARNs from this, never from literals.
 */
export interface Placement {
  readonly side: Side;
  readonly provider: AwsProvider;
  readonly partition: PartitionInfo;
  readonly accountId: string;
  readonly region: string;
  /**
   * The IAM role Terraform deploys this side with; it administers the side's KMS keys (KMS refuses a
   * key policy that would lock its creator out).
   */
  readonly administratorRoleName: string;
}
