import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { IccInvalid, iccProfileId, neutraliseIccProfile, readIccTags } from "./icc";
import { iccProfile, iccTestProfile } from "../../test/support/image-scrub/fixtures";

const CANARY = "CANARY-LEAK-2";

function contains(bytes: Buffer, text: string): boolean {
  return (
    bytes.includes(Buffer.from(text, "latin1")) ||
    bytes.includes(Buffer.from(text, "utf16le").swap16()) ||
    bytes.includes(Buffer.from(text, "utf16le"))
  );
}

/** Data of every non-text tag, by signature. */
function colourTags(profile: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const tag of readIccTags(profile).tags) {
    if (!["desc", "text", "mluc"].includes(tag.type))
      out.set(tag.signature, profile.subarray(tag.offset, tag.offset + tag.size));
  }
  return out;
}

function hasExiftool(): boolean {
  try {
    execFileSync("exiftool", ["-ver"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

describe("ICC text tags", () => {
  it.each([2, 4] as const)(
    "replaces desc, cprt, dmnd and dmdd of a v%i profile and keeps the colour tags byte for byte",
    (version) => {
      // Prepare
      const input = iccTestProfile({ canary: CANARY, version });
      expect(contains(input, CANARY)).toBe(true);

      // Act
      const { profile, textTags, changed } = neutraliseIccProfile(input);

      // Assess
      expect(contains(profile, CANARY)).toBe(false);
      expect(textTags).toBe(4);
      expect(changed).toBe(true);
      expect(colourTags(profile)).toEqual(colourTags(input));
      const types = Object.fromEntries(readIccTags(profile).tags.map((t) => [t.signature, t.type]));
      expect(types).toMatchObject(
        version === 4
          ? { desc: "mluc", cprt: "mluc", dmnd: "mluc", dmdd: "mluc" }
          : { desc: "desc", cprt: "text", dmnd: "desc", dmdd: "desc" },
      );
      for (const [from, to] of [
        [8, 24],
        [36, 40],
        [64, 80],
      ] as const)
        expect(profile.subarray(from, to).equals(input.subarray(from, to))).toBe(true);
      for (const [from, to] of [
        [4, 8],
        [24, 36],
        [40, 47],
        [48, 63],
        [80, 84],
        [100, 128],
      ] as const)
        expect(profile.subarray(from, to).every((b) => b === 0)).toBe(true);
    },
  );

  it("zeroes the informational header fields and keeps the colour-relevant ones", () => {
    // Prepare
    const input = iccProfile(300);
    input.write("CANARY-LEAK-2", 40, "latin1"); // platform, flags, manufacturer, model
    input.write("ZZZZ", 4, "latin1"); // preferred CMM
    input.write("2024", 24, "latin1"); // date
    input.write("mine", 80, "latin1"); // creator
    input[47] = 0xff;
    input[63] = 0xff;
    input.writeUInt32BE(1, 64); // rendering intent: relative colorimetric

    // Act
    const { profile } = neutraliseIccProfile(input);

    // Assess
    expect(profile.includes(Buffer.from("CANARY"))).toBe(false);
    expect([
      profile.toString("latin1", 4, 8),
      profile.toString("latin1", 24, 28),
      profile.toString("latin1", 80, 84),
    ]).toEqual(["\0\0\0\0", "\0\0\0\0", "\0\0\0\0"]);
    expect([profile[47], profile[63], profile.readUInt32BE(64)]).toEqual([0x03, 0x0f, 1]);
    expect(profile.subarray(8, 24).equals(input.subarray(8, 24))).toBe(true);
  });

  it("keeps the tag table consistent: aligned, inside the profile, shared data still shared, size in the header", () => {
    // Prepare
    const input = iccTestProfile({ canary: CANARY });

    // Act
    const { profile } = neutraliseIccProfile(input);

    // Assess
    const { size, tags } = readIccTags(profile);
    expect(size).toBe(profile.length);
    expect(profile.length % 4).toBe(0);
    for (const tag of tags) {
      expect(tag.offset % 4).toBe(0);
      expect(tag.offset + tag.size).toBeLessThanOrEqual(profile.length);
    }
    const trc = tags.filter((t) => /^[rgb]TRC$/.test(t.signature));
    expect(new Set(trc.map((t) => `${t.offset}:${t.size}`)).size).toBe(1);
    const ranges = [...new Set(tags.map((t) => `${t.offset}:${t.size}`))]
      .map((k) => k.split(":").map(Number) as [number, number])
      .sort((a, b) => a[0] - b[0]);
    for (let i = 1; i < ranges.length; i++)
      expect((ranges[i] as [number, number])[0]).toBeGreaterThanOrEqual(
        (ranges[i - 1] as [number, number])[0] + (ranges[i - 1] as [number, number])[1],
      );
  });

  it("recomputes the profile ID of a v4 profile over the rebuilt bytes and leaves a zero ID zero", () => {
    // Prepare
    const v4 = iccTestProfile({ canary: CANARY, version: 4 });
    const v2 = iccTestProfile({ canary: CANARY, version: 2 });

    // Act
    const out4 = neutraliseIccProfile(v4).profile;
    const out2 = neutraliseIccProfile(v2).profile;

    // Assess
    expect(out4.subarray(84, 100).equals(iccProfileId(out4))).toBe(true);
    expect(out4.subarray(84, 100).equals(v4.subarray(84, 100))).toBe(false);
    expect(out2.subarray(84, 100).every((b) => b === 0)).toBe(true);
  });

  it("is idempotent and leaves a profile without text tags unchanged", () => {
    // Prepare
    const once = neutraliseIccProfile(iccTestProfile({ canary: CANARY })).profile;

    // Act
    const twice = neutraliseIccProfile(once);
    const plain = neutraliseIccProfile(iccProfile(400));

    // Assess
    expect(twice.profile.equals(once)).toBe(true);
    expect(twice.changed).toBe(false);
    expect(plain.changed).toBe(false);
  });

  it("drops bytes after the declared profile size", () => {
    // Prepare
    const input = Buffer.concat([iccProfile(300), Buffer.from(CANARY, "latin1")]);

    // Act
    const { profile } = neutraliseIccProfile(input);

    // Assess
    expect(profile.equals(iccProfile(300))).toBe(true);
  });

  it("reads back as a valid profile with exiftool, which sees the neutral texts and the colour tags", () => {
    // Prepare
    if (!hasExiftool()) return; // independent check; the structural assertions above stand alone
    const dir = mkdtempSync(join(tmpdir(), "icc-test-"));
    const file = join(dir, "p.icc");
    writeFileSync(file, neutraliseIccProfile(iccTestProfile({ canary: CANARY })).profile);

    // Act
    const tags = JSON.parse(execFileSync("exiftool", ["-j", "-a", "-G1", file], { encoding: "utf8" }))[0] as Record<
      string,
      unknown
    >;
    rmSync(dir, { recursive: true, force: true });

    // Assess
    expect(JSON.stringify(tags)).not.toContain(CANARY);
    expect(tags["ICC-header:ProfileClass"]).toBe("Display Device Profile");
    expect(tags["ICC_Profile:ProfileDescription"]).toBe("ICC profile");
    expect(tags["ICC_Profile:MediaWhitePoint"]).toBe("0.9642 1 0.82491");
    expect(tags["ICC_Profile:RedTRC"]).toBeDefined();
  });
});

describe("ICC structure", () => {
  it.each([
    ["it is shorter than a header", () => Buffer.alloc(100)],
    [
      "the size field is larger than the data",
      () => {
        const p = iccProfile(300);
        p.writeUInt32BE(400, 0);
        return p;
      },
    ],
    ["the acsp signature is missing", () => iccProfile(300).fill(0, 36, 40)],
    [
      "a tag points outside the profile",
      () => {
        const p = iccProfile(300);
        p.writeUInt32BE(296, 136);
        return p;
      },
    ],
    [
      "a tag points into the tag table",
      () => {
        const p = iccProfile(300);
        p.writeUInt32BE(132, 136);
        return p;
      },
    ],
    [
      "the tag count does not fit",
      () => {
        const p = iccProfile(300);
        p.writeUInt32BE(1000, 128);
        return p;
      },
    ],
    [
      "the version is unknown",
      () => {
        const p = iccProfile(300);
        p[8] = 5;
        return p;
      },
    ],
  ])("rejects the profile when %s", (_case, build) => {
    // Act / Assess
    expect(() => neutraliseIccProfile(build())).toThrow(IccInvalid);
  });
});
