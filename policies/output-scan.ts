/**
 * The checker's scan of a whole output folder (cdktf.out): no file under it, including every entry of
 * the function zips and the saved plans, may hold PEM private key material. Private keys belong in
 * Secrets Manager (the sync function's leaf) or encrypted at rest outside the repository (the CA);
 * anything under cdktf.out is uploaded, attached to pull requests or kept in CI artifacts.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { unzipSync } from "fflate";
import type { RuleMeta } from "./core/types";

export const OUTPUT_RULE: RuleMeta = {
  id: "SIP-OUT-1",
  name: "NoPrivateKeyInOutput",
  service: "output",
  severity: "error",
  suppressible: false,
  info: "A file in the synthesized output holds a PEM private key.",
  explanation:
    "Everything under cdktf.out is read by reviewers, uploaded by CI and, for assets, deployed. A private key there is disclosed: the Roles Anywhere leaf key would let anyone write the failover buckets, the CA key would let anyone mint such leaves.",
  fix: "Keep private keys out of the configuration and the function code: the leaf key goes to the signing-material secret by the documented store step, the CA key stays encrypted (certs init-ca). Rotate any key that was found.",
  anchors: { checkov: ["CKV_SECRET_13"] },
};

/** `-----BEGIN RSA PRIVATE KEY-----`, `-----BEGIN ENCRYPTED PRIVATE KEY-----`, `-----BEGIN EC PRIVATE KEY-----`, ... */
const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

export interface OutputHit {
  /** Path relative to the scanned folder; `a.zip!/inner/file` for zip entries. */
  readonly path: string;
  readonly detail: string;
}

function scanBytes(path: string, bytes: Uint8Array, hits: OutputHit[]): void {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  const match = PEM_PRIVATE_KEY.exec(text);
  if (match) hits.push({ path, detail: `holds "${match[0]}"` });
  if (path.endsWith(".zip")) {
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(bytes);
    } catch (err) {
      hits.push({
        path,
        detail: `is not a readable zip, so its contents could not be checked (${(err as Error).message})`,
      });
      return;
    }
    for (const name of Object.keys(entries).sort())
      scanBytes(`${path}!/${name}`, entries[name] ?? new Uint8Array(), hits);
  }
}

/** Every file under `dir` (recursively; zips are opened) that holds a PEM private key, sorted. */
export function scanOutputFolder(dir: string): OutputHit[] {
  const hits: OutputHit[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && statSync(full).size > 0) scanBytes(relative(dir, full), readFileSync(full), hits);
    }
  };
  walk(dir);
  return hits;
}
