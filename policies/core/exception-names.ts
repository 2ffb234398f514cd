/**
 * The names of the structurally verified exceptions (tag `sip:exception`), in a module without
 * imports so that the stacks that tag resources and the checker that verifies them share one
 * spelling without the stacks loading the checker.
 */

/** A NAT gateway and Network Firewall path with a TLS SNI allowlist (egress.ts). */
export const CONTROLLED_EGRESS = "controlled-egress";
/** A function that names the other partition, running only behind that path (egress.ts). */
export const CROSS_PARTITION_SYNC = "cross-partition-sync";
/**
 * A function of the partition itself (no other partition named) that runs only behind that path, so
 * that it reaches the allowlisted hosts and nothing else: the webhook sender (egress.ts).
 */
export const EGRESS_WORKLOAD = "egress-workload";
/** A tenant's webhook signing secret, shared with the tenant's receiver (webhook-secrets.ts). */
export const WEBHOOK_SECRET_EXCEPTION = "webhook-shared-secret";
/** The secret with a Roles Anywhere leaf certificate and key, renewed by issuance (signing-material.ts). */
export const SIGNING_MATERIAL_EXCEPTION = "roles-anywhere-signing-material";
/**
 * The one API route without authorization: `GET /health`, answered by a function that reads nothing
 * and may do nothing beyond every function's own basics, for Route 53's health checkers (health-route.ts).
 */
export const HEALTH_CHECK_EXCEPTION = "health-check";
/** The route key of that route. */
export const HEALTH_ROUTE_KEY = "GET /health";
/** A commercial DNS record whose value is a name of the other partition's API (dns-names.ts). */
export const DNS_NAMES_EXCEPTION = "dns-names";
/**
 * The commercial inbox of outage uploads (crossPartition.standby.outageUploads): a bucket, and its key,
 * of the upload class, which may not cross, accepted by the residency rules (outage-uploads.ts).
 */
export const OUTAGE_UPLOADS_EXCEPTION = "outage-uploads";
/**
 * The sovereign sealing key's public key in the commercial standby upload function's environment
 * (SUBJECT_SEALING_PUBLIC_KEY), the one reference across partitions of the standby (outage-uploads.ts).
 */
export const SEALING_PUBLIC_KEY_EXCEPTION = "sealing-public-key";
