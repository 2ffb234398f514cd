import { spawnSync } from "node:child_process";
import { createHash, generateKeyPairSync } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMON_OPTIONS, TARGETS } from "../../scripts/build.mjs";
import { digestSigner, TEST_KEY_ARN } from "../../test/support/evidence/digest-signers";
import { formatCertificate, signEvidence } from "./certificate";
import { signReceipt } from "./receipt";
import { EXIT_INVALID, EXIT_USAGE, EXIT_VALID, main, USAGE } from "./verify-cli";

const PROJECT_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const OTHER_ARN = TEST_KEY_ARN.replace(/.$/, "1");
const ec = generateKeyPairSync("ec", { namedCurve: "P-256" });
const rsa = generateKeyPairSync("rsa", { modulusLength: 2048 });
const DOCUMENT = { kind: "erasure", request: "req-1", erased: [{ key: "acme/3f1c/1", versions: ["v1"] }] };

let dir: string;
let bundle: string;
let digest: string;

// The command as users run it: built as scripts/build.mjs builds dist/verify-evidence.cjs (into a
// temporary folder), run by node as a child process in the folder that holds the files.
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "verify-evidence-"));
  bundle = join(dir, "verify-evidence.cjs");
  await build({ ...COMMON_OPTIONS, ...TARGETS["verify-evidence"], absWorkingDir: PROJECT_ROOT, outfile: bundle });
  const der = ec.publicKey.export({ type: "spki", format: "der" });
  const files: Record<string, string | Buffer> = {
    "key.pem": ec.publicKey.export({ type: "spki", format: "pem" }),
    "key.der": der,
    "key.b64": `${der.toString("base64")}\n`,
    "key.json": JSON.stringify({
      KeyId: TEST_KEY_ARN,
      PublicKey: der.toString("base64"),
      KeyUsage: "SIGN_VERIFY",
      SigningAlgorithms: ["ECDSA_SHA_256"],
    }),
    "rsa.pem": rsa.publicKey.export({ type: "spki", format: "pem" }),
    "private.pem": ec.privateKey.export({ type: "pkcs8", format: "pem" }),
  };
  const certificate = await signEvidence(DOCUMENT, digestSigner(ec.privateKey));
  digest = certificate.digest;
  files["certs/req-1.json"] = formatCertificate(certificate);
  files["certs/tampered.json"] = formatCertificate(certificate).replace('"req-1"', '"req-2"');
  files["certs/other-key.json"] = formatCertificate(
    await signEvidence(DOCUMENT, digestSigner(ec.privateKey, OTHER_ARN)),
  );
  files["certs/notes.txt"] = "not evidence\n";
  files["receipt.jws"] = `${await signReceipt(DOCUMENT, digestSigner(ec.privateKey))}\n`;
  // A signing receipt and certificate over a document, as the signing function makes them.
  const scan = Buffer.from("%PDF-1.4 a signed contract\n");
  const signature = {
    type: "signature",
    document: { id: "d-1", sha256: createHash("sha256").update(scan).digest("hex") },
  };
  files["contract.pdf"] = scan;
  files["other.pdf"] = Buffer.from("%PDF-1.4 another contract\n");
  files["signature.jws"] = `${await signReceipt(signature, digestSigner(ec.privateKey))}\n`;
  files["signature.json"] = formatCertificate(await signEvidence(signature, digestSigner(ec.privateKey)));
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, ".."), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the bundle in `cwd` (the fixture folder) with the given environment on top of a clean one. */
function run(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [bundle, ...args], {
    cwd: options.cwd ?? dir,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", ...options.env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

describe("verify-evidence (the built command)", () => {
  it("prints its usage with --help and exits 0", () => {
    // Act
    const result = run(["--help"]);

    // Assess
    expect(result.status).toBe(EXIT_VALID);
    expect(result.stdout).toBe(USAGE);
    expect(result.stdout).toMatch(
      /^Usage: verify-evidence --public-key FILE \[--key-id ARN\] \[--document FILE\] \[--json\] FILE\.\.\./,
    );
  });

  it("checks certificates and receipts named relative to where it runs: one line each, exit 0 when all are valid", () => {
    // Act
    const result = run(["--public-key", "key.pem", "certs/req-1.json", "receipt.jws"]);

    // Assess
    expect(result.stderr).toBe("");
    expect(result.status).toBe(EXIT_VALID);
    expect(result.stdout.split("\n")).toEqual([
      `certs/req-1.json: valid certificate, ECDSA_SHA_256 by ${TEST_KEY_ARN}, digest ${digest}`,
      expect.stringMatching(
        new RegExp(`^receipt\\.jws: valid receipt, ECDSA_SHA_256 by ${TEST_KEY_ARN}, digest [0-9a-f]{64}$`),
      ),
      "",
    ]);
  });

  it.each(["key.pem", "key.der", "key.b64", "key.json"])("reads the public key from %s", (key) => {
    // Act / Assess
    expect(run(["--public-key", key, "certs/req-1.json"]).status).toBe(EXIT_VALID);
  });

  it("reports every file and exits 1 when any is invalid, each line with its reason", () => {
    // Act
    const result = run([
      "--public-key",
      "key.pem",
      "certs/tampered.json",
      "certs/req-1.json",
      "certs/notes.txt",
      "certs/missing.json",
    ]);

    // Assess
    expect(result.status).toBe(EXIT_INVALID);
    const lines = result.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(
      /^certs\/tampered\.json: invalid \(digest-mismatch\): the signed content .* was changed after signing$/,
    );
    expect(lines[1]).toMatch(/^certs\/req-1\.json: valid certificate/);
    expect(lines[2]).toBe(
      "certs/notes.txt: invalid (malformed): neither a certificate (a JSON object) nor a receipt (a compact JWS)",
    );
    expect(lines[3]).toBe("certs/missing.json: invalid (unreadable): cannot read it (ENOENT)");
  });

  it("checks the key ID given with --key-id, or named by the get-public-key JSON", () => {
    // Act
    const given = run([
      "--public-key",
      "key.pem",
      "--key-id",
      TEST_KEY_ARN,
      "certs/other-key.json",
      "certs/req-1.json",
    ]);
    const named = run(["--public-key", "key.json", "certs/other-key.json"]);
    const unchecked = run(["--public-key", "key.pem", "certs/other-key.json"]);

    // Assess
    expect(given.status).toBe(EXIT_INVALID);
    expect(given.stdout).toContain(
      `certs/other-key.json: invalid (wrong-key-id): signed with key ${OTHER_ARN}, expected ${TEST_KEY_ARN}\n`,
    );
    expect(given.stdout).toContain("certs/req-1.json: valid certificate");
    expect(named.stdout).toContain("invalid (wrong-key-id)");
    expect(unchecked.status).toBe(EXIT_VALID);
  });

  it("reports the key's wrong algorithm against another key type", () => {
    // Act
    const result = run(["--public-key", "rsa.pem", "certs/req-1.json"]);

    // Assess
    expect(result.status).toBe(EXIT_INVALID);
    expect(result.stdout).toBe(
      "certs/req-1.json: invalid (wrong-algorithm): ECDSA_SHA_256 needs an ECC_NIST_P256 key; the public key is an RSA key of 2048 bits\n",
    );
  });

  it("writes one JSON object per line with --json", () => {
    // Act
    const result = run(["--json", "--public-key", "key.pem", "certs/req-1.json", "certs/tampered.json"]);

    // Assess
    expect(result.status).toBe(EXIT_INVALID);
    const lines = result.stdout
      .trimEnd()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines[0]).toEqual({
      file: "certs/req-1.json",
      valid: true,
      kind: "certificate",
      keyId: TEST_KEY_ARN,
      algorithm: "ECDSA_SHA_256",
      digest,
    });
    expect(lines[1]).toEqual({
      file: "certs/tampered.json",
      valid: false,
      reason: "digest-mismatch",
      message: expect.any(String),
    });
  });

  it("takes relative paths from the folder npm run was started in (INIT_CWD)", () => {
    // Prepare: as `npm run -s verify-evidence` starts it: in the project's root, the user's folder in INIT_CWD
    const env = { INIT_CWD: dir, npm_package_json: join(PROJECT_ROOT, "package.json") };

    // Act
    const result = run(["--public-key", "key.pem", "certs/req-1.json"], { cwd: PROJECT_ROOT, env });

    // Assess
    expect(result.stderr).toBe("");
    expect(result.status).toBe(EXIT_VALID);
  });

  it.each<[string, string[], RegExp]>([
    ["no arguments", [], /^verify-evidence: --public-key FILE is required\nRun with --help for usage\.\n$/],
    ["no files", ["--public-key", "key.pem"], /name at least one certificate or receipt file/],
    ["an unknown option", ["--public-key", "key.pem", "--keyid", "x", "a.json"], /Unknown option '--keyid'/],
    [
      "a key ID that is no ARN",
      ["--public-key", "key.pem", "--key-id", "alias/evidence", "a.json"],
      /--key-id alias\/evidence is not a KMS key ARN/,
    ],
    [
      "a key ID the JSON contradicts",
      ["--public-key", "key.json", "--key-id", OTHER_ARN, "a.json"],
      /is not the key of key\.json/,
    ],
    [
      "a missing public key",
      ["--public-key", "nope.pem", "a.json"],
      /--public-key nope\.pem: cannot read it \(ENOENT\)/,
    ],
    ["a private key", ["--public-key", "private.pem", "a.json"], /--public-key private\.pem holds a private key/],
    [
      "a file that is no key",
      ["--public-key", "certs/notes.txt", "a.json"],
      /--public-key certs\/notes\.txt is not a public key/,
    ],
  ])("exits 64 for %s, saying so on stderr", (_, args, message) => {
    // Act
    const result = run(args);

    // Assess
    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stdout).toBe("");
    expect(result.stderr).toMatch(message);
    expect(result.stderr).toMatch(/Run with --help for usage\.\n$/);
  });
});

describe("verify-evidence --document", () => {
  it("accepts a receipt and a certificate that name the document's SHA-256, and refuses them for another document", () => {
    // Act
    const same = run(["--public-key", "key.pem", "--document", "contract.pdf", "signature.jws", "signature.json"]);
    const other = run(["--public-key", "key.pem", "--document", "other.pdf", "signature.jws", "receipt.jws"]);

    // Assess
    expect(same.status).toBe(EXIT_VALID);
    expect(same.stdout).toMatch(/^signature\.jws: valid receipt, .*\nsignature\.json: valid certificate, /);
    expect(other.status).toBe(EXIT_INVALID);
    expect(other.stdout.split("\n")).toEqual([
      expect.stringMatching(
        /^signature\.jws: invalid \(document-mismatch\): it names a document with SHA-256 [0-9a-f]{64}, but other\.pdf has [0-9a-f]{64}$/,
      ),
      "receipt.jws: invalid (document-mismatch): the evidence names no document digest (document.sha256)",
      "",
    ]);
  });

  it("is a usage error when the document cannot be read", () => {
    const result = run(["--public-key", "key.pem", "--document", "missing.pdf", "signature.jws"]);
    expect(result.status).toBe(EXIT_USAGE);
    expect(result.stderr).toMatch(/--document missing\.pdf: cannot read it/);
  });
});

describe("verify-evidence main (in process)", () => {
  it("answers like the built command, writing to the given streams", async () => {
    // Prepare
    const out: string[] = [];
    const err: string[] = [];
    const io = { stdout: { write: (t: string) => out.push(t) }, stderr: { write: (t: string) => err.push(t) } };

    // Act
    const code = await main(["--public-key", join(dir, "key.pem"), join(dir, "receipt.jws")], io);

    // Assess
    expect(code).toBe(EXIT_VALID);
    expect(err).toEqual([]);
    expect(out.join("")).toMatch(/receipt\.jws: valid receipt, ECDSA_SHA_256 by /);
    expect(readFileSync(join(dir, "receipt.jws"), "utf8")).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
  });
});
