import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, describe, expect, it } from "vitest";
import { tempDir } from "../test/template";
import { tokenStackTracesOnDebug } from "./build.mjs";

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
