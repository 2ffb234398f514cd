export { TENANT_ACCOUNT_ROLE, Tenant, type TenantProps } from "./tenant";
