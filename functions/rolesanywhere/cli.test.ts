import { fromProcess } from "@aws-sdk/credential-providers";
import { spawn } from "node:child_process";
import { createHash, verify, X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { build } from "esbuild";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { arn, endpointHost, PARTITIONS } from "../../config/partitions";
import { EXIT_USAGE, main, parseCliArgs, USAGE } from "./cli";
import { createTestPki, issue, type TestIdentity } from "../../test/support/rolesanywhere/pki";
import { type FakeRolesAnywhere, startFakeRolesAnywhere } from "../../test/support/rolesanywhere/fake-server";

const commercial = PARTITIONS.aws;
const arns = {
  trustAnchor: arn(commercial, {
    service: "rolesanywhere",
    region: "eu-central-1",
    account: "111122223333",
    resource: "trust-anchor/ta-1",
  }),
  profile: arn(commercial, {
    service: "rolesanywhere",
    region: "eu-central-1",
    account: "111122223333",
    resource: "profile/p-1",
  }),
  role: arn(commercial, { service: "iam", account: "111122223333", resource: "role/SovereignSyncRole" }),
};

let dir: string;
let bundle: string;
let pki: ReturnType<typeof createTestPki>;
let leaf: TestIdentity;
let files: { certificate: string; privateKey: string; intermediates: string; otherKey: string; garbage: string };

// The CLI as it runs in production: cli.ts bundled by esbuild, run by node as a child process.
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "ra-cli-"));
  bundle = join(dir, "credentials.cjs");
  await build({
    entryPoints: [resolve(__dirname, "cli.ts")],
    outfile: bundle,
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    logLevel: "error",
  });
  pki = createTestPki();
  leaf = issue({ commonName: "eusc-sync-cli" }, pki.intermediate2);
  files = {
    certificate: join(dir, "leaf.pem"),
    privateKey: join(dir, "leaf.key"),
    intermediates: join(dir, "chain.pem"),
    otherKey: join(dir, "other.key"),
    garbage: join(dir, "garbage.pem"),
  };
  writeFileSync(files.certificate, leaf.certificatePem);
  writeFileSync(files.privateKey, leaf.privateKeyPem);
  writeFileSync(files.intermediates, pki.intermediate2.certificatePem + pki.intermediate1.certificatePem);
  writeFileSync(files.otherKey, pki.root.privateKeyPem);
  writeFileSync(files.garbage, "not a certificate\n");
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the bundle asynchronously (the test's own HTTP server must keep serving meanwhile). */
function run(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [bundle, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding("utf8").on("data", (d: string) => {
      stderr += d;
    });
    child.on("error", fail);
    child.on("close", (status) => done({ status, stdout, stderr }));
  });
}

const baseArgs = () => [
  "--certificate",
  files.certificate,
  "--private-key",
  files.privateKey,
  "--intermediates",
  files.intermediates,
  "--trust-anchor-arn",
  arns.trustAnchor,
  "--profile-arn",
  arns.profile,
  "--role-arn",
  arns.role,
  "--region",
  "eu-central-1",
];

/** Replaces the value after a flag. */
function withFlag(args: string[], flag: string, value: string): string[] {
  const i = args.indexOf(flag);
  return i < 0 ? [...args, flag, value] : [...args.slice(0, i + 1), value, ...args.slice(i + 2)];
}

describe("credentials CLI: usage", () => {
  it("prints help and exits 0", async () => {
    // Act
    const r = await run(["--help"]);

    // Assess
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(USAGE);
    expect(r.stdout).toMatch(/--print-signed-request/);
  });

  it("rejects unknown options with exit code 64", async () => {
    // Act
    const r = await run([...baseArgs(), "--certifcate", "x"]);

    // Assess
    expect(r.status).toBe(EXIT_USAGE);
    expect(r.stderr).toMatch(/Unknown option '--certifcate'/);
    expect(r.stderr).toMatch(/Run with --help for usage/);
  });

  it("names every missing required flag", async () => {
    // Act
    const r = await run(["--region", "eu-central-1"]);

    // Assess
    expect(r.status).toBe(64);
    for (const flag of ["--certificate", "--private-key", "--trust-anchor-arn", "--profile-arn", "--role-arn"])
      expect(r.stderr).toContain(`${flag} is required`);
    expect(r.stderr).not.toContain("--region is required");
  });

  it.each([
    ["--duration-seconds", "60", /--duration-seconds must be a whole number from 900 to 43200 \(value: "60"\)/],
    ["--duration-seconds", "1h", /--duration-seconds must be a whole number/],
    ["--region", "mars-1", /--region: "mars-1" is not an AWS region name/],
    ["--endpoint", "ftp://x", /--endpoint: endpoint "ftp:\/\/x" must be an http or https URL/],
    [
      "--endpoint",
      "http://rolesanywhere.example",
      /--endpoint: .*plain http is only allowed for loopback test endpoints/,
    ],
    ["--trust-anchor-arn", "ta-1", /--trust-anchor-arn: "ta-1" is not an ARN/],
    [
      "--role-arn",
      arn(commercial, { service: "iam", account: "1", resource: "user/x" }),
      /--role-arn: .*account "1" is not 12 digits; resource must be role\/<id>/,
    ],
    [
      "--profile-arn",
      arn(commercial, {
        service: "rolesanywhere",
        region: "eu-west-1",
        account: "111122223333",
        resource: "profile/p",
      }),
      /--profile-arn is in region "eu-west-1" but --region is "eu-central-1"/,
    ],
    [
      "--trust-anchor-arn",
      "arn:aws-cn:rolesanywhere:eu-central-1:111122223333:trust-anchor/t",
      /--trust-anchor-arn: .*partition "aws-cn" is not one of/,
    ],
  ])("rejects %s %j with exit code 64", async (flag, value, message) => {
    // Act
    const r = await run(withFlag(baseArgs(), flag, value));

    // Assess
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe("");
  });

  it("rejects a malformed --amz-date and --amz-date without --print-signed-request", async () => {
    // Act
    const malformed = await run([...baseArgs(), "--print-signed-request", "--amz-date", "2026-03-01T10:15:00Z"]);
    const alone = await run([...baseArgs(), "--amz-date", "20260301T101500Z"]);

    // Assess
    expect(malformed.status).toBe(64);
    expect(malformed.stderr).toMatch(/--amz-date: "2026-03-01T10:15:00Z" is not a date of the form yyyymmddThhmmssZ/);
    expect(alone.status).toBe(64);
    expect(alone.stderr).toMatch(/--amz-date is only valid with --print-signed-request/);
  });
});

describe("credentials CLI: bad files", () => {
  it("names --certificate when the file cannot be read and exits 1", async () => {
    // Act
    const r = await run(withFlag(baseArgs(), "--certificate", join(dir, "missing.pem")));

    // Assess
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--certificate: cannot read ".*missing\.pem" \(ENOENT\)/);
  });

  it("names --certificate when the file holds no certificate", async () => {
    // Act
    const r = await run(withFlag(baseArgs(), "--certificate", files.garbage));

    // Assess
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--certificate .*garbage\.pem: no PEM certificate found/);
  });

  it("names --private-key and --certificate when they do not belong together", async () => {
    // Act
    const r = await run(withFlag(baseArgs(), "--private-key", files.otherKey));

    // Assess
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--private-key .*other\.key does not match --certificate .*leaf\.pem/);
  });

  it("names --intermediates when the bundle holds no certificate", async () => {
    // Act
    const r = await run(withFlag(baseArgs(), "--intermediates", files.garbage));

    // Assess
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/--intermediates .*garbage\.pem: no PEM certificate found/);
  });
});

describe("credentials CLI: --print-signed-request", () => {
  it("prints method, URL, every header and the body without sending anything", async () => {
    // Prepare
    const host = endpointHost(commercial, "rolesanywhere", "eu-central-1");

    // Act
    const r = await run([
      ...baseArgs(),
      "--print-signed-request",
      "--amz-date",
      "20260301T101500Z",
      "--duration-seconds",
      "900",
    ]);

    // Assess
    expect(r.status).toBe(0);
    const [head = "", body] = r.stdout.split("\n\n");
    const [requestLine, ...headerLines] = head.split("\n");
    expect(requestLine).toBe(`POST https://${host}/sessions`);
    const headers = Object.fromEntries(
      headerLines.map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)]),
    );
    expect(Object.keys(headers)).toEqual([
      "Content-Type",
      "Host",
      "X-Amz-Date",
      "X-Amz-X509",
      "X-Amz-X509-Chain",
      "Authorization",
    ]);
    expect(headers["X-Amz-X509"]).toBe(leaf.certificate.raw.toString("base64"));
    expect(headers["X-Amz-X509-Chain"]).toBe(
      `${pki.intermediate2.certificate.raw.toString("base64")},${pki.intermediate1.certificate.raw.toString("base64")}`,
    );
    expect(body).toBe(
      `{"durationSeconds":900,"profileArn":"${arns.profile}","roleArn":"${arns.role}","trustAnchorArn":"${arns.trustAnchor}"}\n`,
    );
    expect(headers.Authorization).toMatch(
      new RegExp(
        `^AWS4-X509-RSA-SHA256 Credential=${BigInt(`0x${leaf.certificate.serialNumber}`)}/20260301/eu-central-1/rolesanywhere/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-x509;x-amz-x509-chain, Signature=[0-9a-f]{512}$`,
      ),
    );
  });

  it("prints a request whose signature verifies over an independently built string to sign", async () => {
    // Act
    const r = await run([...baseArgs(), "--print-signed-request", "--amz-date", "20260415T235959Z", "--json"]);

    // Assess
    expect(r.status).toBe(0);
    const req = JSON.parse(r.stdout) as { method: string; url: string; headers: Record<string, string>; body: string };
    const sha = (s: string) => createHash("sha256").update(s).digest("hex");
    const names = ["Content-Type", "Host", "X-Amz-Date", "X-Amz-X509", "X-Amz-X509-Chain"];
    const canonical = `POST\n/sessions\n\n${names.map((n) => `${n.toLowerCase()}:${req.headers[n]}\n`).join("")}\n${names.map((n) => n.toLowerCase()).join(";")}\n${sha(req.body)}`;
    const stringToSign = `AWS4-X509-RSA-SHA256\n20260415T235959Z\n20260415/eu-central-1/rolesanywhere/aws4_request\n${sha(canonical)}`;
    const signature = (req.headers.Authorization ?? "").split("Signature=")[1] ?? "";
    const cert = new X509Certificate(Buffer.from(req.headers["X-Amz-X509"] ?? "", "base64"));
    expect(req.method).toBe("POST");
    expect(verify("sha256", Buffer.from(stringToSign), cert.publicKey, Buffer.from(signature, "hex"))).toBe(true);
  });
});

describe("credentials CLI: credential_process", () => {
  let server: FakeRolesAnywhere;
  beforeEach(async () => {
    server = await startFakeRolesAnywhere({ trustedRoots: [pki.root.certificate] });
  });
  afterEach(async () => {
    await server.close();
  });

  it("prints Version 1 credential_process JSON after a verified CreateSession", async () => {
    // Act
    const r = await run([...baseArgs(), "--endpoint", server.url, "--duration-seconds", "1800"]);

    // Assess
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(server.rejected).toEqual([]);
    expect(server.verified.map((v) => v.body.durationSeconds)).toEqual([1800]);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(["Version", "AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"]);
    expect(out).toMatchObject({ Version: 1, AccessKeyId: "ASIATEST00000001", SecretAccessKey: "secret-1" });
    expect(Date.parse(String(out.Expiration)) - Date.now()).toBeGreaterThan(1700_000);
  });

  it("works as credential_process for the AWS SDK (fromProcess)", async () => {
    // Prepare
    const config = join(dir, "aws-config");
    const quote = (s: string) => (/^[\w./:@=-]+$/.test(s) ? s : JSON.stringify(s));
    const command = [process.execPath, bundle, ...baseArgs(), "--endpoint", server.url].map(quote).join(" ");
    writeFileSync(config, `[profile failover]\ncredential_process = ${command}\n`);

    // Act
    const credentials = await fromProcess({
      profile: "failover",
      configFilepath: config,
      filepath: join(dir, "no-credentials-file"),
    })();

    // Assess
    expect(credentials.accessKeyId).toBe("ASIATEST00000001");
    expect(credentials.sessionToken).toMatch(/^token-1-/);
    expect(credentials.expiration).toBeInstanceOf(Date);
    expect(server.verified).toHaveLength(1);
  });

  it("exits 1 with the HTTP status and the service's message when CreateSession fails", async () => {
    // Prepare
    server.script({
      status: 403,
      body: JSON.stringify({ message: "Profile is disabled" }),
      headers: { "x-amzn-ErrorType": "AccessDeniedException" },
    });

    // Act
    const r = await run([...baseArgs(), "--endpoint", server.url]);

    // Assess
    expect(r.status).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/failed \(HTTP 403 AccessDeniedException\): Profile is disabled/);
  });
});

describe("cli module", () => {
  it("runs nothing when imported and parses the command line in-process", async () => {
    // Prepare
    const out: string[] = [];
    const io = { stdout: { write: (s: string) => out.push(s) }, stderr: { write: (s: string) => out.push(s) } };

    // Act
    const code = await main(["--help"], io);
    const options = parseCliArgs(baseArgs());

    // Assess
    expect(process.exitCode ?? 0).toBe(0);
    expect(code).toBe(0);
    expect(out).toEqual([USAGE]);
    expect(options).toMatchObject({
      region: "eu-central-1",
      durationSeconds: 3600,
      printSignedRequest: false,
      endpoint: undefined,
    });
  });
});
