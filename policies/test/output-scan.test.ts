import { cpSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { zipSync } from "fflate";
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
