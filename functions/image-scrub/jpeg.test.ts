import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { readIccTags } from "./icc";
import { scrubBuffer, scrubChunks } from "./scrubber";
import { ScrubRejected } from "./errors";
import { EXIF_HEADER, minimalExifTiff } from "./exif";
import {
  adobeApp14,
  app,
  baselineJpeg,
  codedScan,
  DHT,
  DHT_CODED,
  DQT,
  dri,
  EOI,
  entropyData,
  exifApp1,
  iccChunks,
  iccProfile,
  iccTestProfile,
  JFIF,
  jpegSegments,
  pieces,
  SOI,
  seg,
  sof,
  sos,
  XMP_PACKET,
} from "../../test/support/image-scrub/fixtures";

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  const generator = scrubChunks(() => source);
  for (;;) {
    const step = await generator.next();
    if (step.done) return Buffer.concat(parts);
    parts.push(step.value);
  }
}

async function rejection(bytes: Uint8Array, options = {}): Promise<ScrubRejected> {
  try {
    await scrubBuffer(bytes, options);
  } catch (error) {
    if (error instanceof ScrubRejected) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

const markers = (jpeg: Buffer): number[] => jpegSegments(jpeg).map((s) => s.marker);

describe("JPEG segments", () => {
  it("keeps the image segments and drops every metadata segment and the trailer", async () => {
    // Prepare
    const { bytes: clean, scan } = baselineJpeg();
    const input = Buffer.concat([
      SOI,
      JFIF,
      exifApp1(),
      app(1, "http://ns.adobe.com/xap/1.0/\0", XMP_PACKET),
      app(
        1,
        "http://ns.adobe.com/xmp/extension/\0",
        Buffer.concat([Buffer.from("0123456789ABCDEF0123456789ABCDEF"), Buffer.alloc(8), XMP_PACKET]),
      ),
      app(13, "Photoshop 3.0\0", Buffer.from("8BIM\x04\x04\0\0\0\0\0\x0c\x1c\x02\x19\0\x07Berlin!", "latin1")),
      seg(0xfe, Buffer.from("shot by Jane Doe at home", "latin1")),
      app(12, "Ducky", Buffer.from([0, 1, 0, 4, 0, 0, 0, 60])),
      app(2, "MPF\0", Buffer.from("MM\0*\0\0\0\x08", "latin1")),
      app(2, "FPXR\0", Buffer.alloc(20, 1)),
      app(15, "vendor blob", Buffer.alloc(30, 2)),
      DQT,
      DHT,
      sof(0xc0, 16, 16),
      sos(),
      scan,
      EOI,
      Buffer.from("\xff\xd8MPF secondary image with Exif\0\0 inside", "latin1"),
    ]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(clean)).toBe(true);
    expect(markers(bytes)).toEqual([0xd8, 0xe0, 0xdb, 0xc4, 0xc0, 0xda, 0, 0xd9]);
    expect(result.removed.map((r) => r.name)).toEqual([
      "APP1 Exif",
      "APP1 XMP",
      "APP1 XMP extension",
      "APP13 Photoshop",
      "COM",
      "APP12 Ducky",
      "APP2 MPF",
      "APP2 FPXR",
      "APP15 vendor blob",
      "trailing data after EOI",
    ]);
    expect(result.removedBytes).toBe(input.length - clean.length);
    expect(result.orientation).toBeNull();
  });

  it("copies the entropy-coded data byte for byte, with stuffed bytes and restart markers", async () => {
    // Prepare
    const scan = codedScan(64, { seed: 7, restart: 5 });
    const input = Buffer.concat([SOI, DQT, DHT_CODED, dri(5), sof(0xc0, 64, 64), sos(), scan, EOI]);

    // Act
    const { bytes } = await scrubBuffer(input);

    // Assess
    expect(scan.includes(Buffer.of(0xff, 0x00))).toBe(true);
    expect(bytes.equals(input)).toBe(true);
    expect(
      jpegSegments(bytes)
        .find((s) => s.marker === 0)
        ?.data.equals(scan),
    ).toBe(true);
  });

  it("copies every scan of a progressive file with the tables between the scans", async () => {
    // Prepare: a DC scan of 16 MCUs × 3 blocks, then an AC scan and its refinement (8 blocks per restart interval).
    const scans = [Buffer.alloc(6), Buffer.from([0x00, 0xff, 0xd0, 0x00]), Buffer.from([0x00, 0xff, 0xd0, 0x00])];
    const input = Buffer.concat([
      SOI,
      DQT,
      DHT,
      sof(0xc2, 32, 32, 3),
      sos(3, [0, 0, 0x01]),
      scans[0] as Buffer,
      DHT,
      seg(0xdd, Buffer.from([0, 8])),
      app(1, "http://ns.adobe.com/xap/1.0/\0", XMP_PACKET),
      sos(1, [1, 63, 0x01]),
      scans[1] as Buffer,
      seg(0xfe, Buffer.from("between scans", "latin1")),
      DHT,
      sos(1, [1, 63, 0x10]),
      scans[2] as Buffer,
      EOI,
    ]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(markers(bytes)).toEqual([0xd8, 0xdb, 0xc4, 0xc2, 0xda, 0, 0xc4, 0xdd, 0xda, 0, 0xc4, 0xda, 0, 0xd9]);
    const copied = jpegSegments(bytes)
      .filter((s) => s.marker === 0)
      .map((s) => s.data);
    expect(copied.map((c, i) => c.equals(scans[i] as Buffer))).toEqual([true, true, true]);
    expect(result.removed.map((r) => r.name)).toEqual(["APP1 XMP", "COM"]);
    expect(result.kept.find((k) => k.name === "SOS")?.count).toBe(3);
  });

  it("gives the same bytes when the input arrives one byte at a time", async () => {
    // Prepare
    const scan = codedScan(4, { seed: 9, restart: 1 });
    const input = Buffer.concat([
      SOI,
      JFIF,
      exifApp1(6),
      DQT,
      DHT_CODED,
      dri(1),
      sof(0xc0, 16, 16),
      sos(),
      scan,
      Buffer.from([0xff, 0xff, 0xff]),
      EOI,
    ]);
    const { bytes: whole } = await scrubBuffer(input);

    // Act
    const byteWise = await collect(pieces(input, 1));

    // Assess
    expect(byteWise.equals(whole)).toBe(true);
    expect(
      jpegSegments(whole)
        .find((s) => s.marker === 0)
        ?.data.equals(scan),
    ).toBe(true);
  });

  it("drops fill bytes before markers but keeps 0xFF runs that end in a stuffed zero", async () => {
    // Prepare: libjpeg reads 0xFF 0xFF 0x00 inside coded data as one 0xFF byte.
    let seed = 1;
    while (!codedScan(1, { seed }).includes(Buffer.of(0xff, 0x00))) seed += 1;
    const coded = codedScan(1, { seed });
    const at = coded.indexOf(Buffer.of(0xff, 0x00));
    const scan = Buffer.concat([coded.subarray(0, at), Buffer.of(0xff), coded.subarray(at)]);
    const input = Buffer.concat([
      SOI,
      Buffer.from([0xff, 0xff]),
      DQT,
      DHT_CODED,
      sof(0xc0, 8, 8),
      sos(),
      scan,
      Buffer.from([0xff, 0xff]),
      EOI,
    ]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(Buffer.concat([SOI, DQT, DHT_CODED, sof(0xc0, 8, 8), sos(), scan, EOI]))).toBe(true);
    expect(result.removed).toEqual([{ name: "fill bytes", count: 2, bytes: 4 }]);
  });
});

describe("JPEG colour segments", () => {
  it("keeps APP14 Adobe, trimmed to the 12 bytes decoders read", async () => {
    // Prepare
    const { scan } = baselineJpeg();
    const input = Buffer.concat([
      SOI,
      adobeApp14(2, Buffer.from("hidden")),
      DQT,
      DHT,
      sof(0xc0, 16, 16, 4),
      sos(4),
      scan,
      EOI,
    ]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    const adobe = jpegSegments(bytes).find((s) => s.marker === 0xee);
    expect(adobe?.data.equals(Buffer.from("Adobe\x00\x64\x00\x00\x00\x00\x02", "latin1"))).toBe(true);
    expect(result.removed).toEqual([{ name: "APP14 Adobe (extra bytes)", count: 1, bytes: 6 }]);
  });

  it("keeps a multi-chunk ICC profile whole and in sequence order", async () => {
    // Prepare
    const [c1, c2, c3] = iccChunks(iccProfile(900), 3) as [Buffer, Buffer, Buffer];
    const { scan } = baselineJpeg();
    const input = Buffer.concat([
      SOI,
      c2,
      app(2, "MPF\0", Buffer.alloc(8)),
      c1,
      c3,
      DQT,
      DHT,
      sof(0xc0, 16, 16),
      sos(),
      scan,
      EOI,
    ]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    const app2 = jpegSegments(bytes).filter((s) => s.marker === 0xe2);
    expect(app2.map((s) => [s.data[12], s.data[13]])).toEqual([[1, 1]]); // re-chunked: one segment holds 65519 profile bytes
    expect(Buffer.concat(app2.map((s) => s.data.subarray(14))).equals(iccProfile(900))).toBe(true);
    expect(result.kept.find((k) => k.name === "APP2 ICC_PROFILE")).toEqual({
      name: "APP2 ICC_PROFILE",
      count: 1,
      bytes: 900 + 18,
    });
    expect(c1.length + c2.length + c3.length).toBe(900 + 3 * 18);
    expect(result.removed.map((r) => r.name)).toEqual(["APP2 MPF"]);
  });

  it.each([
    ["a chunk is missing", (c: Buffer[]) => [c[0], c[2]], "APP2 ICC_PROFILE (incomplete)"],
    ["a sequence number repeats", (c: Buffer[]) => [c[0], c[0], c[1], c[2]], "APP2 ICC_PROFILE (invalid)"],
    [
      "the chunk counts disagree",
      (c: Buffer[]) => [c[0], app(2, "ICC_PROFILE\0", Buffer.from([2, 4, 1, 2])), c[2]],
      "APP2 ICC_PROFILE (invalid)",
    ],
    [
      "a sequence number is zero",
      (c: Buffer[]) => [app(2, "ICC_PROFILE\0", Buffer.from([0, 3, 1])), ...c],
      "APP2 ICC_PROFILE (invalid)",
    ],
  ])("drops the whole ICC profile when %s", async (_case, arrange, reason) => {
    // Prepare
    const chunks = arrange(iccChunks(iccProfile(600), 3)) as Buffer[];
    const { scan } = baselineJpeg();
    const input = Buffer.concat([SOI, ...chunks, DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(markers(bytes)).not.toContain(0xe2);
    expect(result.removed.map((r) => r.name)).toEqual([reason]);
  });

  it("neutralises the text tags of a profile spread over chunks and re-chunks it; the colour tags stay byte for byte", async () => {
    // Prepare
    const CANARY = "CANARY-LEAK-2";
    const profile = iccTestProfile({ canary: CANARY });
    const { scan } = baselineJpeg();
    const input = Buffer.concat([SOI, ...iccChunks(profile, 4), DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.includes(Buffer.from(CANARY))).toBe(false);
    expect(bytes.includes(Buffer.from(CANARY, "utf16le").swap16())).toBe(false);
    const out = Buffer.concat(
      jpegSegments(bytes)
        .filter((s) => s.marker === 0xe2)
        .map((s) => s.data.subarray(14)),
    );
    const colour = (p: Buffer) =>
      readIccTags(p)
        .tags.filter((t) => !["desc", "text"].includes(t.type))
        .map((t) => [t.signature, p.subarray(t.offset, t.offset + t.size).toString("hex")]);
    expect(colour(out)).toEqual(colour(profile));
    expect(colour(out)).toHaveLength(7);
    expect(result.removed.map((r) => r.name)).toEqual(["ICC text tags (replaced)"]);
    expect((await scrubBuffer(bytes)).bytes.equals(bytes)).toBe(true);
  });

  it("cuts a profile larger than one segment into numbered chunks", async () => {
    // Prepare
    const profile = iccProfile(150_000);
    const { scan } = baselineJpeg();
    const input = Buffer.concat([SOI, ...iccChunks(profile, 5), DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]);

    // Act
    const { bytes } = await scrubBuffer(input);

    // Assess
    const app2 = jpegSegments(bytes).filter((s) => s.marker === 0xe2);
    expect(app2.map((s) => [s.data[12], s.data[13]])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    expect(Buffer.concat(app2.map((s) => s.data.subarray(14))).equals(profile)).toBe(true);
  });

  it("drops a complete profile whose structure is invalid", async () => {
    // Prepare
    const { scan } = baselineJpeg();
    const input = Buffer.concat([
      SOI,
      ...iccChunks(Buffer.concat([Buffer.alloc(64), Buffer.from("CANARY-LEAK-2")]), 2),
      DQT,
      DHT,
      sof(0xc0, 16, 16),
      sos(),
      scan,
      EOI,
    ]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(markers(bytes)).not.toContain(0xe2);
    expect(result.removed.map((r) => r.name)).toEqual(["APP2 ICC_PROFILE (invalid profile)"]);
  });

  it("drops the ICC profile when asked to", async () => {
    // Prepare
    const { scan } = baselineJpeg();
    const input = Buffer.concat([SOI, ...iccChunks(iccProfile(600), 2), DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]);

    // Act
    const { bytes, result } = await scrubBuffer(input, { keepIccProfile: false });

    // Assess
    expect(markers(bytes)).not.toContain(0xe2);
    expect(result.removed).toEqual([{ name: "APP2 ICC_PROFILE", count: 2, bytes: input.length - bytes.length }]);
  });

  it("drops an ICC profile larger than maxIccBytes", async () => {
    // Prepare
    const { scan } = baselineJpeg();
    const input = Buffer.concat([
      SOI,
      ...iccChunks(iccProfile(3000), 3),
      DQT,
      DHT,
      sof(0xc0, 16, 16),
      sos(),
      scan,
      EOI,
    ]);

    // Act
    const { bytes, result } = await scrubBuffer(input, { maxIccBytes: 2000 });

    // Assess
    expect(markers(bytes)).not.toContain(0xe2);
    expect(result.removed.map((r) => r.name)).toEqual(["APP2 ICC_PROFILE (over the size limit)"]);
  });
});

describe("JPEG scan header (issue 14)", () => {
  it.each([
    ["a component that is not in the frame", Buffer.from([1, 0x43, 0x41, 0, 63, 0])],
    ["a repeated component", Buffer.from([2, 1, 0, 1, 0, 0, 63, 0])],
    ["a table selector above 3", Buffer.from([1, 1, 0x45, 0, 63, 0])],
    ["a spectral selection above 63", Buffer.from([1, 1, 0, 0x4e, 0x41, 0])],
  ])("rejects an SOS header with %s", async (_case, header) => {
    // Prepare
    const { scan } = baselineJpeg();
    const input = Buffer.concat([SOI, DQT, DHT, sof(0xc0, 16, 16), seg(0xda, header), scan, EOI]);

    // Act
    const error = await scrubBuffer(input).then(
      () => null,
      (e: unknown) => e,
    );

    // Assess
    expect((error as { reason?: string })?.reason).toBe("malformed");
  });
});

describe("JPEG JFIF", () => {
  it("keeps the JFIF header without its thumbnail and drops JFXX", async () => {
    // Prepare
    const jfifWithThumbnail = app(
      0,
      "JFIF\0",
      Buffer.concat([Buffer.from([1, 2, 1, 0, 96, 0, 96, 2, 1]), Buffer.alloc(6, 0x7f)]),
    );
    const jfxx = app(0, "JFXX\0", Buffer.concat([Buffer.of(0x10), SOI, EOI]));
    const { scan } = baselineJpeg();
    const input = Buffer.concat([SOI, jfifWithThumbnail, jfxx, DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    const jfif = jpegSegments(bytes).find((s) => s.marker === 0xe0);
    expect(jfif?.data.equals(Buffer.from([0x4a, 0x46, 0x49, 0x46, 0, 1, 2, 1, 0, 96, 0, 96, 0, 0]))).toBe(true);
    expect(result.removed.map((r) => r.name)).toEqual(["APP0 JFIF thumbnail", "APP0 JFXX"]);
  });
});

describe("JPEG orientation", () => {
  it.each([false, true])(
    "writes an Orientation-only EXIF block for orientation 6 (little-endian input: %s)",
    async (littleEndian) => {
      // Prepare
      const { scan } = baselineJpeg();
      const input = Buffer.concat([
        SOI,
        JFIF,
        exifApp1(6, littleEndian),
        DQT,
        DHT,
        sof(0xc0, 16, 16),
        sos(),
        scan,
        EOI,
      ]);

      // Act
      const { bytes, result } = await scrubBuffer(input);

      // Assess
      const app1 = jpegSegments(bytes).filter((s) => s.marker === 0xe1);
      expect(app1).toHaveLength(1);
      expect(app1[0]?.data.equals(Buffer.concat([EXIF_HEADER, minimalExifTiff(6)]))).toBe(true);
      expect(bytes.includes(Buffer.from("Canon"))).toBe(false);
      expect(bytes.includes(Buffer.from("SN-0123456789"))).toBe(false);
      expect(result.orientation).toBe(6);
      expect(result.orientationPreserved).toBe(true);
      expect(result.kept.map((k) => k.name)).toContain("APP1 Exif (Orientation only)");
    },
  );

  it("writes no EXIF block when the orientation is 1", async () => {
    // Prepare
    const { bytes: clean, scan } = baselineJpeg();
    const input = Buffer.concat([SOI, JFIF, exifApp1(1), DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(clean)).toBe(true);
    expect(result.orientation).toBeNull();
  });

  it("reports the orientation without writing it when preserveOrientation is false", async () => {
    // Prepare
    const { bytes: clean, scan } = baselineJpeg();
    const input = Buffer.concat([SOI, JFIF, exifApp1(8), DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]);

    // Act
    const { bytes, result } = await scrubBuffer(input, { preserveOrientation: false });

    // Assess
    expect(bytes.equals(clean)).toBe(true);
    expect(result.orientation).toBe(8);
    expect(result.orientationPreserved).toBe(false);
  });

  it("uses the first EXIF block only", async () => {
    // Prepare
    const { scan } = baselineJpeg();
    const input = Buffer.concat([SOI, exifApp1(3), exifApp1(6), DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(result.orientation).toBe(3);
    expect(jpegSegments(bytes).filter((s) => s.marker === 0xe1)).toHaveLength(1);
    expect(result.removed).toEqual([{ name: "APP1 Exif", count: 2, bytes: exifApp1(3).length * 2 }]);
  });

  it("is idempotent: scrubbing the output again gives the same bytes", async () => {
    // Prepare
    const input = Buffer.concat([
      SOI,
      JFIF,
      exifApp1(5),
      ...iccChunks(iccProfile(700), 2),
      adobeApp14(1),
      seg(0xfe, Buffer.from("c")),
      DQT,
      DHT,
      sof(0xc0, 16, 16),
      sos(),
      Buffer.of(0x00),
      EOI,
      Buffer.from("tail"),
    ]);
    const first = await scrubBuffer(input);

    // Act
    const second = await scrubBuffer(first.bytes);

    // Assess
    expect(second.bytes.equals(first.bytes)).toBe(true);
    expect(second.result.orientation).toBe(5);
    expect(second.result.outputSha256).toBe(first.result.outputSha256);
  });
});

describe("JPEG rejections", () => {
  const head = Buffer.concat([SOI, DQT, DHT, sof(0xc0, 16, 16)]);

  it.each([
    ["the scan has no EOI", Buffer.concat([head, sos(), entropyData(100)]), "truncated"],
    ["a segment is cut", Buffer.concat([SOI, DQT.subarray(0, 30)]), "truncated"],
    ["the file ends after a marker's 0xFF", Buffer.concat([head, Buffer.from([0xff])]), "truncated"],
    [
      "garbage sits between segments",
      Buffer.concat([SOI, DQT, Buffer.from("junk"), DHT, sof(0xc0, 16, 16), sos(), Buffer.of(0), EOI]),
      "malformed",
    ],
    ["SOS comes before SOF", Buffer.concat([SOI, DQT, DHT, sos(), Buffer.of(0), EOI]), "malformed"],
    ["EOI comes before any scan", Buffer.concat([head, EOI]), "malformed"],
    [
      "a second frame follows",
      Buffer.concat([head, sos(), Buffer.of(0), sof(0xc0, 16, 16), sos(), Buffer.of(0), EOI]),
      "malformed",
    ],
    ["a segment length is below 2", Buffer.concat([SOI, Buffer.from([0xff, 0xdb, 0x00, 0x01]), EOI]), "malformed"],
    ["a reserved marker appears", Buffer.concat([head, sos(), Buffer.from([0x00, 0xff, 0x9f]), EOI]), "malformed"],
    [
      "the height comes from DNL",
      Buffer.concat([SOI, DQT, DHT, sof(0xc0, 16, 0), sos(), Buffer.of(0), seg(0xdc, Buffer.from([0, 16])), EOI]),
      "unsupported-feature",
    ],
    ["the file is hierarchical", Buffer.concat([SOI, seg(0xde, Buffer.alloc(6)), EOI]), "unsupported-feature"],
    ["the frame is JPEG-LS", Buffer.concat([SOI, seg(0xf7, Buffer.alloc(6)), EOI]), "unsupported-feature"],
  ])("rejects the file when %s", async (_case, input, reason) => {
    // Act
    const error = await rejection(input);

    // Assess
    expect(error.reason).toBe(reason);
    expect(error.name).toBe("ScrubRejected");
  });

  it("rejects a frame above the pixel limit before copying its scan", async () => {
    // Prepare
    const input = Buffer.concat([SOI, DQT, DHT, sof(0xc0, 10_000, 10_001), sos(), Buffer.of(0), EOI]);

    // Act
    const error = await rejection(input, { maxPixels: 100_000_000 });

    // Assess
    expect(error.reason).toBe("too-many-pixels");
    expect(error.message).toContain("10000x10001");
  });
});

const CANARY = Buffer.from("CANARY-LEAK-1", "latin1");
const hasJpegTools =
  spawnSync("djpeg", ["-version"]).error === undefined && spawnSync("cjpeg", ["-version"]).error === undefined;

/** Decodes with libjpeg-turbo's djpeg: the PNM pixels and its warnings. */
function djpeg(jpeg: Buffer): { pixels: Buffer; warnings: string } {
  const run = spawnSync("djpeg", ["-pnm"], { input: jpeg, maxBuffer: 1 << 28 });
  if (run.status !== 0 && run.status !== 2) throw new Error(`djpeg failed: ${run.stderr.toString()}`); // 2: warnings
  return { pixels: run.stdout, warnings: run.stderr.toString() };
}

/** Encodes a pseudo-random 96x64 RGB image with cjpeg and the given options. */
function cjpeg(args: string[]): Buffer {
  const width = 96;
  const height = 64;
  const pixels = Buffer.alloc(width * height * 3);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  const ppm = Buffer.concat([Buffer.from(`P6 ${width} ${height} 255\n`, "latin1"), pixels]);
  const run = spawnSync("cjpeg", args, { input: ppm, maxBuffer: 1 << 26 });
  if (run.status !== 0) throw new Error(`cjpeg failed: ${run.stderr.toString()}`);
  return run.stdout;
}

describe("JPEG entropy-coded data (issue 14)", () => {
  it("drops data after the last coded block of the scan", async () => {
    // Prepare
    const scan = codedScan(4, { seed: 3 });
    const clean = Buffer.concat([SOI, DQT, DHT_CODED, sof(0xc0, 16, 16), sos(), scan, EOI]);
    const input = Buffer.concat([SOI, DQT, DHT_CODED, sof(0xc0, 16, 16), sos(), scan, CANARY, EOI]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.includes(CANARY)).toBe(false);
    expect(bytes.equals(clean)).toBe(true);
    expect(result.removed).toEqual([{ name: "data after the coded blocks of a scan", count: 1, bytes: CANARY.length }]);
  });

  it("drops data before a restart marker and a restart marker after the last interval", async () => {
    // Prepare
    const scan = codedScan(4, { seed: 5, restart: 2 });
    const rst = scan.indexOf(Buffer.of(0xff, 0xd0));
    const input = Buffer.concat([
      SOI,
      DQT,
      DHT_CODED,
      dri(2),
      sof(0xc0, 16, 16),
      sos(),
      scan.subarray(0, rst),
      CANARY,
      scan.subarray(rst),
      Buffer.of(0xff, 0xd1),
      CANARY,
      EOI,
    ]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.includes(CANARY)).toBe(false);
    expect(
      jpegSegments(bytes)
        .find((s) => s.marker === 0)
        ?.data.equals(scan),
    ).toBe(true);
    expect(result.removed).toEqual([
      { name: "data after the coded blocks of a scan", count: 1, bytes: 2 * CANARY.length + 2 },
    ]);
  });

  it("drops data between the scans of a progressive file", async () => {
    // Prepare
    const input = Buffer.concat([
      SOI,
      DQT,
      DHT,
      sof(0xc2, 16, 16),
      sos(1, [0, 0, 0x00]),
      Buffer.alloc(1),
      CANARY,
      sos(1, [1, 63, 0x00]),
      Buffer.alloc(1),
      EOI,
    ]);

    // Act
    const { bytes } = await scrubBuffer(input);

    // Assess
    expect(bytes.includes(CANARY)).toBe(false);
    expect(bytes.length).toBe(input.length - CANARY.length);
  });

  it("rejects invalid Huffman codes and restart markers out of sequence", async () => {
    // Prepare: with DHT_CODED the AC code "11" does not exist.
    const badCode = Buffer.concat([SOI, DQT, DHT_CODED, sof(0xc0, 8, 8), sos(), Buffer.of(0x7f, 0xff, 0x00), EOI]);
    const scan = codedScan(4, { seed: 5, restart: 1 });
    const badRst = Buffer.concat([
      SOI,
      DQT,
      DHT_CODED,
      dri(1),
      sof(0xc0, 16, 16),
      sos(),
      Buffer.from(scan.toString("latin1").replace("\xff\xd1", "\xff\xd5"), "latin1"),
      EOI,
    ]);

    // Act
    const errors = [await rejection(badCode), await rejection(badRst)];

    // Assess
    expect(errors.map((e) => e.reason)).toEqual(["malformed", "malformed"]);
    expect(errors[0]?.message).toContain("invalid Huffman code");
    expect(errors[1]?.message).toContain("out of sequence");
  });

  it.runIf(hasJpegTools).each([
    ["baseline 4:2:0", ["-quality", "90"]],
    ["progressive", ["-progressive"]],
    ["restart intervals, 4:2:2", ["-restart", "1", "-sample", "2x1"]],
    ["greyscale, optimised tables", ["-grayscale", "-optimize"]],
    // Blocks coded to their 63rd coefficient (no end of block) and blocks of a few symbols: the
    // several-symbols lookup of sequential scans must stop where a block ends.
    ["every coefficient coded (quality 100)", ["-quality", "100"]],
    ["sparse blocks (quality 10)", ["-quality", "10"]],
  ])("keeps a %s JPEG from cjpeg byte for byte and drops a canary djpeg skips", async (_case, args) => {
    // Prepare
    const original = cjpeg(args as string[]);
    const eoi = original.length - 2;
    const input = Buffer.concat([original.subarray(0, eoi), CANARY, original.subarray(eoi)]);

    // Act
    const clean = await scrubBuffer(original);
    const { bytes } = await scrubBuffer(input);

    // Assess
    expect(clean.bytes.equals(original)).toBe(true);
    expect(bytes.includes(CANARY)).toBe(false);
    expect(bytes.equals(original)).toBe(true);
    const before = djpeg(input);
    const after = djpeg(bytes);
    expect(before.warnings).toContain("extraneous bytes");
    expect(after.warnings).toBe("");
    expect(after.pixels.equals(before.pixels)).toBe(true);
  });
});

describe("JPEG kept segments (issue 14)", () => {
  const tail = Buffer.concat([DQT, DHT_CODED, sof(0xc0, 16, 16), sos(), codedScan(4), EOI]);

  it.each([
    ["holds text instead of a profile", () => Buffer.concat([CANARY, Buffer.alloc(200)])],
    [
      "declares a size larger than its length",
      () => {
        const icc = Buffer.from(iccProfile(400));
        icc.writeUInt32BE(413, 0);
        return icc;
      },
    ],
    ["has no 'acsp' signature", () => Buffer.from(iccProfile(400)).fill(0x41, 36, 40)],
    [
      "has a tag outside the profile",
      () => {
        const icc = Buffer.from(iccProfile(400));
        icc.writeUInt32BE(1000, 140);
        return icc;
      },
    ],
    [
      "has more tags than fit",
      () => {
        const icc = Buffer.from(iccProfile(400));
        icc.writeUInt32BE(100, 128);
        return icc;
      },
    ],
  ])("drops every APP2 ICC_PROFILE chunk when the assembled profile %s", async (_case, profile) => {
    // Prepare
    const body = profile();
    body.set(CANARY, Math.min(200, body.length - CANARY.length));
    const input = Buffer.concat([SOI, ...iccChunks(body, 2), tail]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.includes(CANARY)).toBe(false);
    expect(markers(bytes)).not.toContain(0xe2);
    expect(result.removed.map((r) => r.name)).toEqual(["APP2 ICC_PROFILE (invalid profile)"]);
  });

  it("keeps a profile followed by bytes beyond its declared size without those bytes", async () => {
    // Prepare: icc.ts copies only what the header and tag table account for.
    const input = Buffer.concat([SOI, ...iccChunks(Buffer.concat([iccProfile(400), CANARY]), 2), tail]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.includes(CANARY)).toBe(false);
    const app2 = jpegSegments(bytes).filter((s) => s.marker === 0xe2);
    expect(Buffer.concat(app2.map((s) => s.data.subarray(14))).equals(iccProfile(400))).toBe(true);
    expect(result.kept.find((k) => k.name === "APP2 ICC_PROFILE")?.count).toBe(1);
  });

  it("keeps a valid profile and validates it assembled across chunks", async () => {
    // Prepare
    const input = Buffer.concat([SOI, ...iccChunks(iccProfile(1000), 3), tail]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess: re-chunked by icc.ts's caller into one segment (65 519 profile bytes fit in one)
    expect(result.kept.find((k) => k.name === "APP2 ICC_PROFILE")?.count).toBe(1);
    const app2 = jpegSegments(bytes).filter((s) => s.marker === 0xe2);
    expect(Buffer.concat(app2.map((s) => s.data.subarray(14))).equals(iccProfile(1000))).toBe(true);
  });

  it("drops DAC segments (arithmetic conditioning without an arithmetic-coded frame)", async () => {
    // Prepare
    const input = Buffer.concat([SOI, seg(0xcc, Buffer.concat([Buffer.of(0x00, 0x10), CANARY])), tail]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.includes(CANARY)).toBe(false);
    expect(result.removed.map((r) => r.name)).toEqual(["DAC"]);
  });

  it("rejects arithmetic-coded frames, which browsers do not decode", async () => {
    // Prepare
    const input = Buffer.concat([
      SOI,
      DQT,
      seg(0xcc, Buffer.of(0x00, 0x10)),
      sof(0xc9, 16, 16),
      sos(),
      Buffer.alloc(4),
      EOI,
    ]);

    // Act
    const error = await rejection(input);

    // Assess
    expect(error.reason).toBe("unsupported-feature");
    expect(error.message).toContain("arithmetic");
  });

  it.each([
    [
      "DQT carries bytes after its table",
      Buffer.concat([
        SOI,
        seg(0xdb, Buffer.concat([DQT.subarray(4), CANARY])),
        DHT_CODED,
        sof(0xc0, 16, 16),
        sos(),
        codedScan(4),
        EOI,
      ]),
    ],
    [
      "DHT carries bytes after its table",
      Buffer.concat([
        SOI,
        DQT,
        seg(0xc4, Buffer.concat([DHT_CODED.subarray(4), CANARY])),
        sof(0xc0, 16, 16),
        sos(),
        codedScan(4),
        EOI,
      ]),
    ],
    [
      "a scan uses a Huffman table never defined",
      Buffer.concat([SOI, DQT, sof(0xc0, 16, 16), sos(), codedScan(4), EOI]),
    ],
  ])("rejects the file when %s", async (_case, input) => {
    // Act
    const error = await rejection(input);

    // Assess
    expect(error.reason).toBe("malformed");
  });

  it("writes the spectral selection T.81 prescribes for a sequential scan", async () => {
    // Prepare: decoders ignore Ss/Se/Ah/Al of a sequential scan, so they could carry free bits
    // (values out of their ranges, Ss or Se > 63 or Ah > 13, are rejected).
    const input = Buffer.concat([
      SOI,
      DQT,
      DHT_CODED,
      sof(0xc0, 16, 16),
      sos(1, [0x2b, 0x0c, 0x31]),
      codedScan(4),
      EOI,
    ]);

    // Act
    const { bytes } = await scrubBuffer(input);

    // Assess
    expect(
      jpegSegments(bytes)
        .find((s) => s.marker === 0xda)
        ?.data.subarray(3),
    ).toEqual(Buffer.of(0, 63, 0));
  });
});
