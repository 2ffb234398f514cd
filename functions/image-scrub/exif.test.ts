import { describe, expect, it } from "vitest";
import { EXIF_HEADER, isRotatingOrientation, minimalExifTiff, readOrientation } from "./exif";
import { exifTiff } from "../../test/support/image-scrub/fixtures";

describe("readOrientation", () => {
  it.each([false, true])("reads IFD0 Orientation (little-endian: %s)", (littleEndian) => {
    // Prepare
    const tiff = exifTiff({ orientation: 6, littleEndian });

    // Act
    const orientation = readOrientation(tiff);

    // Assess
    expect(orientation).toBe(6);
  });

  it("skips an Exif\\0\\0 prefix", () => {
    // Act
    const orientation = readOrientation(Buffer.concat([EXIF_HEADER, exifTiff({ orientation: 8 })]));

    // Assess
    expect(orientation).toBe(8);
  });

  it.each([
    ["no Orientation tag", exifTiff()],
    ["an out-of-range value", exifTiff({ orientation: 9 })],
    ["a cut IFD", exifTiff({ orientation: 6 }).subarray(0, 20)],
    ["a bad byte-order mark", Buffer.from("XX\0*\0\0\0\x08", "latin1")],
    ["an IFD offset past the end", Buffer.from("MM\0*\0\0\xff\xff", "latin1")],
  ])("returns undefined for %s", (_case, bytes) => {
    // Act
    const orientation = readOrientation(bytes);

    // Assess
    expect(orientation).toBeUndefined();
  });
});

describe("minimalExifTiff", () => {
  it("holds only the orientation and reads back the same value", () => {
    // Act
    const tiff = minimalExifTiff(5);

    // Assess
    expect(tiff.length).toBe(26);
    expect(tiff.readUInt16BE(8)).toBe(1); // one IFD0 entry
    expect(tiff.readUInt32BE(22)).toBe(0); // no IFD1 (no thumbnail)
    expect(readOrientation(tiff)).toBe(5);
  });

  it("treats only 2-8 as orientations that change the display", () => {
    // Act
    const values = [undefined, 0, 1, 2, 8, 9, 2.5].map(isRotatingOrientation);

    // Assess
    expect(values).toEqual([false, false, false, true, true, false, false]);
  });
});
