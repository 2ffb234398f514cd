export {
  OWN_ROLE_TIERS,
  TENANT_ACCOUNT_ROLE,
  TENANT_OBJECT_ACTIONS,
  Tenant,
  type TenantProps,
  tenantNames,
} from "./tenant";
