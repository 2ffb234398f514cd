import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { tempDir } from "../test/template";

const ENTRY = join(__dirname, "compile-cache-entry.cjs");
const tmp = tempDir("sip-cache-entry-");
afterAll(() => tmp.cleanup());

let dist: string;
let count = 0;
beforeEach(() => {
  // A command as scripts/build.mjs lays it out: dist/<name>.cjs (the entry) and dist/<name>.bundle.cjs.
  dist = join(tmp.dir, `dist-${count++}`);
  mkdirSync(dist);
  copyFileSync(ENTRY, join(dist, "tool.cjs"));
  writeFileSync(
    join(dist, "tool.bundle.cjs"),
    [
      'const { basename } = require("node:path");',
      "function greet(name) { return `hello ${name}`; }",
      "process.stdout.write(JSON.stringify({ main: require.main === module, dir: basename(__dirname),",
      "  file: basename(__filename), args: process.argv.slice(2), text: greet(process.argv[2]) }));",
      'process.exitCode = process.argv[3] === "fail" ? 3 : 0;',
    ].join("\n"),
  );
});

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [join(dist, "tool.cjs"), ...args], {
    encoding: "utf8",
    env: { ...process.env, SIP_COMPILE_CACHE: "", ...env },
  });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

const cacheFile = () => join(dist, ".cache", "tool.v8");

describe("compile-cache-entry.cjs", () => {
  it("runs the bundle as the program, with its own file names, arguments and exit code", () => {
    // Act
    const ok = run(["world"]);
    const failed = run(["world", "fail"]);
    // Assess
    expect(ok).toMatchObject({ status: 0, err: "" });
    expect(JSON.parse(ok.out)).toEqual({
      main: true,
      dir: dist.split("/").pop(),
      file: "tool.bundle.cjs",
      args: ["world"],
      text: "hello world",
    });
    expect(failed.status).toBe(3);
  });

  it("writes V8's code cache after the first run and leaves it as it is while it fits", () => {
    // Act
    const first = run(["a"]);
    const written = statSync(cacheFile()).mtimeMs;
    const second = run(["b"]);
    // Assess
    expect(first.status).toBe(0);
    expect(second).toMatchObject({ status: 0, err: "" });
    expect(JSON.parse(second.out).text).toBe("hello b");
    expect(statSync(cacheFile()).mtimeMs).toBe(written);
  });

  it("replaces a cache that V8 rejects (another bundle, or damaged) and still runs", () => {
    // Prepare
    run(["a"]);
    writeFileSync(cacheFile(), "not a code cache");
    // Act
    const r = run(["c"]);
    // Assess
    expect(r).toMatchObject({ status: 0, err: "" });
    expect(JSON.parse(r.out).text).toBe("hello c");
    expect(readFileSync(cacheFile(), "utf8")).not.toBe("not a code cache");
  });

  it("neither reads nor writes a cache with SIP_COMPILE_CACHE=off", () => {
    // Act
    const r = run(["d"], { SIP_COMPILE_CACHE: "off" });
    // Assess
    expect(r.status).toBe(0);
    expect(existsSync(cacheFile())).toBe(false);
  });
});
