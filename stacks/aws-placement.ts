import { partitionOfRegion } from "../config/partitions";
import { AwsProvider } from "../framework/aws";
import type { Construct } from "../framework/cdktf";
import type { Placement, Side } from "../modules/placement";
import type { ProviderPinning } from "./provider-pinning";

export interface ProviderCredentials {
  /** A profile of the AWS shared config files. */
  readonly profile?: string;
  /** A role to assume with the profile's (or the default chain's) credentials. */
  readonly assumeRole?: {
    readonly roleArn: string;
    readonly sessionName: string;
    readonly externalId?: string;
    readonly durationSeconds?: number;
  };
}

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
   * How Terraform gets credentials for this provider: a named profile, and/or a role to assume.
   * @default - the default credential chain
   */
  readonly credentials?: ProviderCredentials;
}

/**
 * An aliased aws provider limited to one account, registered for provider pinning, and the
 * placement that modules take: the single place where the stacks make providers.
 */
export function awsPlacement(
  scope: Construct,
  id: string,
  pinning: ProviderPinning,
  options: AwsPlacementOptions,
): Placement {
  const { accountId, region } = options;
  const partition = partitionOfRegion(region);
  const provider = new AwsProvider(scope, id, {
    alias: options.alias,
    region,
    allowedAccountIds: [accountId],
    profile: options.credentials?.profile,
    assumeRole: options.credentials?.assumeRole && [assumeRoleArguments(options.credentials.assumeRole)],
    defaultTags: options.defaultTags ? [{ tags: { ...options.defaultTags } }] : undefined,
  });
  pinning.allow(provider);
  return {
    side: options.side,
    provider,
    partition,
    accountId,
    region,
    administratorRoleName: options.administratorRoleName,
  };
}

/** A role to assume as Terraform's `assume_role` arguments (provider block and S3 backend alike). */
export function assumeRoleArguments(role: NonNullable<ProviderCredentials["assumeRole"]>) {
  return {
    roleArn: role.roleArn,
    sessionName: role.sessionName,
    externalId: role.externalId,
    duration: role.durationSeconds === undefined ? undefined : `${role.durationSeconds}s`,
  };
}
