import type { TenantConfig } from "../../config/schema";
import { Construct } from "../../framework/cdktf";
import { KmsKey } from "../kms-key";
import { Network } from "../network";
import type { Placement } from "../placement";

export interface TenantProps {
  /** The sovereign side, where every tenant's data lives. */
  readonly placement: Placement;
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
 * key encrypts.
 */
export class Tenant extends Construct {
  readonly key: KmsKey;
  readonly network?: Network;

  constructor(scope: Construct, id: string, props: TenantProps) {
    super(scope, id);
    const { tenant, environment, placement } = props;
    const tags = { Tenant: tenant.id, Tier: tenant.tier };
    this.key = new KmsKey(this, "key", {
      placement,
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
