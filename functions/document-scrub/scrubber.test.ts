import { PDFDocument } from "@cantoo/pdf-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { appendUpdate, minimalPdf } from "../../test/support/document-scrub/hand-pdf";
import { CANARY_PLACES, canary, metadataRichPdf, plainDoc, save } from "../../test/support/document-scrub/builders";
import {
  exiftool,
  findCanaries,
  qpdfCheck,
  qpdfDict,
  qpdfObjects,
  qpdfQdf,
  qpdfRawStream,
  requireTool,
} from "../../test/support/document-scrub/tools";
import { baselineJpeg } from "../../test/support/image-scrub/fixtures";
import { scrubDocument } from "./scrubber";

/** exiftool tags that name an author, a tool or a time, and every XMP tag. */
const METADATA_TAG = /^(PDF:(Author|Creator|Producer|CreateDate|ModifyDate|Title|Subject|Keywords|Company)|XMP-)/;

const metadataTags = (tags: Record<string, unknown>) => Object.keys(tags).filter((tag) => METADATA_TAG.test(tag));

beforeAll(() => {
  requireTool("qpdf");
  requireTool("exiftool");
});

describe("scrubDocument: metadata removal, checked with qpdf and exiftool", () => {
  let input: Uint8Array;
  let output: Uint8Array;
  let removed: Map<string, number>;

  beforeAll(async () => {
    input = await metadataRichPdf();
    const result = await scrubDocument(input);
    output = result.output;
    removed = new Map(result.report.removed.map((entry) => [entry.name, entry.count]));
  });

  it("starts from an input that qpdf accepts and in which exiftool sees the metadata", () => {
    // Prepare: the fixture must really carry what the scrubber is said to remove.
    const check = qpdfCheck(input);
    expect(check.status, check.stderr).toBe(0);
    const tags = exiftool(input);
    for (const tag of ["PDF:Author", "PDF:Creator", "PDF:Producer", "PDF:CreateDate", "PDF:ModifyDate", "PDF:Title"]) {
      expect(tags, tag).toHaveProperty([tag]);
    }
    expect(metadataTags(tags).filter((tag) => tag.startsWith("XMP-")).length).toBeGreaterThan(0);
  });

  it("writes an output that qpdf --check accepts without warnings", () => {
    const check = qpdfCheck(output);
    expect(check.stderr).toBe("");
    expect(check.stdout).toContain("No syntax or stream encoding errors found");
    expect(check.status).toBe(0);
  });

  it("leaves exiftool no Author, Creator, Producer, CreateDate, ModifyDate, Title or XMP field", () => {
    const before = metadataTags(exiftool(input));
    const after = metadataTags(exiftool(output));
    expect(before.length).toBeGreaterThan(5);
    expect(after).toEqual([]);
  });

  it("leaves no /Info and no /ID in the trailer and no /Metadata in the catalog (qpdf --json)", () => {
    const objects = qpdfObjects(output);
    const trailer = qpdfDict(objects, "trailer");
    expect(Object.keys(trailer).sort()).toEqual(["/Root", "/Size"]);
    const catalog = qpdfDict(objects, `obj:${String(trailer["/Root"])}`);
    expect(catalog["/Type"]).toBe("/Catalog");
    expect(catalog).not.toHaveProperty(["/Metadata"]);
    expect(catalog).not.toHaveProperty(["/PTEX.Fullbanner"]);
  });

  it("leaves no /Metadata, /Thumb, /PieceInfo or /LastModified on any object, and no XMP stream", () => {
    const objects = qpdfObjects(output);
    const offending = Object.entries(objects).flatMap(([key, entry]) => {
      const dict = (entry.stream?.dict ?? entry.value) as Record<string, unknown> | null;
      if (dict === null || typeof dict !== "object" || Array.isArray(dict)) return [];
      const keys = Object.keys(dict).filter((k) => ["/Metadata", "/Thumb", "/PieceInfo", "/LastModified"].includes(k));
      const xmp = dict["/Type"] === "/Metadata" || dict["/Subtype"] === "/XML" ? ["XMP stream"] : [];
      return [...keys, ...xmp].map((k) => `${key} ${k}`);
    });
    expect(offending).toEqual([]);
  });

  it("removes the author and dates of annotations but keeps a form field's name, its value and links", () => {
    const objects = qpdfObjects(output);
    const dicts = Object.values(objects).map((entry) => (entry.stream?.dict ?? entry.value) as Record<string, unknown>);
    const annotations = dicts.filter((dict) => dict !== null && typeof dict === "object" && dict["/Type"] === "/Annot");
    const bySubtype = (subtype: string) => annotations.filter((dict) => dict["/Subtype"] === subtype);
    const [comment] = bySubtype("/Text");
    expect(comment).toBeDefined();
    expect(comment).not.toHaveProperty(["/T"]);
    expect(comment).not.toHaveProperty(["/M"]);
    expect(comment).not.toHaveProperty(["/CreationDate"]);
    expect(comment?.["/Contents"]).toBe("u:Please check clause 4");
    expect(bySubtype("/Widget")).toHaveLength(1);
    // The library writes the field "customer.name" as a field "name" under a field "customer".
    const field = dicts.find((dict) => dict !== null && typeof dict === "object" && dict["/FT"] === "/Tx");
    expect(field?.["/T"]).toBe("u:name");
    expect(field?.["/V"]).toBe("u:Ada");
    expect(dicts.some((dict) => dict !== null && typeof dict === "object" && dict["/T"] === "u:customer")).toBe(true);
    const [link] = bySubtype("/Link");
    expect(link?.["/A"]).toEqual({ "/S": "/URI", "/URI": "u:https://example.org/terms" });
  });

  it("reports what it removed", () => {
    expect(Object.fromEntries(removed)).toMatchObject({
      "document information dictionary (/Info)": 1,
      "/Info /Author": 1,
      "/Info /Producer": 1,
      "/Info /Company": 1,
      "XMP metadata (catalog /Metadata)": 1,
      "XMP metadata (/Metadata on other objects)": 2,
      "page thumbnail (/Thumb)": 1,
      "application data (/PieceInfo)": 1,
      "modification date (/LastModified)": 1,
      "pdfTeX data (/PTEX.*)": 1,
      "annotation author (/T)": 1,
      "annotation modification date (/M)": 1,
      "annotation creation date (/CreationDate)": 1,
      "JPEG image: APP1 Exif": 1,
      "JPEG image: COM": 1,
    });
    expect(removed.get("unreferenced objects")).toBeGreaterThanOrEqual(1);
  });

  it("keeps the pages, their text and the JPEG's coded image data", async () => {
    const doc = await PDFDocument.load(output, { updateMetadata: false });
    expect(doc.getPageCount()).toBe(2);
    const text = qpdfQdf(output);
    expect(text.includes("Contract page 1")).toBe(true);
    expect(text.includes("Contract page 2")).toBe(true);
    // The JPEG keeps SOI, JFIF, tables, frame, scan and EOI byte for byte; EXIF, XMP and COM are gone.
    const objects = qpdfObjects(output);
    const jpegs = Object.keys(objects).filter((key) => objects[key]?.stream?.dict["/Filter"] === "/DCTDecode");
    expect(jpegs).toHaveLength(1);
    expect(qpdfRawStream(output, jpegs[0] ?? "")).toEqual(baselineJpeg().bytes);
  });

  it("leaves no canary from any metadata location in the bytes, inflated streams or qpdf's decoded form", () => {
    // Prepare: every canary is in the input (as bytes or once decoded), so the check can see it.
    const inInput = findCanaries(input, CANARY_PLACES.map(canary));
    for (const place of CANARY_PLACES) expect(inInput.join("\n"), place).toContain(canary(place));
    // Assess
    expect(findCanaries(output, [...CANARY_PLACES.map(canary), "pdf-lib"])).toEqual([]);
  });
});

describe("scrubDocument: other inputs", () => {
  it("removes metadata kept in compressed object streams of the input", async () => {
    const input = await metadataRichPdf({ objectStreams: true });
    expect(qpdfCheck(input).status).toBe(0);
    const { output, report } = await scrubDocument(input);
    expect(qpdfCheck(output).status).toBe(0);
    expect(metadataTags(exiftool(output))).toEqual([]);
    expect(findCanaries(output, CANARY_PLACES.map(canary))).toEqual([]);
    expect(report.removed.map((entry) => entry.name)).toContain("XMP metadata (catalog /Metadata)");
  });

  it("drops the /Info of earlier revisions of an incrementally updated file", async () => {
    const { doc } = await plainDoc();
    doc.setAuthor(canary("revision-1"));
    const first = await save(doc);
    const objects = qpdfObjects(first);
    const size = Number(qpdfDict(objects, "trailer")["/Size"]);
    const root = String(qpdfDict(objects, "trailer")["/Root"]);
    const updated = appendUpdate(
      first,
      [[size, `<< /Author (${canary("revision-2")}) /Producer (Scanner 3000) >>`]],
      `/Root ${root} /Info ${size} 0 R`,
      size + 1,
    );
    expect(qpdfCheck(updated).status).toBe(0);
    expect(exiftool(updated)["PDF:Author"]).toBe(canary("revision-2"));
    const { output } = await scrubDocument(updated);
    expect(qpdfCheck(output).status).toBe(0);
    expect(findCanaries(output, [canary("revision-1"), canary("revision-2"), "Scanner 3000"])).toEqual([]);
  });

  it("drops bytes before the header and keeps the header's version", async () => {
    const input = minimalPdf({ prefix: "From a mail gateway\n", version: "1.4" });
    const { output, report } = await scrubDocument(input);
    expect(Buffer.from(output).subarray(0, 9).toString("latin1")).toBe("%PDF-1.4\n");
    expect(report.pdfVersion).toBe("1.4");
    expect(qpdfCheck(output).status).toBe(0);
  });

  it("gives the same output when scrubbing its own output, and removes nothing more", async () => {
    const { output } = await scrubDocument(await metadataRichPdf());
    const again = await scrubDocument(output);
    expect(again.report.removed).toEqual([]);
    expect(Buffer.from(again.output).equals(Buffer.from(output))).toBe(true);
  });

  it("reports the version, pages, sizes and digests", async () => {
    const input = await metadataRichPdf();
    const { output, report } = await scrubDocument(input);
    expect(report).toMatchObject({
      mediaType: "application/pdf",
      pdfVersion: "1.7",
      pages: 2,
      originalBytes: input.length,
      outputBytes: output.length,
      scrubberVersion: "document-scrub/1.0.0",
    });
    expect(report.originalSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(report.outputObjects).toBeLessThan(report.inputObjects);
  });
});
