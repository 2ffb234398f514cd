import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: ["node_modules/**", "cdktf.out/**", "dist/**", ".terraform-check/**"],
    // Synth-heavy tests share one process per file; two cores on CI.
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
