import { describe, expect, it } from "vitest";
import { recordedInputs, staleReason } from "./staleness.mjs";

const BUILT = 1_000;

describe("staleReason", () => {
  it("answers undefined when every input is older than the output", () => {
    // Act / Assess
    expect(
      staleReason({
        outputMtimeMs: BUILT,
        inputs: [
          { path: "a.ts", mtimeMs: 900 },
          { path: "b.ts", mtimeMs: BUILT },
        ],
      }),
    ).toBeUndefined();
  });

  it.each([
    ["the output is missing", { outputMtimeMs: undefined, inputs: [] }, "not built yet"],
    ["no inputs were recorded", { outputMtimeMs: BUILT, inputs: undefined }, "its inputs were not recorded"],
    [
      "an input changed after the build",
      {
        outputMtimeMs: BUILT,
        inputs: [
          { path: "a.ts", mtimeMs: 900 },
          { path: "b.ts", mtimeMs: 1_001 },
        ],
      },
      "b.ts changed",
    ],
    ["an input is gone", { outputMtimeMs: BUILT, inputs: [{ path: "a.ts", mtimeMs: undefined }] }, "a.ts is gone"],
  ])("rebuilds when %s", (_, state, reason) => {
    // Act / Assess
    expect(staleReason(state)).toBe(reason);
  });
});

describe("recordedInputs", () => {
  it("lists the metafile's inputs and the build script, once each, sorted", () => {
    // Act
    const inputs = recordedInputs({ inputs: { "functions/b.ts": {}, "functions/a.ts": {}, "scripts/build.mjs": {} } }, [
      "scripts/build.mjs",
    ]);

    // Assess
    expect(inputs).toEqual(["functions/a.ts", "functions/b.ts", "scripts/build.mjs"]);
  });

  it("leaves out installed packages, whose files npm installs with old times (the lock file stands for them)", () => {
    // Act
    const inputs = recordedInputs({ inputs: { "node_modules/cdktf/lib/index.js": {}, "main.ts": {} } }, [
      "package-lock.json",
    ]);

    // Assess
    expect(inputs).toEqual(["main.ts", "package-lock.json"]);
  });
});
