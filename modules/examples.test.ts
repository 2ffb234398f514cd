/**
 * Every module's example synthesizes and terraform validates it offline (needs terraform
 * and the provider mirror; fails with the reason when they are missing).
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { App } from "../framework/cdktf";
import { ExampleStack } from "../stacks/example-stack";
import { PROJECT_ROOT, tempDir } from "../test/template";
import { MODULE_EXAMPLES } from "./examples";

const tmp = tempDir("sip-examples-");
afterAll(() => tmp.cleanup());

describe("module examples", () => {
  it("has an example for every module folder", () => {
    const modules = readdirSync(join(PROJECT_ROOT, "modules"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(Object.keys(MODULE_EXAMPLES).sort()).toEqual(modules);
  });

  it("synthesizes each example, and terraform validates it", () => {
    const outdir = join(tmp.dir, "cdktf.out");
    const app = new App({ outdir, stackTraces: false });
    for (const [name, example] of Object.entries(MODULE_EXAMPLES)) example(new ExampleStack(app, `example-${name}`));
    app.synth();
    const r = spawnSync(process.execPath, [join(PROJECT_ROOT, "scripts", "tf-check.mjs"), "--outdir", outdir, "--workdir", join(tmp.dir, "work"), "--no-plan"], { encoding: "utf8" });
    const out = `${r.stdout}${r.stderr}`;
    if (r.status === 2) throw new Error(`terraform or its provider mirror is missing, so the examples cannot be validated:\n${out}`);
    expect(out).toMatch(new RegExp(`stack example-(${Object.keys(MODULE_EXAMPLES).join("|")})`));
    expect([r.status, out]).toEqual([0, expect.any(String)]);
    expect(out.match(/validate ok/g)).toHaveLength(Object.keys(MODULE_EXAMPLES).length);
  });
});
