import { mkdtempSync, realpathSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseArgs } from "node:util";
import { UsageError, usageErrors, usageMessage, userCwd } from "./cli";

const ROOT = realpathSync(mkdtempSync(join(tmpdir(), "cli-cwd-")));
const npmEnv = { INIT_CWD: "/home/me/photos", npm_package_json: join(ROOT, "package.json") };

describe("userCwd", () => {
  it("answers INIT_CWD while the process stands where npm run put it", () => {
    // Act / Assess
    expect(userCwd(npmEnv, ROOT)).toBe("/home/me/photos");
  });

  it("answers INIT_CWD when the package root is reached through a symbolic link", () => {
    // Prepare
    const link = join(realpathSync(mkdtempSync(join(tmpdir(), "cli-link-"))), "root");
    symlinkSync(ROOT, link);

    // Act / Assess
    expect(userCwd({ ...npmEnv, npm_package_json: join(link, "package.json") }, ROOT)).toBe("/home/me/photos");
  });

  it("keeps the current folder of a program a child of npm started elsewhere", () => {
    // Act / Assess
    expect(userCwd(npmEnv, "/srv/fixtures")).toBe("/srv/fixtures");
  });

  it.each([
    ["without npm", {}],
    ["without npm_package_json", { INIT_CWD: "/home/me" }],
    ["with a relative INIT_CWD", { ...npmEnv, INIT_CWD: "me" }],
    ["with an empty INIT_CWD", { ...npmEnv, INIT_CWD: "" }],
  ])("keeps the current folder %s", (_, env) => {
    // Act / Assess
    expect(userCwd(env, ROOT)).toBe(ROOT);
  });
});

describe("UsageError", () => {
  it("names itself", () => {
    // Act
    const error = new UsageError("--out needs a file");

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe("UsageError");
    expect(error.message).toBe("--out needs a file");
  });
});

describe("usageErrors", () => {
  it("answers what the parser answers", () => {
    // Act
    const { values } = usageErrors(() =>
      parseArgs({ args: ["--out", "x"], options: { out: { type: "string" } }, strict: true }),
    );

    // Assess
    expect(values.out).toBe("x");
  });

  it("turns what the parser throws into a UsageError with its message", () => {
    // Act
    const attempt = () =>
      usageErrors(() => parseArgs({ args: ["--nope"], options: { out: { type: "string" } }, strict: true }));

    // Assess
    expect(attempt).toThrow(UsageError);
    expect(attempt).toThrow(/Unknown option '--nope'/);
  });
});

describe("usageMessage", () => {
  it("prefixes every line with the tool and points to --help", () => {
    // Act
    const text = usageMessage("failback", new UsageError("--since is required\n--invoke must name a function"));

    // Assess
    expect(text).toBe(
      "failback: --since is required\nfailback: --invoke must name a function\nRun with --help for usage.\n",
    );
  });
});
