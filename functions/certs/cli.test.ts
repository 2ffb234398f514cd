import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decryptPrivateKey } from "./ca";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, main } from "./cli";
import { openssl, PASSPHRASE, recordingIo, tempDir } from "../../test/support/certs/fixtures";

const DAY = 86_400_000;
const dir = tempDir();
afterAll(() => dir.cleanup());

function run(argv: readonly string[], options: { env?: Record<string, string | undefined>; now?: Date } = {}) {
  const recorder = recordingIo(options.env ?? { CERTS_CA_PASSPHRASE: PASSPHRASE }, options.now);
  const code = main(argv, recorder.io);
  return { code, stdout: recorder.stdout(), stderr: recorder.stderr() };
}

function sub(name: string): string {
  const path = join(dir.path, name);
  mkdirSync(path, { recursive: true });
  return path;
}

function mode(path: string): number {
  return statSync(path).mode & 0o777;
}

function printedSerial(stdout: string): string | undefined {
  return /^serial: (\d+)$/m.exec(stdout)?.[1];
}

/** A CA made through the CLI, shared by the tests below (production KDF settings). */
let caDir = "";
beforeAll(() => {
  caDir = sub("ca");
  const result = run(["init-ca", "--out-dir", caDir, "--common-name", "TEST Platform CA", "--key-bits", "2048"]);
  if (result.code !== EXIT_OK) throw new Error(result.stderr);
});

describe("certs --help", () => {
  it("prints the command list", () => {
    // Act
    const result = run(["--help"]);

    // Assess
    expect(result.code).toBe(EXIT_OK);
    expect(result.stdout).toMatch(/Usage: certs <command>/);
    for (const command of ["init-ca", "issue-leaf", "renew-leaf", "revoke", "check-expiry"])
      expect(result.stdout).toContain(command);
  });

  it.each(["init-ca", "issue-leaf", "renew-leaf", "revoke", "check-expiry"])("prints the options of %s", (command) => {
    // Act
    const result = run([command, "--help"]);

    // Assess
    expect(result.code).toBe(EXIT_OK);
    expect(result.stdout).toMatch(new RegExp(`^Usage: certs ${command} `));
    expect(result.stderr).toBe("");
  });

  it("exits 64 without a command or with an unknown one", () => {
    // Act
    const none = run([]);
    const unknown = run(["make-coffee"]);

    // Assess
    expect(none.code).toBe(EXIT_USAGE);
    expect(unknown.code).toBe(EXIT_USAGE);
    expect(unknown.stderr).toMatch(/unknown command "make-coffee"/);
  });
});

describe("certs init-ca", () => {
  it("writes the CA certificate and the encrypted key with mode 0600", () => {
    // Prepare
    const keyPath = join(caDir, "ca.key.enc");
    const certPath = join(caDir, "ca.pem");

    // Act
    const keyPem = readFileSync(keyPath, "utf8");
    const certificate = new X509Certificate(readFileSync(certPath));

    // Assess
    expect(mode(keyPath)).toBe(0o600);
    expect(keyPem).toMatch(/^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    expect(keyPem).not.toMatch(/BEGIN PRIVATE KEY|BEGIN RSA PRIVATE KEY/);
    expect(certificate.checkPrivateKey(decryptPrivateKey(keyPem, PASSPHRASE))).toBe(true);
    expect(() => decryptPrivateKey(keyPem, "not the passphrase at all")).toThrow(/cannot decrypt/);
    expect(certificate.ca).toBe(true);
    expect(new Date(certificate.validTo).getTime() - Date.now()).toBeGreaterThan(3649 * DAY);
  });

  it("prints the serial in decimal and the expiry", () => {
    // Prepare
    const out = sub("init-print");

    // Act
    const result = run([
      "init-ca",
      "--out-dir",
      out,
      "--common-name",
      "CA",
      "--key-bits",
      "2048",
      "--validity-days",
      "10",
    ]);

    // Assess
    const certificate = new X509Certificate(readFileSync(join(out, "ca.pem")));
    expect(result.code).toBe(EXIT_OK);
    expect(printedSerial(result.stdout)).toBe(BigInt(`0x${certificate.serialNumber}`).toString());
    expect(result.stdout).toContain(`expires: ${new Date(certificate.validTo).toISOString()}`);
  });

  it("refuses to run without CERTS_CA_PASSPHRASE or with a short one, and writes nothing", () => {
    // Prepare
    const out = join(dir.path, "no-passphrase");

    // Act
    const missing = run(["init-ca", "--out-dir", out, "--common-name", "CA", "--key-bits", "2048"], { env: {} });
    const short = run(["init-ca", "--out-dir", out, "--common-name", "CA", "--key-bits", "2048"], {
      env: { CERTS_CA_PASSPHRASE: "too-short" },
    });

    // Assess
    expect(missing.code).toBe(EXIT_USAGE);
    expect(missing.stderr).toMatch(/CERTS_CA_PASSPHRASE is not set/);
    expect(short.code).toBe(EXIT_USAGE);
    expect(short.stderr).toMatch(/CERTS_CA_PASSPHRASE is shorter than 16 characters/);
    expect(existsSync(out)).toBe(false);
  });

  it("refuses to overwrite existing files unless --force", () => {
    // Prepare
    const before = readFileSync(join(caDir, "ca.pem"), "utf8");
    const out = sub("forced");
    run(["init-ca", "--out-dir", out, "--common-name", "CA", "--key-bits", "2048"]);
    const forcedBefore = readFileSync(join(out, "ca.pem"), "utf8");

    // Act
    const refused = run(["init-ca", "--out-dir", caDir, "--common-name", "CA", "--key-bits", "2048"]);
    const forced = run(["init-ca", "--out-dir", out, "--common-name", "CA", "--key-bits", "2048", "--force"]);

    // Assess
    expect(refused.code).toBe(EXIT_FAILURE);
    expect(refused.stderr).toMatch(/ca\.pem, .*ca\.key\.enc already exist; use --force to replace/);
    expect(readFileSync(join(caDir, "ca.pem"), "utf8")).toBe(before);
    expect(forced.code).toBe(EXIT_OK);
    expect(readFileSync(join(out, "ca.pem"), "utf8")).not.toBe(forcedBefore);
    expect(mode(join(out, "ca.key.enc"))).toBe(0o600);
  });

  it.each([
    [["--common-name", "CA"], /--out-dir is required/],
    [["--out-dir", "x"], /--common-name is required/],
    [["--out-dir", "x", "--common-name", "CA", "--key-bits", "1024"], /--key-bits must be one of 2048, 3072, 4096/],
    [
      ["--out-dir", "x", "--common-name", "CA", "--validity-days", "ten"],
      /--validity-days must be a whole number from 1 to 9125 \(value: "ten"\)/,
    ],
    [["--out-dir", "x", "--common-name", "CA", "--colour", "blue"], /Unknown option '--colour'/],
  ])("exits 64 naming the flag for %j", (args, message) => {
    // Act
    const result = run(["init-ca", ...args]);

    // Assess
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(message);
  });
});

describe("certs issue-leaf", () => {
  it("writes the leaf and its key, prints the decimal serial and expiry, and the leaf verifies", () => {
    // Prepare
    const out = sub("leaf");

    // Act
    const result = run([
      "issue-leaf",
      "--ca-dir",
      caDir,
      "--common-name",
      "sovereign-sync",
      "--out-dir",
      out,
      "--key-bits",
      "2048",
    ]);

    // Assess
    expect(result.code).toBe(EXIT_OK);
    const certificate = new X509Certificate(readFileSync(join(out, "leaf.pem")));
    expect(certificate.subject).toBe("CN=sovereign-sync");
    expect(printedSerial(result.stdout)).toBe(BigInt(`0x${certificate.serialNumber}`).toString());
    expect(result.stdout).toContain(`expires: ${new Date(certificate.validTo).toISOString()}`);
    expect(readFileSync(join(out, "leaf.key.pem"), "utf8")).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(mode(join(out, "leaf.key.pem"))).toBe(0o600);
    const verified = openssl(["verify", "-CAfile", join(caDir, "ca.pem"), join(out, "leaf.pem")]);
    expect(verified.status).toBe(0);
  });

  it("refuses to overwrite an existing leaf unless --force", () => {
    // Prepare
    const out = sub("leaf-twice");
    run(["issue-leaf", "--ca-dir", caDir, "--common-name", "w", "--out-dir", out, "--key-bits", "2048"]);
    const before = readFileSync(join(out, "leaf.pem"), "utf8");

    // Act
    const refused = run([
      "issue-leaf",
      "--ca-dir",
      caDir,
      "--common-name",
      "w",
      "--out-dir",
      out,
      "--key-bits",
      "2048",
    ]);
    const forced = run([
      "issue-leaf",
      "--ca-dir",
      caDir,
      "--common-name",
      "w",
      "--out-dir",
      out,
      "--key-bits",
      "2048",
      "--force",
    ]);

    // Assess
    expect(refused.code).toBe(EXIT_FAILURE);
    expect(refused.stderr).toMatch(/already exist; use --force/);
    expect(forced.code).toBe(EXIT_OK);
    expect(readFileSync(join(out, "leaf.pem"), "utf8")).not.toBe(before);
  });

  it("cuts the validity to the CA's expiry and says so", () => {
    // Prepare
    const shortCa = sub("short-ca");
    run(["init-ca", "--out-dir", shortCa, "--common-name", "Short CA", "--key-bits", "2048", "--validity-days", "3"]);
    const out = sub("clamped");

    // Act
    const result = run([
      "issue-leaf",
      "--ca-dir",
      shortCa,
      "--common-name",
      "w",
      "--out-dir",
      out,
      "--key-bits",
      "2048",
      "--validity-days",
      "30",
    ]);

    // Assess
    expect(result.code).toBe(EXIT_OK);
    expect(result.stderr).toMatch(/reaches beyond the CA's expiry/);
    expect(new X509Certificate(readFileSync(join(out, "leaf.pem"))).validTo).toBe(
      new X509Certificate(readFileSync(join(shortCa, "ca.pem"))).validTo,
    );
  });

  it("refuses to run without the passphrase, or with a wrong one", () => {
    // Prepare
    const out = join(dir.path, "leaf-no-passphrase");

    // Act
    const missing = run(["issue-leaf", "--ca-dir", caDir, "--common-name", "w", "--out-dir", out], { env: {} });
    const wrong = run(["issue-leaf", "--ca-dir", caDir, "--common-name", "w", "--out-dir", out], {
      env: { CERTS_CA_PASSPHRASE: "a wrong passphrase!" },
    });

    // Assess
    expect(missing.code).toBe(EXIT_USAGE);
    expect(missing.stderr).toMatch(/CERTS_CA_PASSPHRASE is not set/);
    expect(wrong.code).toBe(EXIT_FAILURE);
    expect(wrong.stderr).toMatch(/cannot decrypt the CA key/);
    expect(existsSync(join(out, "leaf.pem"))).toBe(false);
  });

  it("fails naming --ca-dir when the CA files are missing", () => {
    // Act
    const result = run([
      "issue-leaf",
      "--ca-dir",
      join(dir.path, "nowhere"),
      "--common-name",
      "w",
      "--out-dir",
      sub("x"),
    ]);

    // Assess
    expect(result.code).toBe(EXIT_FAILURE);
    expect(result.stderr).toMatch(/--ca-dir: cannot read ".*nowhere\/ca\.pem" \(ENOENT\)/);
  });
});

describe("certs renew-leaf", () => {
  it("replaces the current leaf with a new key and serial, keeping its common name", () => {
    // Prepare
    const out = sub("renew");
    run(["issue-leaf", "--ca-dir", caDir, "--common-name", "sovereign-sync", "--out-dir", out, "--key-bits", "2048"]);
    const old = new X509Certificate(readFileSync(join(out, "leaf.pem")));
    const oldKey = readFileSync(join(out, "leaf.key.pem"), "utf8");

    // Act
    const result = run(["renew-leaf", "--ca-dir", caDir, "--out-dir", out, "--key-bits", "2048"]);

    // Assess
    expect(result.code).toBe(EXIT_OK);
    const renewed = new X509Certificate(readFileSync(join(out, "leaf.pem")));
    expect(renewed.subject).toBe("CN=sovereign-sync");
    expect(renewed.serialNumber).not.toBe(old.serialNumber);
    expect(readFileSync(join(out, "leaf.key.pem"), "utf8")).not.toBe(oldKey);
    expect(result.stdout).toContain(`replaced: serial ${BigInt(`0x${old.serialNumber}`)}`);
    expect(printedSerial(result.stdout)).toBe(BigInt(`0x${renewed.serialNumber}`).toString());
    expect(openssl(["verify", "-CAfile", join(caDir, "ca.pem"), join(out, "leaf.pem")]).status).toBe(0);
  });

  it("needs --common-name when there is no current leaf", () => {
    // Act
    const result = run(["renew-leaf", "--ca-dir", caDir, "--out-dir", sub("renew-empty")]);

    // Assess
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(/--common-name is required/);
  });
});

describe("certs revoke", () => {
  it("writes a CRL that makes openssl reject the revoked leaf, and prints the import command", () => {
    // Prepare
    const revokedDir = sub("to-revoke");
    const keptDir = sub("to-keep");
    run(["issue-leaf", "--ca-dir", caDir, "--common-name", "revoked", "--out-dir", revokedDir, "--key-bits", "2048"]);
    run(["issue-leaf", "--ca-dir", caDir, "--common-name", "kept", "--out-dir", keptDir, "--key-bits", "2048"]);
    const arn = "arn:aws:rolesanywhere:eu-central-1:111122223333:trust-anchor/abc";

    // Act
    const result = run([
      "revoke",
      "--ca-dir",
      caDir,
      "--certificate",
      join(revokedDir, "leaf.pem"),
      "--trust-anchor-arn",
      arn,
    ]);

    // Assess
    const crl = join(caDir, "crl.pem");
    expect(result.code).toBe(EXIT_OK);
    expect(result.stdout).toContain(
      `aws rolesanywhere import-crl --name platform-ca-crl --crl-data fileb://${crl} --trust-anchor-arn ${arn} --enabled`,
    );
    expect(result.stdout).toMatch(/CRL number 1, 1 revoked/);
    const check = (leafDir: string) =>
      openssl(["verify", "-crl_check", "-CAfile", join(caDir, "ca.pem"), "-CRLfile", crl, join(leafDir, "leaf.pem")]);
    expect(check(revokedDir).status).not.toBe(0);
    expect(check(keptDir).status).toBe(0);
  });

  it("increments the CRL number in the file given with --crl", () => {
    // Prepare
    const leafDir = sub("revoke-twice");
    run(["issue-leaf", "--ca-dir", caDir, "--common-name", "twice", "--out-dir", leafDir, "--key-bits", "2048"]);
    const crl = join(dir.path, "custom-crl.pem");

    // Act
    const first = run(["revoke", "--ca-dir", caDir, "--certificate", join(leafDir, "leaf.pem"), "--crl", crl]);
    const second = run(["revoke", "--ca-dir", caDir, "--certificate", join(leafDir, "leaf.pem"), "--crl", crl]);

    // Assess
    expect(first.code).toBe(EXIT_OK);
    expect(second.code).toBe(EXIT_OK);
    expect(second.stdout).toMatch(/^already revoked: serial/);
    expect(openssl(["crl", "-in", crl, "-noout", "-text"]).stdout).toMatch(/X509v3 CRL Number:\s+2\n/);
  });

  it("fails naming --certificate when the file is missing", () => {
    // Act
    const result = run(["revoke", "--ca-dir", caDir, "--certificate", join(dir.path, "missing.pem")]);

    // Assess
    expect(result.code).toBe(EXIT_FAILURE);
    expect(result.stderr).toMatch(/--certificate: cannot read/);
  });
});

describe("certs check-expiry", () => {
  const now = new Date();
  let expiringCa = "";
  let healthy = "";
  let soon = "";
  let expired = "";
  beforeAll(() => {
    // A CA made 60 days ago; leaves issued 28 and 40 days ago with 30-day validity.
    expiringCa = sub("expiry-ca");
    run(
      ["init-ca", "--out-dir", expiringCa, "--common-name", "Expiry CA", "--key-bits", "2048", "--validity-days", "70"],
      { now: new Date(now.getTime() - 60 * DAY) },
    );
    healthy = join(sub("healthy"), "leaf.pem");
    soon = join(sub("soon"), "leaf.pem");
    expired = join(sub("expired"), "leaf.pem");
    run([
      "issue-leaf",
      "--ca-dir",
      caDir,
      "--common-name",
      "healthy",
      "--out-dir",
      join(healthy, ".."),
      "--key-bits",
      "2048",
    ]);
    run(
      ["issue-leaf", "--ca-dir", caDir, "--common-name", "soon", "--out-dir", join(soon, ".."), "--key-bits", "2048"],
      { now: new Date(now.getTime() - 28 * DAY) },
    );
    run(
      [
        "issue-leaf",
        "--ca-dir",
        caDir,
        "--common-name",
        "expired",
        "--out-dir",
        join(expired, ".."),
        "--key-bits",
        "2048",
      ],
      { now: new Date(now.getTime() - 40 * DAY) },
    );
  });

  it("exits 0 for a fresh default leaf with the default thresholds (CA 45 days, leaves 7)", () => {
    // Act
    const result = run(["check-expiry", "--ca-dir", caDir, "--certificate", healthy]);

    // Assess
    expect(result.code).toBe(EXIT_OK);
    expect(result.stdout).toContain("warning thresholds: CA 45 days, leaves 7 days");
  });

  it("exits 0 when nothing expires within the thresholds", () => {
    // Act
    const result = run(["check-expiry", "--ca-dir", caDir, "--certificate", healthy, "--leaf-warn-days", "10"]);

    // Assess
    expect(result.code).toBe(EXIT_OK);
    expect(result.stdout).toMatch(/OK\s+ca\s+3649/);
    expect(result.stdout).toMatch(/OK\s+leaf\s+29/);
  });

  it("exits 1 when a leaf expires within --leaf-warn-days", () => {
    // Act
    const result = run([
      "check-expiry",
      "--ca-dir",
      caDir,
      "--certificate",
      healthy,
      "--certificate",
      soon,
      "--leaf-warn-days",
      "10",
    ]);

    // Assess
    expect(result.code).toBe(EXIT_FAILURE);
    expect(result.stdout).toMatch(/WARNING\s+leaf\s+1 /);
    expect(result.stderr).toContain(`${soon} expires in 1 days`);
  });

  it("exits 1 when a leaf has expired, and reports it as JSON", () => {
    // Act
    const result = run([
      "check-expiry",
      "--ca-dir",
      caDir,
      "--certificate",
      expired,
      "--leaf-warn-days",
      "10",
      "--json",
    ]);

    // Assess
    expect(result.code).toBe(EXIT_FAILURE);
    const entries = JSON.parse(result.stdout) as {
      role: string;
      status: string;
      daysLeft: number;
      commonName: string;
    }[];
    expect(entries.map((e) => [e.role, e.status, e.commonName])).toEqual([
      ["ca", "ok", "TEST Platform CA"],
      ["leaf", "expired", "expired"],
    ]);
    expect(entries[1]?.daysLeft).toBeLessThan(0);
  });

  it("exits 1 when the CA expires within the default 45 days", () => {
    // Act
    const result = run(["check-expiry", "--ca-dir", expiringCa, "--json"]);

    // Assess
    expect(result.code).toBe(EXIT_FAILURE);
    expect(JSON.parse(result.stdout)).toMatchObject([{ role: "ca", status: "warning", daysLeft: 9 }]);
  });

  it("exits 64 naming --warn-days when it is not a number", () => {
    // Act
    const result = run(["check-expiry", "--ca-dir", caDir, "--warn-days", "-3"]);

    // Assess
    expect(result.code).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(/--warn-days/);
  });
});

describe("certs as a bundled program", () => {
  it("runs only as the entry point and returns the exit status", async () => {
    // Prepare
    const bundle = join(dir.path, "certs.cjs");
    await build({
      entryPoints: [fileURLToPath(new URL("./cli.ts", import.meta.url))],
      bundle: true,
      platform: "node",
      format: "cjs",
      outfile: bundle,
      logLevel: "silent",
    });

    // Act
    const help = spawnSync(process.execPath, [bundle, "check-expiry", "--help"], { encoding: "utf8" });
    const usage = spawnSync(process.execPath, [bundle, "issue-leaf"], {
      encoding: "utf8",
      env: { PATH: process.env.PATH ?? "" },
    });

    // Assess
    expect(help.status).toBe(EXIT_OK);
    expect(help.stdout).toMatch(/^Usage: certs check-expiry/);
    expect(usage.status).toBe(EXIT_USAGE);
    expect(usage.stderr).toMatch(/--ca-dir is required/);
  });
});
