import { defineConfig } from "vitest/config";

// `make proof`: the authorization proof over the requests that `make unit` recorded
// (test/authz/recorder.ts), evaluated against the synthesized example's policies.
export default defineConfig({
  test: {
    include: ["test/authz/proof.test.ts"],
    pool: "forks",
    globalSetup: ["test/authz/proof-setup.ts"],
    testTimeout: 120_000,
  },
});
