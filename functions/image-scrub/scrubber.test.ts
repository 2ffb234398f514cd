import { createHash } from "node:crypto";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import {
  SCRUBBER_VERSION,
  type ScrubResult,
  scrub,
  scrubBuffer,
  scrubChunks,
  scrubChunksWithoutDigests,
} from "./scrubber";
import { isScrubRejected, ScrubRejected } from "./errors";
import { MCU_MARGIN_BYTES } from "./jpeg-entropy";
import { MAX_HEADER_BYTES } from "./reader";
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

const sha256 = (b: Uint8Array): string => createHash("sha256").update(b).digest("hex");

/** Writable that keeps what it receives. */
function sink(): { stream: Writable; bytes: () => Buffer } {
  const parts: Buffer[] = [];
  return {
    stream: new Writable({
      write(piece: Buffer, _encoding, done) {
        parts.push(piece);
        done();
      },
    }),
    bytes: () => Buffer.concat(parts),
  };
}

/**
 * A source producing `total` bytes in `piece`-sized chunks without holding them: header, then a
 * generated body, then a footer. Counts how many bytes were pulled.
 */
function generated(
  header: Buffer,
  total: number,
  piece: number,
  footer: Buffer,
  fill: (chunk: Buffer, offset: number) => void,
) {
  const state = { pulled: 0 };
  async function* source(): AsyncGenerator<Uint8Array, void, void> {
    yield header;
    state.pulled += header.length;
    for (let at = 0; at < total; at += piece) {
      const chunk = Buffer.alloc(Math.min(piece, total - at));
      fill(chunk, at);
      state.pulled += chunk.length;
      yield chunk;
    }
    yield footer;
    state.pulled += footer.length;
  }
  return { source, state };
}

async function run(
  generator: AsyncGenerator<Buffer, ScrubResult, void>,
): Promise<{ result: ScrubResult; bytes: number; sha: string }> {
  const hash = createHash("sha256");
  let bytes = 0;
  for (;;) {
    const step = await generator.next();
    if (step.done) return { result: step.value, bytes, sha: hash.digest("hex") };
    hash.update(step.value);
    bytes += step.value.length;
  }
}

describe("scrub result", () => {
  it("records the type, checksums, sizes, orientation and scrubber version", async () => {
    // Prepare
    const { scan } = baselineJpeg();
    const input = Buffer.concat([SOI, exifApp1(6), DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(result).toMatchObject({
      type: "jpeg",
      mediaType: "image/jpeg",
      width: 16,
      height: 16,
      frames: 1,
      originalSha256: sha256(input),
      originalBytes: input.length,
      outputSha256: sha256(bytes),
      outputBytes: bytes.length,
      orientation: 6,
      orientationPreserved: true,
      scrubberVersion: SCRUBBER_VERSION,
      removedBytes: exifApp1(6).length,
    });
  });
});

describe("scrub without digests", () => {
  async function collect<R>(generator: AsyncGenerator<Buffer, R, void>): Promise<{ bytes: Buffer; result: R }> {
    const parts: Buffer[] = [];
    for (;;) {
      const step = await generator.next();
      if (step.done) return { bytes: Buffer.concat(parts), result: step.value };
      parts.push(step.value);
    }
  }
  const { scan } = baselineJpeg();
  const inputs = {
    jpeg: Buffer.concat([SOI, exifApp1(6), DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]),
    png: Buffer.concat([PNG_SIGNATURE, ihdr(4, 4), textChunk("GPS", "52.5,13.4"), ...pngImage().idat, chunk("IEND")]),
    webp: riff([vp8x(0x08, 16, 16), riffChunk("EXIF", Buffer.from("secret")), riffChunk("VP8 ", vp8Payload(16, 16))]),
  };

  it.each(Object.entries(inputs))(
    "writes the same %s bytes as scrubChunks, with null digests",
    async (_type, input) => {
      // Act
      const digested = await collect(scrubChunks(input));
      const fromBytes = await collect(scrubChunksWithoutDigests(input));
      const fromOpener = await collect(scrubChunksWithoutDigests(() => Readable.from([input], { objectMode: false })));

      // Assess
      for (const undigested of [fromBytes, fromOpener]) {
        expect(undigested.bytes.equals(digested.bytes)).toBe(true);
        expect(undigested.result).toEqual({ ...digested.result, originalSha256: null, outputSha256: null });
      }
    },
  );

  it("still detects a WebP source that changes between its two passes", async () => {
    // Prepare
    let opened = 0;
    const opener = () => {
      opened += 1;
      const bytes = Buffer.from(inputs.webp);
      if (opened === 2) bytes[bytes.length - 1] = (bytes[bytes.length - 1] as number) ^ 0xff;
      return Readable.from([bytes], { objectMode: false });
    };

    // Act
    const error = await collect(scrubChunksWithoutDigests(opener)).catch((e: unknown) => e);

    // Assess
    expect(isScrubRejected(error) && error.reason).toBe("source-changed");
  });
});

describe("scrub stream API", () => {
  it("streams the scrubbed bytes and resolves the result", async () => {
    // Prepare
    const { idat } = pngImage();
    const input = Buffer.concat([PNG_SIGNATURE, ihdr(4, 4), textChunk("GPS", "52.5,13.4"), ...idat, chunk("IEND")]);
    const out = sink();

    // Act
    const { output, result } = scrub(Readable.from([input], { objectMode: false }));
    await pipeline(output, out.stream);

    // Assess
    expect((await result).outputSha256).toBe(sha256(out.bytes()));
    expect(out.bytes().includes(Buffer.from("52.5"))).toBe(false);
  });

  it("errors the output and rejects the result with the same ScrubRejected", async () => {
    // Prepare
    const { bytes } = baselineJpeg();
    const out = sink();

    // Act
    const { output, result } = scrub(bytes.subarray(0, bytes.length - 1));
    const streamError = await pipeline(output, out.stream).catch((e: unknown) => e);
    const resultError = await result.catch((e: unknown) => e);

    // Assess
    expect(isScrubRejected(streamError)).toBe(true);
    expect(resultError).toBe(streamError);
    expect((resultError as ScrubRejected).reason).toBe("truncated");
  });

  it("emits no metadata before a rejection, only an incomplete image to discard", async () => {
    // Prepare
    const secret = "GPS 52.5200N 13.4050E";
    const input = Buffer.concat([
      SOI,
      exifApp1(),
      seg(0xfe, Buffer.from(secret)),
      DQT,
      DHT_CODED,
      sof(0xc0, 256, 256),
      sos(),
      codedScan(1024),
      seg(0xfe, Buffer.from(secret)),
    ]);
    const emitted: Buffer[] = [];

    // Act
    const generator = scrubChunks(input);
    const error = await (async () => {
      for (;;) {
        const step = await generator.next();
        if (step.done) return null;
        emitted.push(step.value);
      }
    })().catch((e: unknown) => e);

    // Assess
    expect((error as ScrubRejected).reason).toBe("truncated");
    const partial = Buffer.concat(emitted);
    expect(partial.length).toBeGreaterThan(5000);
    expect(partial.includes(Buffer.from(secret))).toBe(false);
    expect(partial.includes(Buffer.from("Exif"))).toBe(false);
    expect(partial.includes(Buffer.from("Canon"))).toBe(false);
  });

  it("rejects the result when the consumer stops reading early", async () => {
    // Prepare
    const { output, result } = scrub(baselineJpeg().bytes);

    // Act
    output.destroy();
    const error = await result.catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(Error);
    expect(isScrubRejected(error)).toBe(false);
  });

  it("rejects invalid options", async () => {
    // Act
    const error = await scrubBuffer(baselineJpeg().bytes, { maxPixels: -1 }).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RangeError);
  });
});

describe("limits", () => {
  it("stops reading as soon as the input exceeds maxInputBytes", async () => {
    // Prepare
    const header = Buffer.concat([SOI, DQT, DHT, sof(0xc0, 64, 64), sos()]);
    const { source, state } = generated(header, 50_000_000, 65_536, EOI, (c) => c.fill(0x00));

    // Act
    const error = await run(scrubChunks(source, { maxInputBytes: 1_000_000 })).catch((e: unknown) => e);

    // Assess
    expect((error as ScrubRejected).reason).toBe("too-large");
    expect(state.pulled).toBeLessThan(1_100_000);
  });

  it("accepts exactly maxInputBytes", async () => {
    // Prepare
    const { bytes } = baselineJpeg();

    // Act
    const { result } = await scrubBuffer(bytes, { maxInputBytes: bytes.length });

    // Assess
    expect(result.originalBytes).toBe(bytes.length);
  });
});

describe("bounded memory", () => {
  it("passes a 64 MB JPEG scan through without buffering more than one segment header", async () => {
    // Prepare: 8192 px wide, one restart interval per block row; every coded block is 76 bytes
    // before stuffing, so 0xFF00 stuffing and restart markers fall anywhere in the 16 KiB pieces.
    const rows = 864;
    const intervals = Array.from({ length: 8 }, (_, i) => {
      const row = codedScan(1024, { seed: i + 1, ac: 55 });
      return Buffer.concat([row, Buffer.of(0xff, 0xd0 + i)]);
    });
    const tile = Buffer.concat(intervals);
    let total = 0;
    for (let r = 0; r < rows; r++) total += (intervals[r % 8] as Buffer).length;
    total -= 2; // no restart marker after the last interval
    const header = Buffer.concat([SOI, DQT, DHT_CODED, dri(1024), sof(0xc0, 8192, rows * 8), sos()]);
    const piece = 16 * 1024;
    const { source } = generated(header, total, piece, EOI, (c, offset) => {
      const period = tile.length;
      for (let i = 0; i < c.length; ) {
        const at = (offset + i) % period;
        const n = Math.min(c.length - i, period - at);
        tile.copy(c, i, at, at + n);
        i += n;
      }
    });

    // Act
    const { result, bytes } = await run(scrubChunks(source, { maxInputBytes: 256 * 1024 * 1024 }));

    // Assess
    expect(total).toBeGreaterThan(64 * 1024 * 1024);
    expect(result.removed).toEqual([]);
    expect(bytes).toBe(header.length + total + 2);
    expect(result.memory.peakBufferedBytes).toBeLessThanOrEqual(MAX_HEADER_BYTES);
    expect(result.memory.maxOutputChunkBytes).toBeLessThanOrEqual(piece + MCU_MARGIN_BYTES);
  });

  it("passes a 64 MB PNG IDAT through without buffering it, checking its CRC and zlib stream on the way", async () => {
    // Prepare: 8192 x 2731 RGB of black scanlines as a zlib stream of stored blocks (5-byte block
    // headers every 65 535 bytes), so the generated bytes are a valid image of about 64 MB.
    const width = 8192;
    const height = 2731;
    const raw = height * (1 + width * 3);
    const block = 65_535;
    const blocks = Math.ceil(raw / block);
    const total = 2 + raw + 5 * blocks + 4;
    const adler = Buffer.alloc(4);
    adler.writeUInt32BE((((raw % 65_521) << 16) | 1) >>> 0); // Adler-32 of `raw` zero bytes
    const byteAt = (at: number): number => {
      if (at < 2) return at === 0 ? 0x78 : 0x01;
      if (at >= total - 4) return adler[at - (total - 4)] as number;
      const q = (at - 2) % (block + 5);
      const index = Math.floor((at - 2) / (block + 5));
      if (q >= 5) return 0;
      const size = Math.min(block, raw - index * block);
      return [index === blocks - 1 ? 1 : 0, size & 0xff, size >> 8, ~size & 0xff, (~size >> 8) & 0xff][q] as number;
    };
    const piece = 16 * 1024;
    const fill = (c: Buffer, offset: number): void => {
      c.fill(0);
      // Only block headers and the header/trailer differ from zero.
      const first = Math.max(0, Math.floor((offset - 2) / (block + 5)));
      for (let i = 0; i < Math.min(2, c.length) && offset + i < 2; i++) c[i] = byteAt(offset + i);
      for (let index = first; index <= blocks; index++) {
        const start = 2 + index * (block + 5);
        if (start >= offset + c.length) break;
        for (let q = 0; q < 5; q++)
          if (start + q >= offset && start + q < offset + c.length && start + q < total - 4)
            c[start + q - offset] = byteAt(start + q);
      }
      for (let at = Math.max(offset, total - 4); at < offset + c.length; at++) c[at - offset] = byteAt(at);
    };
    const idatHeader = Buffer.alloc(8);
    idatHeader.writeUInt32BE(total, 0);
    idatHeader.write("IDAT", 4, "latin1");
    const header = Buffer.concat([PNG_SIGNATURE, ihdr(width, height), idatHeader]);
    // The CRC of the generated data, computed piece by piece like the source produces it.
    const { crc32 } = await import("node:zlib");
    let crc = crc32(Buffer.from("IDAT", "latin1"));
    for (let at = 0; at < total; at += piece) {
      const c = Buffer.alloc(Math.min(piece, total - at));
      fill(c, at);
      crc = crc32(c, crc);
    }
    const footer = Buffer.alloc(4);
    footer.writeUInt32BE(crc >>> 0);
    const { source } = generated(header, total, piece, Buffer.concat([footer, chunk("IEND")]), fill);

    // Act
    const { result, bytes } = await run(scrubChunks(source, { maxInputBytes: 256 * 1024 * 1024 }));

    // Assess
    expect(total).toBeGreaterThan(64 * 1024 * 1024);
    expect(bytes).toBe(header.length + total + 4 + 12);
    expect(result.memory.peakBufferedBytes).toBeLessThanOrEqual(MAX_HEADER_BYTES);
    expect(result.memory.maxOutputChunkBytes).toBeLessThanOrEqual(piece);
  });

  it("reads a 32 MB WebP twice from an opener without buffering its frame", async () => {
    // Prepare
    const total = 32 * 1024 * 1024;
    const piece = 16 * 1024;
    const head = vp8Payload(4000, 4000, 0);
    const frameHeader = Buffer.alloc(8);
    frameHeader.write("VP8 ", 0, "latin1");
    frameHeader.writeUInt32LE(head.length + total, 4);
    const exifChunk = riffChunk("EXIF", Buffer.alloc(1000, 1));
    const riffHeader = riff([vp8x(0x08, 4000, 4000)]);
    riffHeader.writeUInt32LE(riffHeader.length - 8 + 8 + head.length + total + exifChunk.length, 4);
    const opener = () =>
      generated(Buffer.concat([riffHeader, frameHeader, head]), total, piece, exifChunk, (c) => c.fill(0x42)).source();

    // Act
    const { result, bytes } = await run(scrubChunks(opener, { maxInputBytes: 256 * 1024 * 1024 }));

    // Assess
    expect(bytes).toBe(riffHeader.length + 8 + head.length + total);
    expect(result.removed).toEqual([{ name: "EXIF", count: 1, bytes: exifChunk.length }]);
    expect(result.memory.peakBufferedBytes).toBeLessThanOrEqual(MAX_HEADER_BYTES);
    expect(result.memory.maxOutputChunkBytes).toBeLessThanOrEqual(piece);
  });
});

describe("errors", () => {
  it("names the error class and exposes a machine-readable reason", () => {
    // Act
    const error = new ScrubRejected("truncated", "input ends inside SOS", 42);

    // Assess
    expect(error.name).toBe("ScrubRejected");
    expect(error.reason).toBe("truncated");
    expect(error.offset).toBe(42);
    expect(error.message).toBe("input ends inside SOS (at byte 42)");
    expect(isScrubRejected(error)).toBe(true);
    expect(isScrubRejected(new Error("x"))).toBe(false);
  });
});
