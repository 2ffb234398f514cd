/**
 * The stage interface between validation and publishing (issue 19 item 4: antivirus, OCR), with the
 * document engine: a stage sees the sanitized output and can quarantine it with its own reason.
 * The stage here is a test double (the EICAR test string), not an antivirus.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PDFName } from "@cantoo/pdf-lib";
import { afterAll, describe, expect, it } from "vitest";
import { plainDoc, save } from "../../test/support/document-scrub/builders";
import { EICAR, eicarStage } from "../../test/support/document-scrub/eicar-stage";
import { type ContentStage, StageRejected, withStages } from "../image-scrub/scrub-engine";
import { documentEngine } from "./engine";
import { DOCUMENT_SCRUBBER_VERSION } from "./scrubber";

const dir = mkdtempSync(join(tmpdir(), "sip-stages-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const opener = (bytes: Uint8Array) => () =>
  (async function* () {
    yield bytes;
  })();

/** A one-page document whose page content carries `text` as a comment (content is kept as it is). */
async function pdfWithContent(text: string): Promise<Uint8Array> {
  const { doc, page } = await plainDoc();
  page.node.set(PDFName.of("Contents"), doc.context.register(doc.context.stream(`% ${text}\nBT ET\n`)));
  return save(doc);
}

describe("withStages", () => {
  const engine = withStages(documentEngine(), [eicarStage]);

  it("publishes what every stage passes, under a version that names the stages", async () => {
    // Act
    const output = await engine.scrubToFile(opener(await pdfWithContent("an ordinary invoice")), join(dir, "ok.pdf"));
    // Assess
    expect(output.mediaType).toBe("application/pdf");
    expect(engine.version).toBe(`${DOCUMENT_SCRUBBER_VERSION}+eicar-test-stage`);
  });

  it("quarantines with the stage's reason what a stage flags in the sanitized output", async () => {
    // Prepare
    const file = join(dir, "flagged.pdf");
    // Act
    const attempt = engine.scrubToFile(opener(await pdfWithContent(EICAR)), file);
    // Assess
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StageRejected);
    expect(engine.rejection(error)).toEqual({
      reason: "malware",
      message: "eicar-test-stage: the EICAR test signature was found",
    });
    expect(readFileSync(file).includes(EICAR)).toBe(true); // the stage saw the output, which is never published
  });

  it("keeps the engine's own rejections, and fails (retries) when a stage cannot answer", async () => {
    // Prepare
    const broken: ContentStage = {
      name: "scanner",
      async inspect() {
        throw new Error("scanner unavailable");
      },
    };
    const unavailable = withStages(documentEngine(), [broken]);
    // Act
    const notPdf = await engine.scrubToFile(opener(Buffer.from("<html>")), join(dir, "x")).catch((e: unknown) => e);
    const failed = await unavailable
      .scrubToFile(opener(await pdfWithContent("fine")), join(dir, "y"))
      .catch((e: unknown) => e);
    // Assess
    expect(engine.rejection(notPdf)).toMatchObject({ reason: "unknown-type" });
    expect(unavailable.rejection(failed)).toBeUndefined();
    expect((failed as Error).message).toBe("scanner unavailable");
  });
});
