import { PDFHexString, PDFName, PDFString } from "@cantoo/pdf-lib";
import { beforeAll, describe, expect, it } from "vitest";
import { linkWithAction, metadataRichPdf, plainDoc, save } from "../../test/support/document-scrub/builders";
import { handPdf, minimalPdf } from "../../test/support/document-scrub/hand-pdf";
import { qpdfCheck, qpdfEncrypt, requireTool } from "../../test/support/document-scrub/tools";
import { rejection } from "../../test/rejection";
import { type DocumentRejectReason, isDocumentRejected } from "./errors";
import { type DocumentScrubOptions, scrubDocument } from "./scrubber";

async function expectRejected(
  pdf: Uint8Array,
  reason: DocumentRejectReason,
  message: RegExp,
  options?: DocumentScrubOptions,
): Promise<void> {
  const error = await rejection(scrubDocument(pdf, options));
  if (!isDocumentRejected(error)) throw error;
  expect({ reason: error.reason, message: error.message }).toEqual({ reason, message: expect.stringMatching(message) });
}

/** A library-built document with `change` applied, saved with or without object streams. */
async function built(
  change: (parts: Awaited<ReturnType<typeof plainDoc>>) => void | Promise<void>,
  objectStreams = false,
): Promise<Uint8Array> {
  const parts = await plainDoc();
  await change(parts);
  return save(parts.doc, objectStreams);
}

const JS = { S: "JavaScript", JS: PDFString.of("app.alert('hello')") };

describe("scrubDocument rejects active content", () => {
  it("fails when the catalog's /OpenAction runs JavaScript", async () => {
    const pdf = await built(({ doc }) => doc.catalog.set(PDFName.of("OpenAction"), doc.context.obj(JS)));
    await expectRejected(
      pdf,
      "active-content",
      /^(?=.*JavaScript action in \d+ 0 R)(?=.*JavaScript \(\/JS\) in \d+ 0 R)/,
    );
  });

  it("fails when the catalog's /OpenAction is a Launch action", async () => {
    const launch = { S: "Launch", F: PDFString.of("calc.exe") };
    const pdf = await built(({ doc }) => doc.catalog.set(PDFName.of("OpenAction"), doc.context.obj(launch)));
    await expectRejected(pdf, "active-content", /^active content: Launch action/);
  });

  it("fails when an annotation's action, an object of its own, runs JavaScript", async () => {
    const pdf = await built(({ doc, page }) => linkWithAction(doc, page, JS));
    await expectRejected(pdf, "active-content", /JavaScript \(\/JS\) in \d+ 0 R/);
  });

  it("fails when a link launches a program", async () => {
    const pdf = await built(({ doc, page }) => linkWithAction(doc, page, { S: "Launch", F: PDFString.of("cmd.exe") }));
    await expectRejected(pdf, "active-content", /Launch action \(starts a program or opens a file\) in \d+ 0 R/);
  });

  it("fails on a page's additional actions (/AA)", async () => {
    const pdf = await built(({ doc, page }) => page.node.set(PDFName.of("AA"), doc.context.obj({ O: JS })));
    await expectRejected(pdf, "active-content", /additional actions \(\/AA\)/);
  });

  it("fails on document-level JavaScript (/Names /JavaScript)", async () => {
    const pdf = await built(({ doc }) => doc.addJavaScript("init", "app.alert('x')"));
    await expectRejected(pdf, "active-content", /document JavaScript \(\/Names \/JavaScript\)/);
  });

  it("fails on JavaScript in an object that nothing references any more", async () => {
    const pdf = await built(({ doc }) => {
      doc.context.register(doc.context.obj(JS));
    });
    await expectRejected(pdf, "active-content", /JavaScript/);
  });

  it("fails on JavaScript inside a compressed object stream", async () => {
    const pdf = await built(({ doc, page }) => linkWithAction(doc, page, JS), true);
    expect(Buffer.from(pdf).includes("/JavaScript")).toBe(false);
    await expectRejected(pdf, "active-content", /JavaScript/);
  });

  it("fails on a JavaScript action whose name is written with a lower-case hex escape (/J#61vaScript)", async () => {
    const pdf = minimalPdf({ catalogExtra: "/OpenAction 4 0 R", objects: [[4, "<< /S /J#61vaScript /J#53 (x) >>"]] });
    expect(qpdfCheck(pdf).status).toBe(0);
    await expectRejected(pdf, "active-content", /^(?=.*JavaScript action in 4 0 R)(?=.*JavaScript \(\/JS\) in 4 0 R)/);
  });

  it("fails on SubmitForm, ImportData and GoToR actions", async () => {
    for (const [S, what] of [
      ["SubmitForm", /SubmitForm action/],
      ["ImportData", /ImportData action/],
      ["GoToR", /GoToR action/],
    ] as const) {
      const pdf = await built(({ doc, page }) => linkWithAction(doc, page, { S, F: PDFString.of("x.fdf") }));
      await expectRejected(pdf, "active-content", what);
    }
  });

  it("fails on a javascript: URI, blanks and case notwithstanding", async () => {
    const uri = { S: "URI", URI: PDFString.of(" JavaScript:app.alert(1)") };
    const pdf = await built(({ doc, page }) => linkWithAction(doc, page, uri));
    await expectRejected(pdf, "active-content", /javascript: URI/);
  });

  it("fails on an embedded file (/Names /EmbeddedFiles)", async () => {
    const pdf = await built(async ({ doc }) => {
      await doc.attach(Buffer.from("hello"), "notes.txt", { mimeType: "text/plain" });
    });
    await expectRejected(pdf, "active-content", /embedded files \(\/Names \/EmbeddedFiles\)/);
  });

  it("fails on a file attachment annotation", async () => {
    const pdf = await built(({ doc, page }) => {
      const { context } = doc;
      const file = context.register(context.stream(Buffer.from("MZ"), { Type: "EmbeddedFile" }));
      const spec = context.obj({ Type: "Filespec", F: PDFString.of("a.exe"), EF: { F: file } });
      const annotation = context.obj({ Type: "Annot", Subtype: "FileAttachment", Rect: [0, 0, 9, 9], FS: spec });
      page.node.set(PDFName.of("Annots"), context.obj([context.register(annotation)]));
    });
    await expectRejected(pdf, "active-content", /file attachment annotation/);
  });

  it("fails on an XFA form", async () => {
    const pdf = await built(({ doc }) => {
      const xfa = doc.context.register(doc.context.stream(Buffer.from("<xdp:xdp/>")));
      doc.catalog.set(PDFName.of("AcroForm"), doc.context.obj({ Fields: [], XFA: xfa }));
    });
    await expectRejected(pdf, "active-content", /XFA form/);
  });

  it("fails on a RichMedia annotation", async () => {
    const pdf = await built(({ doc, page }) => {
      const { context } = doc;
      const annotation = context.obj({ Type: "Annot", Subtype: "RichMedia", Rect: [0, 0, 9, 9] });
      page.node.set(PDFName.of("Annots"), context.obj([context.register(annotation)]));
    });
    await expectRejected(pdf, "active-content", /RichMedia annotation/);
  });

  it("names every finding in one message, with the object each is in", async () => {
    const pdf = await built(({ doc, page }) => {
      linkWithAction(doc, page, { S: "Launch", F: PDFString.of("cmd.exe") });
      doc.catalog.set(PDFName.of("OpenAction"), doc.context.obj(JS));
    });
    await expectRejected(
      pdf,
      "active-content",
      /^active content: JavaScript \(\/JS\) in \d+ 0 R; active content: JavaScript action in \d+ 0 R; active content: Launch action \(starts a program or opens a file\) in \d+ 0 R$/,
    );
  });
});

describe("scrubDocument rejects encrypted documents", () => {
  beforeAll(() => requireTool("qpdf"));

  it("fails on a document qpdf encrypted with AES-256 and a user password", async () => {
    const pdf = qpdfEncrypt(await metadataRichPdf(), "user", "owner", 256);
    await expectRejected(pdf, "encrypted", /^encrypted: encryption dictionary \(\/Encrypt in the trailer\)/);
  });

  it("fails on a document encrypted with an empty user password (opens without one)", async () => {
    const pdf = qpdfEncrypt(await metadataRichPdf(), "", "owner", 128, ["--use-aes=y"]);
    await expectRejected(pdf, "encrypted", /Encrypt/);
  });

  it("fails on RC4-40 encryption of a document with object streams", async () => {
    const pdf = qpdfEncrypt(await metadataRichPdf({ objectStreams: true }), "", "", 40);
    await expectRejected(pdf, "encrypted", /Encrypt/);
  });

  it("fails on a hand-written trailer naming an /Encrypt dictionary", async () => {
    const pdf = minimalPdf({
      objects: [[4, "<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>"]],
      trailerExtra: "/Encrypt 4 0 R /ID [<0123> <0123>]",
    });
    await expectRejected(pdf, "encrypted", /\/Encrypt in the trailer/);
  });
});

/** A one-page document with an object stream whose data does not inflate (encrypted data looks like this). */
const brokenObjectStream = (trailerExtra: string) =>
  minimalPdf({
    catalogExtra: "/Foo 6 0 R",
    objects: [
      [
        4,
        "<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length 16 >>\nstream\n" +
          "\x93\x11\xa0\x07\xfe\x99\x00\x12\x93\x11\xa0\x07\xfe\x99\x00\x12\nendstream",
      ],
      [5, "<< /Filter /Standard /V 1 /R 2 /O <00> /U <00> /P -4 >>"],
    ],
    trailerExtra,
  });

describe("scrubDocument rejects what is not a sound PDF", () => {
  it("fails as encrypted, not malformed, when a file naming /Encrypt does not parse", async () => {
    await expectRejected(
      brokenObjectStream("/Encrypt 5 0 R"),
      "encrypted",
      /^encrypted \(\/Encrypt\), and the PDF library cannot parse it/,
    );
    await expectRejected(brokenObjectStream(""), "malformed", /^the PDF library cannot parse it/);
  });

  it("fails on an empty input", async () => {
    await expectRejected(new Uint8Array(0), "empty", /empty/);
  });

  it("fails on bytes that are not a PDF, and on a header after the first 1024 bytes", async () => {
    await expectRejected(Buffer.from("GIF89a garbage"), "unknown-type", /no %PDF- header/);
    await expectRejected(minimalPdf({ prefix: " ".repeat(1024) }), "unknown-type", /first 1024 bytes/);
  });

  it("fails on a file cut short (no %%EOF at the end)", async () => {
    const pdf = await metadataRichPdf();
    await expectRejected(pdf.subarray(0, Math.floor(pdf.length / 2)), "truncated", /no %%EOF/);
    await expectRejected(pdf.subarray(0, pdf.length - 7), "truncated", /no %%EOF/);
  });

  it("fails on garbage between a PDF header and %%EOF", async () => {
    const garbage = Buffer.concat([Buffer.from("%PDF-1.7\n"), Buffer.alloc(3000, 0x5a), Buffer.from("\n%%EOF\n")]);
    await expectRejected(garbage, "malformed", /no startxref/);
  });

  it("fails when startxref does not point at the cross-reference table", async () => {
    await expectRejected(minimalPdf({ startxref: 20 }), "malformed", /startxref 20 does not point/);
  });

  it("fails on an object the library cannot parse", async () => {
    const pdf = minimalPdf({ catalogExtra: "/Foo 4 0 R", objects: [[4, "<< /A [1 2 >> ]] )"]] });
    await expectRejected(pdf, "malformed", /cannot parse/);
  });

  it("fails when the trailer's /Root is not a catalog and no catalog exists", async () => {
    const pdf = handPdf({
      objects: [
        [1, "<< /Type /Pages /Kids [2 0 R] /Count 1 >>"],
        [2, "<< /Type /Page /Parent 1 0 R /MediaBox [0 0 10 10] >>"],
      ],
      trailer: "/Root 2 0 R",
    });
    await expectRejected(pdf, "malformed", /not a document catalog/);
  });

  it("fails on a page tree that contains itself", async () => {
    const pdf = handPdf({
      objects: [
        [1, "<< /Type /Catalog /Pages 2 0 R >>"],
        [2, "<< /Type /Pages /Kids [3 0 R 2 0 R] /Count 2 >>"],
        [3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>"],
      ],
      trailer: "/Root 1 0 R",
    });
    await expectRejected(pdf, "malformed", /page tree reaches 2 0 R twice/);
  });

  it("fails on a document without pages", async () => {
    const pdf = handPdf({
      objects: [
        [1, "<< /Type /Catalog /Pages 2 0 R >>"],
        [2, "<< /Type /Pages /Kids [] /Count 0 >>"],
      ],
      trailer: "/Root 1 0 R",
    });
    await expectRejected(pdf, "malformed", /no pages/);
  });

  it("fails on a JPEG image the image scrubber rejects", async () => {
    const pdf = minimalPdf({
      pageExtra: "/Resources << /XObject << /Im0 4 0 R >> >>",
      objects: [
        [
          4,
          "<< /Type /XObject /Subtype /Image /Width 1 /Height 1 /ColorSpace /DeviceGray /BitsPerComponent 8 " +
            "/Filter /DCTDecode /Length 6 >>\nstream\n\xff\xd8\xff\x01xy\nendstream",
        ],
      ],
    });
    await expectRejected(pdf, "malformed", /JPEG image 4 0 R: /);
  });
});

describe("scrubDocument rejects what it does not support and what exceeds its limits", () => {
  it("fails on PDF 2.0", async () => {
    await expectRejected(minimalPdf({ version: "2.0" }), "unsupported-feature", /PDF 2\.0 is not supported/);
  });

  it("fails on a digitally signed document, since rewriting it would break the signature", async () => {
    const pdf = minimalPdf({
      catalogExtra: "/AcroForm << /Fields [4 0 R] /SigFlags 3 >>",
      objects: [
        [4, "<< /FT /Sig /T (Signature1) /V 5 0 R >>"],
        [5, `<< /Type /Sig /Filter /Adobe.PPKLite /ByteRange [0 10 20 30] /Contents <${"00".repeat(8)}> >>`],
      ],
    });
    await expectRejected(pdf, "unsupported-feature", /digital signature/);
  });

  it("fails on an input larger than maxInputBytes", async () => {
    const pdf = minimalPdf();
    await expectRejected(pdf, "too-large", /larger than/, { maxInputBytes: pdf.length - 1 });
    await expect(scrubDocument(pdf, { maxInputBytes: pdf.length })).resolves.toBeDefined();
  });

  it("fails on more pages than maxPages", async () => {
    const pdf = await metadataRichPdf();
    await expectRejected(pdf, "too-many-pages", /more than 1 pages/, { maxPages: 1 });
    await expect(scrubDocument(pdf, { maxPages: 2 })).resolves.toBeDefined();
  });

  it("fails when a limit is not a positive integer", async () => {
    await expect(scrubDocument(minimalPdf(), { maxPages: 0 })).rejects.toThrow(RangeError);
    await expect(scrubDocument(minimalPdf(), { maxInputBytes: 1.5 })).rejects.toThrow(/maxInputBytes/);
  });
});

describe("scrubDocument accepts what is not active content", () => {
  it("passes a URI link, a GoTo /OpenAction and a hex-string title", async () => {
    const pdf = await built(({ doc, page }) => {
      linkWithAction(doc, page, { S: "URI", URI: PDFString.of("https://example.org") });
      doc.catalog.set(PDFName.of("OpenAction"), doc.context.obj([page.ref, "Fit"]));
      doc.setTitle("Invoice");
      doc.catalog.set(PDFName.of("Lang"), PDFHexString.fromText("en"));
    });
    const { report } = await scrubDocument(pdf);
    expect(report.pages).toBe(1);
  });
});
