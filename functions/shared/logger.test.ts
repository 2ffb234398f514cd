import { describe, expect, it } from "vitest";
import { createLogger } from "./logger";

describe("createLogger", () => {
  it("writes one JSON object per line with level, service, message and fields", () => {
    const lines: string[] = [];
    const log = createLogger("scrub", { write: (l) => lines.push(l) }).with({ requestId: "r1" });
    log.info("scrubbed", { key: "t/s/1" });
    expect(lines).toEqual([
      `${JSON.stringify({ level: "info", service: "scrub", message: "scrubbed", requestId: "r1", key: "t/s/1" })}\n`,
    ]);
  });

  it("drops lines below the minimum level and renders errors readably", () => {
    const lines: string[] = [];
    const log = createLogger("sync", { level: "warn", write: (l) => lines.push(l) });
    log.info("hidden");
    log.error("failed", { error: new Error("boom", { cause: new Error("root") }) });
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      {
        level: "error",
        service: "sync",
        message: "failed",
        error: { name: "Error", message: "boom", cause: { name: "Error", message: "root" } },
      },
    ]);
  });
});
