import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXIT, main, parseArgs } from "./cli";
import { baselineJpeg, DHT, DQT, EOI, exifApp1, SOI, seg, sof, sos } from "../../test/support/image-scrub/fixtures";

const run = promisify(execFile);

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "image-scrub-cli-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (l: string) => out.push(l), stderr: (l: string) => err.push(l) }, out, err };
}

const dirty = (): Buffer => {
  const { scan } = baselineJpeg();
  return Buffer.concat([
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
};

describe("scrub CLI", () => {
  it("prints the help and exits 0", async () => {
    // Prepare
    const { io, out } = capture();

    // Act
    const code = await main(["--help"], io);

    // Assess
    expect(code).toBe(EXIT.scrubbed);
    expect(out.join("\n")).toMatch(/^Usage: scrub \[options\] <in> <out>/);
  });

  it.each([
    [[]],
    [["only-one"]],
    [["a", "b", "c"]],
    [["--bogus", "a", "b"]],
    [["--max-pixels", "0", "a", "b"]],
    [["--max-input-bytes"]],
    [["-", "out"]],
  ])("exits 64 on the usage error %j", async (argv) => {
    // Prepare
    const { io, err } = capture();

    // Act
    const code = await main(argv, io);

    // Assess
    expect(code).toBe(EXIT.usage);
    expect(err[0]).toMatch(/^scrub: /);
  });

  it("scrubs a file, writes the output and prints a one-line summary", async () => {
    // Prepare
    const input = join(dir, "in.jpg");
    const output = join(dir, "out.jpg");
    await writeFile(input, dirty());
    const { io, out } = capture();

    // Act
    const code = await main([input, output], io);

    // Assess
    expect(code).toBe(EXIT.scrubbed);
    const written = await readFile(output);
    expect(written.includes(Buffer.from("secret comment"))).toBe(false);
    expect(written.includes(Buffer.from("Canon"))).toBe(false);
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(
      /^scrubbed .*in\.jpg -> .*out\.jpg: jpeg 16x16, \d+ -> \d+ bytes; removed \d+ bytes: APP1 Exif 1x \d+, COM 1x 18; orientation 6 kept; original sha256 [0-9a-f]{64}; image-scrub\//,
    );
  });

  it("prints the result as JSON with --json", async () => {
    // Prepare
    const input = join(dir, "json-in.jpg");
    await writeFile(input, dirty());
    const { io, out } = capture();

    // Act
    const code = await main(["--json", input, join(dir, "json-out.jpg")], io);

    // Assess
    expect(code).toBe(EXIT.scrubbed);
    expect(JSON.parse(out[0] as string)).toMatchObject({ type: "jpeg", orientation: 6, orientationPreserved: true });
  });

  it("exits 2 with the reason on stderr and writes nothing when the image is rejected", async () => {
    // Prepare
    const input = join(dir, "cut.jpg");
    const output = join(dir, "cut-out.jpg");
    await writeFile(input, dirty().subarray(0, 120));
    const before = await readdir(dir);
    const { io, out, err } = capture();

    // Act
    const code = await main([input, output], io);

    // Assess
    expect(code).toBe(EXIT.rejected);
    expect(err).toEqual([expect.stringMatching(/^scrub: rejected .*cut\.jpg: truncated: input ends inside /)]);
    expect(out).toEqual([]);
    expect(existsSync(output)).toBe(false);
    expect(await readdir(dir)).toEqual(before);
  });

  it("leaves an existing output file untouched when the image is rejected", async () => {
    // Prepare
    const input = join(dir, "tiff.jpg");
    const output = join(dir, "existing.jpg");
    await writeFile(input, Buffer.from("II*\0\x08\0\0\0 pretending to be a JPEG", "latin1"));
    await writeFile(output, "previous result");
    const { io, err } = capture();

    // Act
    const code = await main([input, output], io);

    // Assess
    expect(code).toBe(EXIT.rejected);
    expect(err[0]).toContain("unsupported-type: TIFF is not supported yet");
    expect(await readFile(output, "utf8")).toBe("previous result");
  });

  it("exits 1 when the input cannot be read", async () => {
    // Prepare
    const { io, err } = capture();

    // Act
    const code = await main([join(dir, "missing.jpg"), join(dir, "x.jpg")], io);

    // Assess
    expect(code).toBe(EXIT.ioError);
    expect(err[0]).toMatch(/ENOENT/);
  });

  it("parses the limits and switches into scrub options", () => {
    // Act
    const parsed = parseArgs([
      "--max-input-bytes=1000",
      "--max-pixels",
      "50",
      "--drop-icc",
      "--no-orientation",
      "a",
      "b",
    ]);

    // Assess
    expect(parsed.options).toEqual({
      maxInputBytes: 1000,
      maxPixels: 50,
      keepIccProfile: false,
      preserveOrientation: false,
    });
  });
});

describe("scrub CLI bundle", () => {
  it.each(["cjs", "esm"] as const)(
    "runs as `node <bundle> in out` when bundled as %s and has no side effects when imported",
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
      const input = join(dir, `bundle-${format}.jpg`);
      const output = join(dir, `bundle-${format}-out.jpg`);
      await writeFile(input, dirty());
      const importer = join(dir, `import-${format}.mjs`);
      await writeFile(
        importer,
        `const cli = await import(${JSON.stringify(bundle)});\nconsole.log(typeof (cli.main ?? cli.default?.main));\n`,
      );

      // Act
      const ok = await run(process.execPath, [bundle, input, output]);
      const cut = join(dir, `bundle-${format}-cut.jpg`);
      await writeFile(cut, dirty().subarray(0, 100));
      const rejected = await run(process.execPath, [bundle, cut, join(dir, `bundle-${format}-cut-out.jpg`)]).catch(
        (e: { code: number; stderr: string }) => e,
      );
      const missing = await run(process.execPath, [bundle, join(dir, "missing-dir", "x"), output]).catch(
        (e: { code: number; stderr: string }) => e,
      );
      const usage = await run(process.execPath, [bundle]).catch((e: { code: number; stderr: string }) => e);
      const imported = await run(process.execPath, [importer]);

      // Assess
      expect(ok.stdout).toMatch(/^scrubbed /);
      expect((await readFile(output)).includes(Buffer.from("secret comment"))).toBe(false);
      expect((rejected as { code: number }).code).toBe(EXIT.rejected);
      expect((rejected as { stderr: string }).stderr).toMatch(/^scrub: rejected .*: truncated: /);
      expect(existsSync(join(dir, `bundle-${format}-cut-out.jpg`))).toBe(false);
      expect((missing as { code: number }).code).toBe(EXIT.ioError);
      expect((usage as { code: number }).code).toBe(EXIT.usage);
      expect(imported.stdout.trim()).toBe("function");
      expect(imported.stderr).toBe("");
    },
  );
});
