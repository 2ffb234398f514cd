/**
 * The names of the structurally verified exceptions (tag `sip:exception`), in a module without
 * imports so that the stacks that tag resources and the checker that verifies them share one
 * spelling without the stacks loading the checker.
 */

/** A NAT gateway and Network Firewall path with a TLS SNI allowlist (egress.ts). */
export const CONTROLLED_EGRESS = "controlled-egress";
/** A function that names the other partition, running only behind that path (egress.ts). */
export const CROSS_PARTITION_SYNC = "cross-partition-sync";
/** The secret with a Roles Anywhere leaf certificate and key, renewed by issuance (signing-material.ts). */
export const SIGNING_MATERIAL_EXCEPTION = "roles-anywhere-signing-material";
