#!/usr/bin/env node
// Bundles each Lambda handler with esbuild and packs it into a deterministic zip:
// dist/lambda/<name>.zip (one `index.js`, fixed timestamp), plus dist/lambda/manifest.json with the
// base64 SHA-256 of each zip (Terraform's source_code_hash). Same sources -> byte-identical zips.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { zipSync } from "fflate";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** Function name -> handler source. A handler that does not exist yet is skipped, and said so. */
export const FUNCTIONS = {
  upload: "functions/upload-presign/handler.ts",
  download: "functions/download-presign/handler.ts",
  scrub: "functions/image-scrub/handler.ts",
  "document-scrub": "functions/document-scrub/handler.ts",
  sync: "functions/cross-partition-sync/handler.ts",
  failback: "functions/cross-partition-sync/failback-handler.ts",
  signing: "functions/signing/handler.ts",
  webhooks: "functions/webhooks/handler.ts",
  "subject-request-api": "functions/subject-requests/api-handler.ts",
  "subject-request-pending": "functions/subject-requests/pending-handler.ts",
  "subject-request-run": "functions/subject-requests/run-handler.ts",
  "subject-request-certify": "functions/subject-requests/certify-handler.ts",
  health: "functions/health/handler.ts",
};

// DOS epoch in local time is what zip stores; fflate converts from this Date. Fixed, so zips are stable.
const ZIP_MTIME = new Date(1980, 0, 1, 0, 0, 0);

export async function bundleFunctions(outDir = join(root, "dist", "lambda")) {
  mkdirSync(outDir, { recursive: true });
  const manifest = {};
  for (const [name, entry] of Object.entries(FUNCTIONS)) {
    if (!existsSync(join(root, entry))) {
      process.stderr.write(`bundle-functions: ${entry} does not exist; ${name} is not bundled\n`);
      continue;
    }
    const result = await build({
      entryPoints: [join(root, entry)],
      bundle: true,
      platform: "node",
      target: "node22",
      format: "cjs",
      minify: true,
      legalComments: "none",
      sourcemap: false,
      write: false,
      logLevel: "warning",
      absWorkingDir: root,
    });
    const code = result.outputFiles[0].contents;
    const zip = zipSync({ "index.js": [code, { mtime: ZIP_MTIME, level: 9 }] });
    const file = join(outDir, `${name}.zip`);
    writeFileSync(file, zip);
    manifest[name] = {
      zip: `${name}.zip`,
      sourceCodeHash: createHash("sha256").update(zip).digest("base64"),
      bytes: zip.length,
      bundleBytes: code.length,
    };
  }
  writeFileSync(join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const manifest = await bundleFunctions();
  for (const [name, m] of Object.entries(manifest))
    process.stdout.write(`${name}: ${m.bytes} bytes (bundle ${m.bundleBytes}) ${m.sourceCodeHash}\n`);
}
