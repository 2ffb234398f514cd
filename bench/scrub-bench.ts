/**
 * `make bench` (scrub part): the scrubber as users run it, against the tools they would use instead,
 * on the same files in the same run. Every figure is a whole, cold process:
 *
 * - ours: `node dist/scrub.cjs --out-dir <dir> -` with the file list on stdin (batch mode, all CPUs);
 * - exiftool: `exiftool -all= -o <dir>/ -@ <list>` (batch mode, one process);
 * - jpegtran: `jpegtran -copy none` once per JPEG from a shell loop (it has no batch mode; a loop
 *   over files is how it is run, and the loop's fork/exec is part of the cost a user pays).
 *
 * Repetitions interleave the commands so that load from other processes hits them alike; each
 * repetition's ratio (their wall time / ours) is computed within the repetition, and min / median /
 * max over the repetitions are reported. Also: cold start (`scrub --help` against `node -e 0`) and
 * the size and cold import time of each function bundle. The corpus is `argv[3]` (default
 * ../shared/corpus); without it the bench runs on generated files (JPEGs from cjpeg when installed,
 * PNGs, WebPs, each with metadata, plus a few broken ones). Writes bench/results/scrub.json with
 * targets and verdicts; the exit status is 0 unless the bench itself failed (bench/run-all.mjs
 * decides on the verdicts at the end).
 */
import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { unzipSync } from "fflate";
import {
  chunk,
  codedScan,
  DHT_CODED,
  DQT,
  EOI,
  exifApp1,
  iccChunks,
  iccProfile,
  ihdr,
  PNG_SIGNATURE,
  pngImage,
  riff,
  riffChunk,
  SOI,
  seg,
  sof,
  sos,
  textChunk,
  vp8Payload,
  vp8x,
  XMP_PACKET,
} from "../test/support/image-scrub/fixtures";

const root = resolve(process.argv[2] ?? ".");
const corpusArg = resolve(root, process.argv[3] ?? "../shared/corpus");
const REPS = Number(process.env.SIP_SCRUB_BENCH_REPS ?? 5);
const TARGETS = { vsExiftoolAllFormats: 2, vsExiftoolJpeg: 2, vsJpegtranJpeg: 1 } as const;
/** A node process copying the files without parsing them (bench/copy-floor.cjs): no node scrubber can beat it. */
const FLOOR = "node copy, no parsing (floor)";
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const progress = (line: string) => process.stderr.write(`[scrub-bench] ${line}\n`);

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
    .sort();
}

function stats(xs: readonly number[]) {
  const s = [...xs].sort((a, b) => a - b);
  return {
    min: round(s[0] ?? Number.NaN, 2),
    median: round(s[Math.floor(s.length / 2)] ?? Number.NaN, 2),
    max: round(s[s.length - 1] ?? Number.NaN, 2),
  };
}

function has(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`], { stdio: "ignore" }).status === 0;
}

/** Files with metadata made here, for a machine without the shared corpus. */
function generate(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const out: string[] = [];
  const write = (name: string, bytes: Buffer) => {
    writeFileSync(join(dir, name), bytes);
    out.push(join(dir, name));
  };
  const metadata = [
    exifApp1(6),
    app1Xmp(),
    ...iccChunks(iccProfile(3000), 2),
    seg(0xfe, Buffer.from("generated comment")),
  ];
  const cjpeg = has("cjpeg");
  for (let i = 0; i < 60; i++) {
    const side = 256 + (i % 6) * 128;
    let jpeg: Buffer;
    if (cjpeg) {
      // A real photo-sized JPEG: cjpeg over a noisy gradient, then metadata after SOI.
      const ppm = Buffer.concat([Buffer.from(`P6 ${side} ${side} 255\n`), noise(side * side * 3, i + 1)]);
      const r = spawnSync("cjpeg", ["-quality", "90"], { input: ppm, maxBuffer: 64 * 1024 * 1024 });
      if (r.status !== 0) throw new Error(`cjpeg failed: ${r.stderr}`);
      jpeg = Buffer.concat([SOI, ...metadata, r.stdout.subarray(2)]);
    } else {
      // Huffman data the entropy walker follows (76 bytes per block); random bytes would be rejected.
      jpeg = Buffer.concat([
        SOI,
        ...metadata,
        DQT,
        DHT_CODED,
        sof(0xc0, side, side),
        sos(),
        codedScan((side / 8) ** 2, { seed: i + 1, ac: 55 }),
        EOI,
      ]);
    }
    write(`gen-${i}.jpg`, jpeg);
  }
  for (let i = 0; i < 30; i++) {
    const { idat } = pngImage(64 + i * 8, 64 + i * 8, 3);
    write(
      `gen-${i}.png`,
      Buffer.concat([
        PNG_SIGNATURE,
        ihdr(64 + i * 8, 64 + i * 8),
        textChunk("Comment", "generated"),
        ...idat,
        chunk("IEND"),
      ]),
    );
  }
  for (let i = 0; i < 15; i++) {
    write(
      `gen-${i}.webp`,
      riff([
        vp8x(0x08 | 0x04, 320, 240),
        riffChunk("VP8 ", vp8Payload(320, 240, 20_000 + i * 1000, i)),
        riffChunk("EXIF", exifApp1(3).subarray(10)),
        riffChunk("XMP ", XMP_PACKET),
      ]),
    );
  }
  const first = readFileSync(out[0] as string);
  write("gen-broken-truncated.jpg", first.subarray(0, first.length >> 1));
  write("gen-broken-not-an-image.png", Buffer.from("not an image at all"));
  return out;
}

function app1Xmp(): Buffer {
  return seg(0xe1, Buffer.concat([Buffer.from("http://ns.adobe.com/xap/1.0/\0", "latin1"), XMP_PACKET]));
}

function noise(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = ((i >> 4) & 0xff) ^ (x & 0x1f);
  }
  return b;
}

/** Wall time of one process (ms), its exit status and stderr. */
function timed(cmd: string, args: string[], input?: string): { ms: number; status: number | null; stderr: string } {
  const started = performance.now();
  const r = spawnSync(cmd, args, { input, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  const ms = performance.now() - started;
  if (r.error) throw r.error;
  return { ms, status: r.status, stderr: r.stderr };
}

function freshDir(parent: string, name: string): string {
  const dir = join(parent, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

interface SetResult {
  files: number;
  bytes: number;
  commands: Record<
    string,
    { wallMs: ReturnType<typeof stats>; mbPerSecond: number; exitStatus: number | null; outputs: number }
  >;
  ratios: Record<string, ReturnType<typeof stats>>;
}

/** Runs the commands for one set of files REPS times, interleaved. */
function compare(work: string, name: string, list: string[], withJpegtran: boolean): SetResult {
  const listFile = join(work, `${name}.list`);
  writeFileSync(listFile, `${list.join("\n")}\n`);
  const scrub = join(root, "dist", "scrub.cjs");
  const commands: Record<string, (out: string) => { ms: number; status: number | null; stderr: string }> = {
    scrub: (out) => timed(process.execPath, [scrub, "--out-dir", out, "-"], readFileSync(listFile, "utf8")),
    "scrub --jobs 1": (out) =>
      timed(process.execPath, [scrub, "--jobs", "1", "--out-dir", out, "-"], readFileSync(listFile, "utf8")),
    "scrub --json (SHA-256 digests)": (out) =>
      timed(process.execPath, [scrub, "--json", "--out-dir", out, "-"], readFileSync(listFile, "utf8")),
    "exiftool -all= (batch)": (out) => timed("exiftool", ["-q", "-q", "-m", "-all=", "-o", `${out}/`, "-@", listFile]),
    [FLOOR]: (out) =>
      timed(process.execPath, [join(root, "bench", "copy-floor.cjs"), out], readFileSync(listFile, "utf8")),
  };
  if (withJpegtran) {
    // One jpegtran per file from one shell, as a user's loop would run it.
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion (base name), not a template
    const loop = 'while IFS= read -r f; do jpegtran -copy none -outfile "$1/${f##*/}" "$f" 2>/dev/null; done < "$2"';
    commands["jpegtran -copy none (per file)"] = (out) => timed("sh", ["-c", loop, "sh", out, listFile]);
  }
  const times: Record<string, number[]> = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
  const last: Record<string, { status: number | null; outputs: number }> = {};
  for (let rep = 0; rep < REPS; rep++) {
    // Rotate the order so that no command always runs first (cold caches) or last.
    const names = Object.keys(commands);
    const order = names.map((_, i) => names[(i + rep) % names.length] as string);
    for (const command of order) {
      const out = freshDir(work, "out");
      const r = (commands[command] as (o: string) => { ms: number; status: number | null })(out);
      (times[command] as number[]).push(r.ms);
      last[command] = { status: r.status, outputs: readdirSync(out).length };
    }
  }
  const bytes = list.reduce((n, f) => n + statSync(f).size, 0);
  const ours = times.scrub as number[];
  const result: SetResult = { files: list.length, bytes, commands: {}, ratios: {} };
  for (const [command, ms] of Object.entries(times)) {
    const s = stats(ms);
    result.commands[command] = {
      wallMs: s,
      mbPerSecond: round(bytes / 1e6 / (s.median / 1000)),
      exitStatus: last[command]?.status ?? null,
      outputs: last[command]?.outputs ?? 0,
    };
    if (command !== "scrub") result.ratios[`${command} / scrub`] = stats(ms.map((t, i) => t / (ours[i] as number)));
  }
  return result;
}

function coldStart() {
  const scrub = join(root, "dist", "scrub.cjs");
  const runs = 20;
  const node: number[] = [];
  const help: number[] = [];
  for (let i = 0; i < runs; i++) {
    node.push(timed(process.execPath, ["-e", "0"]).ms);
    help.push(timed(process.execPath, [scrub, "--help"]).ms);
  }
  return {
    runs,
    nodeE0Ms: stats(node),
    scrubHelpMs: stats(help),
    overheadMsMedian: round(stats(help).median - stats(node).median),
  };
}

function functionBundles() {
  const dir = join(root, "dist", "lambda");
  const manifestFile = join(dir, "manifest.json");
  if (!existsSync(manifestFile)) return {};
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Record<
    string,
    { zip: string; bytes: number; bundleBytes: number }
  >;
  const out: Record<string, unknown> = {};
  for (const [name, m] of Object.entries(manifest)) {
    const tmp = mkdtempSync(join(tmpdir(), `sip-bench-${name}-`));
    try {
      const entries = unzipSync(readFileSync(join(dir, m.zip)));
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
        if (r.status !== 0 || !/^\d+(\.\d+)?$/.test(r.stdout))
          throw new Error(`importing the ${name} bundle failed:\n${r.stderr}`);
        return Number(r.stdout);
      });
      samples.sort((a, b) => a - b);
      out[name] = {
        zipBytes: m.bytes,
        bundleBytes: m.bundleBytes,
        coldImportMsMedian: round(samples[1] ?? Number.NaN),
      };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  return out;
}

/** The targets' verdicts, and the floor each is measured against (exiftool over a plain node copy). */
function judge(allFormats: SetResult, jpeg: SetResult) {
  const median = (set: SetResult, key: string) => set.ratios[key]?.median ?? Number.NaN;
  const targets = {
    vsExiftoolAllFormats: {
      target: `exiftool batch wall time / ours >= ${TARGETS.vsExiftoolAllFormats} (median)`,
      measured: median(allFormats, "exiftool -all= (batch) / scrub"),
    },
    vsExiftoolJpeg: {
      target: `exiftool batch wall time / ours >= ${TARGETS.vsExiftoolJpeg} on JPEG (median)`,
      measured: median(jpeg, "exiftool -all= (batch) / scrub"),
    },
    vsJpegtranJpeg: {
      target: `jpegtran per-file wall time / ours > ${TARGETS.vsJpegtranJpeg} on JPEG (median)`,
      measured: median(jpeg, "jpegtran -copy none (per file) / scrub"),
    },
  };
  // How far any node program could go: exiftool's batch time over a node process that only copies
  // the same files (medians). Below a target, that target cannot be met by a scrubber run from node.
  const floor = (set: SetResult) => {
    const exiftool = set.commands["exiftool -all= (batch)"]?.wallMs.median ?? Number.NaN;
    const copy = set.commands[FLOOR]?.wallMs.median ?? Number.NaN;
    const ours = set.commands.scrub?.wallMs.median ?? Number.NaN;
    return { exiftoolOverFloor: round(exiftool / copy, 2), oursOverFloor: round(ours / copy, 2) };
  };
  const floors = { allFormats: floor(allFormats), jpeg: floor(jpeg) };
  const verdicts = {
    vsExiftoolAllFormats: {
      ...targets.vsExiftoolAllFormats,
      pass: targets.vsExiftoolAllFormats.measured >= TARGETS.vsExiftoolAllFormats,
      reachableFromNode: floors.allFormats.exiftoolOverFloor >= TARGETS.vsExiftoolAllFormats,
    },
    vsExiftoolJpeg: {
      ...targets.vsExiftoolJpeg,
      pass: targets.vsExiftoolJpeg.measured >= TARGETS.vsExiftoolJpeg,
      reachableFromNode: floors.jpeg.exiftoolOverFloor >= TARGETS.vsExiftoolJpeg,
    },
    vsJpegtranJpeg: { ...targets.vsJpegtranJpeg, pass: targets.vsJpegtranJpeg.measured > TARGETS.vsJpegtranJpeg },
  };
  return { floors, verdicts };
}

function main() {
  const started = performance.now();
  const work = mkdtempSync(join(tmpdir(), "sip-scrub-bench-"));
  const loadBefore = loadavg().map((x) => round(x, 2));
  try {
    for (const tool of ["exiftool", "jpegtran"])
      if (!has(tool)) throw new Error(`${tool} is missing (libimage-exiftool-perl, libjpeg-turbo-progs)`);
    const useCorpus = existsSync(corpusArg);
    const inputs = useCorpus ? files(corpusArg) : generate(join(work, "generated"));
    const images = inputs.filter((f) => /\.(jpe?g|png|webp)$/i.test(f));
    const jpegs = images.filter((f) => /\.jpe?g$/i.test(f));
    progress(
      `${useCorpus ? corpusArg : "generated files (no corpus)"}: ${images.length} JPEG/PNG/WebP files, ${jpegs.length} JPEG; ${REPS} repetitions; load ${loadBefore.join(" ")}`,
    );
    progress("cold start");
    const start = coldStart();
    progress("all formats");
    const allFormats = compare(work, "all", images, false);
    progress("JPEG");
    const jpeg = compare(work, "jpeg", jpegs, true);
    const { floors, verdicts } = judge(allFormats, jpeg);
    const report = {
      benchmark: "scrub",
      measured:
        "wall time of whole cold processes on the same files in the same run; ratios = their time / ours, per repetition",
      environment: {
        node: process.version,
        cpus: cpus().length,
        cpuModel: cpus()[0]?.model ?? "unknown",
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadavg().map((x) => round(x, 2)),
      },
      input: useCorpus ? corpusArg : "generated (no corpus)",
      repetitions: REPS,
      coldStart: start,
      allFormats,
      jpeg,
      floor: {
        measured: `${FLOOR}: bench/copy-floor.cjs; exiftoolOverFloor = exiftool batch / floor, oursOverFloor = ours / floor (medians)`,
        ...floors,
      },
      targets: verdicts,
      pass: Object.values(verdicts).every((v) => v.pass),
      functions: functionBundles(),
      totalSeconds: round((performance.now() - started) / 1000),
    };
    const out = join(root, "bench", "results", "scrub.json");
    mkdirSync(join(root, "bench", "results"), { recursive: true });
    writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
    const line = (name: string, set: SetResult, key: string) => {
      const r = set.ratios[key];
      return r ? `  ${name}: ${r.median}x (min ${r.min}, max ${r.max})` : `  ${name}: n/a`;
    };
    process.stdout.write(
      [
        `scrub bench (${process.version}, ${cpus().length} CPUs, load ${loadBefore.join(" ")} -> ${report.environment.loadAverageAfter.join(" ")}) -> ${out}`,
        `  cold start: scrub --help ${start.scrubHelpMs.median} ms, node -e 0 ${start.nodeE0Ms.median} ms (medians of ${start.runs})`,
        `  ours, all formats: ${allFormats.commands.scrub?.wallMs.median} ms for ${allFormats.files} files; JPEG: ${jpeg.commands.scrub?.wallMs.median} ms for ${jpeg.files} files`,
        line("exiftool batch / ours, all formats", allFormats, "exiftool -all= (batch) / scrub"),
        line("exiftool batch / ours, JPEG", jpeg, "exiftool -all= (batch) / scrub"),
        line("jpegtran per file / ours, JPEG", jpeg, "jpegtran -copy none (per file) / scrub"),
        `  floor (node copying the files, no parsing): exiftool batch / floor ${floors.allFormats.exiftoolOverFloor} all formats, ${floors.jpeg.exiftoolOverFloor} JPEG; ours / floor ${floors.allFormats.oursOverFloor}, ${floors.jpeg.oursOverFloor}`,
        ...Object.entries(verdicts).map(
          ([k, v]) =>
            `  ${k}: ${v.pass ? "pass" : "MISSED"} (${v.measured}; ${v.target})${"reachableFromNode" in v && !v.reachableFromNode ? "; out of reach: exiftool is within the target of a plain node copy" : ""}`,
        ),
        "",
      ].join("\n"),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main();
