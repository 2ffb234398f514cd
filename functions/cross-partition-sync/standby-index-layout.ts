/**
 * Where the standby index (standby-index.ts) keeps its records in the sovereign bucket the sync reads:
 * a prefix of its own, never a tenant's. Pure (no SDK), for the stack's grant as well as the functions.
 */
export const SYNC_RECORDS_PREFIX = "sip-sync-records/";
