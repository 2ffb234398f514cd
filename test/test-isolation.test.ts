import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ISOLATED_FILES } from "../vitest.config";

const ROOT = join(__dirname, "..");

/** What makes a test file unfit to share its process with others: it changes process-wide state. */
const PROCESS_WIDE =
  /vi\.(mock|doMock|stubEnv|stubGlobal|resetModules|spyOn)\b|process\.env(\.[A-Z_]+|\[[^\]]+\]) *=[^=]|delete process\.env|process\.chdir|Object\.assign\(process\.env/;

const SKIPPED_FOLDERS = new Set(["node_modules", "dist", "cdktf.out", ".git", ".terraform-check", ".authz"]);

/** The test files `make unit` runs, relative to the project (this file names the patterns, so it is left out). */
function testFiles(folder = ""): string[] {
  return readdirSync(join(ROOT, folder), { withFileTypes: true }).flatMap((entry) => {
    const path = folder === "" ? entry.name : `${folder}/${entry.name}`;
    if (entry.isDirectory())
      return SKIPPED_FOLDERS.has(entry.name) || entry.name.startsWith("cdktf.out") ? [] : testFiles(path);
    const unit = entry.name.endsWith(".test.ts") && !entry.name.endsWith(".shared.test.ts");
    return unit && path !== "test/test-isolation.test.ts" ? [path] : [];
  });
}

describe("vitest.config.ts ISOLATED_FILES", () => {
  it("lists every test file that changes process-wide state, so that none shares a process", () => {
    const changing = testFiles()
      .filter((file) => PROCESS_WIDE.test(readFileSync(join(ROOT, file), "utf8")))
      .sort();
    expect(changing.filter((file) => !ISOLATED_FILES.includes(file))).toEqual([]);
  });

  it("lists only files that exist", () => {
    expect(ISOLATED_FILES.filter((file) => !existsSync(join(ROOT, file)))).toEqual([]);
  });

  it("recognises the ways a file changes process-wide state", () => {
    for (const line of [
      'vi.mock("./x")',
      'vi.stubEnv("A", "b")',
      'process.env.SIP_CONFIG = "x"',
      'process.env["A"] = "b"',
      "delete process.env.A",
      'process.chdir("/")',
    ]) {
      expect(PROCESS_WIDE.test(line), line).toBe(true);
    }
    expect(PROCESS_WIDE.test('if (process.env.A === "b") {}')).toBe(false);
    expect(PROCESS_WIDE.test("const env = { ...process.env, A: 1 }")).toBe(false);
  });
});
