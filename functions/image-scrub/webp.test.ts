import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { scrubBuffer, scrubChunks } from "./scrubber";
import { ScrubRejected } from "./errors";
import { minimalExifTiff } from "./exif";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readIccTags } from "./icc";
import {
  anmf,
  exifTiff,
  iccProfile,
  iccTestProfile,
  pieces,
  realWebp,
  riff,
  riffChunk,
  vp8lPayload,
  vp8MultiPartition,
  vp8Payload,
  vp8x,
  webpChunks,
  XMP_PACKET,
} from "../../test/support/image-scrub/fixtures";
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
    const input = riff([
      vp8x(icc | exif | xmp, 64, 48),
      iccp,
      image,
      riffChunk("EXIF", exifTiff()),
      riffChunk("XMP ", XMP_PACKET),
    ]);

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
    const input = riff([
      vp8x(exif, 10, 10),
      image,
      riffChunk("EXIF", exifTiff()),
      riffChunk("XMP\0", XMP_PACKET),
      riffChunk("XMP ", XMP_PACKET),
      riffChunk("EXIF", exifTiff()),
    ]);

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
    const input = riff([
      vp8x(exif, 20, 20),
      riffChunk("VP8 ", vp8Payload(20, 20, 77)),
      riffChunk("EXIF", exifTiff({ orientation: 3 })),
    ]);
    const { bytes: expected } = await scrubBuffer(input);

    // Act
    const fromOpener = await drain(scrubChunks(() => pieces(input, 7)));
    const fromStream = await drain(
      scrubChunks(Readable.from([input.subarray(0, 11), input.subarray(11)], { objectMode: false })),
    );
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
    const input = riff([
      vp8x(exif | xmp, 30, 20),
      image,
      riffChunk("EXIF", Buffer.concat([Buffer.from("Exif\0\0"), exifTiff({ orientation: 6 })])),
      riffChunk("XMP ", XMP_PACKET),
    ]);

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
    const input = riff([
      vp8x(icc | exif, 9, 9),
      riffChunk("ICCP", iccProfile(99)),
      riffChunk("VP8L", vp8lPayload(9, 9)),
      riffChunk("EXIF", exifTiff({ orientation: 2 })),
    ]);
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
    [
      "a chunk runs past the RIFF end",
      () => {
        const bytes = riff([image]);
        bytes.writeUInt32LE(9999, 16);
        return bytes;
      },
      "malformed",
    ],
    ["the first chunk is not an image header", () => riff([riffChunk("EXIF", exifTiff()), image]), "malformed"],
    ["VP8X is not first", () => riff([image, vp8x(0, 10, 10)]), "malformed"],
    ["there is no image chunk", () => riff([vp8x(0, 10, 10), riffChunk("ICCP", iccProfile(200))]), "malformed"],
    ["the VP8 start code is wrong", () => riff([riffChunk("VP8 ", Buffer.alloc(20))]), "malformed"],
    [
      "an ANMF frame carries an unknown chunk",
      () =>
        riff([
          vp8x(animation, 8, 8),
          riffChunk("ANIM", Buffer.alloc(6)),
          anmf(8, 8, [riffChunk("VP8L", vp8lPayload(8, 8)), riffChunk("META", Buffer.alloc(4))]),
        ]),
      "unsupported-feature",
    ],
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
    const error = await drain(
      scrubChunks(Readable.from([input], { objectMode: false }), { maxSpoolBytes: 1000 }),
    ).catch((e: unknown) => e);

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

// ---------------------------------------------------------------------------------------------
// Issue 14: every kept byte is checked against the container's structure.

const CANARY = "CANARY-LEAK-2";

function hasCanary(bytes: Buffer): boolean {
  return bytes.includes(Buffer.from(CANARY, "latin1")) || bytes.includes(Buffer.from(CANARY, "utf16le").swap16());
}

/** The chunks of a real file, rebuilt into a RIFF after `edit`. */
function rebuild(
  file: Buffer,
  edit: (chunks: { fourcc: string; data: Buffer }[]) => { fourcc: string; data: Buffer }[],
): Buffer {
  return riff(edit(webpChunks(file)).map((c) => riffChunk(c.fourcc, c.data)));
}

let dwebpChecked: boolean | undefined;
/** Decoded RGBA pixels (PAM) by dwebp, or null when dwebp is not installed. */
function dwebpPixels(bytes: Buffer): Buffer | null {
  if (dwebpChecked === undefined) {
    try {
      execFileSync("dwebp", ["-version"], { stdio: "ignore" });
      dwebpChecked = true;
    } catch {
      dwebpChecked = false;
    }
  }
  if (!dwebpChecked) return null;
  const dir = mkdtempSync(join(tmpdir(), "webp-test-"));
  try {
    writeFileSync(join(dir, "in.webp"), bytes);
    execFileSync("dwebp", [join(dir, "in.webp"), "-pam", "-o", join(dir, "out.pam")], { stdio: "ignore" });
    return execFileSync("cat", [join(dir, "out.pam")]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe("WebP structure (issue 14)", () => {
  it.each(["lossy", "lossless", "alphaRaw", "alphaLossless", "animated"] as const)(
    "keeps the real %s file decodable with the same pixels",
    async (name) => {
      // Prepare
      const input = realWebp(name);
      const withMetadata = rebuild(input, (chunks) => [
        ...chunks,
        { fourcc: "EXIF", data: exifTiff() },
        { fourcc: "XMP ", data: Buffer.from(CANARY) },
      ]);

      // Act
      const { bytes } = await scrubBuffer(withMetadata);

      // Assess
      expect(bytes.equals(input)).toBe(true);
      // dwebp decodes still images only; the animation's bytes are compared above.
      const before = name === "animated" ? null : dwebpPixels(input);
      if (before !== null) expect(dwebpPixels(bytes)?.equals(before)).toBe(true);
    },
  );

  it("rejects an ANIM chunk with extra content after its 6 bytes", async () => {
    // Prepare
    const input = rebuild(realWebp("animated"), (chunks) =>
      chunks.map((c) =>
        c.fourcc === "ANIM" ? { fourcc: "ANIM", data: Buffer.concat([c.data, Buffer.from(CANARY)]) } : c,
      ),
    );

    // Act
    const error = await rejection(input);

    // Assess
    expect(error.reason).toBe("malformed");
    expect(error.message).toMatch(/ANIM size 19 \(must be 6/);
  });

  it("rejects uncompressed ALPH data longer than one byte per pixel", async () => {
    // Prepare
    const input = rebuild(realWebp("alphaRaw"), (chunks) =>
      chunks.map((c) =>
        c.fourcc === "ALPH" ? { fourcc: "ALPH", data: Buffer.concat([c.data, Buffer.from(CANARY)]) } : c,
      ),
    );

    // Act
    const error = await rejection(input);

    // Assess
    expect(error.message).toMatch(/uncompressed ALPH has 269 bytes for 16x16 pixels/);
  });

  it.each([
    ["reserved bits", 0xc0],
    ["compression method 2", 0x02],
    ["pre-processing 2", 0x20],
  ])("rejects an ALPH header with %s", async (_case, header) => {
    // Prepare
    const input = rebuild(realWebp("alphaRaw"), (chunks) =>
      chunks.map((c) =>
        c.fourcc === "ALPH" ? { fourcc: "ALPH", data: Buffer.concat([Buffer.of(header), c.data.subarray(1)]) } : c,
      ),
    );

    // Act
    const error = await rejection(input);

    // Assess
    expect(error.reason).toBe("malformed");
    expect(error.message).toMatch(/ALPH/);
  });

  it.each([
    [
      "a second VP8L chunk in a simple file",
      () =>
        rebuild(realWebp("lossless"), (c) => [
          ...c,
          { fourcc: "VP8L", data: Buffer.concat([vp8lPayload(16, 16, 0), Buffer.from(CANARY)]) },
        ]),
    ],
    ["a duplicated VP8 chunk in a simple file", () => rebuild(realWebp("lossy"), (c) => [...c, ...c])],
    [
      "a duplicated VP8 chunk in an extended file",
      () => rebuild(realWebp("alphaRaw"), (c) => [...c, ...c.filter((x) => x.fourcc === "VP8 ")]),
    ],
    [
      "a VP8L after ALPH",
      () =>
        riff([
          vp8x(VP8X_FLAGS.alpha, 16, 16),
          riffChunk("ALPH", Buffer.concat([Buffer.of(0), Buffer.alloc(256)])),
          riffChunk("VP8L", vp8lPayload(16, 16)),
        ]),
    ],
    [
      "ALPH not followed by VP8",
      () =>
        riff([
          vp8x(VP8X_FLAGS.alpha, 16, 16),
          riffChunk("ALPH", Buffer.concat([Buffer.of(0), Buffer.alloc(256)])),
          riffChunk("EXIF", exifTiff()),
          riffChunk("VP8 ", vp8Payload(16, 16)),
        ]),
    ],
    [
      "a second frame bitstream inside ANMF",
      () =>
        riff([
          vp8x(animation, 8, 8),
          riffChunk("ANIM", Buffer.alloc(6)),
          anmf(8, 8, [riffChunk("VP8L", vp8lPayload(8, 8)), riffChunk("VP8L", vp8lPayload(8, 8))]),
        ]),
    ],
    [
      "a second ANIM",
      () =>
        rebuild(realWebp("animated"), (c) => [
          c[0] as { fourcc: string; data: Buffer },
          c[1] as { fourcc: string; data: Buffer },
          ...c.slice(1),
        ]),
    ],
    ["an ANMF without ANIM", () => rebuild(realWebp("animated"), (c) => c.filter((x) => x.fourcc !== "ANIM"))],
    [
      "a VP8 outside ANMF in an animation",
      () => rebuild(realWebp("animated"), (c) => [...c, ...webpChunks(realWebp("lossy"))]),
    ],
    [
      "an ANMF frame outside the canvas",
      () =>
        riff([
          vp8x(animation, 8, 8),
          riffChunk("ANIM", Buffer.alloc(6)),
          anmf(8, 8, [riffChunk("VP8L", vp8lPayload(8, 8))], 2, 0),
        ]),
    ],
    ["the VP8 size differs from the canvas", () => riff([vp8x(0, 20, 20), riffChunk("VP8 ", vp8Payload(16, 16))])],
    [
      "the VP8L version is not 0",
      () => {
        const payload = vp8lPayload(4, 4);
        payload[4] = (payload[4] as number) | 0x20;
        return riff([riffChunk("VP8L", payload)]);
      },
    ],
  ])("rejects %s", async (_case, build) => {
    // Act
    const error = await rejection(build());

    // Assess
    expect(error.reason).toBe("malformed");
  });

  it.each([
    [
      "not a key frame",
      (p: Buffer) => {
        p[0] = (p[0] as number) | 1;
      },
      /not a key frame/,
    ],
    [
      "not shown",
      (p: Buffer) => {
        p[0] = (p[0] as number) & ~0x10;
      },
      /not shown/,
    ],
    [
      "version 4",
      (p: Buffer) => {
        p[0] = ((p[0] as number) & ~0x0e) | 0x08;
      },
      /version 4/,
    ],
    [
      "a first partition past the chunk end",
      (p: Buffer) => p.writeUIntLE((p.length << 5) | 0x10, 0, 3),
      /first partition/,
    ],
  ])("rejects a VP8 frame header that is %s", async (_case, corrupt, message) => {
    // Prepare
    const payload = vp8Payload(16, 16, 40);
    corrupt(payload);

    // Act
    const error = await rejection(riff([riffChunk("VP8 ", payload)]));

    // Assess
    expect(error.reason).toBe("malformed");
    expect(error.message).toMatch(message);
  });

  it("accepts a VP8 frame whose partition table matches the chunk", async () => {
    // Prepare
    const input = riff([riffChunk("VP8 ", vp8MultiPartition(16, 16, [5, 7, 3, 9]))]);

    // Act
    const { bytes } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(input)).toBe(true);
  });

  it.each([
    [
      "a partition size runs past the chunk end",
      () => {
        const payload = vp8MultiPartition(16, 16, [5, 7, 3, 9]);
        const chunk = riffChunk("VP8 ", payload);
        const tableAt = 8 + 10 + (payload.readUIntLE(0, 3) >> 5);
        chunk.writeUIntLE(0xfffff, tableAt + 3, 3);
        return chunk;
      },
    ],
    ["the last partition is empty", () => riffChunk("VP8 ", vp8MultiPartition(16, 16, [5, 7, 3, 0]))],
    [
      "the size table is cut by the chunk end",
      () => {
        const payload = vp8MultiPartition(16, 16, [5, 7, 3, 9]);
        return riffChunk("VP8 ", payload.subarray(0, 10 + (payload.readUIntLE(0, 3) >> 5) + 4));
      },
    ],
  ])("rejects a VP8 frame when %s", async (_case, build) => {
    // Act
    const error = await rejection(riff([build()]));

    // Assess
    expect(error.reason).toBe("malformed");
    expect(error.message).toMatch(/VP8 partition/);
  });

  it("zeroes the reserved bits of VP8X and ANMF", async () => {
    // Prepare
    const input = rebuild(realWebp("animated"), (chunks) =>
      chunks.map((c) => {
        const data = Buffer.from(c.data);
        if (c.fourcc === "VP8X") data.set([data[0] as number | 0xc1, 0x43, 0x41, 0x4e]);
        if (c.fourcc === "ANMF") data[15] = (data[15] as number) | 0xfc;
        return { fourcc: c.fourcc, data };
      }),
    );

    // Act
    const { bytes } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(realWebp("animated"))).toBe(true);
  });

  it("neutralises the text tags of the ICC profile and keeps its colour tags byte for byte", async () => {
    // Prepare
    const profile = iccTestProfile({ canary: CANARY });
    const input = rebuild(realWebp("alphaRaw"), (chunks) => [
      { fourcc: "VP8X", data: Buffer.from([(chunks[0]?.data[0] as number) | icc, 0, 0, 0, 15, 0, 0, 15, 0, 0]) },
      { fourcc: "ICCP", data: profile },
      ...chunks.slice(1),
    ]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(hasCanary(input)).toBe(true);
    expect(hasCanary(bytes)).toBe(false);
    const out = webpChunks(bytes).find((c) => c.fourcc === "ICCP")?.data as Buffer;
    const colour = (p: Buffer) =>
      readIccTags(p)
        .tags.filter((t) => !["desc", "text", "mluc"].includes(t.type))
        .map((t) => [t.signature, p.subarray(t.offset, t.offset + t.size).toString("hex")]);
    expect(colour(out)).toEqual(colour(profile));
    expect(result.removed.map((r) => r.name)).toContain("ICC text tags (replaced)");
    expect((bytes[20] as number) & icc).toBe(icc);
    const before = dwebpPixels(input);
    if (before !== null) expect(dwebpPixels(bytes)?.equals(before)).toBe(true);
  });

  it.each([
    [
      "the ICC flag is not set",
      (p: Buffer) => [vp8x(0, 16, 16), riffChunk("ICCP", p)],
      "ICCP (ICC flag not set: ignored by readers)",
    ],
    [
      "it is the second one",
      (p: Buffer) => [vp8x(icc, 16, 16), riffChunk("ICCP", iccProfile(200)), riffChunk("ICCP", p)],
      "ICCP (second)",
    ],
    [
      "the file is in simple format",
      (p: Buffer) => [riffChunk("ICCP", p)],
      "ICCP (simple-format file: ignored by readers)",
    ],
    [
      "the profile is invalid",
      (p: Buffer) => [vp8x(icc, 16, 16), riffChunk("ICCP", p.subarray(0, 100))],
      "ICCP (invalid profile)",
    ],
  ])("drops an ICCP chunk when %s", async (_case, chunks, reason) => {
    // Prepare
    const profile = iccTestProfile({ canary: CANARY });
    const parts = chunks(profile);
    const image = riffChunk("VP8 ", vp8Payload(16, 16));
    const input =
      parts[0]?.subarray(0, 4).toString("latin1") === "VP8X"
        ? riff([parts[0] as Buffer, image, ...parts.slice(1)])
        : riff([image, ...parts]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(hasCanary(bytes)).toBe(false);
    expect(result.removed.map((r) => r.name)).toContain(reason);
  });

  it("drops an ANIM chunk in a still image", async () => {
    // Prepare
    const input = rebuild(realWebp("alphaRaw"), (chunks) => [...chunks, { fourcc: "ANIM", data: Buffer.from(CANARY) }]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(realWebp("alphaRaw"))).toBe(true);
    expect(result.removed.map((r) => r.name)).toEqual(["ANIM (not an animation)"]);
  });
});
