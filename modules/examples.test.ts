/**
 * Every module's example synthesizes and terraform validates it offline (needs terraform and the
 * provider mirror; fails with the reason when they are missing). The examples are synthesized into
 * one output folder (an App and an ExampleStack each) and validated together, once:
 * scripts/tf-check.mjs --together runs one terraform init and one terraform validate for all of them
 * (the provider's schema loaded once, not once per example) and prints each stack's verdict, which
 * the example's own test asserts.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { App } from "../framework/cdktf";
import { ExampleStack } from "../stacks/example-stack";
import { PROJECT_ROOT, tempDir } from "../test/template";
import { MODULE_EXAMPLES } from "./examples";

const NAMES = Object.keys(MODULE_EXAMPLES).sort();

/** The outcome of the one together check, and each example's synth error. */
type Checked = { status: number | null; stdout: string; out: string; synthErrors: Map<string, unknown> };

/** Synthesizes every example into <dir>/cdktf.out/stacks/example-<name>, and checks them all together. */
function synthAndCheck(dir: string): Checked {
  const outdir = join(dir, "cdktf.out");
  const synthErrors = new Map<string, unknown>();
  for (const name of NAMES) {
    try {
      const app = new App({ outdir, stackTraces: false });
      MODULE_EXAMPLES[name]?.(new ExampleStack(app, `example-${name}`));
      app.synth();
    } catch (err) {
      synthErrors.set(name, err);
    }
  }
  const r = spawnSync(
    process.execPath,
    [join(PROJECT_ROOT, "scripts", "tf-check.mjs"), "--outdir", outdir, "--workdir", join(dir, "work"), "--together"],
    { encoding: "utf8" },
  );
  return { status: r.status, stdout: r.stdout, out: `${r.stdout}${r.stderr}`, synthErrors };
}

/** The lines tf-check printed for one stack: from "stack <name>:" to the next stack's. */
function sectionOf(stdout: string, stack: string): string | undefined {
  return stdout
    .split(/^(?=stack )/m)
    .find((section) => section.startsWith(`stack ${stack}:\n`))
    ?.trimEnd();
}

describe("module examples", () => {
  const tmp = tempDir("sip-examples-");
  let checked: Checked;
  beforeAll(() => {
    checked = synthAndCheck(tmp.dir);
  });
  afterAll(() => tmp.cleanup());

  it("has an example for every module folder", () => {
    const modules = readdirSync(join(PROJECT_ROOT, "modules"), { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
    expect(NAMES).toEqual(modules);
  });

  it.each(NAMES)("synthesizes the %s example, and terraform validates it", (name) => {
    // Assess
    if (checked.synthErrors.has(name)) throw checked.synthErrors.get(name);
    if (checked.status === 2)
      throw new Error(
        `terraform or its provider mirror is missing, so the examples cannot be validated:\n${checked.out}`,
      );
    const section = sectionOf(checked.stdout, `example-${name}`);
    if (section === undefined || section.includes("not judged"))
      throw new Error(`tf-check judged no verdict for example-${name}:\n${checked.out}`);
    expect(section).toMatch(/^ {2}validate ok$/m);
    expect(section).not.toMatch(/^ {4}error:/m);
  });
});
