import { ScrubRejected } from "./errors";

/*
 * Header checks for the WebP image bitstreams the scrubber keeps (issue 14): the VP8 frame header
 * and partition layout (RFC 6386 §9, §19), the VP8L header (WebP lossless spec §3) and the ALPH
 * header byte (WebP container spec, "Alpha"). Every field is checked against its allowed values,
 * as libwebp does, so that a kept byte is either a known field or part of a declared payload.
 *
 * What these checks cannot see: VP8 partitions and VP8L / compressed ALPH streams are entropy
 * coded, and where the coded data really ends is only known after decoding every macroblock or
 * pixel. The last VP8 token partition runs to the end of its chunk by definition (RFC 6386 §9.5),
 * so bytes appended inside a VP8 chunk, or after a VP8L / compressed alpha stream, are not
 * detected here (README, "What is kept and dropped").
 */

/** VP8 bytes read up front: frame tag, start code, dimensions and the start of the first partition. */
export const VP8_HEAD_BYTES = 10 + 1024;

/** Boolean entropy decoder of RFC 6386 §7.3 over one partition. */
class BoolDecoder {
  private value: number;
  private range = 255;
  private bitCount = 0;
  private pos: number;
  /** Bytes requested beyond the partition end. */
  overrun = 0;

  constructor(
    private readonly buf: Buffer,
    start: number,
    private readonly end: number,
  ) {
    this.pos = start;
    this.value = (this.next() << 8) | this.next();
  }

  private next(): number {
    const at = this.pos++;
    if (at < this.end) return this.buf[at] as number;
    this.overrun += 1;
    return 0;
  }

  bool(probability: number): number {
    const split = 1 + (((this.range - 1) * probability) >> 8);
    const bigSplit = split << 8;
    let bit: number;
    if (this.value >= bigSplit) {
      bit = 1;
      this.range -= split;
      this.value -= bigSplit;
    } else {
      bit = 0;
      this.range = split;
    }
    while (this.range < 128) {
      this.value <<= 1;
      this.range <<= 1;
      if (++this.bitCount === 8) {
        this.bitCount = 0;
        this.value |= this.next();
      }
    }
    return bit;
  }

  literal(bits: number): number {
    let v = 0;
    for (let i = 0; i < bits; i++) v = (v << 1) | this.bool(128);
    return v;
  }

  /** A flag followed, when set, by a magnitude and a sign (RFC 6386 §19.2). */
  optionalSigned(bits: number): void {
    if (this.literal(1)) this.literal(bits + 1);
  }
}

export interface Vp8Frame {
  readonly width: number;
  readonly height: number;
  readonly firstPartitionBytes: number;
  /** Number of DCT token partitions (1, 2, 4 or 8). */
  readonly partitions: number;
  /** Offset in the chunk of the partition size table (3 bytes for every partition but the last). */
  readonly tableAt: number;
}

/**
 * Parses the VP8 key frame header (frame tag, start code, dimensions, and the first partition's
 * header up to the partition count). `head` holds the first bytes of a chunk of `chunkBytes`.
 */
export function readVp8Frame(head: Buffer, chunkBytes: number, at: number): Vp8Frame {
  if (head.length < 10 || head[3] !== 0x9d || head[4] !== 0x01 || head[5] !== 0x2a) {
    throw new ScrubRejected("malformed", "VP8 chunk without a key frame start code", at);
  }
  const tag = (head[0] as number) | ((head[1] as number) << 8) | ((head[2] as number) << 16);
  if ((tag & 1) !== 0) throw new ScrubRejected("malformed", "VP8 frame is not a key frame", at);
  const version = (tag >> 1) & 7;
  if (version > 3) throw new ScrubRejected("malformed", `VP8 version ${version} (0-3 exist)`, at);
  if (((tag >> 4) & 1) === 0) throw new ScrubRejected("malformed", "VP8 frame is not shown (show_frame = 0)", at);
  const firstPartitionBytes = tag >>> 5;
  if (firstPartitionBytes === 0 || 10 + firstPartitionBytes >= chunkBytes) {
    throw new ScrubRejected(
      "malformed",
      `VP8 first partition of ${firstPartitionBytes} bytes does not fit a ${chunkBytes}-byte chunk`,
      at,
    );
  }
  const width = head.readUInt16LE(6) & 0x3fff;
  const height = head.readUInt16LE(8) & 0x3fff;

  const d = new BoolDecoder(head, 10, Math.min(head.length, 10 + firstPartitionBytes));
  d.literal(2); // colour space, clamping type
  if (d.literal(1)) {
    // segmentation_enabled
    const updateMap = d.literal(1);
    const updateData = d.literal(1);
    if (updateData) {
      d.literal(1); // segment_feature_mode
      for (let i = 0; i < 4; i++) d.optionalSigned(7); // quantizer
      for (let i = 0; i < 4; i++) d.optionalSigned(6); // loop filter level
    }
    if (updateMap) for (let i = 0; i < 3; i++) if (d.literal(1)) d.literal(8);
  }
  d.literal(1 + 6 + 3); // filter type, loop filter level, sharpness
  if (d.literal(1) && d.literal(1)) {
    // loop_filter_adj_enable, mode_ref_lf_delta_update
    for (let i = 0; i < 8; i++) d.optionalSigned(6);
  }
  const partitions = 1 << d.literal(2);
  // The RFC decoder reads two bytes ahead; more than that is a header longer than its partition.
  if (d.overrun > 2) throw new ScrubRejected("malformed", "VP8 frame header runs past its first partition", at);
  return { width, height, firstPartitionBytes, partitions, tableAt: 10 + firstPartitionBytes };
}

/**
 * Checks the partition size table (`table`: the 3 × (partitions − 1) bytes at `frame.tableAt`):
 * every declared partition lies inside the chunk and the last one is not empty.
 */
export function checkVp8Partitions(frame: Vp8Frame, table: Buffer, chunkBytes: number, at: number): void {
  let end = frame.tableAt + 3 * (frame.partitions - 1);
  for (let p = 0; p + 1 < frame.partitions; p++) end += table.readUIntLE(3 * p, 3);
  if (end >= chunkBytes) {
    throw new ScrubRejected(
      "malformed",
      `VP8 partitions declare ${end} bytes or more, the chunk has ${chunkBytes}`,
      at,
    );
  }
}

/** Width, height and alpha hint of a VP8L header; the version must be 0. */
export function readVp8lHeader(head: Buffer, at: number): { width: number; height: number } {
  if (head.length < 5 || head[0] !== 0x2f) throw new ScrubRejected("malformed", "VP8L chunk without its signature", at);
  const bits = head.readUInt32LE(1);
  const version = bits >>> 29;
  if (version !== 0) throw new ScrubRejected("malformed", `VP8L version ${version} (must be 0)`, at);
  return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
}

/**
 * Checks the ALPH header byte (reserved bits 0, compression 0 or 1, pre-processing 0 or 1) and, for
 * uncompressed alpha, that the data is exactly one byte per pixel.
 */
export function checkAlphHeader(header: number, dataBytes: number, width: number, height: number, at: number): void {
  const compression = header & 3;
  const preprocessing = (header >> 4) & 3;
  if (header >> 6 !== 0) throw new ScrubRejected("malformed", "ALPH reserved bits are set", at);
  if (compression > 1)
    throw new ScrubRejected("malformed", `ALPH compression method ${compression} (0 or 1 exist)`, at);
  if (preprocessing > 1)
    throw new ScrubRejected("malformed", `ALPH pre-processing ${preprocessing} (0 or 1 exist)`, at);
  if (compression === 0 && dataBytes !== width * height) {
    throw new ScrubRejected("malformed", `uncompressed ALPH has ${dataBytes} bytes for ${width}x${height} pixels`, at);
  }
  if (compression === 1 && dataBytes < 1) throw new ScrubRejected("malformed", "compressed ALPH without data", at);
}
