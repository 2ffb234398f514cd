/**
 * PDFs the document-scrub tests make with the PDF library: one carrying metadata in every place
 * the scrubber removes it from (each with its own canary string), and ones carrying each kind of
 * active content the scrubber rejects.
 */
import {
  type PDFContext,
  PDFDict,
  PDFDocument,
  PDFHexString,
  PDFName,
  PDFNumber,
  type PDFPage,
  type PDFRef,
  PDFString,
  StandardFonts,
} from "@cantoo/pdf-lib";
import { app, DHT, DQT, EOI, exifApp1, JFIF, SOI, seg, sof, sos } from "../image-scrub/fixtures";

/** A distinctive string for one metadata location; the output must contain none of them. */
export const canary = (place: string) => `CANARY-${place}-q7Zx`;

/** Every place the metadata-rich document puts a canary, by name. */
export const CANARY_PLACES = [
  "info-title",
  "info-author",
  "info-subject",
  "info-keywords",
  "info-creator",
  "info-producer",
  "info-custom",
  "xmp-catalog",
  "xmp-page",
  "xmp-image",
  "thumbnail",
  "pieceinfo",
  "ptex",
  "annotation-author",
  "orphan",
  "jpeg-comment",
  "jpeg-xmp",
] as const;

export type CanaryPlace = (typeof CANARY_PLACES)[number];

/** Fixed dates, so that exiftool's CreateDate/ModifyDate of the input are known. */
export const CREATED = new Date("2021-03-04T05:06:07Z");
export const MODIFIED = new Date("2022-08-09T10:11:12Z");

export function xmpPacket(text: string): string {
  return (
    '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>' +
    '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">' +
    '<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:xmp="http://ns.adobe.com/xap/1.0/">' +
    `<dc:creator><rdf:Seq><rdf:li>${text}</rdf:li></rdf:Seq></dc:creator>` +
    `<xmp:CreatorTool>${text}</xmp:CreatorTool><xmp:CreateDate>2021-03-04T05:06:07Z</xmp:CreateDate>` +
    '</rdf:Description></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
  );
}

function xmpStream(context: PDFContext, text: string, compressed: boolean): PDFRef {
  const dict = { Type: "Metadata", Subtype: "XML" };
  const stream = compressed
    ? context.flateStream(xmpPacket(text), dict)
    : context.stream(Buffer.from(xmpPacket(text), "utf8"), dict);
  return context.register(stream);
}

/** A decodable 16x16 grey baseline JPEG carrying EXIF (with a thumbnail), XMP and a comment. */
export function jpegWithMetadata(): Buffer {
  const xmp = app(1, "http://ns.adobe.com/xap/1.0/\0", Buffer.from(xmpPacket(canary("jpeg-xmp")), "utf8"));
  const comment = seg(0xfe, Buffer.from(canary("jpeg-comment"), "latin1"));
  return Buffer.concat([SOI, JFIF, exifApp1(6), xmp, comment, DQT, DHT, sof(0xc0, 16, 16), sos(), Buffer.of(0), EOI]);
}

function addAnnotations(doc: PDFDocument, page: PDFPage): void {
  const { context } = doc;
  const comment = context.register(
    context.obj({
      Type: "Annot",
      Subtype: "Text",
      Rect: [20, 150, 40, 170],
      Contents: PDFString.of("Please check clause 4"),
      T: PDFHexString.fromText(canary("annotation-author")),
      M: PDFString.fromDate(MODIFIED),
      CreationDate: PDFString.fromDate(CREATED),
    }),
  );
  const link = context.register(
    context.obj({
      Type: "Annot",
      Subtype: "Link",
      Rect: [20, 20, 120, 40],
      A: { S: "URI", URI: PDFString.of("https://example.org/terms") },
    }),
  );
  page.node.set(PDFName.of("Annots"), context.obj([comment, link]));
  const form = doc.getForm();
  const field = form.createTextField("customer.name");
  field.setText("Ada");
  field.addToPage(page, { x: 20, y: 60, width: 120, height: 20 });
}

/**
 * A two-page document with metadata in every place the scrubber removes it from: the /Info
 * dictionary (library setters, hex UTF-16 strings, and a custom literal-string key), XMP on the
 * catalog (compressed), a page and an image, a page thumbnail, /PieceInfo and /LastModified,
 * pdfTeX's banner, an annotation's author and dates, an orphan object, and a JPEG image with
 * EXIF, XMP and a comment. Also content the scrubber keeps: text, a URI link, a form field.
 */
export async function metadataRichPdf(options: { objectStreams?: boolean } = {}): Promise<Uint8Array> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const { context } = doc;
  doc.setTitle(canary("info-title"));
  doc.setAuthor(canary("info-author"));
  doc.setSubject(canary("info-subject"));
  doc.setKeywords([canary("info-keywords")]);
  doc.setCreator(canary("info-creator"));
  doc.setProducer(canary("info-producer"));
  doc.setCreationDate(CREATED);
  doc.setModificationDate(MODIFIED);
  const info = context.lookup(context.trailerInfo.Info);
  if (!(info instanceof PDFDict)) throw new Error("the library wrote no /Info");
  info.set(PDFName.of("Company"), PDFString.of(canary("info-custom")));

  doc.catalog.set(PDFName.of("Metadata"), xmpStream(context, canary("xmp-catalog"), true));
  doc.catalog.set(PDFName.of("PTEX.Fullbanner"), PDFString.of(canary("ptex")));

  const font = await doc.embedFont(StandardFonts.Helvetica);
  const image = await doc.embedJpg(jpegWithMetadata());
  const page = doc.addPage([200, 200]);
  page.drawText("Contract page 1", { x: 20, y: 100, font, size: 12 });
  page.drawImage(image, { x: 150, y: 150, width: 16, height: 16 });
  page.node.set(PDFName.of("Metadata"), xmpStream(context, canary("xmp-page"), false));
  const thumbnail = context.stream(Buffer.from(canary("thumbnail"), "latin1"), {
    Width: 1,
    Height: 1,
    ColorSpace: "DeviceGray",
    BitsPerComponent: 8,
  });
  page.node.set(PDFName.of("Thumb"), context.register(thumbnail));
  page.node.set(
    PDFName.of("PieceInfo"),
    context.obj({
      Illustrator: {
        LastModified: PDFString.fromDate(MODIFIED),
        Private: { Creator: PDFString.of(canary("pieceinfo")) },
      },
    }),
  );
  page.node.set(PDFName.of("LastModified"), PDFString.fromDate(MODIFIED));
  addAnnotations(doc, page);
  doc.addPage([200, 200]).drawText("Contract page 2", { x: 20, y: 100, font, size: 12 });
  context.register(context.obj({ Note: PDFString.of(canary("orphan")), Count: PDFNumber.of(1) }));

  const bytes = await doc.save({ useObjectStreams: options.objectStreams ?? false, updateFieldAppearances: true });
  return addImageXmp(bytes, image.ref);
}

/** The library embeds images itself; the image's /Metadata is added to the saved file by a second pass. */
async function addImageXmp(bytes: Uint8Array, imageRef: PDFRef): Promise<Uint8Array> {
  const doc = await PDFDocument.load(bytes, { updateMetadata: false });
  const image = doc.context.lookup(imageRef);
  if (image === undefined || !("dict" in image)) throw new Error("image not found");
  (image.dict as PDFDict).set(PDFName.of("Metadata"), xmpStream(doc.context, canary("xmp-image"), false));
  return doc.save({ useObjectStreams: false, updateFieldAppearances: false });
}

/** A plain one-page document built by the library, to which a test adds what it needs. */
export async function plainDoc(): Promise<{ doc: PDFDocument; page: PDFPage }> {
  const doc = await PDFDocument.create({ updateMetadata: false });
  const font = await doc.embedFont(StandardFonts.Helvetica);
  const page = doc.addPage([200, 200]);
  page.drawText("Invoice 2024-17", { x: 20, y: 100, font, size: 12 });
  return { doc, page };
}

export async function save(doc: PDFDocument, objectStreams = false): Promise<Uint8Array> {
  return doc.save({ useObjectStreams: objectStreams, updateFieldAppearances: false });
}

/** Adds a Link annotation whose action (an indirect object) is `action`. */
export function linkWithAction(doc: PDFDocument, page: PDFPage, action: Record<string, unknown>): void {
  const { context } = doc;
  // biome-ignore lint/suspicious/noExplicitAny: the library's literal type is recursive
  const actionRef = context.register(context.obj(action as any));
  const link = context.register(context.obj({ Type: "Annot", Subtype: "Link", Rect: [0, 0, 50, 50], A: actionRef }));
  page.node.set(PDFName.of("Annots"), context.obj([link]));
}
