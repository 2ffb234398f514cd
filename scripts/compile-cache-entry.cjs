"use strict";
// The entry of a bundled command (dist/<name>.cjs, copied here by scripts/build.mjs): runs
// dist/<name>.bundle.cjs with V8's code cache (dist/.cache/<name>.v8), so that a run compiles only
// what the cache does not hold; about 0.1 s of the synth's 0.5 s. Node 22 has this built in
// (module.enableCompileCache); Node 20 has vm.Script's cachedData, which this uses on both.
//
// V8 checks the cache against the source, its version and its flags: a cache that does not fit is
// rejected and written again after the run. Nothing depends on the cache: without a writable dist/
// (or with SIP_COMPILE_CACHE=off) the bundle runs without it. The cache is written once the
// command has run, so that it holds the functions the run compiled, to a temporary file renamed
// into place (two runs at once each write a whole file).
const { mkdirSync, readFileSync, renameSync, writeFileSync } = require("node:fs");
const Module = require("node:module");
const { basename, dirname, join } = require("node:path");
const vm = require("node:vm");

const name = basename(__filename, ".cjs");
const bundle = join(__dirname, `${name}.bundle.cjs`);
const cacheFile = join(__dirname, ".cache", `${name}.v8`);
const useCache = process.env.SIP_COMPILE_CACHE !== "off";

function readCache() {
  try {
    return useCache ? readFileSync(cacheFile) : undefined;
  } catch {
    return undefined;
  }
}

function writeCache(script) {
  try {
    mkdirSync(dirname(cacheFile), { recursive: true });
    const temporary = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temporary, script.createCachedData());
    renameSync(temporary, cacheFile);
  } catch {
    // A read-only dist/: the next run compiles again.
  }
}

const cachedData = readCache();
const script = new vm.Script(Module.wrap(readFileSync(bundle, "utf8")), { filename: bundle, cachedData });
if (useCache && (cachedData === undefined || script.cachedDataRejected)) process.once("exit", () => writeCache(script));
const module_ = new Module(bundle, module);
module_.filename = bundle;
module_.paths = Module._nodeModulePaths(__dirname);
const require_ = (id) => module_.require(id);
require_.main = module_; // the bundle is the program (functions/shared/entry.ts)
require_.resolve = (request, options) => Module._resolveFilename(request, module_, false, options);
script.runInThisContext()(module_.exports, require_, module_, bundle, __dirname);
