import { createHash, type Hash } from "node:crypto";
import { ScrubRejected } from "./errors";

/**
 * Largest number of bytes the parsers ever ask for in one piece: a JPEG marker segment is at most
 * 2 + 65535 bytes, everything else (PNG/RIFF chunk headers, IHDR, VP8X, frame headers, metadata
 * prefixes parsed for the orientation) is smaller. Payloads (entropy-coded data, IDAT, VP8 frames)
 * never go through this buffer: they are passed on in the pieces the source delivered.
 */
export const MAX_HEADER_BYTES = 65_544;

const EMPTY = Buffer.alloc(0);

function toBuffer(chunk: Uint8Array | string): Buffer {
  if (typeof chunk === "string") {
    throw new TypeError("image-scrub reads bytes; the source yielded a string (set no encoding on the stream)");
  }
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Memory figures the tests use to prove the bound. */
export interface MemoryStats {
  /** Largest amount the core held at once in its own buffers (header buffer + held data such as a JPEG ICC profile). */
  readonly peakBufferedBytes: number;
  /** Largest single chunk handed to the output. */
  readonly maxOutputChunkBytes: number;
}

/**
 * Sequential reader over an async byte source with a bounded look-ahead. It hashes every byte it
 * pulls (SHA-256 of the original) and enforces the input size limit as bytes arrive.
 */
export class ByteReader {
  private readonly iterator: AsyncIterator<Uint8Array | string>;
  private readonly maxInputBytes: number;
  /** SHA-256 of every byte pulled; null when the caller needs no digest (it costs more than the parsing). */
  private readonly hash: Hash | null;
  private chunk: Buffer = EMPTY;
  private pos = 0;
  private ended = false;
  /** Bytes pulled from the source so far. */
  private pulled = 0;
  /** Bytes handed to the parser so far (the current input offset). */
  private offsetValue = 0;
  private held = 0;
  private peak = 0;

  constructor(source: AsyncIterable<Uint8Array | string>, maxInputBytes: number, hashing = true) {
    this.iterator = source[Symbol.asyncIterator]();
    this.maxInputBytes = maxInputBytes;
    this.hash = hashing ? createHash("sha256") : null;
  }

  /** Offset of the next unread byte in the input. */
  get offset(): number {
    return this.offsetValue;
  }

  get peakBufferedBytes(): number {
    return this.peak;
  }

  /** Records that the caller keeps `bytes` of its own (for example an ICC profile awaiting its last chunk). */
  hold(bytes: number): void {
    this.held += bytes;
    this.note(0);
  }

  release(bytes: number): void {
    this.held = Math.max(0, this.held - bytes);
  }

  private note(assembling: number): void {
    const now = assembling + this.held;
    if (now > this.peak) this.peak = now;
  }

  private async pull(): Promise<boolean> {
    if (this.ended) return false;
    for (;;) {
      const next = await this.iterator.next();
      if (next.done) {
        this.ended = true;
        this.chunk = EMPTY;
        this.pos = 0;
        return false;
      }
      const chunk = toBuffer(next.value);
      if (chunk.length === 0) continue;
      this.pulled += chunk.length;
      if (this.pulled > this.maxInputBytes) {
        throw new ScrubRejected(
          "too-large",
          `input is larger than the limit of ${this.maxInputBytes} bytes`,
          this.maxInputBytes,
        );
      }
      this.hash?.update(chunk);
      this.chunk = chunk;
      this.pos = 0;
      return true;
    }
  }

  /** The unread rest of the current source chunk, pulling the next one if needed; null at the end. */
  async current(): Promise<Buffer | null> {
    if (this.pos < this.chunk.length) return this.chunk.subarray(this.pos);
    return (await this.pull()) ? this.chunk.subarray(this.pos) : null;
  }

  /** Marks `n` bytes of what `current()` returned as consumed. */
  advance(n: number): void {
    if (n < 0 || this.pos + n > this.chunk.length) throw new RangeError("advance beyond the current chunk");
    this.pos += n;
    this.offsetValue += n;
  }

  /** True when no byte is left. */
  async atEnd(): Promise<boolean> {
    return (await this.current()) === null;
  }

  /** Reads one byte; -1 at the end. */
  async readByteOrEnd(): Promise<number> {
    const buf = await this.current();
    if (buf === null) return -1;
    const value = buf[0] as number;
    this.advance(1);
    return value;
  }

  /** Reads one byte or rejects as truncated. */
  async readByte(what: string): Promise<number> {
    const value = await this.readByteOrEnd();
    if (value < 0) throw new ScrubRejected("truncated", `input ends inside ${what}`, this.offsetValue);
    return value;
  }

  /**
   * Reads exactly `n` bytes (n ≤ MAX_HEADER_BYTES). Returns a view into the source chunk when possible
   * and a copy when the bytes span chunks. Rejects as truncated when the input ends first.
   */
  async readExact(n: number, what: string): Promise<Buffer> {
    const out = await this.readUpTo(n);
    if (out.length < n) throw new ScrubRejected("truncated", `input ends inside ${what}`, this.offsetValue);
    return out;
  }

  /** Like readExact, but returns fewer bytes at the end of the input. */
  async readUpTo(n: number): Promise<Buffer> {
    if (n > MAX_HEADER_BYTES) throw new RangeError(`header read of ${n} bytes exceeds MAX_HEADER_BYTES`);
    this.note(n);
    const first = await this.current();
    if (first === null) return EMPTY;
    if (first.length >= n) {
      this.advance(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    for (;;) {
      const buf = await this.current();
      if (buf === null) return out.subarray(0, filled);
      const take = Math.min(buf.length, n - filled);
      buf.copy(out, filled, 0, take);
      this.advance(take);
      filled += take;
      if (filled === n) return out;
    }
  }

  /**
   * Yields the next `n` bytes in the pieces the source delivered (views, no copies). `observe` sees
   * every piece (for CRCs). Rejects as truncated when the input ends first.
   */
  async *stream(n: number, what: string, observe?: (piece: Buffer) => void): AsyncGenerator<Buffer, void, void> {
    let left = n;
    while (left > 0) {
      const buf = await this.current();
      if (buf === null) throw new ScrubRejected("truncated", `input ends inside ${what}`, this.offsetValue);
      const piece = buf.length > left ? buf.subarray(0, left) : buf;
      this.advance(piece.length);
      left -= piece.length;
      observe?.(piece);
      yield piece;
    }
  }

  /**
   * Reads exactly `n` bytes into one new buffer of any size (an ICC profile), counted as held until
   * the caller calls `release(n)`. `observe` sees every piece (for CRCs).
   */
  async readHeld(n: number, what: string, observe?: (piece: Buffer) => void): Promise<Buffer> {
    const out = Buffer.allocUnsafe(n);
    this.hold(n);
    let filled = 0;
    for await (const piece of this.stream(n, what, observe)) {
      piece.copy(out, filled);
      filled += piece.length;
    }
    return out;
  }

  /** Consumes `n` bytes without keeping them; `observe` sees them (for CRCs). */
  async skip(n: number, what: string, observe?: (piece: Buffer) => void): Promise<void> {
    let left = n;
    while (left > 0) {
      const buf = await this.current();
      if (buf === null) throw new ScrubRejected("truncated", `input ends inside ${what}`, this.offsetValue);
      const take = Math.min(buf.length, left);
      observe?.(buf.subarray(0, take));
      this.advance(take);
      left -= take;
    }
  }

  /** Consumes everything that is left and returns how many bytes that was. */
  async drain(): Promise<number> {
    let count = 0;
    for (;;) {
      const buf = await this.current();
      if (buf === null) return count;
      count += buf.length;
      this.advance(buf.length);
    }
  }

  /** Stops reading: releases the source (a Readable is destroyed) unless it already ended. */
  async close(): Promise<void> {
    if (this.ended) return;
    this.ended = true;
    this.chunk = EMPTY;
    await this.iterator.return?.();
  }

  /** SHA-256 (hex) of every byte pulled (call after drain()); null when constructed without hashing. */
  digest(): string | null {
    return this.hash === null ? null : this.hash.digest("hex");
  }

  /** Total bytes pulled from the source. */
  get totalBytes(): number {
    return this.pulled;
  }
}
