import { PDFArray, type PDFContext, PDFDict, PDFInvalidObject, PDFName, PDFParser, PDFRef } from "@cantoo/pdf-lib";
import { DocumentRejected } from "./errors";
import { nameText } from "./inspect";
import { indirectObjects } from "./walk";

/** What the structure check found: the catalog and the page leaves in document order. */
export interface DocumentStructure {
  readonly catalog: PDFDict;
  readonly pages: readonly PDFDict[];
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * Parses every object of the file with the library, failing on any object it cannot parse
 * (`throwOnInvalidObject`) instead of keeping it as raw bytes. A file that does not parse but
 * names /Encrypt is reported as encrypted: its encrypted object streams cannot be inflated.
 */
export async function parsePdf(bytes: Uint8Array): Promise<PDFContext> {
  try {
    // objectsPerTick Infinity: parse without yielding to the event loop between objects.
    return await PDFParser.forBytesWithOptions(bytes, Number.POSITIVE_INFINITY, true, false, false).parseDocument();
  } catch (error) {
    if (Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).includes("/Encrypt")) {
      throw new DocumentRejected(
        "encrypted",
        `encrypted (/Encrypt), and the PDF library cannot parse it: ${message(error)}`,
      );
    }
    throw new DocumentRejected("malformed", `the PDF library cannot parse it: ${message(error)}`);
  }
}

function pageTreeLeaves(context: PDFContext, root: PDFRef, maxPages: number): PDFDict[] {
  const leaves: PDFDict[] = [];
  const seen = new Set<string>();
  const pending: PDFRef[] = [root];
  // Depth-first in document order: children are pushed in reverse.
  for (let ref = pending.pop(); ref !== undefined; ref = pending.pop()) {
    if (seen.has(ref.toString())) throw new DocumentRejected("malformed", `the page tree reaches ${ref} twice`);
    seen.add(ref.toString());
    const node = context.lookup(ref);
    if (!(node instanceof PDFDict))
      throw new DocumentRejected("malformed", `page tree node ${ref} is not a dictionary`);
    const type = nameText(context, node.get(PDFName.of("Type")));
    if (type === "Page") {
      leaves.push(node);
      if (leaves.length > maxPages) {
        throw new DocumentRejected("too-many-pages", `more than ${maxPages} pages (maxPages)`);
      }
      continue;
    }
    if (type !== "Pages") {
      throw new DocumentRejected("malformed", `page tree node ${ref} is neither /Type /Pages nor /Type /Page`);
    }
    const kids = node.get(PDFName.of("Kids"));
    const list = kids instanceof PDFRef ? context.lookup(kids) : kids;
    if (!(list instanceof PDFArray))
      throw new DocumentRejected("malformed", `page tree node ${ref} has no /Kids array`);
    const children = list.asArray();
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i];
      if (!(child instanceof PDFRef)) {
        throw new DocumentRejected("malformed", `page tree node ${ref} has a kid that is not an indirect reference`);
      }
      pending.push(child);
    }
  }
  return leaves;
}

/**
 * The structure a reader needs: every object parsed, a trailer /Root naming a /Type /Catalog,
 * and a page tree of /Pages nodes and /Page leaves without cycles, holding 1 to `maxPages` pages.
 */
export function checkStructure(context: PDFContext, maxPages: number): DocumentStructure {
  for (const [ref, object] of indirectObjects(context)) {
    if (object instanceof PDFInvalidObject) throw new DocumentRejected("malformed", `object ${ref} does not parse`);
  }
  const rootRef = context.trailerInfo.Root;
  const catalog = rootRef === undefined ? undefined : context.lookup(rootRef);
  if (!(catalog instanceof PDFDict) || nameText(context, catalog.get(PDFName.of("Type"))) !== "Catalog") {
    throw new DocumentRejected("malformed", "the trailer's /Root is not a document catalog (/Type /Catalog)");
  }
  const pagesRef = catalog.get(PDFName.of("Pages"));
  if (!(pagesRef instanceof PDFRef)) {
    throw new DocumentRejected("malformed", "the catalog has no /Pages reference");
  }
  const pages = pageTreeLeaves(context, pagesRef, maxPages);
  if (pages.length === 0) throw new DocumentRejected("malformed", "the document has no pages");
  return { catalog, pages };
}
