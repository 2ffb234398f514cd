import { describe, expect, it } from "vitest";
import { scrubBuffer } from "./scrubber";
import { detect, IMAGE_TYPES, requireAllowed } from "./detect";
import { ScrubRejected } from "./errors";
import {
  baselineJpeg,
  ihdr,
  PNG_SIGNATURE,
  riff,
  riffChunk,
  vp8lPayload,
} from "../../test/support/image-scrub/fixtures";

function ftyp(major: string, ...compatible: string[]): Buffer {
  const body = Buffer.from(`ftyp${major}\0\0\0\0${compatible.join("")}`, "latin1");
  const size = Buffer.alloc(4);
  size.writeUInt32BE(body.length + 4);
  return Buffer.concat([size, body, Buffer.alloc(16)]);
}

function rejectionOf(run: () => unknown): ScrubRejected {
  try {
    run();
  } catch (error) {
    if (error instanceof ScrubRejected) return error;
    throw error;
  }
  throw new Error("expected a rejection");
}

describe("detect", () => {
  it.each([
    ["jpeg", baselineJpeg().bytes],
    ["png", Buffer.concat([PNG_SIGNATURE, ihdr(1, 1)])],
    ["webp", riff([riffChunk("VP8L", vp8lPayload(1, 1))])],
    ["tiff", Buffer.from("II*\0\x08\0\0\0", "latin1")],
    ["tiff", Buffer.from("MM\0*\0\0\0\x08", "latin1")],
    ["bigtiff", Buffer.from("II+\0\x08\0\0\0", "latin1")],
    ["heic", ftyp("heic", "mif1", "heic")],
    ["heic", ftyp("mif1", "mif1", "heic")],
    ["heif", ftyp("mif1", "mif1")],
    ["avif", ftyp("avif", "mif1", "avif")],
    ["avif", ftyp("mif1", "mif1", "avif")],
    ["isobmff", ftyp("isom", "mp41")],
    ["gif", Buffer.from("GIF89a\x01\0\x01\0", "latin1")],
    ["pdf", Buffer.from("%PDF-1.7\n", "latin1")],
    ["riff", Buffer.from("RIFF\x10\0\0\0WAVEfmt ", "latin1")],
    ["unknown", Buffer.from("hello, world")],
  ])("identifies %s from the leading bytes", (format, head) => {
    // Act
    const detection = detect(head);

    // Assess
    expect(detection.format).toBe(format);
  });
});

describe("requireAllowed", () => {
  it.each([
    ["TIFF", Buffer.from("MM\0*\0\0\0\x08", "latin1")],
    ["HEIC", ftyp("heic", "mif1")],
    ["HEIF", ftyp("mif1")],
    ["AVIF", ftyp("avif")],
  ])("rejects %s as not supported yet", (label, head) => {
    // Act
    const error = rejectionOf(() => requireAllowed(detect(head), IMAGE_TYPES, head.length));

    // Assess
    expect(error.reason).toBe("unsupported-type");
    expect(error.message).toBe(`${label} is not supported yet (supported: JPEG, PNG, WebP)`);
  });

  it.each([
    ["a GIF", Buffer.from("GIF87a", "latin1"), "disallowed-type"],
    ["a PDF", Buffer.from("%PDF-1.4", "latin1"), "disallowed-type"],
    ["text", Buffer.from("just text"), "unknown-type"],
    ["nothing", Buffer.alloc(0), "empty"],
  ])("rejects %s", (_case, head, reason) => {
    // Act
    const error = rejectionOf(() => requireAllowed(detect(head), IMAGE_TYPES, head.length));

    // Assess
    expect(error.reason).toBe(reason);
  });

  it("rejects a supported type that the caller does not allow", () => {
    // Prepare
    const head = Buffer.concat([PNG_SIGNATURE, ihdr(1, 1)]);

    // Act
    const error = rejectionOf(() => requireAllowed(detect(head), ["jpeg"], head.length));

    // Assess
    expect(error.reason).toBe("disallowed-type");
  });

  it("judges by the bytes, so a TIFF is rejected whatever it is called", async () => {
    // Prepare
    const tiffCalledJpeg = Buffer.concat([Buffer.from("II*\0\x08\0\0\0", "latin1"), Buffer.alloc(64)]);

    // Act
    const error = await scrubBuffer(tiffCalledJpeg).catch((e: unknown) => e);

    // Assess
    expect((error as ScrubRejected).reason).toBe("unsupported-type");
  });
});
