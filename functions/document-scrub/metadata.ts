import { PDFArray, type PDFContext, PDFDict, PDFName, type PDFObject, PDFRef, PDFStream } from "@cantoo/pdf-lib";
import { dictOf, nameText } from "./inspect";
import type { DocumentStructure } from "./structure";
import { forEachDict, indirectObjects } from "./walk";

/** One kind of thing the scrubber removed, with how often. */
export interface RemovedTally {
  /** What was removed, e.g. "/Info /Author", "XMP metadata (catalog /Metadata)". */
  readonly name: string;
  readonly count: number;
}

/** Counts removals by name, in first-seen order. */
export class Tally {
  private readonly counts = new Map<string, number>();

  add(name: string, count = 1): void {
    if (count > 0) this.counts.set(name, (this.counts.get(name) ?? 0) + count);
  }

  get entries(): RemovedTally[] {
    return [...this.counts].map(([name, count]) => ({ name, count }));
  }
}

/**
 * Keys removed from every dictionary of the file (they are all optional in ISO 32000-1), with the
 * name they are reported under. An indirect object they point to is deleted with them.
 */
const REMOVED_KEYS: ReadonlyMap<string, string> = new Map([
  ["Metadata", "XMP metadata (/Metadata on other objects)"],
  ["Thumb", "page thumbnail (/Thumb)"],
  ["PieceInfo", "application data (/PieceInfo)"],
  ["LastModified", "modification date (/LastModified)"],
]);

/** pdfTeX writes /PTEX.Fullbanner (its version) and, on included PDFs, /PTEX.InfoDict (their /Info). */
const PTEX_PREFIX = "PTEX.";

function removeKeys(context: PDFContext, dict: PDFDict, catalog: PDFDict, tally: Tally): void {
  for (const key of dict.keys()) {
    const name = key.decodeText();
    let label = REMOVED_KEYS.get(name) ?? (name.startsWith(PTEX_PREFIX) ? "pdfTeX data (/PTEX.*)" : undefined);
    if (label === undefined) continue;
    if (name === "Metadata" && dict === catalog) label = "XMP metadata (catalog /Metadata)";
    const value = dict.get(key);
    dict.delete(key);
    if (value instanceof PDFRef) context.delete(value);
    tally.add(label);
  }
}

/** Annotation keys that name the author or carry a time; /T is a field name on widgets, so kept there. */
function scrubAnnotations(context: PDFContext, pages: readonly PDFDict[], tally: Tally): void {
  const seen = new Set<PDFDict>();
  for (const page of pages) {
    const annots = page.get(PDFName.of("Annots"));
    const list = annots instanceof PDFRef ? context.lookup(annots) : annots;
    if (!(list instanceof PDFArray)) continue;
    for (const entry of list.asArray()) {
      const annotation = dictOf(context, entry);
      if (annotation === undefined || seen.has(annotation)) continue;
      seen.add(annotation);
      if (annotation.delete(PDFName.of("M"))) tally.add("annotation modification date (/M)");
      if (annotation.delete(PDFName.of("CreationDate"))) tally.add("annotation creation date (/CreationDate)");
      const widget = nameText(context, annotation.get(PDFName.of("Subtype"))) === "Widget";
      if (!widget && annotation.delete(PDFName.of("T"))) tally.add("annotation author (/T)");
    }
  }
}

/**
 * Removes the document's metadata in place: the document information dictionary (trailer /Info,
 * the object deleted), the file identifier (trailer /ID), XMP streams (/Metadata on the catalog and
 * on any other object), page thumbnails, application data (/PieceInfo), /LastModified dates,
 * pdfTeX's private keys, and the author and dates of annotations.
 */
export function removeMetadata(context: PDFContext, structure: DocumentStructure, tally: Tally): void {
  const { Info, ID } = context.trailerInfo;
  if (Info !== undefined) {
    const info = dictOf(context, Info);
    tally.add("document information dictionary (/Info)");
    for (const key of info?.keys() ?? []) tally.add(`/Info /${key.decodeText()}`);
    if (Info instanceof PDFRef) context.delete(Info);
    context.trailerInfo.Info = undefined;
  }
  if (ID !== undefined) {
    tally.add("file identifier (trailer /ID)");
    context.trailerInfo.ID = undefined;
  }
  for (const [, object] of indirectObjects(context)) {
    forEachDict(object, (dict) => removeKeys(context, dict, structure.catalog, tally));
  }
  scrubAnnotations(context, structure.pages, tally);
}

/**
 * Deletes every object that the catalog does not reach (the writer would save them all): the
 * objects freed above, objects of earlier revisions, cross-reference and object streams of the
 * input, orphans. Stream lengths are made direct first, so that a /Length object does not count.
 */
export function dropUnreferenced(context: PDFContext, tally: Tally): void {
  const reached = new Set<string>();
  const root = context.trailerInfo.Root;
  const pending: PDFObject[] = root === undefined ? [] : [root];
  for (let object = pending.pop(); object !== undefined; object = pending.pop()) {
    if (object instanceof PDFRef) {
      if (reached.has(object.toString())) continue;
      reached.add(object.toString());
      const target = context.lookup(object);
      if (target !== undefined) pending.push(target);
    } else if (object instanceof PDFStream) {
      object.updateDict();
      pending.push(object.dict);
    } else if (object instanceof PDFDict) {
      for (const value of object.values()) pending.push(value);
    } else if (object instanceof PDFArray) {
      for (const value of object.asArray()) pending.push(value);
    }
  }
  let largest = 0;
  for (const [ref] of indirectObjects(context)) {
    if (reached.has(ref.toString())) {
      largest = Math.max(largest, ref.objectNumber);
      continue;
    }
    context.delete(ref);
    tally.add("unreferenced objects");
  }
  // The trailer's /Size is one more than the highest object number the writer sees here.
  context.largestObjectNumber = largest;
}
