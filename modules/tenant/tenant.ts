import { arn } from "../../config/partitions";
import type { TenantConfig } from "../../config/schema";
import { IamRole, IamRolePolicy, OrganizationsAccount } from "../../framework/aws";
import { Construct } from "../../framework/cdktf";
import {
  accountRoot,
  policyDocument,
  renderPolicy,
  type Statement,
  trustPolicyDocument,
} from "../../policies/documents/policy-document";
import { KmsKey } from "../kms-key";
import { Network } from "../network";
import type { Placement } from "../placement";
import { PrivateBucket } from "../private-bucket";

/**
 * Names of a tenant's key alias and (tier `logical`) role. The platform's functions find a tenant's
 * key by its alias and assume the role by its name at run time, so these are a contract with
 * functions/shared/tenant-directory.ts.
 */
export const tenantNames = {
  /** `alias/<env>/tenant/` */
  keyAliasPrefix: (environment: string) => `alias/${environment}/tenant/`,
  keyAlias: (environment: string, tenantId: string) => `${environment}/tenant/${tenantId}`,
  /** `<env>-tenant-` */
  roleNamePrefix: (environment: string) => `${environment}-tenant-`,
  roleName: (environment: string, tenantId: string) => `${environment}-tenant-${tenantId}`,
} as const;

/** The role AWS Organizations creates in a new member account by default, assumed to deploy into it. */
export const TENANT_ACCOUNT_ROLE = "OrganizationAccountAccessRole";

export interface TenantProps {
  /** The platform's sovereign side: where shared-tier tenants live and tenant accounts are created. */
  readonly placement: Placement;
  /**
   * For tier `account` once the account exists (configuration `accountId`): the tenant account,
   * reached through a provider that assumes `accountRoleName`. The tenant's resources live there.
   * @default - none: the account is created, and nothing is deployed into it yet
   */
  readonly accountPlacement?: Placement;
  /** Environment name: prefix of names and aliases. */
  readonly environment: string;
  /**
   * Tier `account`: the role Organizations creates in the new account, through which Terraform
   * deploys into it. Organizations uses it only when it creates the account.
   * @default TENANT_ACCOUNT_ROLE (OrganizationAccountAccessRole)
   */
  readonly accountRoleName?: string;
  /** The tenant's configuration entry. */
  readonly tenant: TenantConfig;
  /** Zones for a `vpc`-tier tenant's subnets. */
  readonly availabilityZones: readonly string[];
  /** Accounts whose principals may use a `vpc`-tier tenant's endpoints. */
  readonly allowedAccountIds: readonly string[];
  /**
   * For tier `logical`: the shared buckets of the tenant's data classes, which its role may use
   * under `<tenant>/`.
   * @default - none
   */
  readonly sharedBuckets?: readonly PrivateBucket[];
}

/**
 * One tenant, built from its configuration entry alone (so editing one tenant changes only its
 * resources). Every tier gets its own KMS key and role, which the upload path uses (the tenant's
 * role writes its objects under its key, so deleting the key shreds them); for tier `account` that
 * key is `platformKey`, in the platform account (docs/architecture.md, "What each tenant tier
 * isolates"). Tier `vpc` also gets its own private network, whose flow logs the tenant's key
 * encrypts, and where nothing runs yet. Tier `account` gets an AWS account in the sovereign
 * organization; once its ID is configured, the tenant's key lives in that account.
 */
/**
 * The tiers whose tenants have their own role in the shared buckets, which the upload and scrub
 * functions act as, so that their objects are under their own key (functions/shared/tenant-directory.ts
 * reads the same set from the key's `Tier` tag): all of them. An account-tier tenant's role uses its
 * platform-account key (`platformKey`); its data is not yet in its own account
 * (docs/architecture.md, "What each tenant tier isolates").
 */
export const OWN_ROLE_TIERS: ReadonlySet<string> = new Set(["logical", "vpc", "account"]);

export class Tenant extends Construct {
  readonly key?: KmsKey;
  /** Tier `account`: the key of its objects in the platform's shared buckets, in the platform account under the tenant's alias. */
  readonly platformKey?: KmsKey;
  readonly network?: Network;
  readonly account?: OrganizationsAccount;
  /** The role the platform's functions assume to act for this tenant (every tier in OWN_ROLE_TIERS). */
  readonly role?: IamRole;

  constructor(scope: Construct, id: string, props: TenantProps) {
    super(scope, id);
    const { tenant, environment, placement } = props;
    const tags = { Tenant: tenant.id, Tier: tenant.tier };
    if (tenant.tier === "account" && tenant.accountEmail !== undefined) {
      this.account = new OrganizationsAccount(this, "account", {
        provider: placement.provider,
        name: `${environment}-${tenant.id}`,
        email: tenant.accountEmail,
        roleName: props.accountRoleName ?? TENANT_ACCOUNT_ROLE,
        iamUserAccessToBilling: "DENY",
        closeOnDeletion: false,
        tags,
        // A tenant account holds the tenant's data: removing it from the configuration must not close it.
        lifecycle: { preventDestroy: true },
      });
    }
    if (tenant.tier === "account") {
      // The tenant's objects in the platform's shared buckets are under this key, in the platform
      // account, under the tenant's alias there (an alias names a key of its own account only: the
      // platform's functions find every tenant by its alias in the platform account). The key in
      // the tenant's own account is for its own resources there.
      this.platformKey = this.tenantKey(
        "platform-key",
        placement,
        `${environment}: tenant ${tenant.id} (account tier): its objects in the platform's shared buckets`,
        props,
      );
      this.role = this.tenantRole(props, this.platformKey, props.sharedBuckets ?? []);
    }
    const home = tenant.tier === "account" ? props.accountPlacement : placement;
    if (home === undefined) return;
    this.key = this.tenantKey("key", home, `${environment}: tenant ${tenant.id} (${tenant.tier} tier)`, props);
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
    if (OWN_ROLE_TIERS.has(tenant.tier) && tenant.tier !== "account")
      this.role = this.tenantRole(props, this.key, props.sharedBuckets ?? []);
  }

  /**
   * A key of the tenant under its alias in `home`'s account, tagged with tenant and tier. The
   * platform's functions find a tenant's tier from its key (alias, then the Tier tag): the key
   * policy lets IAM policies of the account read the key and its tags.
   */
  private tenantKey(id: string, home: Placement, description: string, props: TenantProps): KmsKey {
    const key = new KmsKey(this, id, {
      placement: home,
      aliasName: tenantNames.keyAlias(props.environment, props.tenant.id),
      description,
      tags: { Tenant: props.tenant.id, Tier: props.tenant.tier },
    });
    key.addToResourcePolicy({
      Sid: "FindThroughIamOfThisAccount",
      Effect: "Allow",
      Principal: { AWS: accountRoot(home.partition, home.accountId) },
      Action: ["kms:DescribeKey", "kms:ListResourceTags"],
      Resource: "*",
      Condition: { StringEquals: { "kms:CallerAccount": home.accountId } },
    });
    return key;
  }

  /**
   * The tenant's role for the shared tier (ABAC): tagged `Tenant` and `TenantKey`, so the shared
   * buckets' policies keep its sessions under `<tenant>/` and on the tenant's key; its own policy
   * says the same through `${aws:PrincipalTag/Tenant}`. Only the environment's own roles (`<env>-*`:
   * the upload, scrub and failback functions; never a tenant role, never a person's role) that IAM
   * allows may assume it; the trust grants `sts:AssumeRole` only, never
   * `sts:TagSession`, so no caller can replace the role's tags with session tags of another tenant.
   */
  private tenantRole(props: TenantProps, key: KmsKey, buckets: readonly PrivateBucket[]): IamRole {
    const { placement, tenant, environment } = props;
    const provider = placement.provider;
    const roleArn = (name: string) =>
      arn(placement.partition, { service: "iam", account: placement.accountId, resource: `role/${name}` });
    const platformRoles = roleArn(`${environment}-*`);
    const tenantRoles = roleArn(`${tenantNames.roleNamePrefix(environment)}*`);
    const role = new IamRole(this, "role", {
      provider,
      name: tenantNames.roleName(environment, tenant.id),
      description: `Acts for tenant ${tenant.id} in the shared buckets: its prefix, its key`,
      assumeRolePolicy: renderPolicy(
        trustPolicyDocument([
          {
            Sid: "PlatformRolesOnly",
            Effect: "Allow",
            Principal: { AWS: accountRoot(placement.partition, placement.accountId) },
            Action: "sts:AssumeRole",
            // The environment's own roles (which IAM must also allow to assume it; failback runs as a
            // function of the environment), never another tenant's role and never the administrator.
            Condition: {
              ArnLike: { "aws:PrincipalArn": platformRoles },
              ArnNotLike: { "aws:PrincipalArn": tenantRoles },
            },
          },
        ]),
      ),
      tags: { Tenant: tenant.id, Tier: tenant.tier, TenantKey: key.keyArn },
    });
    const statements: Statement[] = [];
    const grantee = { addToPrincipalPolicy: (statement: Statement) => statements.push(statement) };
    key.grantEncryptDecrypt(grantee, "UseOwnKey");
    // Its areas: `<tenant>/`, and e.g. `quarantine/<tenant>/` where the bucket has such areas; objects
    // the platform's functions wrote for the tenant carry the data-class key.
    if (buckets.length > 0) PrivateBucket.grantTenantObjects(grantee, buckets);
    new IamRolePolicy(this, "role-policy", {
      provider,
      role: role.id,
      name: "tenant",
      policy: renderPolicy(policyDocument(statements)),
    });
    return role;
  }
}
