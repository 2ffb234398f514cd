import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { scrubBuffer, scrubChunks } from "./core";
import { ScrubRejected } from "./errors";
import { minimalExifTiff } from "./exif";
import { anmf, exifTiff, iccProfile, pieces, riff, riffChunk, vp8lPayload, vp8Payload, vp8x, webpChunks, XMP_PACKET } from "./test-fixtures";
import { VP8X_FLAGS } from "./webp";

async function rejection(bytes: Uint8Array, options = {}): Promise<ScrubRejected> {
  try {
    await scrubBuffer(bytes, options);
  } catch (error) {
    if (error instanceof ScrubRejected) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

async function drain(generator: AsyncGenerator<Buffer, unknown, void>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let step = await generator.next(); !step.done; step = await generator.next()) parts.push(step.value);
  return Buffer.concat(parts);
}

const { icc, exif, xmp, animation } = VP8X_FLAGS;

describe("WebP chunks", () => {
  it("drops EXIF and XMP, clears their flags, keeps ICCP and fixes the RIFF size", async () => {
    // Prepare
    const iccp = riffChunk("ICCP", iccProfile(301));
    const image = riffChunk("VP8 ", vp8Payload(64, 48, 101));
    const input = riff([vp8x(icc | exif | xmp, 64, 48), iccp, image, riffChunk("EXIF", exifTiff()), riffChunk("XMP ", XMP_PACKET)]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(riff([vp8x(icc, 64, 48), iccp, image]))).toBe(true);
    expect(bytes.readUInt32LE(4)).toBe(bytes.length - 8);
    expect(webpChunks(bytes).map((c) => c.fourcc)).toEqual(["VP8X", "ICCP", "VP8 "]);
    expect(result.removed.map((r) => r.name)).toEqual(["EXIF", "XMP "]);
    expect(result).toMatchObject({ type: "webp", mediaType: "image/webp", width: 64, height: 48, frames: 1 });
  });

  it("walks every chunk instead of trusting the flags", async () => {
    // Prepare
    const image = riffChunk("VP8 ", vp8Payload(10, 10));
    const input = riff([vp8x(exif, 10, 10), image, riffChunk("EXIF", exifTiff()), riffChunk("XMP\0", XMP_PACKET), riffChunk("XMP ", XMP_PACKET), riffChunk("EXIF", exifTiff())]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(riff([vp8x(0, 10, 10), image]))).toBe(true);
    expect(result.removed.map((r) => [r.name, r.count])).toEqual([
      ["EXIF", 2],
      ['unknown chunk "XMP\\x00"', 1],
      ["XMP ", 1],
    ]);
  });

  it("keeps the frames of an animation byte for byte", async () => {
    // Prepare
    const frames = [
      anmf(16, 16, [riffChunk("VP8L", vp8lPayload(16, 16, 33))]),
      anmf(8, 8, [riffChunk("ALPH", Buffer.alloc(13, 9)), riffChunk("VP8 ", vp8Payload(8, 8, 21))], 2, 4),
      anmf(16, 16, [riffChunk("VP8 ", vp8Payload(16, 16, 50, 8))]),
    ];
    const anim = riffChunk("ANIM", Buffer.from([0, 0, 0, 0, 0, 0]));
    const input = riff([vp8x(animation | exif, 16, 16), anim, ...frames, riffChunk("EXIF", exifTiff())]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(riff([vp8x(animation, 16, 16), anim, ...frames]))).toBe(true);
    expect(result.frames).toBe(3);
  });

  it("drops trailing data after the RIFF payload and unknown chunks of a simple file", async () => {
    // Prepare
    const image = riffChunk("VP8L", vp8lPayload(5, 7));
    const input = Buffer.concat([riff([image, riffChunk("abcd", Buffer.alloc(3))]), Buffer.from("trailer")]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(riff([image]))).toBe(true);
    expect(result.removed.map((r) => r.name)).toEqual(['unknown chunk "abcd"', "trailing data after RIFF"]);
    expect(result).toMatchObject({ width: 5, height: 7 });
  });

  it("drops ICCP and its flag when asked to", async () => {
    // Prepare
    const image = riffChunk("VP8L", vp8lPayload(3, 3));
    const input = riff([vp8x(icc, 3, 3), riffChunk("ICCP", iccProfile(200)), image]);

    // Act
    const { bytes, result } = await scrubBuffer(input, { keepIccProfile: false });

    // Assess
    expect(bytes.equals(riff([vp8x(0, 3, 3), image]))).toBe(true);
    expect(result.removed.map((r) => r.name)).toEqual(["ICCP"]);
  });

  it("gives the same bytes from bytes, an opener, a one-shot stream and one-byte pieces", async () => {
    // Prepare
    const input = riff([vp8x(exif, 20, 20), riffChunk("VP8 ", vp8Payload(20, 20, 77)), riffChunk("EXIF", exifTiff({ orientation: 3 }))]);
    const { bytes: expected } = await scrubBuffer(input);

    // Act
    const fromOpener = await drain(scrubChunks(() => pieces(input, 7)));
    const fromStream = await drain(scrubChunks(Readable.from([input.subarray(0, 11), input.subarray(11)], { objectMode: false })));
    const byteWise = await drain(scrubChunks(() => pieces(input, 1)));

    // Assess
    expect(fromOpener.equals(expected)).toBe(true);
    expect(fromStream.equals(expected)).toBe(true);
    expect(byteWise.equals(expected)).toBe(true);
  });
});

describe("WebP orientation", () => {
  it("writes an Orientation-only EXIF chunk and keeps the EXIF flag", async () => {
    // Prepare
    const image = riffChunk("VP8 ", vp8Payload(30, 20));
    const input = riff([vp8x(exif | xmp, 30, 20), image, riffChunk("EXIF", Buffer.concat([Buffer.from("Exif\0\0"), exifTiff({ orientation: 6 })])), riffChunk("XMP ", XMP_PACKET)]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(riff([vp8x(exif, 30, 20), image, riffChunk("EXIF", minimalExifTiff(6))]))).toBe(true);
    expect(result).toMatchObject({ orientation: 6, orientationPreserved: true });
  });

  it("reports but cannot write the orientation of a simple-format file", async () => {
    // Prepare
    const image = riffChunk("VP8 ", vp8Payload(30, 20));
    const input = riff([image, riffChunk("EXIF", exifTiff({ orientation: 8 }))]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(riff([image]))).toBe(true);
    expect(result).toMatchObject({ orientation: 8, orientationPreserved: false });
  });

  it("is idempotent: scrubbing the output again gives the same bytes", async () => {
    // Prepare
    const input = riff([vp8x(icc | exif, 9, 9), riffChunk("ICCP", iccProfile(99)), riffChunk("VP8L", vp8lPayload(9, 9)), riffChunk("EXIF", exifTiff({ orientation: 2 }))]);
    const first = await scrubBuffer(input);

    // Act
    const second = await scrubBuffer(first.bytes);

    // Assess
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(second.result.orientation).toBe(2);
  });
});

describe("WebP rejections", () => {
  const image = riffChunk("VP8 ", vp8Payload(10, 10));

  it.each([
    ["the file is shorter than its RIFF size", () => riff([vp8x(0, 10, 10), image]).subarray(0, 40), "truncated"],
    ["a chunk runs past the RIFF end", () => {
      const bytes = riff([image]);
      bytes.writeUInt32LE(9999, 16);
      return bytes;
    }, "malformed"],
    ["the first chunk is not an image header", () => riff([riffChunk("EXIF", exifTiff()), image]), "malformed"],
    ["VP8X is not first", () => riff([image, vp8x(0, 10, 10)]), "malformed"],
    ["there is no image chunk", () => riff([vp8x(0, 10, 10), riffChunk("ICCP", iccProfile(200))]), "malformed"],
    ["the VP8 start code is wrong", () => riff([riffChunk("VP8 ", Buffer.alloc(20))]), "malformed"],
    ["an ANMF frame carries an unknown chunk", () => riff([vp8x(animation, 8, 8), anmf(8, 8, [riffChunk("VP8L", vp8lPayload(8, 8)), riffChunk("META", Buffer.alloc(4))])]), "unsupported-feature"],
  ])("rejects the file when %s", async (_case, build, reason) => {
    // Act
    const error = await rejection(build());

    // Assess
    expect(error.reason).toBe(reason);
  });

  it("rejects a canvas above the pixel limit", async () => {
    // Prepare
    const input = riff([vp8x(0, 16_000, 16_000), image]);

    // Act
    const error = await rejection(input, { maxPixels: 1_000_000 });

    // Assess
    expect(error.reason).toBe("too-many-pixels");
  });

  it("rejects a one-shot stream larger than maxSpoolBytes", async () => {
    // Prepare
    const input = riff([riffChunk("VP8 ", vp8Payload(10, 10, 5000))]);

    // Act
    const error = await drain(scrubChunks(Readable.from([input], { objectMode: false }), { maxSpoolBytes: 1000 })).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ScrubRejected);
    expect((error as ScrubRejected).reason).toBe("too-large");
  });

  it("rejects when the second read of the source differs from the first", async () => {
    // Prepare
    const first = riff([riffChunk("VP8 ", vp8Payload(10, 10, 40, 1))]);
    const second = riff([riffChunk("VP8 ", vp8Payload(10, 10, 40, 2))]);
    let opened = 0;
    const opener = (): AsyncIterable<Uint8Array> => pieces(opened++ === 0 ? first : second, 16);

    // Act
    const error = await drain(scrubChunks(opener)).catch((e: unknown) => e);

    // Assess
    expect((error as ScrubRejected).reason).toBe("source-changed");
    expect(opened).toBe(2);
  });
});
