import type { TenantConfig } from "../../config/schema";
import { Construct } from "../../framework/cdktf";
import { OrganizationsAccount } from "../../framework/aws";
import { KmsKey } from "../kms-key";
import { Network } from "../network";
import type { Placement } from "../placement";

/** The role AWS Organizations creates in a new member account, assumed to deploy into it. */
export const TENANT_ACCOUNT_ROLE = "OrganizationAccountAccessRole";

export interface TenantProps {
  /** The platform's sovereign side: where shared-tier tenants live and tenant accounts are created. */
  readonly placement: Placement;
  /**
   * For tier `account` once the account exists (configuration `accountId`): the tenant account,
   * reached through a provider that assumes TENANT_ACCOUNT_ROLE. The tenant's resources live there.
   * @default - none: the account is created, and nothing is deployed into it yet
   */
  readonly accountPlacement?: Placement;
  /** Environment name: prefix of names and aliases. */
  readonly environment: string;
  /** The tenant's configuration entry. */
  readonly tenant: TenantConfig;
  /** Zones for a `vpc`-tier tenant's subnets. */
  readonly availabilityZones: readonly string[];
  /** Accounts whose principals may use a `vpc`-tier tenant's endpoints. */
  readonly allowedAccountIds: readonly string[];
}

/**
 * One tenant, built from its configuration entry alone (so editing one tenant changes only its
 * resources). Every tier gets its own KMS key: deleting it makes the tenant's data unreadable
 * (crypto-shredding). Tier `vpc` also gets its own private network, whose flow logs the tenant's
 * key encrypts. Tier `account` gets an AWS account in the sovereign organization; once its ID is
 * configured, the tenant's key lives in that account.
 */
export class Tenant extends Construct {
  readonly key?: KmsKey;
  readonly network?: Network;
  readonly account?: OrganizationsAccount;

  constructor(scope: Construct, id: string, props: TenantProps) {
    super(scope, id);
    const { tenant, environment, placement } = props;
    const tags = { Tenant: tenant.id, Tier: tenant.tier };
    if (tenant.tier === "account" && tenant.accountEmail !== undefined) {
      this.account = new OrganizationsAccount(this, "account", {
        provider: placement.provider,
        name: `${environment}-${tenant.id}`,
        email: tenant.accountEmail,
        roleName: TENANT_ACCOUNT_ROLE,
        iamUserAccessToBilling: "DENY",
        closeOnDeletion: false,
        tags,
        // A tenant account holds the tenant's data: removing it from the configuration must not close it.
        lifecycle: { preventDestroy: true },
      });
    }
    const home = tenant.tier === "account" ? props.accountPlacement : placement;
    if (home === undefined) return;
    this.key = new KmsKey(this, "key", {
      placement: home,
      aliasName: `${environment}/tenant/${tenant.id}`,
      description: `${environment}: tenant ${tenant.id} (${tenant.tier} tier)`,
      tags,
    });
    if (tenant.tier === "vpc" && tenant.vpcCidr !== undefined) {
      this.network = new Network(this, "network", {
        placement,
        name: `${environment}-${tenant.id}`,
        vpcCidr: tenant.vpcCidr,
        availabilityZones: props.availabilityZones,
        allowedAccountIds: props.allowedAccountIds,
        logKey: this.key,
        tags,
      });
    }
  }
}
