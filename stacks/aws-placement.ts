import { arn, partitionOfRegion } from "../config/partitions";
import { AwsProvider } from "../framework/aws";
import type { Construct } from "../framework/cdktf";
import type { Placement, Side } from "../modules/placement";
import type { ProviderPinning } from "./provider-pinning";

export interface AwsPlacementOptions {
  readonly side: Side;
  /** Provider alias: the name resources are pinned to (`aws.<alias>`). */
  readonly alias: string;
  readonly accountId: string;
  /** The region; the partition is derived from it. */
  readonly region: string;
  /** The role that deploys into the account and administers its keys. */
  readonly administratorRoleName: string;
  /** Provider default tags. @default - none */
  readonly defaultTags?: Readonly<Record<string, string>>;
  /**
   * Assume this role (by name, in `accountId`) to deploy, with this session name.
   * @default - none: the caller's own credentials
   */
  readonly assumeRole?: { readonly roleName: string; readonly sessionName: string };
}

/**
 * An aliased aws provider limited to one account, registered for provider pinning, and the
 * placement that modules take: the single place where the stacks make providers.
 */
export function awsPlacement(scope: Construct, id: string, pinning: ProviderPinning, options: AwsPlacementOptions): Placement {
  const { accountId, region } = options;
  const partition = partitionOfRegion(region);
  const provider = new AwsProvider(scope, id, {
    alias: options.alias,
    region,
    allowedAccountIds: [accountId],
    assumeRole: options.assumeRole
      ? [{ roleArn: arn(partition, { service: "iam", account: accountId, resource: `role/${options.assumeRole.roleName}` }), sessionName: options.assumeRole.sessionName }]
      : undefined,
    defaultTags: options.defaultTags ? [{ tags: { ...options.defaultTags } }] : undefined,
  });
  pinning.allow(provider);
  return { side: options.side, provider, partition, accountId, region, administratorRoleName: options.administratorRoleName };
}
