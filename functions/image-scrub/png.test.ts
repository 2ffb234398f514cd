import { deflateSync, inflateSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { scrubBuffer, scrubChunks } from "./scrubber";
import { ScrubRejected } from "./errors";
import { minimalExifTiff } from "./exif";
import { readIccTags } from "./icc";
import {
  chunk,
  exifTiff,
  iccProfile,
  iccpChunk,
  iccTestProfile,
  ihdr,
  itxtXmp,
  PNG_SIGNATURE,
  pieces,
  pngChunks,
  pngImage,
  rgbRows,
  textChunk,
  ztxtChunk,
} from "../../test/support/image-scrub/fixtures";

async function rejection(bytes: Uint8Array, options = {}): Promise<ScrubRejected> {
  try {
    await scrubBuffer(bytes, options);
  } catch (error) {
    if (error instanceof ScrubRejected) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

function png(...chunks: Buffer[]): Buffer {
  return Buffer.concat([PNG_SIGNATURE, ...chunks]);
}

const IEND = chunk("IEND");
const u32 = (v: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(v);
  return b;
};

describe("PNG chunks", () => {
  it("keeps critical and rendering chunks and drops text, time, EXIF, unknown chunks and the trailer", async () => {
    // Prepare
    const { idat } = pngImage(4, 4, 2);
    const kept = [
      ihdr(4, 4),
      chunk("gAMA", u32(45455)),
      chunk("cHRM", Buffer.alloc(32, 1)),
      chunk("sRGB", Buffer.of(0)),
      iccpChunk(),
      chunk("cICP", Buffer.from([1, 13, 0, 1])),
      chunk("sBIT", Buffer.from([8, 8, 8])),
      chunk("pHYs", Buffer.from([0, 0, 11, 19, 0, 0, 11, 19, 1])),
      chunk("tRNS", Buffer.from([0, 1, 0, 2, 0, 3])),
      ...idat,
      IEND,
    ];
    const input = png(
      kept[0] as Buffer,
      textChunk("Author", "Jane Doe"),
      chunk("eXIf", exifTiff()),
      ...kept.slice(1, 4),
      chunk("tIME", Buffer.from([7, 232, 5, 17, 10, 11, 12])),
      ...kept.slice(4, 9),
      itxtXmp(),
      ztxtChunk("Raw profile type exif", "exif\n  24\n45786966000049492a00"),
      chunk("vpAg", Buffer.alloc(9)),
      kept[9] as Buffer,
      textChunk("Comment", "between IDATs"),
      ...kept.slice(10),
      Buffer.from("after IEND: Exif\0\0", "latin1"),
    );

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(png(...kept))).toBe(true);
    expect(pngChunks(bytes).map((c) => c.type)).toEqual([
      "IHDR",
      "gAMA",
      "cHRM",
      "sRGB",
      "iCCP",
      "cICP",
      "sBIT",
      "pHYs",
      "tRNS",
      "IDAT",
      "IDAT",
      "IEND",
    ]);
    expect(pngChunks(bytes).every((c) => c.crcOk)).toBe(true);
    expect(result.removed.map((r) => [r.name, r.count])).toEqual([
      ["tEXt", 2],
      ["eXIf", 1],
      ["tIME", 1],
      ["iTXt", 1],
      ["zTXt", 1],
      ["vpAg", 1],
      ["trailing data after IEND", 1],
    ]);
    expect(result.removedBytes).toBe(input.length - bytes.length);
    expect(result).toMatchObject({ type: "png", mediaType: "image/png", width: 4, height: 4, orientation: null });
  });

  it("leaves the IDAT bytes untouched, so the image inflates to the same rows", async () => {
    // Prepare
    const { idat, zlib } = pngImage(16, 9, 3);
    const input = png(ihdr(16, 9), textChunk("Software", "x"), ...idat, IEND);

    // Act
    const { bytes } = await scrubBuffer(input);

    // Assess
    const data = pngChunks(bytes)
      .filter((c) => c.type === "IDAT")
      .map((c) => c.data);
    expect(Buffer.concat(data).equals(zlib)).toBe(true);
    expect(inflateSync(Buffer.concat(data)).equals(rgbRows(16, 9))).toBe(true);
  });

  it("keeps the APNG animation chunks and reports the frame count", async () => {
    // Prepare
    const { idat } = pngImage(4, 4, 1);
    const acTL = chunk("acTL", Buffer.concat([u32(2), u32(0)]));
    const fcTL0 = chunk(
      "fcTL",
      Buffer.concat([u32(0), u32(4), u32(4), u32(0), u32(0), Buffer.from([0, 1, 0, 10, 0, 0])]),
    );
    const fcTL1 = chunk(
      "fcTL",
      Buffer.concat([u32(1), u32(4), u32(4), u32(0), u32(0), Buffer.from([0, 1, 0, 10, 0, 0])]),
    );
    const fdAT = chunk("fdAT", Buffer.concat([u32(2), (idat[0] as Buffer).subarray(8, -4)]));
    const input = png(ihdr(4, 4), acTL, fcTL0, ...idat, textChunk("Title", "t"), fcTL1, fdAT, IEND);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(png(ihdr(4, 4), acTL, fcTL0, ...idat, fcTL1, fdAT, IEND))).toBe(true);
    expect(result.frames).toBe(2);
  });

  it("gives the same bytes when the input arrives one byte at a time", async () => {
    // Prepare
    const { idat } = pngImage(8, 8, 4);
    const input = png(ihdr(8, 8), chunk("eXIf", exifTiff({ orientation: 6 })), textChunk("a", "b"), ...idat, IEND);
    const { bytes: whole } = await scrubBuffer(input);
    const parts: Buffer[] = [];

    // Act
    const generator = scrubChunks(() => pieces(input, 1));
    for (let step = await generator.next(); !step.done; step = await generator.next()) parts.push(step.value);

    // Assess
    expect(Buffer.concat(parts).equals(whole)).toBe(true);
  });
});

describe("PNG colour profile", () => {
  it("drops iCCP when asked to and keeps it by default", async () => {
    // Prepare
    const { idat } = pngImage();
    const iccp = iccpChunk();
    const input = png(ihdr(4, 4), iccp, ...idat, IEND);

    // Act
    const kept = await scrubBuffer(input);
    const dropped = await scrubBuffer(input, { keepIccProfile: false });

    // Assess
    expect(kept.bytes.equals(input)).toBe(true);
    expect(dropped.bytes.equals(png(ihdr(4, 4), ...idat, IEND))).toBe(true);
    expect(dropped.result.removed).toEqual([{ name: "iCCP", count: 1, bytes: iccp.length }]);
  });
});

describe("PNG colour profile text (issue 14)", () => {
  const CANARY = "CANARY-LEAK-2";
  const hasCanary = (b: Buffer): boolean =>
    b.includes(Buffer.from(CANARY, "latin1")) || b.includes(Buffer.from(CANARY, "utf16le").swap16());

  it("renames the profile, neutralises its text tags, deflates it again and keeps the colour tags byte for byte", async () => {
    // Prepare
    const { idat } = pngImage();
    const profile = iccTestProfile({ canary: CANARY, version: 4 });
    const input = png(
      ihdr(4, 4),
      chunk("iCCP", Buffer.concat([Buffer.from(`${CANARY}\0\0`, "latin1"), deflateSync(profile)])),
      ...idat,
      IEND,
    );

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    const iccp = pngChunks(bytes).find((c) => c.type === "iCCP");
    expect(iccp?.crcOk).toBe(true);
    const data = iccp?.data as Buffer;
    expect(data.subarray(0, 13).toString("latin1")).toBe("ICC profile\0\0");
    const out = inflateSync(data.subarray(13));
    expect(hasCanary(out)).toBe(false);
    expect(hasCanary(bytes)).toBe(false);
    const colour = (p: Buffer) =>
      readIccTags(p)
        .tags.filter((t) => t.type !== "mluc")
        .map((t) => [t.signature, p.subarray(t.offset, t.offset + t.size).toString("hex")]);
    expect(colour(out)).toEqual(colour(profile));
    expect(result.removed.map((r) => r.name)).toEqual(["iCCP profile name", "ICC text tags (replaced)"]);
    expect((await scrubBuffer(bytes)).bytes.equals(bytes)).toBe(true);
  });

  it.each([
    [
      "a second iCCP",
      (c: Buffer) => [chunk("iCCP", Buffer.concat([Buffer.from("a\0\0"), deflateSync(iccProfile(200))])), c],
      "iCCP (second)",
    ],
    ["an iCCP after IDAT", (c: Buffer) => [c], "iCCP (after PLTE/IDAT: ignored by readers)"],
    [
      "an iCCP whose zlib stream is broken",
      (_c: Buffer) => [chunk("iCCP", Buffer.concat([Buffer.from("x\0\0"), Buffer.from(CANARY)]))],
      "iCCP (invalid profile)",
    ],
  ])("drops %s", async (name, arrange, reason) => {
    // Prepare
    const { idat } = pngImage();
    const bad = chunk("iCCP", Buffer.concat([Buffer.from("p\0\0"), deflateSync(iccTestProfile({ canary: CANARY }))]));
    const parts = arrange(bad);
    const input = name.includes("after IDAT")
      ? png(ihdr(4, 4), ...idat, ...parts, IEND)
      : png(ihdr(4, 4), ...parts, ...idat, IEND);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(hasCanary(bytes)).toBe(false);
    expect(result.removed.map((r) => r.name)).toContain(reason);
  });
});

describe("PNG orientation", () => {
  it("replaces an eXIf before IDAT with an Orientation-only eXIf with a valid CRC", async () => {
    // Prepare
    const { idat } = pngImage();
    const input = png(ihdr(4, 4), chunk("eXIf", exifTiff({ orientation: 6, littleEndian: true })), ...idat, IEND);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    const exif = pngChunks(bytes).filter((c) => c.type === "eXIf");
    expect(exif).toHaveLength(1);
    expect(exif[0]?.data.equals(minimalExifTiff(6))).toBe(true);
    expect(exif[0]?.crcOk).toBe(true);
    expect(result).toMatchObject({ orientation: 6, orientationPreserved: true });
  });

  it("drops an eXIf after IDAT without writing an orientation", async () => {
    // Prepare
    const { idat } = pngImage();
    const input = png(ihdr(4, 4), ...idat, chunk("eXIf", exifTiff({ orientation: 6 })), IEND);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(pngChunks(bytes).map((c) => c.type)).toEqual(["IHDR", "IDAT", "IDAT", "IEND"]);
    expect(result.orientation).toBeNull();
  });

  it("is idempotent: scrubbing the output again gives the same bytes", async () => {
    // Prepare
    const { idat } = pngImage();
    const input = png(
      ihdr(4, 4),
      chunk("eXIf", exifTiff({ orientation: 7 })),
      chunk("gAMA", u32(45455)),
      ...idat,
      itxtXmp(),
      IEND,
    );
    const first = await scrubBuffer(input);

    // Act
    const second = await scrubBuffer(first.bytes);

    // Assess
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(second.result.orientation).toBe(7);
  });
});

describe("PNG rejections", () => {
  const { idat } = pngImage();

  function corrupt(bytes: Buffer, at: number): Buffer {
    const copy = Buffer.from(bytes);
    copy[at] = (copy[at] as number) ^ 0x01;
    return copy;
  }

  it.each([
    ["an IDAT CRC is wrong", () => png(ihdr(4, 4), corrupt(idat[0] as Buffer, 10), IEND), "crc-mismatch"],
    [
      "a dropped chunk's CRC is wrong",
      () => png(ihdr(4, 4), corrupt(textChunk("k", "v"), 9), ...idat, IEND),
      "crc-mismatch",
    ],
    ["the IHDR CRC is wrong", () => png(corrupt(ihdr(4, 4), 12), ...idat, IEND), "crc-mismatch"],
    ["IEND is missing", () => png(ihdr(4, 4), ...idat), "truncated"],
    ["the file ends inside IDAT", () => png(ihdr(4, 4), ...idat, IEND).subarray(0, 60), "truncated"],
    ["the first chunk is not IHDR", () => png(chunk("gAMA", u32(1)), ihdr(4, 4), ...idat, IEND), "malformed"],
    ["there is no IDAT", () => png(ihdr(4, 4), IEND), "malformed"],
    ["a chunk type is not letters", () => png(ihdr(4, 4), chunk("t3Xt", Buffer.alloc(2)), ...idat, IEND), "malformed"],
    ["IEND has data", () => png(ihdr(4, 4), ...idat, chunk("IEND", Buffer.of(1))), "malformed"],
    [
      "an unknown critical chunk appears",
      () => png(ihdr(4, 4), chunk("CgBI", Buffer.alloc(4)), ...idat, IEND),
      "unsupported-feature",
    ],
    [
      "the signature is damaged after the first bytes",
      () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x00]), ihdr(4, 4)]),
      "unknown-type",
    ],
  ])("rejects the file when %s", async (_case, build, reason) => {
    // Act
    const error = await rejection(build());

    // Assess
    expect(error.reason).toBe(reason);
  });

  it("rejects an image above the pixel limit", async () => {
    // Prepare
    const input = png(ihdr(100_000, 100_000), ...idat, IEND);

    // Act
    const error = await rejection(input);

    // Assess
    expect(error.reason).toBe("too-many-pixels");
  });
});

const CANARY = Buffer.from("CANARY-LEAK-1", "latin1");

/** The scanlines the IDAT chunks of a PNG inflate to. */
function inflatedRows(bytes: Buffer): Buffer {
  return inflateSync(
    Buffer.concat(
      pngChunks(bytes)
        .filter((c) => c.type === "IDAT")
        .map((c) => c.data),
    ),
  );
}

/** A 4x4 palette image (bit depth 8) with `entries` palette entries. */
function paletteImage(entries: number): { head: Buffer[]; idat: Buffer } {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(4, 0);
  header.writeUInt32BE(4, 4);
  header[8] = 8;
  header[9] = 3;
  const rows = Buffer.alloc(4 * 5);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) rows[y * 5 + 1 + x] = (x + y) % entries;
  const plte = Buffer.alloc(entries * 3);
  for (let i = 0; i < plte.length; i++) plte[i] = i * 40;
  return { head: [chunk("IHDR", header), chunk("PLTE", plte)], idat: chunk("IDAT", deflateSync(rows)) };
}

describe("PNG kept ancillary chunks (issue 14)", () => {
  const { idat } = pngImage(4, 4, 2);
  const rows = rgbRows(4, 4);

  it.each([
    ["gAMA", Buffer.concat([u32(45455), CANARY])],
    ["gAMA", u32(45455).subarray(0, 2)],
    ["cHRM", Buffer.concat([Buffer.alloc(32, 1), CANARY])],
    ["sRGB", Buffer.concat([Buffer.of(0), CANARY])],
    ["sRGB", Buffer.of(7)],
    ["pHYs", Buffer.concat([Buffer.from([0, 0, 11, 19, 0, 0, 11, 19, 1]), CANARY])],
    ["sBIT", Buffer.concat([Buffer.from([8, 8, 8]), CANARY])],
    ["sBIT", Buffer.from([8, 8, 8, 8])],
    ["sBIT", Buffer.from([8, 9, 8])],
    ["cLLI", Buffer.concat([Buffer.alloc(8, 1), CANARY])],
    ["mDCV", Buffer.concat([Buffer.alloc(24, 1), CANARY])],
    ["cICP", Buffer.concat([Buffer.from([1, 13, 0, 1]), CANARY])],
    ["tRNS", Buffer.concat([Buffer.from([0, 1, 0, 2, 0, 3]), CANARY])],
    ["tRNS", Buffer.from([0, 1])],
    ["bKGD", Buffer.concat([Buffer.from([0, 1, 0, 2, 0, 3]), CANARY])],
    ["bKGD", Buffer.from([1])],
    ["acTL", Buffer.concat([u32(1), u32(0), CANARY])],
  ])("drops a %s whose length or fields do not fit an RGB image (%#)", async (type, data) => {
    // Prepare
    const input = png(ihdr(4, 4), chunk(type, data), ...idat, IEND);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.includes(CANARY)).toBe(false);
    expect(bytes.equals(png(ihdr(4, 4), ...idat, IEND))).toBe(true);
    expect(result.removed).toEqual([{ name: `${type} (invalid)`, count: 1, bytes: data.length + 12 }]);
    expect(inflatedRows(bytes).equals(rows)).toBe(true);
  });

  it("checks tRNS and bKGD against the palette of a palette image", async () => {
    // Prepare
    const { head, idat: data } = paletteImage(3);
    const valid = [chunk("tRNS", Buffer.from([0, 128, 255])), chunk("bKGD", Buffer.of(2))];
    const input = png(
      ...head,
      chunk("tRNS", Buffer.concat([Buffer.from([0, 128]), CANARY])),
      chunk("bKGD", Buffer.of(3)),
      ...valid,
      data,
      IEND,
    );

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.includes(CANARY)).toBe(false);
    expect(bytes.equals(png(...head, ...valid, data, IEND))).toBe(true);
    expect(result.removed.map((r) => r.name)).toEqual(["tRNS (invalid)", "bKGD (invalid)"]);
  });

  it("keeps the first of a chunk allowed once and drops one placed after the image data", async () => {
    // Prepare
    const first = chunk("pHYs", Buffer.from([0, 0, 11, 19, 0, 0, 11, 19, 1]));
    const input = png(
      ihdr(4, 4),
      first,
      chunk("pHYs", Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 0])),
      ...idat,
      chunk("gAMA", u32(45455)),
      IEND,
    );

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(png(ihdr(4, 4), first, ...idat, IEND))).toBe(true);
    expect(result.removed.map((r) => r.name)).toEqual(["pHYs (duplicate)", "gAMA (misplaced)"]);
  });

  it("rejects an IHDR with a bit depth the colour type does not allow", async () => {
    // Prepare
    const header = Buffer.from(pngChunks(png(ihdr(4, 4))).at(0)?.data as Buffer);
    header[8] = 0;

    // Act
    const error = await rejection(png(chunk("IHDR", header), ...idat, IEND));

    // Assess
    expect(error.reason).toBe("malformed");
  });
});

describe("PNG image data (issue 14)", () => {
  const { zlib } = pngImage(4, 4, 1);

  it.each([
    [
      "after the zlib stream in the last IDAT",
      () => [chunk("IDAT", zlib.subarray(0, 20)), chunk("IDAT", Buffer.concat([zlib.subarray(20), CANARY]))],
      "after the end of its zlib stream",
    ],
    [
      "in an IDAT after the end of the zlib stream",
      () => [chunk("IDAT", zlib), chunk("IDAT", CANARY)],
      "after the end of its zlib stream",
    ],
    [
      "inside the zlib stream, after the scanlines",
      () => [chunk("IDAT", deflateSync(Buffer.concat([rgbRows(4, 4), CANARY])))],
      "inflates to more than",
    ],
  ])("rejects data hidden %s", async (_case, idat, message) => {
    // Act
    const error = await rejection(png(ihdr(4, 4), ...idat(), IEND));

    // Assess
    expect(error.reason).toBe("malformed");
    expect(error.message).toContain(message);
  });

  it("accepts chunks dropped between IDATs and checks the stream across them", async () => {
    // Prepare
    const input = png(
      ihdr(4, 4),
      chunk("IDAT", zlib.subarray(0, 10)),
      textChunk("k", CANARY.toString("latin1")),
      chunk("IDAT", zlib.subarray(10)),
      IEND,
    );

    // Act
    const { bytes } = await scrubBuffer(input);

    // Assess
    expect(bytes.includes(CANARY)).toBe(false);
    expect(inflatedRows(bytes).equals(rgbRows(4, 4))).toBe(true);
  });
});

describe("PNG iCCP (issue 14)", () => {
  const { idat } = pngImage(4, 4, 1);

  it("replaces the free-text profile name and keeps the compressed profile", async () => {
    // Prepare
    const profile = iccProfile(500);
    const input = png(ihdr(4, 4), iccpChunk(`${CANARY.toString("latin1")} by Jane Doe`, profile), ...idat, IEND);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.includes(CANARY)).toBe(false);
    const iccp = pngChunks(bytes).find((c) => c.type === "iCCP");
    expect(iccp?.crcOk).toBe(true);
    expect(iccp?.data.subarray(0, 13).toString("latin1")).toBe("ICC profile\0\0");
    expect(inflateSync(iccp?.data.subarray(13) as Buffer).equals(profile)).toBe(true);
    expect(bytes.equals(png(ihdr(4, 4), iccpChunk("ICC profile", profile), ...idat, IEND))).toBe(true);
    expect(result.removed).toEqual([{ name: "iCCP profile name", count: 1, bytes: CANARY.length + 12 }]);
    expect(inflatedRows(bytes).equals(rgbRows(4, 4))).toBe(true);
  });

  it.each([
    [
      "a profile that is text",
      () =>
        chunk(
          "iCCP",
          Buffer.concat([
            Buffer.from("ICC profile\0\0", "latin1"),
            deflateSync(Buffer.concat([CANARY, Buffer.alloc(200)])),
          ]),
        ),
    ],
    [
      "compression method 1",
      () =>
        chunk(
          "iCCP",
          Buffer.concat([Buffer.from("ICC profile\0\x01", "latin1"), deflateSync(iccProfile(300)), CANARY]),
        ),
    ],
    [
      "bytes after the zlib stream",
      () =>
        chunk("iCCP", Buffer.concat([Buffer.from("ICC profile\0\0", "latin1"), deflateSync(iccProfile(300)), CANARY])),
    ],
    ["no name terminator", () => chunk("iCCP", Buffer.concat([Buffer.alloc(90, 0x41), CANARY]))],
  ])("drops an iCCP with %s", async (_case, iccp) => {
    // Act
    const { bytes, result } = await scrubBuffer(png(ihdr(4, 4), iccp(), ...idat, IEND));

    // Assess
    expect(bytes.includes(CANARY)).toBe(false);
    expect(bytes.equals(png(ihdr(4, 4), ...idat, IEND))).toBe(true);
    expect(result.removed.map((r) => r.name)).toEqual(["iCCP (invalid profile)"]);
  });
});
