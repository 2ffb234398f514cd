import { describe, expect, it } from "vitest";
import { readIccTags } from "./icc";
import { scrubBuffer, scrubChunks } from "./core";
import { ScrubRejected } from "./errors";
import { EXIF_HEADER, minimalExifTiff } from "./exif";
import {
  adobeApp14,
  app,
  baselineJpeg,
  DHT,
  DQT,
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
} from "./test-fixtures";

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
      app(1, "http://ns.adobe.com/xmp/extension/\0", Buffer.concat([Buffer.from("0123456789ABCDEF0123456789ABCDEF"), Buffer.alloc(8), XMP_PACKET])),
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
    const scan = entropyData(50_000, 7, 997);
    const input = Buffer.concat([SOI, DQT, DHT, seg(0xdd, Buffer.from([0, 4])), sof(0xc0, 64, 64), sos(), scan, EOI]);

    // Act
    const { bytes } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(input)).toBe(true);
    expect(jpegSegments(bytes).find((s) => s.marker === 0)?.data.equals(scan)).toBe(true);
  });

  it("copies every scan of a progressive file with the tables between the scans", async () => {
    // Prepare
    const scans = [entropyData(3000, 1), entropyData(2000, 2), entropyData(4000, 3)];
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
    const copied = jpegSegments(bytes).filter((s) => s.marker === 0).map((s) => s.data);
    expect(copied.map((c, i) => c.equals(scans[i] as Buffer))).toEqual([true, true, true]);
    expect(result.removed.map((r) => r.name)).toEqual(["APP1 XMP", "COM"]);
    expect(result.kept.find((k) => k.name === "SOS")?.count).toBe(3);
  });

  it("gives the same bytes when the input arrives one byte at a time", async () => {
    // Prepare
    const input = Buffer.concat([SOI, JFIF, exifApp1(6), DQT, DHT, sof(0xc0, 16, 16), sos(), entropyData(3000, 9, 100), Buffer.from([0xff, 0xff, 0xff]), EOI]);
    const { bytes: whole } = await scrubBuffer(input);

    // Act
    const byteWise = await collect(pieces(input, 1));

    // Assess
    expect(byteWise.equals(whole)).toBe(true);
  });

  it("drops fill bytes before markers but keeps 0xFF runs that end in a stuffed zero", async () => {
    // Prepare
    const scan = Buffer.from([0x12, 0xff, 0xff, 0x00, 0x34, 0xff, 0xd3, 0x56]);
    const input = Buffer.concat([SOI, Buffer.from([0xff, 0xff]), DQT, DHT, sof(0xc0, 8, 8), sos(), scan, Buffer.from([0xff, 0xff]), EOI]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    expect(bytes.equals(Buffer.concat([SOI, DQT, DHT, sof(0xc0, 8, 8), sos(), scan, EOI]))).toBe(true);
    expect(result.removed).toEqual([{ name: "fill bytes", count: 2, bytes: 4 }]);
  });
});

describe("JPEG colour segments", () => {
  it("keeps APP14 Adobe, trimmed to the 12 bytes decoders read", async () => {
    // Prepare
    const { scan } = baselineJpeg();
    const input = Buffer.concat([SOI, adobeApp14(2, Buffer.from("hidden")), DQT, DHT, sof(0xc0, 16, 16, 4), sos(4), scan, EOI]);

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
    const input = Buffer.concat([SOI, c2, app(2, "MPF\0", Buffer.alloc(8)), c1, c3, DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]);

    // Act
    const { bytes, result } = await scrubBuffer(input);

    // Assess
    const app2 = jpegSegments(bytes).filter((s) => s.marker === 0xe2);
    expect(app2.map((s) => [s.data[12], s.data[13]])).toEqual([[1, 1]]); // re-chunked: one segment holds 65519 profile bytes
    expect(Buffer.concat(app2.map((s) => s.data.subarray(14))).equals(iccProfile(900))).toBe(true);
    expect(result.kept.find((k) => k.name === "APP2 ICC_PROFILE")).toEqual({ name: "APP2 ICC_PROFILE", count: 1, bytes: 900 + 18 });
    expect(c1.length + c2.length + c3.length).toBe(900 + 3 * 18);
    expect(result.removed.map((r) => r.name)).toEqual(["APP2 MPF"]);
  });

  it.each([
    ["a chunk is missing", (c: Buffer[]) => [c[0], c[2]], "APP2 ICC_PROFILE (incomplete)"],
    ["a sequence number repeats", (c: Buffer[]) => [c[0], c[0], c[1], c[2]], "APP2 ICC_PROFILE (invalid)"],
    ["the chunk counts disagree", (c: Buffer[]) => [c[0], app(2, "ICC_PROFILE\0", Buffer.from([2, 4, 1, 2])), c[2]], "APP2 ICC_PROFILE (invalid)"],
    ["a sequence number is zero", (c: Buffer[]) => [app(2, "ICC_PROFILE\0", Buffer.from([0, 3, 1])), ...c], "APP2 ICC_PROFILE (invalid)"],
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
    const out = Buffer.concat(jpegSegments(bytes).filter((s) => s.marker === 0xe2).map((s) => s.data.subarray(14)));
    const colour = (p: Buffer) => readIccTags(p).tags.filter((t) => !["desc", "text"].includes(t.type)).map((t) => [t.signature, p.subarray(t.offset, t.offset + t.size).toString("hex")]);
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
    expect(app2.map((s) => [s.data[12], s.data[13]])).toEqual([[1, 3], [2, 3], [3, 3]]);
    expect(Buffer.concat(app2.map((s) => s.data.subarray(14))).equals(profile)).toBe(true);
  });

  it("drops a complete profile whose structure is invalid", async () => {
    // Prepare
    const { scan } = baselineJpeg();
    const input = Buffer.concat([SOI, ...iccChunks(Buffer.concat([Buffer.alloc(64), Buffer.from("CANARY-LEAK-2")]), 2), DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]);

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
    const input = Buffer.concat([SOI, ...iccChunks(iccProfile(3000), 3), DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]);

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
    const jfifWithThumbnail = app(0, "JFIF\0", Buffer.concat([Buffer.from([1, 2, 1, 0, 96, 0, 96, 2, 1]), Buffer.alloc(6, 0x7f)]));
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
  it.each([false, true])("writes an Orientation-only EXIF block for orientation 6 (little-endian input: %s)", async (littleEndian) => {
    // Prepare
    const { scan } = baselineJpeg();
    const input = Buffer.concat([SOI, JFIF, exifApp1(6, littleEndian), DQT, DHT, sof(0xc0, 16, 16), sos(), scan, EOI]);

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
  });

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
      entropyData(500, 4),
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
    ["garbage sits between segments", Buffer.concat([SOI, DQT, Buffer.from("junk"), DHT, sof(0xc0, 16, 16), sos(), Buffer.of(0), EOI]), "malformed"],
    ["SOS comes before SOF", Buffer.concat([SOI, DQT, DHT, sos(), Buffer.of(0), EOI]), "malformed"],
    ["EOI comes before any scan", Buffer.concat([head, EOI]), "malformed"],
    ["a second frame follows", Buffer.concat([head, sos(), Buffer.of(0), sof(0xc0, 16, 16), sos(), Buffer.of(0), EOI]), "malformed"],
    ["a segment length is below 2", Buffer.concat([SOI, Buffer.from([0xff, 0xdb, 0x00, 0x01]), EOI]), "malformed"],
    ["a reserved marker appears", Buffer.concat([head, sos(), Buffer.from([0x00, 0xff, 0x9f]), EOI]), "malformed"],
    ["the height comes from DNL", Buffer.concat([SOI, DQT, DHT, sof(0xc0, 16, 0), sos(), Buffer.of(0), seg(0xdc, Buffer.from([0, 16])), EOI]), "unsupported-feature"],
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
