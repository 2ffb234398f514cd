/**
 * The layout says what ships and what tests it (docs/architecture.md, "Layout"): the shipped folders
 * hold production code and the tests next to it; harnesses and fixtures that only tests use live in
 * test/ (test/support/<function>/ for one function's), developer tools in tools/ and bench/.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "./template";

/** What is bundled into the synth program, the Lambda zips or a shipped command line. */
const SHIPPED = /^(functions|modules|stacks|policies|config|framework)\/|^main\.ts$/;

/** Test code inside a shipped folder: test files, a `test/` folder (policies/test/), snapshots. */
const TEST_CODE = /\.test\.ts$|(^|\/)test\/|__snapshots__/;

/** What production code must not import: tests and their support, developer tools, benchmarks. */
const NOT_SHIPPED = /^(test|tools|bench)\/|(^|\/)test\/|\.test(\.ts)?$/;

/**
 * Modules under functions/ that no bundle imports but that are kept as an API for other code; what
 * they import counts as shipped. The document scrubber's core (issue 19) has no handler yet. (The
 * evidence KMS signer is shipped in the signing function's bundle.)
 */
const PUBLIC_API = [
  "functions/image-scrub/index.ts",
  "functions/document-scrub/index.ts",
  // The data-subject request workflow of issue 18: four Lambda entry points (the API, and the state
  // machine's pending, run and certify tasks) and the definition the stack will synthesize; they reach
  // the erasure, export and certificate cores. Until scripts/bundle-functions.mjs and the stack name
  // them, they are kept here.
  "functions/subject-requests/api-handler.ts",
  "functions/subject-requests/pending-handler.ts",
  "functions/subject-requests/run-handler.ts",
  "functions/subject-requests/certify-handler.ts",
  "functions/subject-requests/definition.ts",
  // The receivers' verification helper of the signed webhooks (issue 19, item 3): receivers run it, no bundle does.
  "functions/webhooks/verify.ts",
];

/** Tracked and new TypeScript and JavaScript sources, relative to the project. */
function sources(): string[] {
  const out = execFileSync(
    "git",
    ["ls-files", "--cached", "--others", "--exclude-standard", "*.ts", "*.mts", "*.mjs"],
    {
      cwd: PROJECT_ROOT,
      encoding: "utf8",
    },
  );
  return out.split("\n").filter((f) => f !== "" && existsSync(join(PROJECT_ROOT, f)));
}

const shippedSources = () => sources().filter((f) => SHIPPED.test(f) && !TEST_CODE.test(f));

/** Static imports, re-exports, side-effect imports, dynamic imports and requires. */
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"']+)["']/g;

const specifiersIn = (text: string) => [...text.matchAll(IMPORT)].map((m) => m[1] ?? "");

/** The project-relative paths a file imports (relative specifiers only: the project has no path aliases). */
function importsOf(file: string): string[] {
  return specifiersIn(readFileSync(join(PROJECT_ROOT, file), "utf8"))
    .filter((s) => s.startsWith("."))
    .map((s) => normalize(join(dirname(file), s)));
}

const isFile = (path: string) => existsSync(join(PROJECT_ROOT, path)) && statSync(join(PROJECT_ROOT, path)).isFile();

/** The source file an import names, as esbuild resolves it (extension left out, or a folder's index). */
const resolveSource = (target: string) =>
  [target, `${target}.ts`, `${target}/index.ts`, target.replace(/\.js$/, ".ts")].find(isFile);

/** Every source reached from `entries` through relative imports. */
function reachedFrom(entries: readonly string[]): Set<string> {
  const reached = new Set<string>();
  const pending = [...entries];
  for (let file = pending.pop(); file !== undefined; file = pending.pop()) {
    if (reached.has(file) || !/\.(ts|mts|mjs)$/.test(file)) continue;
    reached.add(file);
    for (const target of importsOf(file)) {
      const source = resolveSource(target);
      if (source !== undefined) pending.push(source);
    }
  }
  return reached;
}

/** A plain ES module script of scripts/ (no type declarations: imported by path, typed here). */
const script = async <T>(name: string) => (await import(join(PROJECT_ROOT, "scripts", name))) as T;

/** The entry points of what ships: the Lambda handlers and the shipped bundles of scripts/build.mjs. */
async function shippedEntryPoints(): Promise<string[]> {
  const { FUNCTIONS } = await script<{ FUNCTIONS: Record<string, string> }>("bundle-functions.mjs");
  const { TARGETS } = await script<{ TARGETS: Record<string, { entryPoints: readonly string[] }> }>("build.mjs");
  const bundles = Object.values(TARGETS).flatMap((target) => target.entryPoints);
  return [...Object.values(FUNCTIONS), ...bundles].filter((entry) => SHIPPED.test(entry));
}

describe("layout", () => {
  it("production code imports nothing from tests, test support, tools or benchmarks", () => {
    const offenders = shippedSources().flatMap((file) =>
      importsOf(file)
        .filter((target) => NOT_SHIPPED.test(target))
        .map((target) => `${file} imports ${target}`),
    );
    expect(offenders).toEqual([]);
  });

  it("keeps only shipped code in functions/: every non-test source there is part of a handler or command bundle", async () => {
    const reached = reachedFrom([...(await shippedEntryPoints()), ...PUBLIC_API]);
    const unshipped = shippedSources().filter(
      (file) => file.startsWith("functions/") && !reached.has(file) && !PUBLIC_API.includes(file),
    );
    expect(unshipped, "move test-only code to test/support/<function>/, tools to tools/<name>/").toEqual([]);
  });

  it("names the shipped entry points from the build scripts, the tools' bundles left out", async () => {
    const entries = await shippedEntryPoints();
    expect(entries).toContain("functions/image-scrub/handler.ts");
    expect(entries).toContain("main.ts");
    expect(entries.filter((entry) => entry.startsWith("tools/"))).toEqual([]);
  });

  it("recognises the ways a file imports another", () => {
    const text = [
      'import { a } from "../test/a";',
      'import type { B } from "../tools/b";',
      'export * from "./c";',
      'import "./d";',
      'const e = await import("./e");',
      'const f = require("./f");',
      "import {\n  g,\n} from './g';",
    ].join("\n");
    expect(specifiersIn(text)).toEqual(["../test/a", "../tools/b", "./c", "./d", "./e", "./f", "./g"]);
    for (const target of ["test/support/x", "tools/x/y", "bench/x", "policies/test/harness", "functions/a.test"]) {
      expect(NOT_SHIPPED.test(target), target).toBe(true);
    }
    for (const target of ["functions/shared/logger", "config/partitions", "policies/authz/world"]) {
      expect(NOT_SHIPPED.test(target), target).toBe(false);
    }
  });
});
