/**
 * Every module's example synthesizes and terraform validates it offline (needs terraform
 * and the provider mirror; fails with the reason when they are missing).
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync } from "node:fs";
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

  // One test per example, each with its own time limit: a loaded machine slows one validate, never
  // the sum of ten. Each example is synthesized into its own output folder.
  const names = Object.keys(MODULE_EXAMPLES).sort();
  it.each(names)("synthesizes the %s example, and terraform validates it", (name) => {
    // Prepare
    const outdir = join(tmp.dir, name, "cdktf.out");
    mkdirSync(join(tmp.dir, name), { recursive: true });
    const app = new App({ outdir, stackTraces: false });
    MODULE_EXAMPLES[name]?.(new ExampleStack(app, `example-${name}`));
    app.synth();
    // Act
    const r = spawnSync(
      process.execPath,
      [
        join(PROJECT_ROOT, "scripts", "tf-check.mjs"),
        "--outdir",
        outdir,
        "--workdir",
        join(tmp.dir, name, "work"),
        "--no-plan",
      ],
      { encoding: "utf8" },
    );
    // Assess
    const out = `${r.stdout}${r.stderr}`;
    if (r.status === 2)
      throw new Error(`terraform or its provider mirror is missing, so the examples cannot be validated:\n${out}`);
    expect(out).toMatch(new RegExp(`stack example-${name}:`));
    expect([r.status, out]).toEqual([0, expect.any(String)]);
    expect(out.match(/validate ok/g)).toHaveLength(1);
  });
});
