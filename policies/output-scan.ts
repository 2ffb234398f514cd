/**
 * The checker's scan of a whole output folder (cdktf.out): no file under it, including every entry of
 * the function zips and the saved plans, may hold PEM private key material. Private keys belong in
 * Secrets Manager (the sync function's leaf) or encrypted at rest outside the repository (the CA);
 * anything under cdktf.out is uploaded, attached to pull requests or kept in CI artifacts.
 */
import { readdirSync, readFileSync, realpathSync, type Stats, statSync } from "node:fs";
import { join, relative } from "node:path";
import { gunzipSync, unzipSync } from "fflate";
import type { RuleMeta } from "./core/types";

export const OUTPUT_RULE: RuleMeta = {
  id: "SIP-OUT-1",
  name: "NoPrivateKeyInOutput",
  service: "output",
  severity: "error",
  suppressible: false,
  info: "A file in the synthesized output holds a private key (PEM, also base64- or hex-encoded or escaped, or PuTTY).",
  explanation:
    "Everything under cdktf.out is read by reviewers, uploaded by CI and, for assets, deployed. A private key there is disclosed: the Roles Anywhere leaf key would let anyone write the failover buckets, the CA key would let anyone mint such leaves.",
  fix: "Keep private keys out of the configuration and the function code: the leaf key goes to the signing-material secret by the documented store step, the CA key stays encrypted (certs init-ca). Rotate any key that was found.",
  anchors: { checkov: ["CKV_SECRET_13"] },
};

/** `-----BEGIN RSA PRIVATE KEY-----`, `-----BEGIN ENCRYPTED PRIVATE KEY-----`, `-----BEGIN EC PRIVATE KEY-----`, ... */
const PEM_PRIVATE_KEY = /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----/;

/** PuTTY's private key files (`PuTTY-User-Key-File-3: ssh-ed25519`). */
const PUTTY_PRIVATE_KEY = /PuTTY-User-Key-File-\d+: \S+/;

/**
 * The parts of the base64 encoding of `text` that do not depend on what precedes it, for each of
 * the three byte alignments (standard and URL-safe alphabets).
 */
function base64Forms(text: string): string[] {
  const forms: string[] = [];
  for (let k = 0; k < 3; k++) {
    const full = Buffer.from(`${"\0".repeat(k)}${text}`, "latin1").toString("base64");
    const form = full.slice(Math.ceil((8 * k) / 6), Math.floor((8 * (k + text.length)) / 6));
    forms.push(form, form.replace(/\+/g, "-").replace(/\//g, "_"));
  }
  return [...new Set(forms)];
}

/**
 * A PEM private key header in another encoding (issue 15 probe): base64 (a key passed through
 * base64encode or filebase64), hex, or JSON/JavaScript `\u` escapes of its dashes.
 */
const ENCODED_MARKERS: ReadonlyArray<readonly [string, string]> = [
  ...base64Forms("PRIVATE KEY-----").map((f) => [f, "a base64-encoded PEM private key"] as const),
  ["50524956415445204b45592d2d2d2d2d", "a hex-encoded PEM private key"],
  ["505249564154452D4B45592D2D2D2D2D", "a hex-encoded PEM private key"],
];
const ESCAPED_PEM =
  /(?:\\u002[dD]){5}BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY|-----BEGIN(?: |\\u0020)(?:[A-Z0-9]+(?: |\\u0020))*PRIVATE(?: |\\u0020)KEY/;

/** What private key material a text holds, if any. */
function privateKeyIn(text: string): string | undefined {
  const pem = PEM_PRIVATE_KEY.exec(text) ?? PUTTY_PRIVATE_KEY.exec(text);
  if (pem) return `holds "${pem[0]}"`;
  const escaped = ESCAPED_PEM.exec(text);
  if (escaped) return `holds an escaped PEM private key header "${escaped[0]}"`;
  const encoded = ENCODED_MARKERS.find(([marker]) => text.includes(marker));
  return encoded === undefined ? undefined : `holds ${encoded[1]} ("${encoded[0]}")`;
}

export interface OutputHit {
  /** Path relative to the scanned folder; `a.zip!/inner/file` for zip entries. */
  readonly path: string;
  readonly detail: string;
}

const isZip = (b: Uint8Array) => b[0] === 0x50 && b[1] === 0x4b && b[2] === 0x03 && b[3] === 0x04;
const isGzip = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b;

/** The entries of an archive (zip, or gzip: a .tar.gz's tar is scanned as text), by content, not by name. */
function archiveEntries(path: string, bytes: Uint8Array): Record<string, Uint8Array> | undefined {
  if (isZip(bytes) || path.endsWith(".zip")) return unzipSync(bytes);
  if (isGzip(bytes)) return { "(gunzipped)": gunzipSync(bytes) };
  return undefined;
}

function scanBytes(path: string, bytes: Uint8Array, hits: OutputHit[]): void {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
  const found = privateKeyIn(text);
  if (found) hits.push({ path, detail: found });
  let entries: Record<string, Uint8Array> | undefined;
  try {
    entries = archiveEntries(path, bytes);
  } catch (err) {
    hits.push({
      path,
      detail: `is not a readable archive, so its contents could not be checked (${(err as Error).message})`,
    });
    return;
  }
  for (const name of Object.keys(entries ?? {}).sort())
    scanBytes(`${path}!/${name}`, entries?.[name] ?? new Uint8Array(), hits);
}

/**
 * Every file under `dir` (recursively, following symbolic links, which an upload follows too; zip and
 * gzip archives are opened whatever their names) that holds private key material, sorted.
 */
export function scanOutputFolder(dir: string): OutputHit[] {
  const hits: OutputHit[] = [];
  const seen = new Set<string>();
  const walk = (current: string) => {
    const real = realpathSync(current);
    if (seen.has(real)) return;
    seen.add(real);
    for (const entry of readdirSync(current, { withFileTypes: true }).sort((a, b) =>
      a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
    )) {
      const full = join(current, entry.name);
      const stat = entry.isSymbolicLink() ? statIfExists(full) : statSync(full);
      if (stat === undefined) continue;
      if (stat.isDirectory()) walk(full);
      else if (stat.isFile() && stat.size > 0) scanBytes(relative(dir, full), readFileSync(full), hits);
    }
  };
  walk(dir);
  return hits;
}

/** The status of a link's target, or undefined for a dangling link. */
function statIfExists(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
