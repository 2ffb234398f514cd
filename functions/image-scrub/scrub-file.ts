import { closeSync, openSync, readSync, renameSync, unlinkSync, writevSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { threadId } from "node:worker_threads";
import {
  type ScrubOptions,
  type ScrubResult,
  scrubChunks,
  scrubChunksWithoutDigests,
  type UndigestedScrubResult,
} from "./scrubber";

/*
 * One file in, one file out: what the command line does per input, in its single-file and its
 * batch mode alike (so both write the same bytes). The input is read in 1 MiB pieces with
 * synchronous positional reads and the output written with writev in pieces of about 1 MiB: a
 * stream (fs.createReadStream) waits for the thread pool on every read and made the command about
 * twice as slow as the same core on bytes in memory. Memory stays bounded as in the core.
 */

/** Bytes per read from the input. */
export const READ_BYTES = 1024 * 1024;
/** Output bytes gathered before one writev. */
const WRITE_BYTES = 1024 * 1024;
/** Pieces per writev (below IOV_MAX, 1024 on Linux). */
const WRITE_PIECES = 512;

/** Read buffers kept for the next file (per thread). Fresh memory costs a page fault per 4 KiB:
 * re-using it halved the read time over the corpus. */
const spare: Buffer[] = [];
/** Read buffers kept at most: 16 MiB. */
const MAX_SPARE = 16;

/**
 * The bytes of an open file from offset 0 (each call starts again: WebP is read twice). The core
 * passes views of these buffers to the output, so they are handed back (`used`) only once the file
 * has been written.
 */
function fileBytes(fd: number, used: Buffer[]): () => AsyncGenerator<Uint8Array, void, void> {
  return async function* read(): AsyncGenerator<Uint8Array, void, void> {
    let position = 0;
    for (;;) {
      const buffer = spare.pop() ?? Buffer.allocUnsafeSlow(READ_BYTES);
      used.push(buffer);
      const n = readSync(fd, buffer, 0, READ_BYTES, position);
      if (n === 0) return;
      position += n;
      yield n === READ_BYTES ? buffer : buffer.subarray(0, n);
    }
  };
}

/** Writes every byte of `pieces` (writev may write fewer bytes than asked). */
function writeAll(fd: number, pieces: Buffer[]): void {
  let rest = pieces;
  while (rest.length > 0) {
    let written = writevSync(fd, rest.slice(0, WRITE_PIECES));
    let i = 0;
    while (i < rest.length && written >= (rest[i] as Buffer).length) {
      written -= (rest[i] as Buffer).length;
      i += 1;
    }
    rest = rest.slice(i);
    if (written > 0) rest[0] = (rest[0] as Buffer).subarray(written);
  }
}

/** Where `output` is written before it is renamed into place (same folder, so the rename is atomic). */
export function temporaryPath(output: string): string {
  const unique = `${process.pid}-${threadId}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  return join(dirname(output), `.${basename(output)}.scrub-${unique}.tmp`);
}

/**
 * Scrubs the file `input` into `output`: written to a temporary file next to it and renamed into
 * place only when the image was scrubbed, so a rejected input leaves nothing behind and an existing
 * `output` untouched. Throws ScrubRejected, or the file system's error (input unreadable, output
 * not writable). Without `digests` the result's two SHA-256 fields are null (see
 * scrubChunksWithoutDigests).
 */
export async function scrubFile(
  input: string,
  output: string,
  options: ScrubOptions,
  digests: true,
): Promise<ScrubResult>;
export async function scrubFile(
  input: string,
  output: string,
  options: ScrubOptions,
  digests: boolean,
): Promise<ScrubResult | UndigestedScrubResult>;
export async function scrubFile(
  input: string,
  output: string,
  options: ScrubOptions,
  digests: boolean,
): Promise<ScrubResult | UndigestedScrubResult> {
  // Open the input first so that a missing file is an I/O error, not a rejection.
  const inFd = openSync(input, "r");
  let outFd: number | undefined;
  const temp = temporaryPath(output);
  let renamed = false;
  const used: Buffer[] = [];
  try {
    outFd = openSync(temp, "wx", 0o644);
    const source = fileBytes(inFd, used);
    const generator = digests ? scrubChunks(source, options) : scrubChunksWithoutDigests(source, options);
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    let step = await generator.next();
    try {
      while (!step.done) {
        pending.push(step.value);
        pendingBytes += step.value.length;
        if (pendingBytes >= WRITE_BYTES || pending.length >= WRITE_PIECES) {
          writeAll(outFd, pending);
          pending = [];
          pendingBytes = 0;
        }
        step = await generator.next();
      }
    } finally {
      if (!step.done) await generator.return(undefined as never); // a write failed: release the input
    }
    writeAll(outFd, pending);
    closeSync(outFd);
    outFd = undefined;
    renameSync(temp, output);
    renamed = true;
    return step.value;
  } finally {
    // Nothing holds a view of the input any more: the output is written (or abandoned).
    for (const buffer of used) if (spare.length < MAX_SPARE) spare.push(buffer);
    closeSync(inFd);
    if (outFd !== undefined) closeSync(outFd);
    if (!renamed) {
      try {
        unlinkSync(temp);
      } catch {
        // never created, or already gone
      }
    }
  }
}
