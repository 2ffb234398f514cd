import { cpSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync, zipSync } from "fflate";
import { afterAll, describe, expect, it } from "vitest";
import { createTestPki } from "../../test/support/rolesanywhere/pki";
import { synthesize } from "../../stacks/synthesize";
import { PROJECT_ROOT, tempDir, validConfig } from "../../test/template";
import { check, exitCodeOf, loadTemplates } from "../check";
import { scanOutputFolder } from "../output-scan";
import { FIXTURES } from "./harness";

const tmp = tempDir("sip-output-scan-");
afterAll(() => tmp.cleanup());

/** A cdktf.out-shaped folder holding one compliant stack. */
function outputFolder(name: string): string {
  const dir = join(tmp.dir, name);
  mkdirSync(join(dir, "stacks", "s"), { recursive: true });
  cpSync(join(FIXTURES, "vpc", "compliant.tf.json"), join(dir, "stacks", "s", "cdk.tf.json"));
  return dir;
}

describe("SIP-OUT-1 NoPrivateKeyInOutput", () => {
  const key = createTestPki().root.privateKeyPem;

  it("finds a private key in any file under the folder, inside zips too, and fails the check", async () => {
    // Prepare
    const dir = outputFolder("leaky");
    mkdirSync(join(dir, "plans"));
    writeFileSync(join(dir, "plans", "s.plan.json"), JSON.stringify({ variables: { leaf_key: { value: key } } }));
    mkdirSync(join(dir, "stacks", "s", "assets"));
    writeFileSync(
      join(dir, "stacks", "s", "assets", "fn.zip"),
      zipSync({
        "index.js": new TextEncoder().encode("exports.handler = () => 1;"),
        "certs/leaf.key": new TextEncoder().encode(key),
      }),
    );
    // Act
    const report = await check(loadTemplates(dir), { scanFolder: dir });
    // Assess
    const hits = report.findings.filter((f) => f.ruleId === "SIP-OUT-1");
    expect(hits.map((f) => f.address)).toEqual(["plans/s.plan.json", "stacks/s/assets/fn.zip!/certs/leaf.key"]);
    expect(hits[0]?.detail).toMatch(/PRIVATE KEY-----/);
    expect(exitCodeOf(report)).toBe(1);
  });

  it("finds a private key encoded, escaped, in an archive of any name, behind a symbolic link or in PuTTY's format (issue 15 probe: each passed before)", () => {
    // Prepare
    const dir = outputFolder("disguised");
    const bytes = (text: string) => new TextEncoder().encode(text);
    const output = (name: string, value: string) =>
      writeFileSync(join(dir, `${name}.tf.json`), JSON.stringify({ output: { k: { value, sensitive: true } } }));
    output("base64", Buffer.from(key).toString("base64"));
    output("base64-shifted", Buffer.from(`x${key}`).toString("base64"));
    output("hex", Buffer.from(key).toString("hex"));
    writeFileSync(
      join(dir, "escaped.tf.json"),
      `{"output":{"k":{"value":"${key.replace(/-/g, "\\u002d").replace(/\n/g, "\\n")}"}}}`,
    );
    writeFileSync(join(dir, "asset.tgz"), gzipSync(bytes(`leaf.key\0${key}`)));
    writeFileSync(join(dir, "asset.bin"), zipSync({ "leaf.key": bytes(key) }));
    writeFileSync(join(tmp.dir, "outside.key"), key);
    symlinkSync(join(tmp.dir, "outside.key"), join(dir, "linked.key"));
    writeFileSync(join(dir, "id.ppk"), "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\n");
    // Act
    const hits = scanOutputFolder(dir);
    // Assess
    expect(hits.map((h) => h.path)).toEqual([
      "asset.bin!/leaf.key",
      "asset.tgz!/(gunzipped)",
      "base64-shifted.tf.json",
      "base64.tf.json",
      "escaped.tf.json",
      "hex.tf.json",
      "id.ppk",
      "linked.key",
    ]);
  });

  it("cannot be suppressed", async () => {
    const dir = outputFolder("suppressed");
    writeFileSync(join(dir, "notes.txt"), key);
    const report = await check(loadTemplates(dir), {
      scanFolder: dir,
      suppressions: [{ ruleId: "SIP-OUT-1", address: "notes.txt", reason: "test key" }],
    });
    expect(report.findings.map((f) => f.ruleId).sort()).toEqual(["SIP-OUT-1", "SIP-SUP-3"]);
  });

  it("finds nothing in the example's real output, whose function zips it opens", () => {
    // Prepare
    const outdir = join(tmp.dir, "example-out");
    synthesize({ config: validConfig(), outdir, projectRoot: PROJECT_ROOT });
    // Act
    const hits = scanOutputFolder(outdir);
    // Assess
    expect(hits).toEqual([]);
  });
});
