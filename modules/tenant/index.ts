/** What the platform's functions do as a tenant in its areas: PrivateBucket.grantTenantObjects. */
export { TENANT_OBJECT_ACTIONS } from "../private-bucket";
export { OWN_ROLE_TIERS, TENANT_ACCOUNT_ROLE, Tenant, type TenantProps, tenantNames } from "./tenant";
