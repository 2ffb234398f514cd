import { arn } from "../config/partitions";
import type { DeploymentConfig } from "../config/schema";
import type { Construct } from "../framework/cdktf";
import { ConfigConfigurationAggregator } from "../framework/aws";
import { AccessHygiene } from "../modules/access-hygiene";
import { AccountBaseline } from "../modules/account-baseline";
import type { AuditTrail } from "../modules/audit-trail";
import { KmsKey } from "../modules/kms-key";
import { OrganizationGuardrails } from "../modules/organization-guardrails";
import type { Placement } from "../modules/placement";
import type { PrivateBucket } from "../modules/private-bucket";
import { Tenant } from "../modules/tenant";

/**
 * Controls above the stack's own resources (issue 20): access hygiene in the platform account (the
 * account password policy, a read-only forensics role assumable only with MFA) and, when account-tier
 * tenants have their accounts, the organization's service control policies on those accounts.
 *
 * The platform account creates the tenant accounts, so it is the organization's management account
 * (or its delegated administrator): SCPs never apply to the management account, so they are attached
 * to the tenant accounts, and the platform account's own protection is IAM (its key policies, the
 * trail's COMPLIANCE lock) and the run-time alarms.
 */
export function addOrganizationControls(
  scope: Construct,
  config: DeploymentConfig,
  sovereign: Placement,
  audit: AuditTrail,
  tenants: {
    /** The platform's bucket for the tenant accounts' AWS Config deliveries. */
    readonly configBucket: PrivateBucket | undefined;
    /** The providers of the tenants' own accounts, by tenant ID. */
    readonly tenantPlacements: ReadonlyMap<string, Placement>;
  },
): void {
  const env = config.environment;
  const administrator = arn(sovereign.partition, {
    service: "iam",
    account: sovereign.accountId,
    resource: `role/${sovereign.administratorRoleName}`,
  });
  new AccessHygiene(scope, "sovereign-access", {
    placement: sovereign,
    name: env,
    forensicsPrincipals:
      config.access.forensicsPrincipals.length > 0 ? config.access.forensicsPrincipals : [administrator],
  });
  const accounts = scope.node
    .findAll()
    .filter((c): c is Tenant => c instanceof Tenant)
    .flatMap((t) => (t.account === undefined ? [] : [t.account]));
  if (accounts.length === 0) return;
  addTenantBaselines(scope, config, sovereign, tenants);
  const tenantRole = config.partitions.sovereign.tenantAccountRoleName;
  // The platform's keys and the keys inside the tenant accounts (which only the deployer may disable
  // or schedule for deletion: that is how a tenant is shredded); not a logical-tier tenant's key in
  // the platform account, which the SCPs cannot reach anyway, nor the commercial side's.
  const protectedKeys = scope.node
    .findAll()
    .filter((c): c is KmsKey => c instanceof KmsKey && c.placement.partition === sovereign.partition)
    .filter((k) => k.placement !== sovereign || !k.node.scopes.some((s) => s instanceof Tenant))
    .map((k) => k.keyArn);
  new OrganizationGuardrails(scope, "sovereign-organization", {
    placement: sovereign,
    name: env,
    trailArn: audit.trail.arn,
    trailBucketArn: audit.bucket.bucketArn,
    platformKeyArns: protectedKeys,
    // The platform's deployer, and the role through which it deploys into each tenant account.
    deployRoleArns: [
      administrator,
      ...config.tenants.flatMap((t) =>
        t.tier === "account" && t.accountId !== undefined
          ? [arn(sovereign.partition, { service: "iam", account: t.accountId, resource: `role/${tenantRole}` })]
          : [],
      ),
    ],
    targetIds: accounts.map((a) => a.id),
    managementAccountId: sovereign.accountId,
  });
}

/**
 * Each tenant account that exists (its accountId is configured) gets the baseline: account-level
 * Block Public Access, EBS encryption by default, AWS Config with the platform's rules delivering to
 * the platform's bucket, aggregated by the platform account.
 */
function addTenantBaselines(
  scope: Construct,
  config: DeploymentConfig,
  sovereign: Placement,
  tenants: Parameters<typeof addOrganizationControls>[4],
): void {
  const { configBucket, tenantPlacements } = tenants;
  if (configBucket === undefined || tenantPlacements.size === 0) return;
  const env = config.environment;
  for (const [tenant, placement] of [...tenantPlacements].sort(([a], [b]) => a.localeCompare(b))) {
    new AccountBaseline(scope, `baseline-${tenant}`, {
      placement,
      name: `${env}-${tenant}`,
      configBucket,
      aggregatorAccountId: sovereign.accountId,
    });
  }
  new ConfigConfigurationAggregator(scope, "sovereign-config-aggregator", {
    provider: sovereign.provider,
    name: `${env}-tenant-accounts`,
    accountAggregationSource: {
      accountIds: [...tenantPlacements.values()].map((p) => p.accountId).sort(),
      regions: [sovereign.region],
    },
  });
}
