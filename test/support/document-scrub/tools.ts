/**
 * The independent tools the document-scrub tests check outputs with: Debian's qpdf and exiftool.
 * A missing tool fails the tests that need it with a message naming the package: never a skip.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateSync } from "node:zlib";

const PACKAGES: Record<string, string> = { qpdf: "qpdf", exiftool: "libimage-exiftool-perl" };

const missing = (tool: string, why: string) =>
  new Error(
    `${tool} is required by the document-scrub tests and does not run here (${why}): ` +
      `apt-get install ${PACKAGES[tool] ?? tool}`,
  );

/** Throws unless `tool` runs; call it in beforeAll so that the file fails with this message up front. */
export function requireTool(tool: "qpdf" | "exiftool"): void {
  const result = spawnSync(tool, [tool === "qpdf" ? "--version" : "-ver"], { encoding: "utf8" });
  if (result.error !== undefined || result.status !== 0) {
    throw missing(tool, result.error?.message ?? `exit ${result.status}`);
  }
}

/** Runs `body` with a fresh temporary directory, removed afterwards. */
export function inTempDir<T>(body: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), "document-scrub-"));
  try {
    return body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface Run {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function run(command: string, args: readonly string[]): Run {
  const result = spawnSync(command, args, { encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
  // A test that calls a tool fails with the same message as requireTool when the tool is missing.
  if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") throw missing(command, "not found");
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** `qpdf --check`: exit 0 and no warning means qpdf found the file sound. */
export function qpdfCheck(pdf: Uint8Array): Run {
  return inTempDir((dir) => {
    const file = join(dir, "in.pdf");
    writeFileSync(file, pdf);
    return run("qpdf", ["--check", file]);
  });
}

export type QpdfObjects = Record<string, { value?: unknown; stream?: { dict: Record<string, unknown> } }>;

/** qpdf's JSON v2 view of every object ("obj:N 0 R") and of the trailer ("trailer"). */
export function qpdfObjects(pdf: Uint8Array): QpdfObjects {
  return inTempDir((dir) => {
    const file = join(dir, "in.pdf");
    writeFileSync(file, pdf);
    const result = run("qpdf", ["--json=2", "--json-key=qpdf", file]);
    if (result.status !== 0) throw new Error(`qpdf --json failed: ${result.stderr}`);
    const json = JSON.parse(result.stdout) as { qpdf: [unknown, QpdfObjects] };
    return json.qpdf[1];
  });
}

/** The dictionary of an object in qpdf's JSON (a stream's dictionary for a stream). */
export function qpdfDict(objects: QpdfObjects, key: string): Record<string, unknown> {
  const entry = objects[key];
  const dict = entry?.stream?.dict ?? entry?.value;
  if (dict === null || typeof dict !== "object") throw new Error(`${key} is not a dictionary in qpdf's view`);
  return dict as Record<string, unknown>;
}

/** The raw (still encoded) data of stream `key` ("obj:N 0 R"), as `qpdf --show-object --raw-stream-data` prints it. */
export function qpdfRawStream(pdf: Uint8Array, key: string): Buffer {
  return inTempDir((dir) => {
    const file = join(dir, "in.pdf");
    writeFileSync(file, pdf);
    const id = key.replace(/^obj:/, "").replace(/ R$/, "").replace(" ", ",");
    const result = spawnSync("qpdf", [`--show-object=${id}`, "--raw-stream-data", file]);
    if ((result.error as NodeJS.ErrnoException | undefined)?.code === "ENOENT") throw missing("qpdf", "not found");
    if (result.status !== 0) throw new Error(`qpdf --show-object failed: ${result.stderr}`);
    return result.stdout;
  });
}

/** The file rewritten by qpdf in QDF form: object streams unpacked, Flate/LZW/ASCII streams decoded. */
export function qpdfQdf(pdf: Uint8Array): Buffer {
  return inTempDir((dir) => {
    const input = join(dir, "in.pdf");
    const output = join(dir, "out.pdf");
    writeFileSync(input, pdf);
    const result = run("qpdf", ["--qdf", "--object-streams=disable", "--decode-level=generalized", input, output]);
    if (result.status !== 0 && result.status !== 3) throw new Error(`qpdf --qdf failed: ${result.stderr}`);
    return readFileSync(output);
  });
}

/** `qpdf --encrypt <user> <owner> <bits>` of `pdf` (extra arguments after the key length). */
export function qpdfEncrypt(pdf: Uint8Array, user: string, owner: string, bits: 40 | 128 | 256, extra: string[] = []) {
  return inTempDir((dir) => {
    const input = join(dir, "in.pdf");
    const output = join(dir, "out.pdf");
    writeFileSync(input, pdf);
    const args = ["--allow-weak-crypto", "--encrypt", user, owner, String(bits), ...extra, "--", input, output];
    const result = run("qpdf", args);
    if (result.status !== 0 && result.status !== 3) throw new Error(`qpdf --encrypt failed: ${result.stderr}`);
    return readFileSync(output);
  });
}

/** `exiftool -j -a -G1` of `pdf`: the tags of its one entry (group-prefixed, e.g. "PDF:Author", "XMP-dc:Creator"). */
export function exiftool(pdf: Uint8Array): Record<string, unknown> {
  return inTempDir((dir) => {
    const file = join(dir, "in.pdf");
    writeFileSync(file, pdf);
    const result = run("exiftool", ["-j", "-a", "-G1", file]);
    if (result.status !== 0) throw new Error(`exiftool failed: ${result.stderr}`);
    const [tags] = JSON.parse(result.stdout) as Record<string, unknown>[];
    if (tags === undefined) throw new Error("exiftool printed no entry");
    return tags;
  });
}

/** The ways a string can be written in a PDF: literal, UTF-16BE text string, hex of either, UTF-8. */
export function encodings(text: string): Buffer[] {
  const latin1 = Buffer.from(text, "latin1");
  const utf16 = Buffer.from(text, "utf16le").swap16();
  return [
    latin1,
    utf16,
    Buffer.from(latin1.toString("hex").toUpperCase(), "latin1"),
    Buffer.from(latin1.toString("hex"), "latin1"),
    Buffer.from(utf16.toString("hex").toUpperCase(), "latin1"),
    Buffer.from(utf16.toString("hex"), "latin1"),
  ];
}

/** Every stream's data in `pdf`, inflated where it inflates (found by the stream/endstream keywords). */
export function inflatedStreams(pdf: Uint8Array): Buffer[] {
  const text = Buffer.from(pdf).toString("latin1");
  const out: Buffer[] = [];
  for (const match of text.matchAll(/stream\r?\n/g)) {
    const start = (match.index ?? 0) + match[0].length;
    const end = text.indexOf("endstream", start);
    if (end < 0) continue;
    try {
      out.push(inflateSync(Buffer.from(text.slice(start, end), "latin1")));
    } catch {
      // Not a Flate stream (or not a stream at all: the keyword inside other data).
    }
  }
  return out;
}

/** The canaries found in `pdf`'s bytes, in its inflated streams or in qpdf's decoded QDF form, by where. */
export function findCanaries(pdf: Uint8Array, canaries: readonly string[]): string[] {
  const places: [string, Buffer][] = [
    ["bytes", Buffer.from(pdf)],
    ...inflatedStreams(pdf).map((data, i): [string, Buffer] => [`inflated stream ${i}`, data]),
    ["qpdf --qdf", qpdfQdf(pdf)],
  ];
  const found: string[] = [];
  for (const canary of canaries) {
    for (const [where, data] of places) {
      if (encodings(canary).some((encoded) => data.includes(encoded))) found.push(`${canary} in ${where}`);
    }
  }
  return found;
}
