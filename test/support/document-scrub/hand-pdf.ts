/**
 * Hand-written PDFs as byte strings, for what the PDF library will not write: encrypted trailers,
 * cyclic page trees, escaped names, broken cross-references, incremental updates.
 */

export interface HandPdf {
  /** Header version. @default "1.4" */
  readonly version?: string;
  /** Object bodies by object number (generation 0), written in this order. */
  readonly objects: ReadonlyArray<readonly [number, string]>;
  /** The trailer dictionary's entries (without `<<` `>>`); /Size is added. */
  readonly trailer: string;
  /** Bytes before the header. @default "" */
  readonly prefix?: string;
  /** Written instead of the real cross-reference offset after `startxref`. */
  readonly startxref?: number;
}

/** A classic PDF: header, binary comment, objects, cross-reference table, trailer, startxref, %%EOF. */
export function handPdf(spec: HandPdf): Buffer {
  const parts: string[] = [`${spec.prefix ?? ""}%PDF-${spec.version ?? "1.4"}\n%\xe2\xe3\xcf\xd3\n`];
  let length = Buffer.byteLength(parts[0] ?? "", "latin1");
  const offsets = new Map<number, number>();
  for (const [number, body] of spec.objects) {
    offsets.set(number, length);
    const text = `${number} 0 obj\n${body}\nendobj\n`;
    parts.push(text);
    length += Buffer.byteLength(text, "latin1");
  }
  const size = Math.max(0, ...offsets.keys()) + 1;
  const rows = ["0000000000 65535 f \n"];
  for (let n = 1; n < size; n++) {
    const at = offsets.get(n);
    rows.push(at === undefined ? "0000000000 65535 f \n" : `${String(at).padStart(10, "0")} 00000 n \n`);
  }
  const xrefAt = length;
  parts.push(`xref\n0 ${size}\n${rows.join("")}trailer\n<< /Size ${size} ${spec.trailer} >>\n`);
  parts.push(`startxref\n${spec.startxref ?? xrefAt}\n%%EOF\n`);
  return Buffer.from(parts.join(""), "latin1");
}

/** The offset the last `startxref` of `pdf` gives. */
export function lastStartXref(pdf: Uint8Array): number {
  const text = Buffer.from(pdf).toString("latin1");
  const matches = [...text.matchAll(/startxref\s+(\d+)/g)];
  const last = matches.at(-1);
  if (last === undefined) throw new Error("no startxref");
  return Number(last[1]);
}

/**
 * Appends an incremental update to a PDF with a classic cross-reference table: the objects
 * (replacing or adding object numbers), a cross-reference section for them, and a trailer with
 * /Prev. `trailer` holds the new trailer's entries besides /Size and /Prev.
 */
export function appendUpdate(
  pdf: Uint8Array,
  objects: ReadonlyArray<readonly [number, string]>,
  trailer: string,
  size: number,
): Buffer {
  const base = Buffer.from(pdf);
  const parts: string[] = ["\n"];
  let length = base.length + 1;
  const rows: string[] = [];
  for (const [number, body] of objects) {
    rows.push(`${number} 1\n${String(length).padStart(10, "0")} 00000 n \n`);
    const text = `${number} 0 obj\n${body}\nendobj\n`;
    parts.push(text);
    length += Buffer.byteLength(text, "latin1");
  }
  parts.push(`xref\n${rows.join("")}trailer\n<< /Size ${size} /Prev ${lastStartXref(base)} ${trailer} >>\n`);
  parts.push(`startxref\n${length}\n%%EOF\n`);
  return Buffer.concat([base, Buffer.from(parts.join(""), "latin1")]);
}

/** A minimal one-page document: 1 catalog, 2 pages, 3 page. Extra objects and catalog entries may be added. */
export function minimalPdf(
  options: {
    catalogExtra?: string;
    pageExtra?: string;
    objects?: ReadonlyArray<readonly [number, string]>;
    trailerExtra?: string;
    version?: string;
    prefix?: string;
    startxref?: number;
  } = {},
): Buffer {
  return handPdf({
    version: options.version,
    prefix: options.prefix,
    startxref: options.startxref,
    objects: [
      [1, `<< /Type /Catalog /Pages 2 0 R ${options.catalogExtra ?? ""}>>`],
      [2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"],
      [3, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] ${options.pageExtra ?? ""}>>`],
      ...(options.objects ?? []),
    ],
    trailer: `/Root 1 0 R ${options.trailerExtra ?? ""}`,
  });
}
