/** Test-only helpers: small CAs made in the test run, temporary directories, openssl runs. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCa, decryptPrivateKey, encryptPrivateKey, type LoadedCa, loadCa } from "../../../functions/certs/ca";

export const PASSPHRASE = "test passphrase, 16+ chars";
/** Minimum iteration count accepted; keeps the suite fast (production uses 600000). */
export const FAST_ITERATIONS = 10_000;

export interface TestCa extends LoadedCa {
  readonly certificatePem: string;
  readonly encryptedKeyPem: string;
}

/** A 2048-bit CA, optionally created in the past or short-lived. */
export function makeCa(options: { commonName?: string; now?: Date; validityDays?: number } = {}): TestCa {
  const created = createCa({
    commonName: options.commonName ?? "TEST Platform CA",
    keyBits: 2048,
    validityDays: options.validityDays ?? 3650,
    now: options.now,
  });
  const encryptedKeyPem = encryptPrivateKey(created.privateKey, PASSPHRASE, { iterations: FAST_ITERATIONS });
  decryptPrivateKey(encryptedKeyPem, PASSPHRASE);
  const loaded = loadCa(created.certificatePem, encryptedKeyPem, PASSPHRASE, options.now ?? new Date());
  return { ...loaded, certificatePem: created.certificatePem, encryptedKeyPem };
}

/** A temporary directory removed by the returned cleanup. */
export function tempDir(): { readonly path: string; readonly cleanup: () => void } {
  const path = mkdtempSync(join(tmpdir(), "certs-test-"));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}

/** Writes text files into `dir` and returns their paths, by name. */
export function writeFiles(dir: string, files: Record<string, string>): Record<string, string> {
  const paths: Record<string, string> = {};
  for (const [name, content] of Object.entries(files)) {
    paths[name] = join(dir, name);
    writeFileSync(join(dir, name), content);
  }
  return paths;
}

export interface OpensslResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs openssl; never throws on a non-zero status. */
export function openssl(args: readonly string[], env: Readonly<Record<string, string>> = {}): OpensslResult {
  const result = spawnSync("openssl", [...args], { encoding: "utf8", env: { ...process.env, ...env } });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A CliIo that records output. */
export function recordingIo(env: Record<string, string | undefined> = { CERTS_CA_PASSPHRASE: PASSPHRASE }, now?: Date) {
  const out: string[] = [];
  const err: string[] = [];
  return {
    io: {
      stdout: { write: (t: string) => out.push(t) },
      stderr: { write: (t: string) => err.push(t) },
      env,
      now: now === undefined ? undefined : () => now,
    },
    stdout: () => out.join(""),
    stderr: () => err.join(""),
  };
}
