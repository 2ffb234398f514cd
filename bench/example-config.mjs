// The benchmarks' generated configurations: the example (config/example.json) with more logical
// tenants, written where a benchmark wants it; its CA certificate path is rewritten to stay valid
// from there (paths in a configuration are relative to the file).
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** `tenant-0000` … : n logical tenant IDs. */
export function logicalTenantIds(n) {
  return Array.from({ length: n }, (_, i) => `tenant-${String(i).padStart(4, "0")}`);
}

/**
 * Writes the example with `tenantIds` added as logical tenants (and `environment`, if given) to
 * `file`; returns `file`.
 */
export function writeExampleWith(file, { tenantIds, environment }) {
  const config = JSON.parse(readFileSync(join(root, "config", "example.json"), "utf8"));
  delete config.$schema;
  if (environment !== undefined) config.environment = environment;
  if (config.crossPartition) {
    const ca = resolve(root, "config", config.crossPartition.caCertificateFile);
    config.crossPartition.caCertificateFile = relative(dirname(file), ca);
  }
  for (const id of tenantIds) config.tenants.push({ id, tier: "logical" });
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}
