/**
 * `make bench` (scrub part): throughput and peak memory of the scrubber over an image corpus
 * (default ../shared/corpus), side by side with `exiftool -all=` in batch mode (one process, -@ list)
 * and `jpegtran -copy none` (JPEG only), measured in the same run; and the size and cold import time
 * of each function bundle. Writes bench/results/scrub.json. Run through bench/run-scrub-bench.mjs.
 */
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { extname, join, resolve } from "node:path";
import { unzipSync } from "fflate";
import { isScrubRejected } from "../functions/image-scrub/errors";
import { scrubBuffer } from "../functions/image-scrub/core";

const root = resolve(process.argv[2] ?? ".");
const corpus = resolve(root, process.argv[3] ?? "../shared/corpus");
const round = (x: number) => Math.round(x * 10) / 10;

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

async function scrubFigures(list: string[]) {
  const inputs = list.map((f) => ({ file: f, bytes: readFileSync(f) }));
  const accepted: typeof inputs = [];
  for (const input of inputs) {
    try {
      await scrubBuffer(input.bytes);
      accepted.push(input);
    } catch (error) {
      if (!isScrubRejected(error)) throw error;
    }
  }
  const runs = 5;
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    for (const input of accepted) await scrubBuffer(input.bytes);
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(runs / 2)] ?? 0;
  const bytes = accepted.reduce((n, i) => n + i.bytes.length, 0);
  return { files: accepted.length, bytes, medianMs: round(ms), mbPerSecond: round(bytes / 1e6 / (ms / 1000)), filesPerSecond: round(accepted.length / (ms / 1000)), accepted: accepted.map((a) => a.file) };
}

function timeCommand(cmd: string, args: string[]): number {
  const started = performance.now();
  const r = spawnSync(cmd, args, { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return performance.now() - started;
}

function exiftoolBatch(accepted: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "sip-bench-exif-"));
  try {
    const copies = accepted.map((f, i) => {
      const copy = join(dir, `${i}${extname(f)}`);
      copyFileSync(f, copy);
      return copy;
    });
    const list = join(dir, "list.txt");
    writeFileSync(list, `${copies.join("\n")}\n`);
    const ms = timeCommand("exiftool", ["-q", "-m", "-all=", "-overwrite_original", "-@", list]);
    const bytes = accepted.reduce((n, f) => n + statSync(f).size, 0);
    return { medianMs: round(ms), mbPerSecond: round(bytes / 1e6 / (ms / 1000)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function jpegtran(jpegs: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "sip-bench-jpegtran-"));
  try {
    const started = performance.now();
    jpegs.forEach((f, i) => {
      spawnSync("jpegtran", ["-copy", "none", "-outfile", join(dir, `${i}.jpg`), f]);
    });
    const ms = performance.now() - started;
    const bytes = jpegs.reduce((n, f) => n + statSync(f).size, 0);
    return { files: jpegs.length, ms: round(ms), mbPerSecond: round(bytes / 1e6 / (ms / 1000)) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function functionBundles() {
  const dir = join(root, "dist", "lambda");
  const manifestFile = join(dir, "manifest.json");
  if (!existsSync(manifestFile)) return {};
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Record<string, { zip: string; bytes: number; bundleBytes: number }>;
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(manifest)) {
    const tmp = mkdtempSync(join(tmpdir(), `sip-bench-${name}-`));
    try {
      const entries = unzipSync(readFileSync(join(dir, m.zip)));
      mkdirSync(tmp, { recursive: true });
      writeFileSync(join(tmp, "index.js"), entries["index.js"] ?? new Uint8Array());
      const probe = `const t=performance.now();require(${JSON.stringify(join(tmp, "index.js"))});process.stdout.write(String(performance.now()-t))`;
      // The environment each handler validates at import, with placeholder values.
      const env = {
        ...process.env,
        AWS_REGION: "eusc-de-east-1",
        CLEAN_BUCKET: "bench-clean",
        UPLOAD_BUCKET: "bench-originals",
        ALLOWED_CONTENT_TYPES: "image/jpeg",
        MAX_SIZE_BYTES: "1048576",
        EXPIRY_SECONDS: "300",
        KMS_KEY_ARNS: "{}",
        PSEUDONYM_KEY_ID: "alias/bench/subject-pseudonyms",
      };
      const samples = [0, 1, 2].map(() => {
        const r = spawnSync(process.execPath, ["-e", probe], { encoding: "utf8", env });
        if (r.status !== 0 || !/^\d+(\.\d+)?$/.test(r.stdout)) throw new Error(`importing the ${name} bundle failed:\n${r.stderr}`);
        return Number(r.stdout);
      });
      samples.sort((a, b) => a - b);
      out[name] = { zipBytes: m.bytes, bundleBytes: m.bundleBytes, coldImportMsMedian: round(samples[1] ?? Number.NaN) };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return out;
}

async function main() {
  const report: Record<string, unknown> = { benchmark: "scrub", node: process.version, functions: functionBundles() };
  if (!existsSync(corpus)) {
    report.corpus = `${corpus} not found: scrub throughput not measured`;
  } else {
    const list = files(corpus).filter((f) => /\.(jpe?g|png|webp)$/i.test(f));
    const all = await scrubFigures(list);
    const jpegOnly = await scrubFigures(list.filter((f) => /\.jpe?g$/i.test(f)));
    const exif = exiftoolBatch(all.accepted);
    const exifJpeg = exiftoolBatch(jpegOnly.accepted);
    const jt = jpegtran(jpegOnly.accepted);
    const { accepted: _a, ...allFigures } = all;
    const { accepted: _j, ...jpegFigures } = jpegOnly;
    report.corpus = corpus;
    report.scrub = { allFormats: allFigures, jpeg: jpegFigures };
    report.exiftoolBatch = { allFormats: exif, jpeg: exifJpeg };
    report.jpegtranPerFile = jt;
    report.ratios = {
      vsExiftoolAllFormats: round(all.mbPerSecond / exif.mbPerSecond),
      vsExiftoolJpeg: round(jpegOnly.mbPerSecond / exifJpeg.mbPerSecond),
      vsJpegtran: round(jpegOnly.mbPerSecond / jt.mbPerSecond),
    };
    report.targets = { vsExiftool: ">= 2", vsJpegtran: "> 1" };
    report.pass = all.mbPerSecond >= 2 * exif.mbPerSecond && jpegOnly.mbPerSecond > jt.mbPerSecond;
  }
  report.peakRssMB = round(process.resourceUsage().maxRSS / 1024);
  const out = join(root, "bench", "results", "scrub.json");
  mkdirSync(join(root, "bench", "results"), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  if (report.pass === false) process.exitCode = 1;
}

await main();
