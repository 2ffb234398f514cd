import { PDFArray, type PDFContext, PDFDict, type PDFObject, type PDFRef, PDFStream } from "@cantoo/pdf-lib";

/**
 * Calls `visit` for every dictionary inside `root` (itself, nested direct dictionaries, array
 * elements, a stream's dictionary), without following indirect references: walking every indirect
 * object with this visits every dictionary of the file once. Iterative, so a deeply nested array
 * cannot exhaust the stack.
 */
export function forEachDict(root: PDFObject, visit: (dict: PDFDict) => void): void {
  const pending: PDFObject[] = [root];
  for (let object = pending.pop(); object !== undefined; object = pending.pop()) {
    if (object instanceof PDFStream) {
      pending.push(object.dict);
    } else if (object instanceof PDFDict) {
      visit(object);
      for (const value of object.values()) pending.push(value);
    } else if (object instanceof PDFArray) {
      for (const value of object.asArray()) pending.push(value);
    }
  }
}

/** The indirect objects of the context, in object-number order (the order the writer uses). */
export function indirectObjects(context: PDFContext): [PDFRef, PDFObject][] {
  return context.enumerateIndirectObjects();
}
