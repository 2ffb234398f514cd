import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * Test files that change process-wide state (environment variables, module mocks, spies) or read
 * the environment when they are imported: each runs in a fresh process. scripts/test-isolation.test.ts
 * fails when a file that does so is missing here.
 */
export const ISOLATED_FILES = [
  "functions/cross-partition-sync/failback.rgw.test.ts",
  "functions/cross-partition-sync/sync.e2e.rgw.test.ts",
  "functions/cross-partition-sync/homecoming.e2e.rgw.test.ts",
  "functions/cross-partition-sync/sync.rgw.test.ts",
  "functions/image-scrub/handler.test.ts",
  "functions/image-scrub/scrub.rgw.test.ts",
  "functions/shared/invoke.test.ts",
  "functions/shared/tenant-directory.test.ts",
  "functions/shared/tenant-shredding.rgw.test.ts",
  "functions/upload-presign/handler.test.ts",
  "functions/upload-presign/presign.test.ts",
  "policies/test/iam-unavailable.test.ts",
];

const EXCLUDED = [
  "**/*.shared.test.ts",
  "test/authz/proof.test.ts",
  "node_modules/**",
  "cdktf.out/**",
  "dist/**",
  ".terraform-check/**",
];

// `make test`: every *.test.ts except suites that need ../shared (named *.shared.test.ts), which
// vitest.shared.config.ts runs (`make shared-tests`), so that a fresh clone tests on its own.
//
// Speed without depending on the machine's speed: the other test files share one process per
// worker (no module reloading between files: about a third of the suite's CPU time), and there is
// one worker more than the CPUs, because many tests wait on child processes (terraform, the S3
// gateway). Limits are set for a loaded machine: the slowest test takes about 18 s on a quiet
// 2-core machine, and up to five times that beside four CPU-bound processes.
export default defineConfig({
  test: {
    pool: "forks",
    maxWorkers: Math.max(2, availableParallelism()) + 1,
    globalSetup: ["test/global-setup.ts"],
    // Records every AWS request the tests make, for the authorization proof (`make proof`).
    setupFiles: ["test/authz/setup.ts"],
    testTimeout: 180_000,
    hookTimeout: 180_000,
    projects: [
      { extends: true, test: { name: "isolated", include: ISOLATED_FILES, exclude: EXCLUDED } },
      {
        extends: true,
        test: {
          name: "shared-process",
          include: ["**/*.test.ts"],
          exclude: [...EXCLUDED, ...ISOLATED_FILES],
          isolate: false,
        },
      },
    ],
  },
});
