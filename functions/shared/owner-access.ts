/**
 * Whose objects a request may reach, from the verified token (the read and signing functions): the
 * client that reads them (the function's own, or a logical-tier tenant's role, for objects under the
 * tenant's key) and the owner's key prefix parts (tenant, and the subject's pseudonym), or the 403
 * that refuses the token's tenant. The claims must be usable key segments whatever their pseudonym.
 */
import { failure, type HttpApiResult, type TokenClaims } from "./http-api";
import { assertClaims } from "./object-keys";
import type { Pseudonyms } from "./pseudonym";
import type { TenantDirectory } from "./tenant-directory";

export interface OwnerAccessDeps<C> {
  /** The function's own client. */
  readonly s3: C;
  /** Logical-tier tenants, whose objects are reached as their role. @default - none */
  readonly tenants?: TenantDirectory<C>;
  /** `undefined` keeps the subject claim itself (PSEUDONYMIZE_SUBJECTS=false). */
  readonly pseudonyms: Pseudonyms | undefined;
}

/**
 * The reader and the owner for `claims`; throws ClaimsError for unusable claims. `objects` names what
 * a tenant whose key is going cannot have read ("its objects").
 */
export async function ownerAccess<C>(
  deps: OwnerAccessDeps<C>,
  claims: TokenClaims,
  objects: string,
): Promise<{ readonly client: C; readonly owner: TokenClaims } | HttpApiResult> {
  assertClaims(claims);
  let client = deps.s3;
  if (deps.tenants !== undefined) {
    const access = await deps.tenants.resolve(claims.tenant);
    if (access.kind === "unknown")
      return failure(403, "unknown_tenant", "", "the token's tenant claim names no tenant of this deployment");
    if (access.kind === "key-unavailable")
      return failure(
        403,
        "tenant_key_unavailable",
        "",
        `the tenant's key is ${access.keyState}: ${objects} cannot be read`,
      );
    if (access.kind === "own-key") client = access.client;
  }
  const owner =
    deps.pseudonyms === undefined
      ? claims
      : { tenant: claims.tenant, subject: await deps.pseudonyms.of(claims.tenant, claims.subject) };
  return { client, owner };
}
