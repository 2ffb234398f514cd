import { describe, expect, it } from "vitest";
import { HEALTH_RESPONSE, handler } from "./handler";

describe("health handler", () => {
  it("answers a status and nothing else, not cacheable", async () => {
    // Act
    const response = await handler();
    // Assess
    expect(response).toBe(HEALTH_RESPONSE);
    expect(JSON.parse(response.body)).toEqual({ status: "ok" });
    expect(response.headers["cache-control"]).toBe("no-store");
  });
});
