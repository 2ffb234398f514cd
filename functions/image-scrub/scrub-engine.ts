/**
 * What `scrubObject` (scrub-object.ts) runs on an object's bytes: a scrub engine. The object flow
 * (idempotence, tenant roles, quarantine, tagging, publishing only a finished output) is the same
 * for every kind of upload; the engine is what differs: images stream through the image scrubber
 * (this file's `imageEngine`), documents through the PDF sanitizer (functions/document-scrub/engine.ts).
 */
import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { isScrubRejected } from "./errors";
import { type ByteSource, SCRUBBER_VERSION, type ScrubOptions, type ScrubResult, scrub } from "./scrubber";

/** A rejected input, as the quarantine records it: a stable reason code and a message naming the problem. */
export interface EngineRejection {
  readonly reason: string;
  readonly message: string;
}

/** What an engine wrote into the provisional file, and what the clean copy records about it. */
export interface EngineOutput<R> {
  /** The engine's own report (returned to the caller as the `scrubbed` outcome's `result`). */
  readonly result: R;
  /** Content-MD5 (base64) of the file. */
  readonly md5: string;
  readonly outputBytes: number;
  /** The clean copy's Content-Type. */
  readonly mediaType: string;
  /** SHA-256 (hex) of the whole input. */
  readonly originalSha256: string;
  /** The detected type, recorded as `scrub-detected-type`. */
  readonly detectedType: string;
  /** Further x-amz-meta-* of the clean copy (printable ASCII values). */
  readonly metadata: Readonly<Record<string, string>>;
  /** Fields of the `scrubbed` log line (never content). */
  readonly logFields: Readonly<Record<string, unknown>>;
}

export interface ScrubEngine<R> {
  /** Recorded with every clean and quarantined copy; a copy of another version is scrubbed again. */
  readonly version: string;
  /**
   * Scrubs the bytes `open()` yields into `file`. Resolves only when the output is complete and
   * valid; rejects with an error `rejection` recognises for an input to quarantine; any other
   * error is a failure (the event is retried). `open` may be called again for a second pass.
   */
  scrubToFile(open: () => ByteSource, file: string): Promise<EngineOutput<R>>;
  /** The quarantine's reason and message when `error` rejects the input, else undefined. */
  rejection(error: unknown): EngineRejection | undefined;
}

/** Pipes `source` into `file`, computing its Content-MD5 on the way. */
export async function writeWithMd5(source: AsyncIterable<Uint8Array> | NodeJS.ReadableStream, file: string) {
  const md5 = createHash("md5");
  const hashing = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      md5.update(chunk);
      done(null, chunk);
    },
  });
  await pipeline(source, hashing, createWriteStream(file));
  return md5.digest("base64");
}

/** The image scrubber (scrubber.ts) as an engine: streaming, bounded memory, two passes for WebP. */
export function imageEngine(
  limits: Pick<ScrubOptions, "maxInputBytes" | "maxPixels" | "allowedTypes">,
): ScrubEngine<ScrubResult> {
  return {
    version: SCRUBBER_VERSION,
    async scrubToFile(open, file) {
      const scrubbed = scrub(open, {
        maxInputBytes: limits.maxInputBytes,
        maxPixels: limits.maxPixels,
        allowedTypes: limits.allowedTypes,
      });
      const [md5, result] = await Promise.all([writeWithMd5(scrubbed.output, file), scrubbed.result]);
      return {
        result,
        md5,
        outputBytes: result.outputBytes,
        mediaType: result.mediaType,
        originalSha256: result.originalSha256,
        detectedType: result.type,
        metadata: {
          "scrub-orientation": result.orientation === null ? "none" : String(result.orientation),
          "scrub-orientation-preserved": String(result.orientationPreserved),
        },
        logFields: {
          type: result.type,
          originalBytes: result.originalBytes,
          outputBytes: result.outputBytes,
          removedBytes: result.removedBytes,
          orientation: result.orientation,
        },
      };
    },
    rejection(error) {
      return isScrubRejected(error) ? { reason: error.reason, message: error.message } : undefined;
    },
  };
}

/**
 * A check of a scrubbed output before it is published: the stage interface of issue 19 item 4, for
 * antivirus and OCR engines. It sees what would be served (the sanitized output file), after the
 * engine validated and rewrote the input and before anything reaches the clean bucket. A stage
 * either passes or names a reason; a reason quarantines the original like an engine's rejection.
 * Stages run in order; the first reason wins. A stage that throws fails the record (retried), as an
 * engine's other errors do: an unavailable scanner never lets an object through.
 */
export interface ContentStage {
  /** Recorded in the scrubber version (`<engine>+<stage>`), so that adding a stage scans again. */
  readonly name: string;
  inspect(file: string, output: { readonly mediaType: string; readonly outputBytes: number }): Promise<StageVerdict>;
}

export type StageVerdict =
  | { readonly pass: true }
  | { readonly pass: false; readonly reason: string; readonly message: string };

/** A stage's verdict against an output, as an error the engine's `rejection` recognises. */
export class StageRejected extends Error {
  override readonly name = "StageRejected";
  constructor(
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

/** `engine` followed by `stages`: the output is published only when every stage passes. */
export function withStages<R>(engine: ScrubEngine<R>, stages: readonly ContentStage[]): ScrubEngine<R> {
  if (stages.length === 0) return engine;
  return {
    version: [engine.version, ...stages.map((s) => s.name)].join("+"),
    async scrubToFile(open, file) {
      const output = await engine.scrubToFile(open, file);
      for (const stage of stages) {
        const verdict = await stage.inspect(file, { mediaType: output.mediaType, outputBytes: output.outputBytes });
        if (!verdict.pass) throw new StageRejected(verdict.reason, `${stage.name}: ${verdict.message}`);
      }
      return output;
    },
    rejection(error) {
      if (error instanceof StageRejected) return { reason: error.reason, message: error.message };
      return engine.rejection(error);
    },
  };
}
