import { defineConfig } from "vitest/config";

// `make test`: every *.test.ts except suites that need ../shared (named *.shared.test.ts), which
// vitest.shared.config.ts runs (`make shared-tests`), so that a fresh clone tests on its own.
export default defineConfig({
  test: {
    include: ["**/*.test.ts"],
    exclude: [
      "**/*.shared.test.ts",
      "test/authz/proof.test.ts",
      "node_modules/**",
      "cdktf.out/**",
      "dist/**",
      ".terraform-check/**",
    ],
    pool: "forks",
    globalSetup: ["test/global-setup.ts"],
    // Records every AWS request the tests make, for the authorization proof (`make proof`).
    setupFiles: ["test/authz/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
