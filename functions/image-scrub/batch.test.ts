import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WORKER_TAG } from "./batch";
import { type ScrubCliIo, EXIT, main, parseArgs } from "./cli";
import {
  baselineJpeg,
  chunk,
  codedScan,
  DHT,
  DHT_CODED,
  DQT,
  dri,
  EOI,
  exifApp1,
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
} from "../../test/support/image-scrub/fixtures";

const run = promisify(execFile);

let dir: string;
/** Inputs that scrub, by file name. */
const good: Record<string, Buffer> = {};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "image-scrub-batch-"));
  const { scan } = baselineJpeg();
  good["photo.jpg"] = Buffer.concat([
    SOI,
    exifApp1(6),
    seg(0xfe, Buffer.from("secret comment")),
    DQT,
    DHT,
    sof(0xc0, 16, 16),
    sos(),
    scan,
    EOI,
  ]);
  // Larger than one 1 MiB read, so that the file is read in several pieces.
  // Decodable Huffman data (the entropy walker rejects random bytes): 16 384 blocks of 76 bytes, 4 restart intervals.
  good["big.jpg"] = Buffer.concat([
    SOI,
    exifApp1(3),
    DQT,
    DHT_CODED,
    dri(4096),
    sof(0xc0, 1024, 1024),
    sos(),
    codedScan(16_384, { seed: 7, ac: 55, restart: 4096 }),
    EOI,
  ]);
  good["drawing.png"] = Buffer.concat([
    PNG_SIGNATURE,
    ihdr(4, 4),
    textChunk("GPS", "52.5,13.4"),
    ...pngImage().idat,
    chunk("IEND"),
  ]);
  good["sticker.webp"] = riff([
    vp8x(0x08, 16, 16),
    riffChunk("EXIF", Buffer.from("secret exif")),
    riffChunk("VP8 ", vp8Payload(16, 16)),
  ]);
  await mkdir(join(dir, "in"));
  for (const [name, bytes] of Object.entries(good)) await writeFile(join(dir, "in", name), bytes);
  await writeFile(join(dir, "in", "cut.jpg"), (good["photo.jpg"] as Buffer).subarray(0, 120));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture(stdin = "") {
  const out: string[] = [];
  const err: string[] = [];
  const progress: (string | null)[] = [];
  const io: ScrubCliIo = {
    stdout: (l) => out.push(l),
    stderr: (l) => err.push(l),
    stdin: async () => stdin,
    progress: (l) => progress.push(l),
  };
  return { io, out, err, progress };
}

const inputs = (...names: string[]) => names.map((n) => join(dir, "in", n));

/** What single-file mode writes for each good input. */
async function singleFileOutputs(): Promise<Record<string, Buffer>> {
  const single = join(dir, "single");
  await mkdir(single, { recursive: true });
  const outputs: Record<string, Buffer> = {};
  for (const name of Object.keys(good)) {
    const code = await main([join(dir, "in", name), join(single, name)], capture().io);
    expect(code).toBe(EXIT.scrubbed);
    outputs[name] = await readFile(join(single, name));
  }
  return outputs;
}

describe("scrub --out-dir (batch mode)", () => {
  it("scrubs every input into the folder, with the same bytes as single-file mode, and prints a summary", async () => {
    // Prepare
    const outDir = join(dir, "out-all");
    const { io, out, err, progress } = capture();
    const expected = await singleFileOutputs();

    // Act
    const code = await main(["--out-dir", outDir, ...inputs(...Object.keys(good))], io);

    // Assess
    expect(code).toBe(EXIT.scrubbed);
    expect((await readdir(outDir)).sort()).toEqual(Object.keys(good).sort());
    for (const [name, bytes] of Object.entries(expected))
      expect((await readFile(join(outDir, name))).equals(bytes)).toBe(true);
    expect(err).toEqual([]);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^scrubbed 4 of 4 files into .*out-all: \d+ -> \d+ bytes, \d+ bytes of metadata removed; rejected 0; I\/O errors 0; image-scrub\//,
    );
    expect(progress.at(-1)).toBeNull();
    expect(progress).toContain("scrub: 4/4 (4 scrubbed, 0 rejected, 0 I/O errors)");
  });

  it("exits 2, names the reason and writes nothing for a rejected input while the others are scrubbed", async () => {
    // Prepare
    const outDir = join(dir, "out-reject");
    await mkdir(outDir);
    await writeFile(join(outDir, "cut.jpg"), "previous result");
    const { io, out, err } = capture();

    // Act
    const code = await main(["--out-dir", outDir, ...inputs("photo.jpg", "cut.jpg", "drawing.png")], io);

    // Assess
    expect(code).toBe(EXIT.rejected);
    expect(err).toEqual([expect.stringMatching(/^scrub: rejected .*cut\.jpg: truncated: input ends inside /)]);
    expect(out[0]).toMatch(/^scrubbed 2 of 3 files .*; rejected 1 \(truncated 1\); I\/O errors 0;/);
    expect((await readdir(outDir)).sort()).toEqual(["cut.jpg", "drawing.png", "photo.jpg"]);
    expect(await readFile(join(outDir, "cut.jpg"), "utf8")).toBe("previous result");
  });

  it("exits 1 for an unreadable input (a missing file, a folder) and still scrubs the rest", async () => {
    // Prepare
    const outDir = join(dir, "out-io");
    await mkdir(join(dir, "in", "folder.jpg"), { recursive: true });
    const { io, out, err } = capture();

    // Act
    const code = await main(["--out-dir", outDir, ...inputs("photo.jpg", "missing.jpg", "folder.jpg", "cut.jpg")], io);

    // Assess
    expect(code).toBe(EXIT.ioError);
    expect(err).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^scrub: .*missing\.jpg: ENOENT/),
        expect.stringMatching(/^scrub: .*folder\.jpg: EISDIR/),
        expect.stringMatching(/^scrub: rejected .*cut\.jpg: truncated/),
      ]),
    );
    expect(out[0]).toMatch(/^scrubbed 1 of 4 files .*; rejected 1 \(truncated 1\); I\/O errors 2;/);
    expect(await readdir(outDir)).toEqual(["photo.jpg"]);
  });

  it("reads the input paths from stdin with -", async () => {
    // Prepare
    const outDir = join(dir, "out-stdin");
    const { io, out } = capture(`${inputs("photo.jpg", "sticker.webp").join("\n")}\n\n`);

    // Act
    const code = await main(["--out-dir", outDir, "-"], io);

    // Assess
    expect(code).toBe(EXIT.scrubbed);
    expect((await readdir(outDir)).sort()).toEqual(["photo.jpg", "sticker.webp"]);
    expect(out[0]).toMatch(/^scrubbed 2 of 2 files/);
  });

  it("exits 64 before reading anything when two inputs have the same base name, naming both", async () => {
    // Prepare
    const outDir = join(dir, "out-clash");
    await mkdir(join(dir, "other"), { recursive: true });
    await writeFile(join(dir, "other", "photo.jpg"), good["photo.jpg"] as Buffer);
    const { io, err } = capture();

    // Act
    const code = await main(["--out-dir", outDir, join(dir, "in", "photo.jpg"), join(dir, "other", "photo.jpg")], io);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(err[0]).toBe(
      `scrub: inputs ${join(dir, "in", "photo.jpg")} and ${join(dir, "other", "photo.jpg")} have the same base name: both would be written to ${join(outDir, "photo.jpg")}`,
    );
    expect(existsSync(outDir)).toBe(false);
  });

  it("exits 64 when an output would replace its own input", async () => {
    // Prepare
    const { io, err } = capture();

    // Act
    const code = await main(["--out-dir", join(dir, "in"), join(dir, "in", "photo.jpg")], io);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(err[0]).toMatch(/would be replaced by its own output/);
  });

  it("prints one JSON line per input and a summary line with --json, digests included", async () => {
    // Prepare
    const { io, out } = capture();

    // Act
    const code = await main(["--json", "--out-dir", join(dir, "out-json"), ...inputs("photo.jpg", "cut.jpg")], io);

    // Assess
    expect(code).toBe(EXIT.rejected);
    const lines = out.map((l) => JSON.parse(l));
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          input: join(dir, "in", "photo.jpg"),
          type: "jpeg",
          originalSha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        }),
        { input: join(dir, "in", "cut.jpg"), rejected: { reason: "truncated", message: expect.any(String) } },
      ]),
    );
    expect(lines.at(-1)).toMatchObject({
      summary: { inputs: 2, scrubbed: 1, rejected: 1, reasons: { truncated: 1 }, ioErrors: 0 },
    });
  });

  it.each([
    [["--out-dir", "x"]],
    [["--out-dir", "x", "-", "a.jpg"]],
    [["--jobs", "2", "a", "b"]],
    [["--out-dir", "x", "--jobs", "0", "a"]],
    [["--out-dir"]],
  ])("exits 64 on the usage error %j", async (argv) => {
    // Prepare
    const { io, err } = capture();

    // Act
    const code = await main(argv, io);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(err[0]).toMatch(/^scrub: /);
  });

  it("parses the batch options", () => {
    // Act
    const parsed = parseArgs(["--out-dir=clean", "--jobs", "3", "--drop-icc", "a.jpg", "b.png"]);

    // Assess
    expect(parsed).toMatchObject({
      outDir: "clean",
      jobs: 3,
      inputs: ["a.jpg", "b.png"],
      options: { keepIccProfile: false },
    });
  });
});

describe("scrub --out-dir from the bundle (worker threads)", () => {
  it("uses the tag the bundle's entry point checks", async () => {
    // Act
    const source = await readFile(fileURLToPath(new URL("./cli.ts", import.meta.url)), "utf8");

    // Assess
    expect(source).toContain(`?.tag === "${WORKER_TAG}"`);
  });

  it.each(["cjs", "esm"] as const)(
    "scrubs on two threads from the %s bundle with the same bytes as single-file mode",
    async (format) => {
      // Prepare
      const bundle = join(dir, format === "cjs" ? "scrub.cjs" : "scrub.mjs");
      await build({
        entryPoints: [fileURLToPath(new URL("./cli.ts", import.meta.url))],
        outfile: bundle,
        bundle: true,
        platform: "node",
        target: "node20",
        format,
        logLevel: "silent",
      });
      const outDir = join(dir, `out-bundle-${format}`);
      const expected = await singleFileOutputs();

      // Act
      const result = await run(process.execPath, [
        bundle,
        "--jobs",
        "2",
        "--out-dir",
        outDir,
        ...inputs(...Object.keys(good), "cut.jpg"),
      ]).catch((e: { code: number; stdout: string; stderr: string }) => e);

      // Assess
      expect((result as { code?: number }).code).toBe(EXIT.rejected);
      expect(result.stdout).toMatch(/^scrubbed 4 of 5 files .*; rejected 1 \(truncated 1\); I\/O errors 0;/);
      expect(result.stderr).toMatch(/^scrub: rejected .*cut\.jpg: truncated: /);
      expect((await readdir(outDir)).sort()).toEqual(Object.keys(good).sort());
      for (const [name, bytes] of Object.entries(expected))
        expect((await readFile(join(outDir, name))).equals(bytes)).toBe(true);
    },
  );
});
