import {
  type PDFContext,
  PDFDict,
  PDFHexString,
  PDFName,
  type PDFObject,
  PDFRef,
  PDFStream,
  PDFString,
} from "@cantoo/pdf-lib";
import { DocumentRejected } from "./errors";
import { forEachDict, indirectObjects } from "./walk";

/** What makes a document unfit to pass, found in one place or more. */
export interface Finding {
  readonly reason: "encrypted" | "active-content" | "unsupported-feature";
  /** What was found, e.g. "JavaScript action (/S /JavaScript)". */
  readonly what: string;
  /** The indirect objects it was found in ("12 0 R"), or "trailer". */
  readonly where: readonly string[];
}

/** Action types that run code, reach outside the document or carry files (ISO 32000-1 12.6.4). */
const ACTIVE_ACTIONS: ReadonlyMap<string, string> = new Map([
  ["JavaScript", "JavaScript action"],
  ["Launch", "Launch action (starts a program or opens a file)"],
  ["SubmitForm", "SubmitForm action (sends form data to a URL)"],
  ["ImportData", "ImportData action (imports form data from a file)"],
  ["GoToR", "GoToR action (opens another file)"],
  ["GoToE", "GoToE action (opens an embedded file)"],
  ["RichMediaExecute", "RichMediaExecute action"],
  ["Rendition", "Rendition action (plays media)"],
  ["Movie", "Movie action"],
  ["Sound", "Sound action"],
]);

/** Annotation subtypes that play media, run 3D scripts or carry files. */
const ACTIVE_ANNOTATIONS: ReadonlyMap<string, string> = new Map([
  ["FileAttachment", "file attachment annotation (embedded file)"],
  ["RichMedia", "RichMedia annotation"],
  ["Screen", "Screen annotation (media)"],
  ["Movie", "Movie annotation"],
  ["Sound", "Sound annotation"],
  ["3D", "3D annotation"],
]);

/** Keys whose presence alone is active content, wherever they are. */
const ACTIVE_KEYS: ReadonlyMap<string, string> = new Map([
  ["JS", "JavaScript (/JS)"],
  ["AA", "additional actions (/AA)"],
  ["JavaScript", "document JavaScript (/Names /JavaScript)"],
  ["EmbeddedFiles", "embedded files (/Names /EmbeddedFiles)"],
  ["EF", "embedded file (/EF in a file specification)"],
  ["XFA", "XFA form (/XFA)"],
  ["RichMediaContent", "RichMedia content"],
  ["Collection", "portable collection (/Collection)"],
  ["PS", "PostScript (/PS in a form XObject)"],
]);

const REASON_ORDER: readonly Finding["reason"][] = ["encrypted", "active-content", "unsupported-feature"];

/** Decoded name text of `object` (following one reference), or undefined when it is not a name. */
export function nameText(context: PDFContext, object: PDFObject | undefined): string | undefined {
  const value = object instanceof PDFRef ? context.lookup(object) : object;
  return value instanceof PDFName ? value.decodeText() : undefined;
}

function stringText(context: PDFContext, object: PDFObject | undefined): string | undefined {
  const value = object instanceof PDFRef ? context.lookup(object) : object;
  if (value instanceof PDFString || value instanceof PDFHexString) return value.decodeText();
  return undefined;
}

class Findings {
  private readonly found = new Map<string, { reason: Finding["reason"]; what: string; where: string[] }>();

  add(reason: Finding["reason"], what: string, where: string): void {
    const key = `${reason}\n${what}`;
    const entry = this.found.get(key) ?? { reason, what, where: [] };
    if (!entry.where.includes(where)) entry.where.push(where);
    this.found.set(key, entry);
  }

  list(): Finding[] {
    return [...this.found.values()].sort((a, b) => REASON_ORDER.indexOf(a.reason) - REASON_ORDER.indexOf(b.reason));
  }
}

/** The rules for one dictionary (any dictionary of the file, direct or indirect, stream dictionaries too). */
function inspectDict(context: PDFContext, dict: PDFDict, where: string, findings: Findings): void {
  const name = (key: string) => nameText(context, dict.get(PDFName.of(key)));
  for (const key of dict.keys()) {
    const active = ACTIVE_KEYS.get(key.decodeText());
    if (active !== undefined) findings.add("active-content", active, where);
  }
  const action = ACTIVE_ACTIONS.get(name("S") ?? "");
  if (action !== undefined) findings.add("active-content", action, where);
  const type = name("Type");
  const subtype = name("Subtype");
  const annotation = ACTIVE_ANNOTATIONS.get(subtype ?? "");
  if (annotation !== undefined) findings.add("active-content", annotation, where);
  if (type === "EmbeddedFile") findings.add("active-content", "embedded file stream (/Type /EmbeddedFile)", where);
  if (type === "XObject" && subtype === "PS") findings.add("active-content", "PostScript XObject", where);
  const uri = stringText(context, dict.get(PDFName.of("URI")));
  // Control characters and blanks are ignored by URL parsers, so " java\tscript:" is javascript: too.
  if (uri !== undefined && /^javascript:/i.test(uri.replace(/[\0-\x20]/g, ""))) {
    findings.add("active-content", "javascript: URI", where);
  }
  if (type === "Sig" || type === "DocTimeStamp" || dict.has(PDFName.of("ByteRange"))) {
    findings.add("unsupported-feature", "digital signature (rewriting would invalidate it)", where);
  }
  if (type === "Catalog" && dict.has(PDFName.of("Perms"))) {
    findings.add("unsupported-feature", "usage rights or modification permissions (/Perms)", where);
  }
  if (type === "XRef" && dict.has(PDFName.of("Encrypt"))) {
    findings.add("encrypted", "encryption dictionary (/Encrypt in a cross-reference stream)", where);
  }
}

/**
 * Walks every indirect object the library parsed (not only what the catalog reaches: an action in
 * an annotation, an object no longer referenced, the cross-reference streams) and every dictionary
 * nested in it, and returns what makes the document unfit to pass, most serious reason first.
 */
export function inspect(context: PDFContext): Finding[] {
  const findings = new Findings();
  if (context.trailerInfo.Encrypt !== undefined) {
    findings.add("encrypted", "encryption dictionary (/Encrypt in the trailer)", "trailer");
  }
  for (const [ref, object] of indirectObjects(context)) {
    forEachDict(object, (dict) => inspectDict(context, dict, ref.toString(), findings));
  }
  return findings.list();
}

const MAX_PLACES = 5;

/** Throws the rejection for the findings (all of them in the message, the first one's reason), if any. */
export function rejectFindings(findings: readonly Finding[]): void {
  const first = findings[0];
  if (first === undefined) return;
  const describe = (f: Finding) => {
    const places = f.where.slice(0, MAX_PLACES).join(", ");
    const more = f.where.length > MAX_PLACES ? ` and ${f.where.length - MAX_PLACES} more` : "";
    return `${f.what} in ${places}${more}`;
  };
  const label: Record<Finding["reason"], string> = {
    encrypted: "encrypted",
    "active-content": "active content",
    "unsupported-feature": "unsupported feature",
  };
  const message = findings.map((f) => `${label[f.reason]}: ${describe(f)}`).join("; ");
  throw new DocumentRejected(first.reason, message);
}

/** True when `object` (following one reference) is a dictionary or a stream's dictionary. */
export function dictOf(context: PDFContext, object: PDFObject | undefined): PDFDict | undefined {
  const value = object instanceof PDFRef ? context.lookup(object) : object;
  if (value instanceof PDFStream) return value.dict;
  return value instanceof PDFDict ? value : undefined;
}
