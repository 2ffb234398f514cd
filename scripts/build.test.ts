/**
 * The build plugins of the main bundle (scripts/build.mjs): each changes a file of a dependency, so
 * each is tested on a small project bundled here, with the real dependency where that is how the
 * change shows, and fails the build, naming itself, when the dependency no longer reads as expected.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { build, type Plugin } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../test/authz/paths";
import { tempDir } from "../test/template";
import {
  preparingResolveOnlyWithSeveralStacks,
  resolvePlainValuesDirectly,
  synthLoadsOnlyWhatItUses,
  tokenStackTracesOnDebug,
} from "./build.mjs";

const tmp = tempDir("sip-build-");
afterAll(() => tmp.cleanup());

interface Project {
  /** Files of the project, by path (`node_modules/...` stands in for a dependency), besides `entry.js`. */
  readonly files?: Readonly<Record<string, string>>;
  readonly entry: string;
  /** Resolve packages the project does not have from the project's own node_modules. */
  readonly realModules?: boolean;
}

/** Writes the project into its own folder and bundles entry.js with `plugins` (rejects as the build does); the bundle's path. */
async function bundleProject(name: string, project: Project, plugins: Plugin[]): Promise<string> {
  const dir = join(tmp.dir, name);
  for (const [path, text] of Object.entries({ ...project.files, "entry.js": project.entry })) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  const outfile = join(dir, `out-${plugins.map((p) => p.name).join("+") || "plain"}.cjs`);
  await build({
    entryPoints: [join(dir, "entry.js")],
    outfile,
    bundle: true,
    platform: "node",
    format: "cjs",
    logLevel: "silent",
    ...(project.realModules ? { nodePaths: [join(PROJECT_ROOT, "node_modules")] } : {}),
    plugins,
  });
  return outfile;
}

const run = (file: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) =>
  spawnSync(process.execPath, [file, ...args], { encoding: "utf8", env: { ...process.env, ...env } });

describe("the main bundle's token stack traces", () => {
  const STACK_TRACE = "node_modules/cdktf/lib/tokens/private/stack-trace.js";
  const entry =
    'const { captureStackTrace } = require("cdktf/lib/tokens/private/stack-trace.js");\nprocess.stdout.write(String(captureStackTrace().length));\n';

  it("are recorded only with SIP_DEBUG=1", async () => {
    // Prepare: cdktf's function as it is (a frame per caller)
    const out = await bundleProject(
      "stack-trace-current",
      {
        files: {
          [STACK_TRACE]:
            "exports.captureStackTrace = captureStackTrace;\nfunction captureStackTrace(below) {\n  return new Error().stack.split('\\n').slice(1);\n}\n",
        },
        entry,
      },
      [tokenStackTracesOnDebug],
    );
    // Act / Assess
    expect(run(out, [], { SIP_DEBUG: "" }).stdout).toBe("0");
    expect(Number(run(out, [], { SIP_DEBUG: "1" }).stdout)).toBeGreaterThan(0);
  });

  it("fail the build, naming the plugin, when cdktf no longer has the function", async () => {
    await expect(
      bundleProject(
        "stack-trace-changed",
        { files: { [STACK_TRACE]: "exports.captureStackTrace = () => [];\n" }, entry },
        [tokenStackTracesOnDebug],
      ),
    ).rejects.toThrow(
      /no "function captureStackTrace\(below\) \{" any more; update the token-stack-traces-on-debug plugin/,
    );
  });
});

/**
 * An app with one stack (`one`) or with a second stack that refers to the first (`two`), with the
 * real cdktf; prints how often a Lazy value of the first stack was produced, and whether the second
 * stack reads the first one's value through remote state.
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

const synthOf = (file: string, stacks: "one" | "two") =>
  JSON.parse(run(file, [join(tmp.dir, `out-${stacks}-${Math.random()}`), stacks]).stdout) as {
    produced: number;
    remoteState: boolean;
  };

describe("the main bundle's preparing resolve", () => {
  it("is skipped when the app has one stack, and still finds cross-stack references with two", async () => {
    // Prepare
    const app = { entry: CROSS_STACK_APP, realModules: true };
    const patched = await bundleProject("prepare", app, [preparingResolveOnlyWithSeveralStacks]);
    const plain = await bundleProject("prepare", app, []);
    // Act
    const one = synthOf(patched, "one");
    const two = synthOf(patched, "two");
    // Assess: cdktf as it is resolves the lone stack twice; with the plugin once.
    expect(synthOf(plain, "one").produced).toBe(2);
    expect(one.produced).toBe(1);
    expect(two).toEqual({ produced: 2, remoteState: true });
  });

  it("fails the build, naming the plugin, when cdktf no longer has the statement", async () => {
    await expect(
      bundleProject(
        "prepare-changed",
        {
          files: { "node_modules/cdktf/lib/terraform-stack.js": "exports.x = 1;\n" },
          entry: 'require("cdktf/lib/terraform-stack.js");\n',
        },
        [preparingResolveOnlyWithSeveralStacks],
      ),
    ).rejects.toThrow(/update the preparing-resolve-only-with-several-stacks plugin/);
  });
});

describe("the main bundle's trims", () => {
  it("keeps zod's English messages and drops the other languages", async () => {
    // Prepare
    const out = await bundleProject(
      "zod-en",
      {
        entry:
          'import { z } from "zod";\nconst r = z.string().min(3).safeParse("x");\nprocess.stdout.write(JSON.stringify({ locales: Object.keys(z.locales), core: Object.keys(z.core.locales), message: r.error.issues[0].message }));\n',
        realModules: true,
      },
      [synthLoadsOnlyWhatItUses],
    );
    // Act
    const result = JSON.parse(run(out).stdout);
    // Assess
    expect(result).toEqual({
      locales: ["en"],
      core: ["en"],
      message: "Too small: expected string to have >=3 characters",
    });
  });

  it("loads cdktf's zip library only when an archive is made", async () => {
    // Prepare: a cdktf whose private/fs.js has the statement, and an archiver that fails when loaded.
    const project = {
      files: {
        "node_modules/cdktf/lib/private/fs.js":
          'const archiver = require("archiver");\nexports.archive = () => archiver("zip");\n',
        "node_modules/archiver/index.js": 'throw new Error("archiver loaded");\n',
      },
      entry:
        'const fs = require("cdktf/lib/private/fs.js");\nlet made = "";\ntry { fs.archive(); } catch (e) { made = e.message; }\nprocess.stdout.write(`loaded; on archive: ${made}`);\n',
    };
    // Act
    const trimmed = run(await bundleProject("archiver-lazy", project, [synthLoadsOnlyWhatItUses]));
    const plain = run(await bundleProject("archiver-lazy", project, []));
    // Assess
    expect(trimmed.stdout).toBe("loaded; on archive: archiver loaded");
    expect(plain.status).not.toBe(0);
    expect(plain.stderr).toContain("archiver loaded");
  });

  it("fails the build, naming the plugin, when zod or cdktf no longer reads as expected", async () => {
    for (const [name, path] of [
      ["trim-zod-changed", "node_modules/zod/v4/classic/external.js"],
      ["trim-cdktf-changed", "node_modules/cdktf/lib/private/fs.js"],
    ] as const) {
      await expect(
        bundleProject(name, { files: { [path]: "exports.x = 1;\n" }, entry: `require("${path.slice(13)}");\n` }, [
          synthLoadsOnlyWhatItUses,
        ]),
      ).rejects.toThrow(/update the synth-loads-only-what-it-uses plugin/);
    }
  });
});

/**
 * A stack with values of every kind the resolve pass meets: plain strings (some that look like
 * numbers or hold braces and escapes), numbers, booleans, string, number, list and map tokens,
 * references inside strings, functions; `bad` adds a map token in a scalar place, which cdktf refuses.
 */
const TOKENS_APP = `
const { App, Fn, Lazy, TerraformLocal, TerraformOutput, TerraformStack, TerraformVariable, Token } = require("cdktf");
const app = new App({ outdir: process.argv[2], stackTraces: false });
const s = new TerraformStack(app, "s");
const v = new TerraformVariable(s, "v", { type: "list(string)", default: ["a", "b"] });
const n = new TerraformVariable(s, "n", { type: "number", default: 3 });
const m = new TerraformVariable(s, "m", { type: "map(string)", default: { k: "x" } });
new TerraformLocal(s, "plain", {
  text: "tenant-e-1", sci: "1e5", neg: "-2.5e+10", braces: "{\\"a\\": 1}", escaped: "$\${not.a.ref}", pct: "%{if x}",
  num: 42, frac: 0.5, big: 1e300, yes: true, no: false, nothing: null, list: ["x", 1, false], nested: { "key-e-2": { deep: ["1e9"] } },
});
new TerraformLocal(s, "tokens", {
  lazy: Lazy.stringValue({ produce: () => "produced" }),
  lazyNum: Lazy.numberValue({ produce: () => 7 }),
  list: v.listValue, first: Fn.element(v.listValue, 0), joined: \`\${Fn.join("-", v.listValue)}-suffix\`,
  num: n.numberValue, sum: Token.asNumber(Fn.max([n.numberValue, 1])), inString: \`n=\${n.numberValue}\`,
  map: m.value, lookup: Fn.lookup(m.value, "k", "d"), keys: { [v.stringValue]: "as key" },
});
if (process.argv[3] === "bad") new TerraformLocal(s, "bad", { scalar: Token.STRING_MAP_TOKEN_VALUE });
app.synth();
process.stdout.write(require("fs").readFileSync(process.argv[2] + "/stacks/s/cdk.tf.json", "utf8"));
`;

describe("the main bundle's resolve of plain values", () => {
  it("writes the same stack as cdktf as it is, for values and tokens of every kind", async () => {
    // Prepare
    const app = { entry: TOKENS_APP, realModules: true };
    const direct = await bundleProject("resolve-direct", app, [resolvePlainValuesDirectly]);
    const plain = await bundleProject("resolve-direct", app, []);
    // Act
    const withPlugin = run(direct, [join(tmp.dir, "resolve-out-direct")]);
    const without = run(plain, [join(tmp.dir, "resolve-out-plain")]);
    // Assess: the same JSON, in which the tokens did resolve (no marker left) and the plain values stayed.
    expect(without.status).toBe(0);
    expect(withPlugin.stdout).toBe(without.stdout);
    expect(withPlugin.stdout).not.toMatch(/TfToken|e\+289/);
    expect(JSON.parse(withPlugin.stdout).locals.plain).toMatchObject({ sci: "1e5", escaped: "$${not.a.ref}", num: 42 });
    expect(JSON.parse(withPlugin.stdout).locals.tokens).toMatchObject({
      lazy: "produced",
      lazyNum: 7,
      num: "${var.n}",
    });
  });

  it("refuses a map token in a scalar place as cdktf does", async () => {
    const app = { entry: TOKENS_APP, realModules: true };
    const direct = await bundleProject("resolve-direct-bad", app, [resolvePlainValuesDirectly]);
    const plain = await bundleProject("resolve-direct-bad", app, []);
    const withPlugin = run(direct, [join(tmp.dir, "resolve-bad-direct"), "bad"]);
    const without = run(plain, [join(tmp.dir, "resolve-bad-plain"), "bad"]);
    expect(without.status).not.toBe(0);
    expect(withPlugin.status).toBe(without.status);
    const firstLine = (text: string) => text.split("\n").find((line) => /Error/.test(line));
    expect(firstLine(withPlugin.stderr)).toBe(firstLine(without.stderr));
  });

  it("fails the build, naming the plugin, when cdktf's resolve no longer reads as expected", async () => {
    await expect(
      bundleProject(
        "resolve-changed",
        {
          files: { "node_modules/cdktf/lib/tokens/private/resolve.js": "exports.resolve = (x) => x;\n" },
          entry: 'require("cdktf/lib/tokens/private/resolve.js");\n',
        },
        [resolvePlainValuesDirectly],
      ),
    ).rejects.toThrow(/update the resolve-plain-values-directly plugin/);
  });
});
