import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./template";

/** Tracked and new TypeScript sources outside node_modules and generated folders. */
function sources(): string[] {
  const out = execFileSync("git", ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.mjs"], {
    cwd: PROJECT_ROOT,
    encoding: "utf8",
  });
  return out.split("\n").filter((f) => f !== "");
}

const importsOf = (file: string) =>
  [...readFileSync(join(PROJECT_ROOT, file), "utf8").matchAll(/(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map(
    (m) => m[1] ?? "",
  );

describe("framework seam", () => {
  it("imports cdktf and constructs only in framework/ (tests may use the provider's deep paths)", () => {
    const offenders = sources()
      .filter((f) => !f.startsWith("framework/"))
      .flatMap((f) =>
        importsOf(f)
          .filter(
            (i) =>
              i === "cdktf" ||
              i === "constructs" ||
              i.startsWith("cdktf/") ||
              (i.startsWith("@cdktf/") && !f.endsWith(".test.ts")),
          )
          .map((i) => `${f}: ${i}`),
      );
    expect(offenders).toEqual([]);
  });

  it("never imports the provider's root barrel", () => {
    const offenders = sources().flatMap((f) =>
      importsOf(f)
        .filter((i) => i === "@cdktf/provider-aws")
        .map(() => f),
    );
    expect(offenders).toEqual([]);
  });

  it("imports the AGPL-licensed @cloud-copilot/iam-simulate only from tests (a dev dependency, never shipped)", () => {
    const offenders = sources()
      .filter((f) => !f.endsWith(".test.ts"))
      .filter((f) => importsOf(f).some((i) => i.startsWith("@cloud-copilot/iam-simulate")));
    expect(offenders).toEqual([]);
  });

  it("writes no literal partition ARN prefix in modules, stacks, policies, functions or main.ts", () => {
    const offenders = sources()
      .filter(
        (f) =>
          /^(modules|stacks|policies|functions)\/|^main\.ts$/.test(f) &&
          !/\.test\.ts$|\/test\/|fixtures|__snapshots__/.test(f),
      )
      .filter((f) => /["'`]arn:aws(-eusc)?:/.test(readFileSync(join(PROJECT_ROOT, f), "utf8")));
    expect(offenders).toEqual([]);
  });
});
