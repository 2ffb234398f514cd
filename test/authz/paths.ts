/** Where the authorization proof's records go (recorder.ts writes, proof.test.ts reads, global-setup clears). */
import { join, resolve } from "node:path";

// In an ES module bundle (the sync benchmark, which loads the recorder's helpers but records
// nothing) there is no __dirname: the benchmark runs from the project root.
export const PROJECT_ROOT = typeof __dirname === "string" ? resolve(__dirname, "..", "..") : process.cwd();
export const RECORD_DIR = process.env.AUTHZ_RECORD_DIR ?? join(PROJECT_ROOT, ".authz", "records");
