export { AUDIT_OBJECT_LOCK_DAYS, AUDIT_RETENTION_DAYS, AuditTrail, type AuditTrailProps } from "./audit-trail";
