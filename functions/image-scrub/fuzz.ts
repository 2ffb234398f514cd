/**
 * Fuzzer for the image scrubber (issue 14): mutates seed images with a fixed seed and a bounded
 * budget, scrubs each mutant in a worker thread (terminated on a per-input timeout) and reports:
 *
 *  - crash: an exception other than the scrubber's own ScrubRejected;
 *  - hang: no answer within the per-input timeout;
 *  - invalid-output: the output is rejected when scrubbed again, or scrubbing it again changes it;
 *  - decode: on a sample of seeds and structure-only mutants, djpeg / dwebp decode the input but
 *    not the output, or to other pixels;
 *  - canary: a "CANARY-LEAK" string survives in the output outside the payloads that are kept
 *    byte for byte by design (listed in RESIDUAL below and in the README; counted as "residual").
 *
 * Seeds: images built in code (test-fixtures.ts) with canaries planted in their metadata (EXIF, XMP,
 * COM, IPTC, text chunks, ICC text tags, unknown chunks, trailers), and the files of
 * ../shared/corpus when present (path from the project root; skipped when absent). Mutations:
 * bit flips, interesting bytes, inserted / deleted / duplicated ranges, truncation, length fields
 * nudged, canaries written over or into random bytes, and structure-aware ones: a chunk or segment
 * duplicated, dropped, moved, or grown by a canary with its lengths (and PNG CRC) fixed.
 *
 * Environment: FUZZ_SEED (default 14), FUZZ_BUDGET iterations (default 100000), FUZZ_SECONDS
 * (default 25), FUZZ_TIMEOUT_MS per input (default 5000), FUZZ_DECODE_EVERY (default 50; 0 = off),
 * FUZZ_REPORT (default dist/fuzz-report.json; finding inputs go to fuzz-findings/ beside it),
 * FUZZ_CORPUS (default ../shared/corpus).
 * Prints a summary with iterations, seconds, findings and peak RSS; exit 1 on any finding.
 */
import { execFile } from "node:child_process";
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
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { isMainThread, parentPort, Worker } from "node:worker_threads";
import { crc32, deflateSync, inflateSync } from "node:zlib";
import { scrubBuffer } from "./scrubber";
import { isScrubRejected } from "./errors";
import { PNG_KEPT_CHUNKS } from "./png";
import {
  app,
  DHT,
  DQT,
  EOI,
  exifTiff,
  iccChunks,
  iccTestProfile,
  ihdr,
  pngImage,
  realWebp,
  riff,
  riffChunk,
  SOI,
  seg,
  sof,
  sos,
  textChunk,
  chunk as pngChunk,
  JFIF,
  PNG_SIGNATURE,
  XMP_PACKET,
  ztxtChunk,
} from "./test-fixtures";

const run = promisify(execFile);
const CANARY = "CANARY-LEAK";

// ---------------------------------------------------------------------------------------------
// Worker: scrubs one input, then scrubs the output again.

interface WorkerAnswer {
  readonly id: number;
  readonly status: "ok" | "rejected" | "crash";
  readonly reason?: string;
  readonly error?: string;
  readonly output?: Uint8Array;
  readonly again?: { readonly status: "ok" | "rejected" | "crash"; readonly same: boolean; readonly detail?: string };
}

function describeError(error: unknown): string {
  return error instanceof Error
    ? `${error.name}: ${error.message}\n${error.stack?.split("\n").slice(1, 6).join("\n") ?? ""}`
    : String(error);
}

if (!isMainThread && parentPort !== null) {
  const port = parentPort;
  port.on("message", async (message: { id: number; input: Uint8Array }) => {
    const { id, input } = message;
    let answer: WorkerAnswer;
    try {
      const first = await scrubBuffer(input);
      let again: WorkerAnswer["again"];
      try {
        const second = await scrubBuffer(first.bytes);
        again = { status: "ok", same: second.bytes.equals(first.bytes) };
      } catch (error) {
        again = isScrubRejected(error)
          ? { status: "rejected", same: false, detail: `${error.reason}: ${error.message}` }
          : { status: "crash", same: false, detail: describeError(error) };
      }
      answer = { id, status: "ok", output: first.bytes, again };
    } catch (error) {
      answer = isScrubRejected(error)
        ? { id, status: "rejected", reason: error.reason }
        : { id, status: "crash", error: describeError(error) };
    }
    port.postMessage(answer);
  });
}

// ---------------------------------------------------------------------------------------------
// Seeds

interface Seed {
  readonly name: string;
  readonly bytes: Buffer;
}

function canary(where: string): Buffer {
  return Buffer.from(`${CANARY}-${where}`, "latin1");
}

function fixtureSeeds(): Seed[] {
  const profile = iccTestProfile({ canary: `${CANARY}-ICC`, version: 2 });
  const profile4 = iccTestProfile({ canary: `${CANARY}-ICC4`, version: 4 });
  const scan = Buffer.from([0x00]);
  const jpeg = Buffer.concat([
    SOI,
    JFIF,
    app(1, "Exif\0\0", Buffer.concat([exifTiff({ orientation: 6 }), canary("EXIF")])),
    app(1, "http://ns.adobe.com/xap/1.0/\0", Buffer.concat([XMP_PACKET, canary("XMP")])),
    ...iccChunks(profile, 2),
    app(13, "Photoshop 3.0\0", canary("IPTC")),
    seg(0xfe, canary("COM")),
    DQT,
    DHT,
    sof(0xc0, 16, 16),
    sos(),
    scan,
    EOI,
    canary("TRAILER"),
  ]);
  const { idat } = pngImage(8, 8, 2);
  const png = Buffer.concat([
    PNG_SIGNATURE,
    ihdr(8, 8),
    textChunk("Author", `${CANARY}-tEXt`),
    pngChunk("gAMA", Buffer.from([0, 0, 0xb1, 0x8f])),
    pngChunk("iCCP", Buffer.concat([Buffer.from(`${CANARY}-NAME\0\0`, "latin1"), deflateSync(profile4)])),
    pngChunk("eXIf", Buffer.concat([exifTiff({ orientation: 3 }), canary("eXIf")])),
    ztxtChunk("Comment", `${CANARY}-zTXt`),
    pngChunk("prVt", canary("PRIVATE")),
    ...idat,
    pngChunk("tIME", Buffer.from([7, 232, 5, 17, 10, 11, 12])),
    pngChunk("IEND"),
    canary("TRAILER"),
  ]);
  const metadata = [
    riffChunk("EXIF", Buffer.concat([exifTiff({ orientation: 8 }), canary("EXIF")])),
    riffChunk("XMP ", canary("XMP")),
    riffChunk("abcd", canary("UNKNOWN")),
  ];
  const webp = (name: "lossy" | "lossless" | "alphaRaw" | "alphaLossless" | "animated"): Buffer => {
    const file = realWebp(name);
    const chunks = splitRiff(file);
    let head: Buffer;
    let rest: Buffer[];
    if (chunks[0]?.toString("latin1", 0, 4) === "VP8X") {
      head = Buffer.from(chunks[0]);
      head[8] = (head[8] as number) | 0x20 | 0x08 | 0x04;
      rest = chunks.slice(1);
    } else {
      head = riffChunk("VP8X", Buffer.from([0x2c, 0, 0, 0, 15, 0, 0, 15, 0, 0]));
      rest = chunks;
    }
    return Buffer.concat([riff([head, riffChunk("ICCP", profile), ...rest, ...metadata]), canary("TRAILER")]);
  };
  return [
    { name: "fixture:jpeg", bytes: jpeg },
    { name: "fixture:png", bytes: png },
    { name: "fixture:webp-lossy", bytes: webp("lossy") },
    { name: "fixture:webp-lossless", bytes: webp("lossless") },
    { name: "fixture:webp-alpha-raw", bytes: webp("alphaRaw") },
    { name: "fixture:webp-alpha-lossless", bytes: webp("alphaLossless") },
    { name: "fixture:webp-animated", bytes: webp("animated") },
  ];
}

function projectRoot(): string {
  let dir = process.cwd();
  for (;;) {
    if (existsSync(join(dir, "package.json"))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

const MAX_CORPUS_SEED_BYTES = 1024 * 1024;
/** Finding inputs written to <report dir>/fuzz-findings/<iteration>-<kind>.<type>. */
const MAX_SAVED_FINDINGS = 100;

function corpusSeeds(dir: string): Seed[] {
  if (!existsSync(dir)) return [];
  const out: Seed[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const path = join(d, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (/\.(jpe?g|png|webp)$/i.test(name) && st.size <= MAX_CORPUS_SEED_BYTES)
        out.push({ name: `corpus:${path.slice(dir.length + 1)}`, bytes: readFileSync(path) });
    }
  };
  walk(dir);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Structure: chunks / segments of each format, for structure-aware mutations and for locating a
// surviving canary in an output.

type Format = "jpeg" | "png" | "webp" | "other";

function formatOf(b: Buffer): Format {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return "jpeg";
  if (b.length >= 8 && b.subarray(0, 8).equals(PNG_SIGNATURE)) return "png";
  if (b.length >= 12 && b.toString("latin1", 0, 4) === "RIFF" && b.toString("latin1", 8, 12) === "WEBP") return "webp";
  return "other";
}

/** A container part: [start, end) in the file, its data range, and a name. */
interface Part {
  readonly name: string;
  readonly start: number;
  readonly end: number;
  readonly dataStart: number;
  readonly dataEnd: number;
}

function splitRiff(file: Buffer): Buffer[] {
  return riffParts(file).map((p) => file.subarray(p.start, p.end));
}

function riffParts(b: Buffer, from = 12, to = b.length, prefix = ""): Part[] {
  const out: Part[] = [];
  let p = from;
  while (p + 8 <= to) {
    const size = b.readUInt32LE(p + 4);
    const end = Math.min(to, p + 8 + size + (size & 1));
    const name = `${prefix}${b.toString("latin1", p, p + 4)}`;
    out.push({ name, start: p, end, dataStart: p + 8, dataEnd: Math.min(to, p + 8 + size) });
    if (name === "ANMF" && p + 24 <= end) out.push(...riffParts(b, p + 24, Math.min(to, p + 8 + size), "ANMF/"));
    p = end;
  }
  return out;
}

function pngParts(b: Buffer): Part[] {
  const out: Part[] = [];
  let p = 8;
  while (p + 12 <= b.length) {
    const len = b.readUInt32BE(p);
    const end = Math.min(b.length, p + 12 + len);
    out.push({
      name: b.toString("latin1", p + 4, p + 8),
      start: p,
      end,
      dataStart: p + 8,
      dataEnd: Math.min(b.length, p + 8 + len),
    });
    p = end;
  }
  return out;
}

function jpegParts(b: Buffer): Part[] {
  const out: Part[] = [];
  let p = 2;
  while (p + 4 <= b.length && b[p] === 0xff) {
    const m = b[p + 1] as number;
    if (m === 0xd9) break;
    const len = b.readUInt16BE(p + 2);
    const end = Math.min(b.length, p + 2 + len);
    out.push({
      name: m >= 0xe0 && m <= 0xef ? `APP${m - 0xe0}` : `0x${m.toString(16)}`,
      start: p,
      end,
      dataStart: p + 4,
      dataEnd: end,
    });
    p = end;
    if (m === 0xda) {
      let q = p;
      while (
        q + 1 < b.length &&
        !(b[q] === 0xff && b[q + 1] !== 0 && !((b[q + 1] as number) >= 0xd0 && (b[q + 1] as number) <= 0xd7))
      )
        q++;
      out.push({ name: "entropy-coded data", start: p, end: q, dataStart: p, dataEnd: q });
      p = q;
    }
  }
  return out;
}

function partsOf(b: Buffer): Part[] {
  const f = formatOf(b);
  return f === "jpeg" ? jpegParts(b) : f === "png" ? pngParts(b) : f === "webp" ? riffParts(b) : [];
}

/**
 * Parts of an output whose content the scrubber keeps byte for byte without being able to validate
 * it (README, "Known limits"): a canary found there is counted as residual, not as a finding.
 */
const RESIDUAL: Readonly<Record<Exclude<Format, "other">, ReadonlySet<string>>> = {
  jpeg: new Set(["0xdb", "0xc4", "0xcc", "entropy-coded data"]),
  // Every chunk the scrubber keeps, but the header, the end marker and iCCP (whose name and text
  // tags it rewrites, so a canary there is a finding).
  png: new Set([...PNG_KEPT_CHUNKS].filter((type) => !["IHDR", "IEND", "iCCP"].includes(type))),
  webp: new Set(["VP8 ", "VP8L", "ALPH", "ANMF/VP8 ", "ANMF/VP8L", "ANMF/ALPH"]),
};

/**
 * The ICC profile held by an output (WebP ICCP data, or JPEG APP2 ICC_PROFILE chunks joined) with a
 * map from file offset to profile offset (-1 outside); null when there is none.
 */
function outputProfile(
  out: Buffer,
  parts: readonly Part[],
): { profile: Buffer; profileOffset: (at: number) => number } | null {
  const iccp = parts.find((p) => p.name === "ICCP");
  if (iccp !== undefined) {
    return {
      profile: out.subarray(iccp.dataStart, iccp.dataEnd),
      profileOffset: (at) => (at >= iccp.dataStart && at < iccp.dataEnd ? at - iccp.dataStart : -1),
    };
  }
  const app2 = parts.filter(
    (p) => p.name === "APP2" && out.toString("latin1", p.dataStart, p.dataStart + 12) === "ICC_PROFILE\0",
  );
  if (app2.length === 0) return null;
  return {
    profile: Buffer.concat(app2.map((p) => out.subarray(p.dataStart + 14, p.dataEnd))),
    profileOffset: (at) => {
      let before = 0;
      for (const p of app2) {
        if (at >= p.dataStart + 14 && at < p.dataEnd) return before + at - (p.dataStart + 14);
        before += p.dataEnd - p.dataStart - 14;
      }
      return -1;
    },
  };
}

/** ICC header fields that decide the colours (version, class, colour spaces, intent, illuminant): kept as they are. */
const ICC_COLOUR_HEADER: readonly (readonly [number, number])[] = [
  [8, 24],
  [36, 40],
  [64, 80],
];

/**
 * True when the canary at file offset `at` lies in ICC data kept by design: a colour header field or
 * the data of a non-text tag (curves, matrices, LUTs).
 */
function inIccColourData(out: Buffer, parts: readonly Part[], at: number, n: number): boolean {
  const icc = outputProfile(out, parts);
  if (icc === null || icc.profile.length < 132) return false;
  const { profile, profileOffset } = icc;
  const from = profileOffset(at);
  if (from < 0) return false;
  const to = from + n;
  if (ICC_COLOUR_HEADER.some(([a, b]) => from < b && to > a && from >= 8 && to <= 80)) return true;
  // Every byte of the canary inside some non-text tag (it may span two adjacent tags).
  const colour: [number, number][] = [];
  const count = Math.min(profile.readUInt32BE(128), Math.floor((profile.length - 132) / 12));
  for (let i = 0; i < count; i++) {
    const e = 132 + 12 * i;
    const off = profile.readUInt32BE(e + 4);
    const len = profile.readUInt32BE(e + 8);
    const type = profile.toString("latin1", off, off + 4);
    if (
      ["desc", "text", "mluc"].includes(type) ||
      ["desc", "cprt", "dmnd", "dmdd"].includes(profile.toString("latin1", e, e + 4))
    )
      continue;
    colour.push([off, off + len]);
  }
  for (let o = from; o < to; o++) if (!colour.some(([a, b]) => o >= a && o < b)) return false;
  return true;
}

/** Where each canary in `out` lies, classed as residual (see RESIDUAL) or finding. */
function locateCanaries(out: Buffer): { where: string; residual: boolean }[] {
  const found: { where: string; residual: boolean }[] = [];
  const needles = [Buffer.from(CANARY, "latin1"), Buffer.from(CANARY, "utf16le").swap16()];
  const format = formatOf(out);
  const parts = partsOf(out);
  for (const needle of needles) {
    for (let at = out.indexOf(needle); at >= 0; at = out.indexOf(needle, at + 1)) {
      const part = parts.filter((p) => at >= p.start && at < p.end).pop();
      const inData = part !== undefined && at >= part.dataStart && at + needle.length <= part.dataEnd;
      const payload = format !== "other" && part !== undefined && inData && RESIDUAL[format].has(part.name);
      const colour = !payload && part !== undefined && inIccColourData(out, parts, at, needle.length);
      const where =
        part === undefined
          ? `offset ${at} (outside any part)`
          : colour
            ? `${part.name} ICC colour data at ${at}`
            : `${part.name} at ${at}`;
      found.push({ where, residual: payload || colour });
    }
  }
  // A PNG iCCP is compressed: look inside.
  if (format === "png") {
    for (const part of parts.filter((p) => p.name === "iCCP")) {
      const data = out.subarray(part.dataStart, part.dataEnd);
      try {
        const profile = inflateSync(data.subarray(data.indexOf(0) + 2));
        if (profile.includes(needles[0] as Buffer) || profile.includes(needles[1] as Buffer))
          found.push({ where: "iCCP profile", residual: false });
      } catch {
        found.push({ where: "iCCP (does not inflate)", residual: false });
      }
    }
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Mutations

type Rng = () => number;

function mulberry32(seed: number): Rng {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INTERESTING = [0x00, 0x01, 0x7f, 0x80, 0xff, 0xfe, 0x10, 0x20, 0x40];

/** Fixes what a structure-aware mutation broke: RIFF size, PNG CRC. */
function fixRiffSize(b: Buffer): Buffer {
  if (formatOf(b) === "webp") b.writeUInt32LE(b.length - 8, 4);
  return b;
}

function pngCrc(b: Buffer, part: Part): void {
  if (part.dataEnd + 4 <= b.length)
    b.writeUInt32BE(crc32(b.subarray(part.start + 4, part.dataEnd)) >>> 0, part.dataEnd);
}

/** A part grown by `extra` at the end of its data, with its length (and CRC) fixed. */
function growPart(b: Buffer, part: Part, extra: Buffer, format: Format): Buffer | null {
  const size = part.dataEnd - part.dataStart + extra.length;
  if (format === "jpeg") {
    if (part.name === "entropy-coded data" || size + 2 > 0xffff) return null;
    const out = Buffer.concat([b.subarray(0, part.dataEnd), extra, b.subarray(part.dataEnd)]);
    out.writeUInt16BE(size + 2, part.start + 2);
    return out;
  }
  if (format === "png") {
    const out = Buffer.concat([b.subarray(0, part.dataEnd), extra, b.subarray(part.dataEnd)]);
    out.writeUInt32BE(size, part.start);
    pngCrc(out, { ...part, dataEnd: part.dataEnd + extra.length });
    return out;
  }
  if (format === "webp") {
    // Keep the padding rule: grow by an even number of bytes and write the chunk size.
    const even = extra.length % 2 === 0 ? extra : Buffer.concat([extra, Buffer.of(0x20)]);
    const out = Buffer.concat([b.subarray(0, part.dataEnd), even, b.subarray(part.dataEnd)]);
    out.writeUInt32LE(part.dataEnd - part.dataStart + even.length, part.start + 4);
    if (part.name.startsWith("ANMF/")) {
      const anmf = riffParts(b).find((p) => p.name === "ANMF" && p.start < part.start && p.end >= part.end);
      if (anmf !== undefined) out.writeUInt32LE(out.readUInt32LE(anmf.start + 4) + even.length, anmf.start + 4);
    }
    return fixRiffSize(out);
  }
  return null;
}

function mutate(input: Buffer, rng: Rng, label: string[]): Buffer {
  let b: Buffer = Buffer.from(input);
  const pick = (n: number): number => Math.floor(rng() * n);
  const rounds = 1 + pick(3);
  for (let r = 0; r < rounds; r++) {
    if (b.length === 0) break;
    const op = pick(13);
    const at = pick(b.length);
    const format = formatOf(b);
    const parts = partsOf(b);
    const part = parts.length > 0 ? parts[pick(parts.length)] : undefined;
    switch (op) {
      case 0:
        b[at] = (b[at] as number) ^ (1 << pick(8));
        label.push("bit");
        break;
      case 1:
        b[at] = INTERESTING[pick(INTERESTING.length)] as number;
        label.push("byte");
        break;
      case 2: {
        const len = 1 + pick(Math.min(64, b.length - at));
        b = Buffer.concat([b.subarray(0, at), b.subarray(at + len)]);
        label.push("delete");
        break;
      }
      case 3: {
        const len = 1 + pick(Math.min(256, b.length - at));
        const to = pick(b.length);
        b = Buffer.concat([b.subarray(0, to), b.subarray(at, at + len), b.subarray(to)]);
        label.push("duplicate-range");
        break;
      }
      case 4:
        b = b.subarray(0, at);
        label.push("truncate");
        break;
      case 5: {
        // A length field nudged: 16 or 32 bits, either byte order.
        const width = pick(2) === 0 ? 2 : 4;
        if (at + width > b.length) break;
        const delta = [1, -1, 2, 16, 256, -256][pick(6)] as number;
        const le = pick(2) === 0;
        const read =
          width === 2 ? (le ? b.readUInt16LE(at) : b.readUInt16BE(at)) : le ? b.readUInt32LE(at) : b.readUInt32BE(at);
        const value =
          (read + delta + (width === 2 ? 0x10000 : 0x1_0000_0000)) % (width === 2 ? 0x10000 : 0x1_0000_0000);
        if (width === 2) le ? b.writeUInt16LE(value, at) : b.writeUInt16BE(value, at);
        else le ? b.writeUInt32LE(value, at) : b.writeUInt32BE(value, at);
        label.push("length");
        break;
      }
      case 6: {
        const c = canary("M");
        c.copy(b, Math.max(0, Math.min(at, b.length - c.length)));
        label.push("canary-overwrite");
        break;
      }
      case 7:
        b = Buffer.concat([b.subarray(0, at), canary("I"), b.subarray(at)]);
        label.push("canary-insert");
        break;
      case 8:
      case 9: {
        if (part === undefined) break;
        const grown = growPart(b, part, canary("S"), format);
        if (grown !== null) {
          b = grown;
          label.push(`grow:${part.name.trim()}`);
        }
        break;
      }
      case 10: {
        if (part === undefined || part.name.startsWith("ANMF/")) break;
        b = fixRiffSize(
          Buffer.concat([b.subarray(0, part.end), b.subarray(part.start, part.end), b.subarray(part.end)]),
        );
        label.push(`dup:${part.name.trim()}`);
        break;
      }
      case 11: {
        if (part === undefined || part.name.startsWith("ANMF/")) break;
        b = fixRiffSize(Buffer.concat([b.subarray(0, part.start), b.subarray(part.end)]));
        label.push(`drop:${part.name.trim()}`);
        break;
      }
      default: {
        const other = parts[pick(Math.max(1, parts.length))];
        if (
          part === undefined ||
          other === undefined ||
          part === other ||
          part.name.startsWith("ANMF/") ||
          other.name.startsWith("ANMF/")
        )
          break;
        const [x, y] = part.start < other.start ? [part, other] : [other, part];
        if (x.end > y.start) break;
        b = Buffer.concat([
          b.subarray(0, x.start),
          b.subarray(y.start, y.end),
          b.subarray(x.end, y.start),
          b.subarray(x.start, x.end),
          b.subarray(y.end),
        ]);
        label.push(`swap:${x.name.trim()}/${y.name.trim()}`);
      }
    }
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// Decoders (sample)

async function which(tool: string): Promise<boolean> {
  try {
    await run(tool, ["-version"]);
    return true;
  } catch (error) {
    return (error as { code?: unknown }).code !== "ENOENT";
  }
}

async function decode(tool: "djpeg" | "dwebp", bytes: Buffer, dir: string, name: string): Promise<Buffer | null> {
  const input = join(dir, `${name}.in`);
  const output = join(dir, `${name}.out`);
  writeFileSync(input, bytes);
  rmSync(output, { force: true });
  try {
    if (tool === "djpeg") await run("djpeg", ["-outfile", output, input], { timeout: 10_000 });
    else await run("dwebp", [input, "-pam", "-o", output], { timeout: 10_000 });
  } catch {
    // djpeg exits 2 after warnings on corrupt data but still writes the image.
  }
  return existsSync(output) ? readFileSync(output) : null;
}

// ---------------------------------------------------------------------------------------------
// Main

interface Finding {
  readonly kind: "crash" | "hang" | "invalid-output" | "decode" | "canary";
  readonly seed: string;
  readonly iteration: number;
  readonly mutations: string;
  readonly detail: string;
  /** The input, base64 (up to 256 KiB), to reproduce. */
  readonly input?: string;
}

function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0)
    throw new RangeError(`${name} must be a non-negative number (value: ${raw})`);
  return value;
}

class Runner {
  private worker: Worker;
  private waiting: { resolve: (a: WorkerAnswer) => void; id: number } | null = null;
  private next = 0;

  constructor(private readonly script: string) {
    this.worker = this.start();
  }

  private start(): Worker {
    const worker = new Worker(this.script);
    worker.on("message", (answer: WorkerAnswer) => {
      if (this.waiting?.id === answer.id) this.waiting.resolve(answer);
    });
    worker.on("error", (error) => {
      if (this.waiting !== null)
        this.waiting.resolve({ id: this.waiting.id, status: "crash", error: `worker error: ${describeError(error)}` });
    });
    worker.unref();
    return worker;
  }

  async scrub(input: Buffer, timeoutMs: number): Promise<WorkerAnswer | "hang"> {
    const id = this.next++;
    const answer = new Promise<WorkerAnswer>((resolve) => {
      this.waiting = { resolve, id };
    });
    this.worker.postMessage({ id, input });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<"hang">((resolve) => {
      timer = setTimeout(() => resolve("hang"), timeoutMs);
    });
    const result = await Promise.race([answer, timeout]);
    clearTimeout(timer);
    this.waiting = null;
    if (result === "hang") {
      await this.worker.terminate();
      this.worker = this.start();
    }
    return result;
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}

export async function main(): Promise<number> {
  const seedValue = envNumber("FUZZ_SEED", 14);
  const budget = envNumber("FUZZ_BUDGET", 100_000);
  const seconds = envNumber("FUZZ_SECONDS", 25);
  const timeoutMs = envNumber("FUZZ_TIMEOUT_MS", 5000);
  const decodeEvery = envNumber("FUZZ_DECODE_EVERY", 50);
  const root = projectRoot();
  const reportPath = resolve(root, process.env.FUZZ_REPORT ?? "dist/fuzz-report.json");
  const corpusDir = resolve(root, process.env.FUZZ_CORPUS ?? "../shared/corpus");

  const fixtures = fixtureSeeds();
  const corpus = corpusSeeds(corpusDir);
  const rng = mulberry32(seedValue);
  const runner = new Runner(fileURLToPath(import.meta.url));
  const decoders = { djpeg: await which("djpeg"), dwebp: await which("dwebp") };
  const scratch = mkdtempSync(join(tmpdir(), "fuzz-scrub-"));
  const findings: Finding[] = [];
  const residual = new Map<string, { count: number; example: string }>();
  const outcomes = { scrubbed: 0, rejected: 0, crash: 0, hang: 0 };
  const reasons = new Map<string, number>();
  const started = Date.now();
  let iterations = 0;
  let decodes = 0;

  const findingsDir = join(dirname(reportPath), "fuzz-findings");
  rmSync(findingsDir, { recursive: true, force: true });
  const record = (finding: Finding, input: Buffer): void => {
    if (findings.length < MAX_SAVED_FINDINGS) {
      mkdirSync(findingsDir, { recursive: true });
      writeFileSync(
        join(
          findingsDir,
          `${finding.iteration}-${finding.kind}.${formatOf(input) === "other" ? "bin" : formatOf(input)}`,
        ),
        input,
      );
    }
    findings.push(input.length <= 256 * 1024 ? { ...finding, input: input.toString("base64") } : finding);
  };

  try {
    // Iteration i < seeds: the seed as it is (its metadata canaries must not survive); then mutants.
    const seeds = [...fixtures, ...corpus];
    while (iterations < budget && (Date.now() - started) / 1000 < seconds) {
      const i = iterations++;
      const seed =
        i < seeds.length
          ? (seeds[i] as Seed)
          : rng() < 0.5 || corpus.length === 0
            ? (fixtures[Math.floor(rng() * fixtures.length)] as Seed)
            : (corpus[Math.floor(rng() * corpus.length)] as Seed);
      const labels: string[] = [];
      const input = i < seeds.length ? seed.bytes : mutate(seed.bytes, rng, labels);
      const mutations = labels.join(",") || "none";
      const answer = await runner.scrub(input, timeoutMs);
      const base = { seed: seed.name, iteration: i, mutations };
      if (answer === "hang") {
        outcomes.hang += 1;
        record({ ...base, kind: "hang", detail: `no answer within ${timeoutMs} ms` }, input);
        continue;
      }
      if (answer.status === "crash") {
        outcomes.crash += 1;
        record({ ...base, kind: "crash", detail: answer.error ?? "" }, input);
        continue;
      }
      if (answer.status === "rejected") {
        outcomes.rejected += 1;
        reasons.set(answer.reason ?? "?", (reasons.get(answer.reason ?? "?") ?? 0) + 1);
        continue;
      }
      outcomes.scrubbed += 1;
      const output = Buffer.from(answer.output as Uint8Array);
      if (answer.again?.status !== "ok") {
        record(
          {
            ...base,
            kind: "invalid-output",
            detail: `scrubbing the output again: ${answer.again?.status} ${answer.again?.detail ?? ""}`,
          },
          input,
        );
      } else if (!answer.again.same) {
        record(
          { ...base, kind: "invalid-output", detail: "scrubbing the output again changes it (not idempotent)" },
          input,
        );
      }
      for (const hit of locateCanaries(output)) {
        if (hit.residual) {
          const key = hit.where.replace(/ at \d+$/, "");
          const entry = residual.get(key) ?? { count: 0, example: `${seed.name} #${i} ${mutations}` };
          entry.count += 1;
          residual.set(key, entry);
        } else {
          record({ ...base, kind: "canary", detail: `canary survives in ${hit.where}` }, input);
        }
      }
      const format = formatOf(output);
      const tool = format === "jpeg" ? "djpeg" : format === "webp" ? "dwebp" : null;
      // Decoders are compared only when the pixel payload is the seed's: a byte-level mutation can
      // corrupt a VP8 stream so that libwebp reads past its chunk into the metadata that follows
      // (it bounds the last partition by the file, not the chunk), which the scrubber drops.
      const structural = labels.every((l) => /^(grow|dup|drop|swap):/.test(l));
      if (decodeEvery > 0 && tool !== null && decoders[tool] && structural && decodes < iterations / decodeEvery + 1) {
        decodes += 1;
        const before = await decode(tool, input, scratch, "a");
        if (before !== null) {
          const after = await decode(tool, output, scratch, "b");
          if (after === null)
            record({ ...base, kind: "decode", detail: `${tool} decodes the input but not the output` }, input);
          else if (!after.equals(before))
            record({ ...base, kind: "decode", detail: `${tool} decodes the output to other pixels` }, input);
        }
      }
    }
  } finally {
    await runner.close();
    rmSync(scratch, { recursive: true, force: true });
  }

  const elapsed = (Date.now() - started) / 1000;
  const peakRssBytes = process.resourceUsage().maxRSS * 1024;
  const byKind: Record<string, number> = {};
  for (const f of findings) byKind[f.kind] = (byKind[f.kind] ?? 0) + 1;
  const report = {
    seed: seedValue,
    budget: { iterations: budget, seconds, timeoutMs, decodeEvery },
    seeds: { fixtures: fixtures.length, corpus: corpus.length, corpusDir: existsSync(corpusDir) ? corpusDir : null },
    iterations,
    seconds: Math.round(elapsed * 100) / 100,
    outcomes,
    rejectReasons: Object.fromEntries([...reasons].sort()),
    decodesCompared: decodes,
    decoders,
    peakRssBytes,
    findings: findings.length,
    findingsByKind: byKind,
    residualCanaries: Object.fromEntries([...residual].sort()),
    details: findings,
  };
  mkdirSync(dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    `fuzz-scrub: seed ${seedValue}, ${iterations} inputs in ${report.seconds} s (${fixtures.length} fixture + ${corpus.length} corpus seeds); ` +
      `scrubbed ${outcomes.scrubbed}, rejected ${outcomes.rejected}; ${decodes} decoder comparisons; ` +
      `findings ${findings.length} ${JSON.stringify(byKind)}; residual canaries ${JSON.stringify(Object.fromEntries([...residual].map(([k, v]) => [k, v.count])))}; ` +
      `peak RSS ${(peakRssBytes / 1024 / 1024).toFixed(1)} MiB; report ${reportPath}\n`,
  );
  for (const f of findings.slice(0, 10))
    process.stdout.write(`  ${f.kind}: ${f.seed} #${f.iteration} [${f.mutations}] ${f.detail.split("\n")[0]}\n`);
  return findings.length > 0 ? 1 : 0;
}

if (isMainThread && process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`fuzz-scrub: ${describeError(error)}\n`);
      process.exitCode = 2;
    },
  );
}
