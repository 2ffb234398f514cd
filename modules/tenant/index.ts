export { Tenant, type TenantProps } from "./tenant";
