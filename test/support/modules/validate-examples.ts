/**
 * Synthesizes module examples and terraform validates each offline (needs terraform and the provider
 * mirror; fails with the reason when they are missing). Shared by the example test files, which
 * split the examples between them so that two workers validate at once.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { App } from "../../../framework/cdktf";
import { MODULE_EXAMPLES } from "../../../modules/examples";
import { ExampleStack } from "../../../stacks/example-stack";
import { PROJECT_ROOT, tempDir } from "../../template";

/** The examples' names in a stable order, and the half of them a file takes. */
export function exampleNames(part: 0 | 1): string[] {
  const names = Object.keys(MODULE_EXAMPLES).sort();
  const half = Math.ceil(names.length / 2);
  return part === 0 ? names.slice(0, half) : names.slice(half);
}

/** One test per example, each with its own time limit: a loaded machine slows one validate, never the sum. */
export function validateExamples(names: readonly string[]): void {
  const tmp = tempDir("sip-examples-");
  afterAll(() => tmp.cleanup());
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
}
