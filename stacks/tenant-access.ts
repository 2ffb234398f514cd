import { arn } from "../config/partitions";
import type { LambdaFunction } from "../modules/lambda-function";
import type { Placement } from "../modules/placement";
import { tenantNames } from "../modules/tenant";
import type { Statement } from "../policies/documents/policy-document";

/**
 * How the platform's functions act for logical-tier tenants: they find a tenant's key by its alias
 * (`alias/<env>/tenant/<id>`, tag `Tier=logical`) and assume the tenant's role (`<env>-tenant-<id>`),
 * so that the tenant's objects are written by its role under its key (functions/shared/tenant-directory.ts).
 * The grants name the tenants by these patterns, not one by one: adding a tenant changes no
 * function's policy or environment.
 */

/** The functions' environment that names the patterns. */
export function tenantDirectoryEnvironment(environment: string): Record<string, string> {
  return {
    TENANT_KEY_ALIAS_PREFIX: tenantNames.keyAliasPrefix(environment),
    TENANT_ROLE_NAME_PREFIX: tenantNames.roleNamePrefix(environment),
  };
}

/** Any key of the account, narrowed by a condition on its alias. */
function tenantKeys(placement: Placement, environment: string, sid: string, actions: readonly string[]): Statement {
  return {
    Sid: sid,
    Effect: "Allow",
    Action: [...actions],
    Resource: arn(placement.partition, {
      service: "kms",
      region: placement.region,
      account: placement.accountId,
      resource: "key/*",
    }),
    Condition: { "ForAnyValue:StringLike": { "kms:ResourceAliases": `${tenantNames.keyAliasPrefix(environment)}*` } },
  };
}

/** Lets a function find tenants' keys (DescribeKey, tags) and assume their roles. */
export function grantActAsTenants(fn: LambdaFunction, placement: Placement, environment: string): void {
  fn.addToPrincipalPolicy(
    tenantKeys(placement, environment, "FindTenantKeys", ["kms:DescribeKey", "kms:ListResourceTags"]),
  );
  fn.addToPrincipalPolicy({
    Sid: "AssumeTenantRoles",
    Effect: "Allow",
    Action: "sts:AssumeRole",
    Resource: tenantRolesArnPattern(placement, environment),
  });
}

/** Lets a function tell whether a tenant's key alias exists (DescribeKey only), without acting as the tenant. */
export function grantFindTenantKeys(fn: LambdaFunction, placement: Placement, environment: string): void {
  fn.addToPrincipalPolicy(tenantKeys(placement, environment, "FindTenantKeys", ["kms:DescribeKey"]));
}

/** Lets a function read objects that tenants' keys encrypt (the sync function's source). */
export function grantDecryptTenantObjects(fn: LambdaFunction, placement: Placement, environment: string): void {
  fn.addToPrincipalPolicy(tenantKeys(placement, environment, "DecryptTenantObjects", ["kms:Decrypt"]));
}

/** The role name pattern of the tenant roles, as an ARN (for bucket policy exceptions). */
export function tenantRolesArnPattern(placement: Placement, environment: string): string {
  return arn(placement.partition, {
    service: "iam",
    account: placement.accountId,
    resource: `role/${tenantNames.roleNamePrefix(environment)}*`,
  });
}
