/**
 * docs/deploy.md: every command in a block marked `sh offline` is run by a test. The table below
 * names, for each such command, the test that runs it (the Makefile recipe or the command itself,
 * with temporary folders); a command without an entry fails here, so the guide cannot gain an
 * offline command that nothing runs. The commands of the other blocks need AWS.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./template";

/** Command pattern -> the test file and the test (its name) that runs it. */
const RUN_BY: ReadonlyArray<{ readonly command: RegExp; readonly file: string; readonly test: string }> = [
  {
    command: /^make synth CONFIG=config\/example\.json$/,
    file: "test/terraform.test.ts",
    test: "runs the synth recipe: synthesize, offline terraform check, guardrails and review files; then the plan recipe",
  },
  {
    command: /^make bootstrap CONFIG=config\/example\.json$/,
    file: "test/make-bootstrap.test.ts",
    test: "synthesizes, validates, plans and checks the state stack",
  },
  {
    command: /^make diff BASE=HEAD$/,
    file: "policies/test/diff-cli.test.ts",
    test: "synthesizes the base in a temporary worktree, compares the head with it, exits 3 on danger and removes the worktree",
  },
  {
    command: /^npm run -s operator-env -- --outputs outputs\.json --class avatars-clean$/,
    file: "functions/cross-partition-sync/operator-env.test.ts",
    test: "prints a shell environment that sets the function names and the region",
  },
];

/** The commands of the guide's `sh offline` blocks, one per line (comments and blank lines dropped). */
function offlineCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const m of markdown.matchAll(/^\s*```sh offline\n([\s\S]*?)^\s*```/gm)) {
    for (const line of (m[1] ?? "").split("\n")) {
      const command = line.replace(/\s+#.*$/, "").trim();
      if (command !== "" && !command.startsWith("#")) commands.push(command);
    }
  }
  return commands;
}

describe("docs/deploy.md", () => {
  const guide = readFileSync(join(PROJECT_ROOT, "docs", "deploy.md"), "utf8");

  it("has offline commands, and a test runs each of them", () => {
    // Act
    const commands = offlineCommands(guide);
    const unrun = commands.filter((c) => !RUN_BY.some((r) => r.command.test(c)));
    const runners = RUN_BY.filter((r) => commands.some((c) => r.command.test(c)));
    const missing = runners
      .filter((r) => !readFileSync(join(PROJECT_ROOT, r.file), "utf8").includes(`"${r.test}"`))
      .map((r) => `${r.file}: ${r.test}`);
    // Assess
    expect(commands.length).toBeGreaterThanOrEqual(4);
    expect(unrun).toEqual([]);
    expect(missing).toEqual([]);
  });
});
