export { OWN_ROLE_TIERS, TENANT_ACCOUNT_ROLE, Tenant, type TenantProps, tenantNames } from "./tenant";
