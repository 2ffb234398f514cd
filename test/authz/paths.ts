/** Where the authorization proof's records go (recorder.ts writes, proof.test.ts reads, global-setup clears). */
import { join, resolve } from "node:path";

export const PROJECT_ROOT = resolve(__dirname, "..", "..");
export const RECORD_DIR = process.env.AUTHZ_RECORD_DIR ?? join(PROJECT_ROOT, ".authz", "records");
