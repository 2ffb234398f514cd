import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../test/template";
import { PROJECT_ROOT } from "../test/authz/paths";
import { preparingResolveOnlyWithSeveralStacks, synthLoadsOnlyWhatItUses, tokenStackTracesOnDebug } from "./build.mjs";

const tmp = tempDir("sip-build-");
afterAll(() => tmp.cleanup());

/** A project whose cdktf has a token stack-trace module with `body`, and an entry that prints what it returns. */
async function bundle(name: string, body: string): Promise<string> {
  const dir = join(tmp.dir, name);
  mkdirSync(join(dir, "node_modules", "cdktf", "lib", "tokens", "private"), { recursive: true });
  writeFileSync(join(dir, "node_modules", "cdktf", "lib", "tokens", "private", "stack-trace.js"), body);
  writeFileSync(
    join(dir, "entry.js"),
    'const { captureStackTrace } = require("cdktf/lib/tokens/private/stack-trace.js");\nprocess.stdout.write(String(captureStackTrace().length));\n',
  );
  const outfile = join(dir, "out.cjs");
  await build({
    entryPoints: [join(dir, "entry.js")],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    logLevel: "silent",
    plugins: [tokenStackTracesOnDebug],
  });
  return outfile;
}

const run = (file: string, env: NodeJS.ProcessEnv) =>
  spawnSync(process.execPath, [file], { encoding: "utf8", env: { ...process.env, ...env } }).stdout;

describe("the main bundle's token stack traces", () => {
  it("are recorded only with SIP_DEBUG=1", async () => {
    // Prepare: cdktf's function as it is (a frame per caller)
    const out = await bundle(
      "current",
      "exports.captureStackTrace = captureStackTrace;\nfunction captureStackTrace(below) {\n  return new Error().stack.split('\\n').slice(1);\n}\n",
    );
    // Act / Assess
    expect(run(out, { SIP_DEBUG: "" })).toBe("0");
    expect(Number(run(out, { SIP_DEBUG: "1" }))).toBeGreaterThan(0);
  });

  it("fail the build, naming the plugin, when cdktf no longer has the function", async () => {
    await expect(bundle("changed", "exports.captureStackTrace = () => [];\n")).rejects.toThrow(
      /no "function captureStackTrace\(below\) \{" any more; update the token-stack-traces-on-debug plugin/,
    );
  });
});

/**
 * An app with one stack (`one`) or with a second stack that refers to the first (`two`), bundled with
 * the real cdktf and the plugin (or without it); prints how often a Lazy value of the first stack was
 * produced, and whether the second stack reads the first one's value through remote state.
 */
const CROSS_STACK_APP = `
const { App, Lazy, TerraformOutput, TerraformStack, TerraformVariable } = require("cdktf");
let produced = 0;
const app = new App({ outdir: process.argv[2], stackTraces: false });
const a = new TerraformStack(app, "a");
new TerraformOutput(a, "lazy", { value: Lazy.stringValue({ produce: () => { produced += 1; return "x"; } }) });
const v = new TerraformVariable(a, "v", { type: "string", default: "y" });
if (process.argv[3] === "two") {
  const b = new TerraformStack(app, "b");
  new TerraformOutput(b, "from-a", { value: v.stringValue });
}
app.synth();
const fs = require("fs");
const b = process.argv[3] === "two" ? fs.readFileSync(process.argv[2] + "/stacks/b/cdk.tf.json", "utf8") : "";
process.stdout.write(JSON.stringify({ produced, remoteState: b.includes("terraform_remote_state") }));
`;

async function bundleApp(name: string, plugins: import("esbuild").Plugin[]): Promise<string> {
  const dir = join(tmp.dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "entry.js"), CROSS_STACK_APP);
  const outfile = join(dir, "out.cjs");
  await build({
    entryPoints: [join(dir, "entry.js")],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    logLevel: "silent",
    nodePaths: [join(PROJECT_ROOT, "node_modules")],
    plugins,
  });
  return outfile;
}

const synthOf = (file: string, stacks: "one" | "two") =>
  JSON.parse(
    spawnSync(process.execPath, [file, join(tmp.dir, `out-${stacks}-${Math.random()}`), stacks], { encoding: "utf8" })
      .stdout,
  ) as { produced: number; remoteState: boolean };

describe("the main bundle's preparing resolve", () => {
  it("is skipped when the app has one stack, and still finds cross-stack references with two", async () => {
    // Prepare
    const patched = await bundleApp("prepare-patched", [preparingResolveOnlyWithSeveralStacks]);
    const plain = await bundleApp("prepare-plain", []);
    // Act
    const one = synthOf(patched, "one");
    const two = synthOf(patched, "two");
    // Assess: cdktf as it is resolves the lone stack twice; with the plugin once.
    expect(synthOf(plain, "one").produced).toBe(2);
    expect(one.produced).toBe(1);
    expect(two).toEqual({ produced: 2, remoteState: true });
  });

  it("fails the build, naming the plugin, when cdktf no longer has the statement", async () => {
    // Prepare
    const dir = join(tmp.dir, "prepare-changed");
    mkdirSync(join(dir, "node_modules", "cdktf", "lib"), { recursive: true });
    writeFileSync(join(dir, "node_modules", "cdktf", "lib", "terraform-stack.js"), "exports.x = 1;\n");
    writeFileSync(join(dir, "entry.js"), 'require("cdktf/lib/terraform-stack.js");\n');
    // Act / Assess
    await expect(
      build({
        entryPoints: [join(dir, "entry.js")],
        outfile: join(dir, "out.cjs"),
        bundle: true,
        platform: "node",
        logLevel: "silent",
        plugins: [preparingResolveOnlyWithSeveralStacks],
      }),
    ).rejects.toThrow(/update the preparing-resolve-only-with-several-stacks plugin/);
  });
});

describe("the main bundle's trims", () => {
  /** Bundles `source` (in a folder of the test) with the project's node_modules and the plugin; runs it; its stdout. */
  async function runBundled(name: string, source: string): Promise<string> {
    const dir = join(tmp.dir, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "entry.js"), source);
    const outfile = join(dir, "out.cjs");
    await build({
      entryPoints: [join(dir, "entry.js")],
      outfile,
      bundle: true,
      platform: "node",
      format: "cjs",
      logLevel: "silent",
      nodePaths: [join(PROJECT_ROOT, "node_modules")],
      plugins: [synthLoadsOnlyWhatItUses],
    });
    const r = spawnSync(process.execPath, [outfile, dir], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(r.stderr);
    return r.stdout;
  }

  it("keeps zod's English messages and drops the other languages", async () => {
    // Act
    const out = await runBundled(
      "zod-en",
      'import { z } from "zod";\nconst r = z.string().min(3).safeParse("x");\nprocess.stdout.write(JSON.stringify({ locales: Object.keys(z.locales), core: Object.keys(z.core.locales), message: r.error.issues[0].message }));\n',
    );
    // Assess
    expect(JSON.parse(out)).toEqual({
      locales: ["en"],
      core: ["en"],
      message: "Too small: expected string to have >=3 characters",
    });
  });

  it("loads cdktf's zip library only when an archive is made", async () => {
    // Prepare: a cdktf whose private/fs.js has the statement, and an archiver that fails when loaded.
    const dir = join(tmp.dir, "archiver-lazy");
    mkdirSync(join(dir, "node_modules", "cdktf", "lib", "private"), { recursive: true });
    mkdirSync(join(dir, "node_modules", "archiver"), { recursive: true });
    writeFileSync(
      join(dir, "node_modules", "cdktf", "lib", "private", "fs.js"),
      'const archiver = require("archiver");\nexports.archive = () => archiver("zip");\n',
    );
    writeFileSync(join(dir, "node_modules", "archiver", "index.js"), 'throw new Error("archiver loaded");\n');
    writeFileSync(
      join(dir, "entry.js"),
      'const fs = require("cdktf/lib/private/fs.js");\nlet made = "";\ntry { fs.archive(); } catch (e) { made = e.message; }\nprocess.stdout.write(`loaded; on archive: ${made}`);\n',
    );
    const bundled = async (plugins: import("esbuild").Plugin[]) => {
      const outfile = join(dir, `out-${plugins.length}.cjs`);
      await build({
        entryPoints: [join(dir, "entry.js")],
        outfile,
        bundle: true,
        platform: "node",
        logLevel: "silent",
        plugins,
      });
      return spawnSync(process.execPath, [outfile], { encoding: "utf8" });
    };
    // Act
    const trimmed = await bundled([synthLoadsOnlyWhatItUses]);
    const plain = await bundled([]);
    // Assess
    expect(trimmed.stdout).toBe("loaded; on archive: archiver loaded");
    expect(plain.status).not.toBe(0);
    expect(plain.stderr).toContain("archiver loaded");
  });
});
