import { defineConfig } from "vitest/config";

// `make shared-tests`: suites over ../shared (reference vectors, image corpus); .ci/run runs them
// when ../shared exists. They fail, not skip, when it is missing.
export default defineConfig({
  test: {
    include: ["**/*.shared.test.ts"],
    exclude: ["node_modules/**", "cdktf.out/**", "dist/**"],
    pool: "forks",
    testTimeout: 120_000,
  },
});
