import { PDFArray, type PDFContext, PDFName, PDFRawStream, PDFRef } from "@cantoo/pdf-lib";
import { isScrubRejected } from "../image-scrub/errors";
import { scrubBuffer } from "../image-scrub/scrubber";
import { DocumentRejected, type DocumentRejectReason } from "./errors";
import { nameText } from "./inspect";
import type { Tally } from "./metadata";
import { indirectObjects } from "./walk";

/** The stream's filter names in order (/Filter is a name or an array of names, possibly indirect). */
function filterNames(context: PDFContext, stream: PDFRawStream): string[] {
  const filter = stream.dict.get(PDFName.of("Filter"));
  const value = filter instanceof PDFRef ? context.lookup(filter) : filter;
  if (value === undefined) return [];
  if (value instanceof PDFArray) return value.asArray().map((entry) => nameText(context, entry) ?? "?");
  return [nameText(context, value) ?? "?"];
}

function documentReason(imageReason: string): DocumentRejectReason {
  if (imageReason === "unsupported-feature") return "unsupported-feature";
  if (imageReason === "too-large" || imageReason === "too-many-pixels") return "too-large";
  return "malformed";
}

/**
 * JPEG images (/DCTDecode streams) are JPEG files, and those carry their own metadata: EXIF
 * (camera, time, GPS position), XMP, comments, IPTC. Each goes through the image scrubber
 * (functions/image-scrub), which rewrites the container losslessly: the coded image data is kept
 * byte for byte. EXIF orientation is not written back: PDF readers ignore it. A JPEG the image
 * scrubber rejects rejects the document.
 */
export async function scrubJpegStreams(context: PDFContext, tally: Tally): Promise<void> {
  for (const [ref, object] of indirectObjects(context)) {
    if (!(object instanceof PDFRawStream)) continue;
    const names = filterNames(context, object);
    if (!names.includes("DCTDecode") && !names.includes("DCT")) continue;
    if (names.length !== 1) {
      throw new DocumentRejected(
        "unsupported-feature",
        `JPEG image ${ref} is encoded with further filters (${names.join(" ")}); only a plain /DCTDecode stream is scrubbed`,
      );
    }
    let scrubbed: Awaited<ReturnType<typeof scrubBuffer>>;
    try {
      scrubbed = await scrubBuffer(object.getContents(), { allowedTypes: ["jpeg"], preserveOrientation: false });
    } catch (error) {
      if (!isScrubRejected(error)) throw error;
      throw new DocumentRejected(documentReason(error.reason), `JPEG image ${ref}: ${error.reason}: ${error.message}`);
    }
    for (const part of scrubbed.result.removed) tally.add(`JPEG image: ${part.name}`, part.count);
    if (!Buffer.from(object.getContents()).equals(scrubbed.bytes)) {
      context.assign(ref, PDFRawStream.of(object.dict, new Uint8Array(scrubbed.bytes)));
    }
  }
}
