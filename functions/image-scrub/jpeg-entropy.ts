import { ScrubRejected } from "./errors";

/*
 * Huffman entropy-data walker (ITU-T T.81 Annex F and G): follows the coded symbols of a scan
 * without computing coefficients, to find where the coded data of each restart interval and of the
 * scan really ends. Decoders stop reading there and skip whatever follows up to the next marker
 * (libjpeg: "extraneous bytes before marker"), so those bytes are invisible in the image but would
 * survive a byte copy: the scrubber drops them.
 *
 * Behaviour mirrors libjpeg where the data runs out early: a marker met inside an interval ends
 * the data and the rest of the interval reads as zero bits (nothing is kept beyond the marker).
 * Invalid Huffman codes and out-of-order restart markers are rejected (`malformed`).
 */

const LOOKUP_BITS = 9;
/** Bits a sequential scan's AC symbols are looked up by, several at once (HuffmanTable.multi). */
const MULTI_BITS = 12;
const MULTI_MASK = (1 << MULTI_BITS) - 1;
/** HuffmanTable.multi: the run of symbols ends with an end of block. */
const MULTI_EOB = 1 << 11;
/** Redundant 0xFF bytes accepted before a stuffed zero (libjpeg reads 0xFF…0xFF00 as one 0xFF; encoders write none). */
const MAX_REDUNDANT_FF = 8;
/**
 * Input bytes one MCU can use at most: 10 blocks × (32 + 63 × 31) bits ≈ 2 480 data bytes, each
 * at most 2 + MAX_REDUNDANT_FF input bytes, plus the bit buffer's look-ahead.
 */
export const MCU_MARGIN_BYTES = 32 * 1024;

export interface HuffmanTable {
  /**
   * By the next LOOKUP_BITS bits, for codes of ≤ LOOKUP_BITS bits: code length | symbol << 8 |
   * (code length + the symbol's low nibble, i.e. an AC coefficient's magnitude bits) << 16;
   * 0 = a longer or invalid code. One lookup gives everything a walker needs to skip an AC symbol.
   */
  readonly fast: Int32Array;
  /** Largest code of each length 1..16 (-1 when none). */
  readonly maxCode: Int32Array;
  /** Index into `values` minus the first code of each length. */
  readonly delta: Int32Array;
  readonly values: Uint8Array;
  /**
   * Sequential AC decoding by the next MULTI_BITS bits, several symbols at once (built on first use
   * by multiTable): bits used (1-12) | coefficients passed << 4 | MULTI_EOB when the last symbol ends
   * the block; 0 = not even one symbol with its magnitude bits fits.
   */
  multi?: Int32Array;
}

/** Builds the decoding table of one DHT table; rejects a table whose code lengths overflow the code space. */
export function huffmanTable(counts: Uint8Array, values: Uint8Array, at: number): HuffmanTable {
  const fast = new Int32Array(1 << LOOKUP_BITS);
  const maxCode = new Int32Array(17).fill(-1);
  const delta = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let length = 1; length <= 16; length++) {
    const n = counts[length - 1] as number;
    delta[length] = k - code;
    for (let i = 0; i < n; i++, k++, code++) {
      if (length <= LOOKUP_BITS) {
        const shift = LOOKUP_BITS - length;
        const symbol = values[k] as number;
        const entry = length | (symbol << 8) | ((length + (symbol & 15)) << 16);
        for (let fill = 0; fill < 1 << shift; fill++) fast[(code << shift) | fill] = entry;
      }
    }
    if (n > 0) maxCode[length] = code - 1;
    // The all-ones code of each length is reserved (T.81 C.2; libjpeg rejects such a table).
    if (code >= 1 << length) throw new ScrubRejected("malformed", "DHT table overflows its code space", at);
    code <<= 1;
  }
  return { fast, maxCode, delta, values };
}

/**
 * The several-symbols table of an AC table for sequential scans (HuffmanTable.multi): for each value
 * of the next MULTI_BITS bits, the symbols that fit whole (code and magnitude bits) one after the
 * other, up to an end of block. A symbol of size 0 other than ZRL ends the block, as in runMcus.
 */
function multiTable(table: HuffmanTable): Int32Array {
  if (table.multi !== undefined) return table.multi;
  const multi = new Int32Array(1 << MULTI_BITS);
  const fast = table.fast;
  for (let v = 0; v <= MULTI_MASK; v++) {
    let used = 0;
    let passed = 0;
    let end = 0;
    while (used < MULTI_BITS) {
      // The next LOOKUP_BITS bits (zeros past the window; only codes within it are taken).
      const e = fast[((v << used) >>> (MULTI_BITS - LOOKUP_BITS)) & 511] as number;
      if (e === 0) break;
      const length = e & 31;
      const rs = (e >>> 8) & 255;
      if ((rs & 15) === 0 && rs !== 0xf0) {
        if (used + length > MULTI_BITS) break;
        used += length;
        end = MULTI_EOB;
        break;
      }
      const need = e >>> 16;
      const step = rs === 0xf0 ? 16 : (rs >> 4) + 1;
      if (used + need > MULTI_BITS || passed + step > 63) break;
      used += need;
      passed += step;
    }
    if (used > 0) multi[v] = used | (passed << 4) | end;
  }
  table.multi = multi;
  return multi;
}

/**
 * A code longer than LOOKUP_BITS (or an invalid one) at the top of the `bits` valid low bits of
 * `acc` (bits ≥ 16): code length | symbol << 8, or -1 when no code of 16 bits or less matches.
 */
function decodeLong(table: HuffmanTable, acc: number, bits: number): number {
  for (let length = LOOKUP_BITS + 1; length <= 16; length++) {
    const code = (acc >>> (bits - length)) & ((1 << length) - 1);
    if (code <= (table.maxCode[length] as number))
      return length | ((table.values[code + (table.delta[length] as number)] as number) << 8);
  }
  return -1;
}

/** Set bits of a 32-bit word. */
function popcount(x: number): number {
  let v = x - ((x >>> 1) & 0x55555555);
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** Index of the lowest set bit of a non-zero 32-bit word. */
function lowestBit(x: number): number {
  return 31 - Math.clz32(x & -x);
}

/**
 * One run of an AC refinement symbol (T.81 G.1.2.3) over the non-zero flags `lo` (coefficients
 * 0-31) and `hi` (32-63) of a block: from `start` (≤ se), the coefficients already non-zero each
 * take a correction bit and `run` zero coefficients are passed; the walk stops on the next zero
 * coefficient, or after se. Returns where it stopped | the number of correction bits << 8: what
 * the coefficient-by-coefficient loop of a decoder gives, with bit operations.
 */
function refineSpan(lo: number, hi: number, start: number, se: number, run: number): number {
  let zLo = ~lo & bitRange(start, se < 31 ? se : 31);
  let zHi = ~hi & bitRange(start > 32 ? start - 32 : 0, se - 32);
  for (let i = 0; i < run; i++) {
    if (zLo !== 0) zLo &= zLo - 1;
    else if (zHi !== 0) zHi &= zHi - 1;
    else break;
  }
  const end = zLo !== 0 ? lowestBit(zLo) : zHi !== 0 ? 32 + lowestBit(zHi) : se + 1;
  if (end <= start) return end;
  const last = end - 1;
  const count =
    popcount(lo & bitRange(start, last < 31 ? last : 31)) +
    popcount(hi & bitRange(start > 32 ? start - 32 : 0, last - 32));
  return end | (count << 8);
}

/** Bits from..to (inclusive, 0-31) of a 32-bit word; 0 when from > to. */
function bitRange(from: number, to: number): number {
  if (from > to) return 0;
  return ~(-2 << to) & (-1 << from); // int32 throughout: bits 0..to, then from..31
}

export interface FrameComponent {
  readonly id: number;
  readonly h: number;
  readonly v: number;
  /** Blocks (DCT) or samples (lossless) across and down in a non-interleaved scan of this component. */
  readonly unitsAcross: number;
  readonly unitsDown: number;
  /** Progressive only: non-zero flags of the 64 coefficients of every block (two 32-bit words per block). */
  nonZero: Int32Array | null;
}

export type FrameKind = "sequential" | "progressive" | "lossless";

export interface Frame {
  readonly kind: FrameKind;
  readonly width: number;
  readonly height: number;
  readonly hMax: number;
  readonly vMax: number;
  readonly components: readonly FrameComponent[];
}

export interface ScanComponent {
  readonly component: FrameComponent;
  readonly dc: HuffmanTable | null;
  readonly ac: HuffmanTable | null;
}

export interface Scan {
  readonly components: readonly ScanComponent[];
  readonly ss: number;
  readonly se: number;
  readonly ah: number;
}

/** What the walker found in one window: output pieces, bytes it removed, and where it stopped. */
export interface WalkStep {
  /** Kept bytes, in order (views into the window). */
  readonly out: Buffer[];
  /** True when the scan ended; `marker` is the code of the marker that follows it. */
  readonly done: boolean;
  readonly marker: number;
  /** Not done: the window from here on must be presented again with more bytes. Done: bytes of the window used, marker included. */
  readonly position: number;
}

type Phase = "mcu" | "restart" | "end";

/** How the blocks of a scan are coded (T.81 F.1.2, G.1.2, H.1.2): ScanWalker's mode. */
const SEQUENTIAL = 0;
const DC_FIRST = 1;
const DC_REFINE = 2;
const AC_FIRST = 3;
const AC_REFINE = 4;
const LOSSLESS = 5;

const INVALID_CODE = "invalid Huffman code in entropy-coded data";

/**
 * The kept ranges of one window. Ranges that touch (interval data, its RST marker, the next
 * interval) are handed on as one piece: with short restart intervals, a piece per interval and per
 * marker made tens of thousands of tiny pieces per image, each a trip through the async generators.
 */
class KeptRanges {
  private readonly out: Buffer[] = [];
  private from = 0;
  private to = 0;
  /** Where the coded data not yet kept starts. */
  private dataFrom = 0;

  constructor(private readonly window: Buffer) {}

  /** Keeps the coded data up to `to`. */
  keepData(to: number): void {
    if (to > this.dataFrom) this.add(this.dataFrom, to);
  }

  /** Coded data starts again at `at` (after an interval's end, or after the RST marker that starts the next). */
  dataStartsAt(at: number): void {
    this.dataFrom = at;
  }

  add(from: number, to: number): void {
    if (from === this.to) {
      this.to = to;
      return;
    }
    if (this.to > this.from) this.out.push(this.window.subarray(this.from, this.to));
    this.from = from;
    this.to = to;
  }

  /** The kept pieces so far, in order. */
  flush(): Buffer[] {
    if (this.to > this.from) this.out.push(this.window.subarray(this.from, this.to));
    this.from = this.to;
    return this.out;
  }
}

/**
 * Walks one scan over successive windows of the input. Each `walk` call gets the bytes kept back
 * last time (from `position`) followed by new input.
 *
 * The bit reader works like libjpeg's: a 32-bit buffer (`acc`, its `bits` low bits unread) filled a
 * byte at a time with 0xFF00 unstuffed, and a LOOKUP_BITS lookahead table per Huffman table that
 * gives a code's length, its symbol and the magnitude bits that follow, so that coefficient values
 * are skipped by count and never computed. The hot loop (`runMcus`) keeps the reader's state in
 * local variables and allocates nothing; bytes before the next 0xFF are fetched without any check.
 * The reader fetches bytes at exactly the points the straightforward decoder does (a symbol is
 * decoded with ≥ 16 bits in the buffer, extra bits when fewer are left than needed, filling up to
 * ≥ 25), so where it meets markers, window ends and 0xFF runs does not depend on these shortcuts.
 */
export class ScanWalker {
  private readonly restartInterval: number;
  private readonly mcuTotal: number;
  private readonly mode: number;
  /** Per block of one MCU: its DC and AC tables (null where the scan does not use them). */
  private readonly blockDc: HuffmanTable[];
  private readonly blockAc: HuffmanTable[];
  /** Sequential scans: per block, its AC table's several-symbols table. */
  private readonly blockMulti: Int32Array[];
  /** Progressive AC scans: coefficient non-zero flags of the component (two 32-bit words per block, bit k of word k >> 5). */
  private readonly flags: Int32Array;
  private mcusDone = 0;
  private restartsToGo: number;
  private nextRestart = 0;
  private eobRun = 0;
  private phase: Phase = "mcu";

  // Bit reader over the current window.
  private win: Buffer = Buffer.alloc(0);
  private pos = 0;
  private acc = 0;
  private bits = 0;
  /** The reader met a marker (or the window's end): it feeds zero bits without advancing. */
  private hit = false;
  /** Zero bytes fed since `hit` was set (the most recently fetched bytes). */
  private phantom = 0;
  /** Position of the next 0xFF at or after `pos` (the window's length if none, ≤ pos once `hit`). */
  private nextFF = 0;
  /** Start of a 0xFF run at the end of the window (its meaning depends on the next input). */
  private tailLimit = 0;

  /** Bytes removed so far: data after the end of an interval or the scan, and RST markers after the last MCU. */
  extraneousBytes = 0;
  fillBytes = 0;

  constructor(
    frame: Frame,
    private readonly scan: Scan,
    restartInterval: number,
    private readonly startOffset: number,
  ) {
    this.restartInterval = restartInterval;
    this.restartsToGo = restartInterval;
    const single = scan.components.length === 1;
    if (single) {
      const c = (scan.components[0] as ScanComponent).component;
      this.mcuTotal = c.unitsAcross * c.unitsDown;
    } else {
      const unit = frame.kind === "lossless" ? 1 : 8;
      const mcusAcross = Math.ceil(frame.width / (unit * frame.hMax));
      this.mcuTotal = mcusAcross * Math.ceil(frame.height / (unit * frame.vMax));
    }
    if (frame.kind === "lossless") this.mode = LOSSLESS;
    else if (frame.kind === "sequential") this.mode = SEQUENTIAL;
    else if (scan.ss === 0) this.mode = scan.ah === 0 ? DC_FIRST : DC_REFINE;
    else this.mode = scan.ah === 0 ? AC_FIRST : AC_REFINE;
    this.blockDc = [];
    this.blockAc = [];
    const none = huffmanTable(new Uint8Array(16), new Uint8Array(0), startOffset);
    for (const sc of scan.components) {
      const n = single ? 1 : sc.component.h * sc.component.v;
      for (let i = 0; i < n; i++) {
        this.blockDc.push(sc.dc ?? none);
        this.blockAc.push(sc.ac ?? none);
      }
    }
    this.blockMulti = this.mode === SEQUENTIAL ? this.blockAc.map(multiTable) : [];
    if (frame.kind === "progressive" && scan.ss > 0) {
      const c = (scan.components[0] as ScanComponent).component;
      if (c.nonZero === null) c.nonZero = new Int32Array(c.unitsAcross * c.unitsDown * 2);
      this.flags = c.nonZero;
    } else {
      this.flags = new Int32Array(0);
    }
  }

  /** Bytes a progressive frame's coefficient flags take (for the memory figures). */
  static flagBytes(frame: Frame): number {
    let sum = 0;
    for (const c of frame.components) sum += c.nonZero === null ? 0 : c.nonZero.byteLength;
    return sum;
  }

  /** Walks `window` as far as it can: the kept pieces, and where the scan ended or where to go on with more input. */
  walk(window: Buffer, ended: boolean): WalkStep {
    this.win = window;
    this.pos = 0;
    this.hit = false;
    this.phantom = 0;
    this.seekFF();
    let tail = window.length;
    while (tail > 0 && window[tail - 1] === 0xff) tail -= 1;
    this.tailLimit = tail;
    const kept = new KeptRanges(window);
    for (;;) {
      if (this.phase === "mcu") {
        if (!this.runMcus(ended)) {
          this.unfetch();
          kept.keepData(this.pos);
          return { out: kept.flush(), done: false, marker: -1, position: this.pos };
        }
        // Interval or scan complete: the rest of the current byte is padding; whole bytes fetched ahead are not data.
        this.unfetch();
        this.acc = 0;
        this.bits = 0;
        this.hit = false;
        this.phantom = 0;
        kept.keepData(this.pos);
        kept.dataStartsAt(this.pos);
        this.phase = this.mcusDone < this.mcuTotal ? "restart" : "end";
      }
      const step = this.seekMarker(kept);
      if (step !== null) return step;
    }
  }

  /**
   * After an interval or the scan: looks for the next marker, everything before it being extraneous.
   * A restart marker where one is due starts the next interval (phase "mcu"); a stuffed 0xFF00 or a
   * restart marker after the last MCU is skipped. Returns the step to hand back when the window ends
   * or another marker ends the scan, else null (go on from `pos`).
   */
  private seekMarker(kept: KeptRanges): WalkStep | null {
    const window = this.win;
    const ff = window.indexOf(0xff, this.pos);
    if (ff < 0) {
      this.extraneousBytes += window.length - this.pos;
      return { out: kept.flush(), done: false, marker: -1, position: window.length };
    }
    let end = ff + 1;
    while (end < window.length && window[end] === 0xff) end += 1;
    if (end === window.length) {
      this.extraneousBytes += ff - this.pos;
      return { out: kept.flush(), done: false, marker: -1, position: ff };
    }
    const code = window[end] as number;
    if (code === 0x00) {
      this.extraneousBytes += end + 1 - this.pos;
      this.pos = end + 1;
      return null;
    }
    this.extraneousBytes += ff - this.pos;
    this.fillBytes += end - ff - 1;
    const isRst = code >= 0xd0 && code <= 0xd7;
    if (this.phase === "restart" && isRst) {
      this.restart(code, end, kept);
      return null;
    }
    if (this.phase === "end" && isRst) {
      // A restart marker after the last MCU starts no interval: decoders skip it.
      this.extraneousBytes += 2;
      this.pos = end + 1;
      return null;
    }
    // Any other marker ends the scan (early, at a restart boundary, when the data was cut short).
    return { out: kept.flush(), done: true, marker: code, position: end + 1 };
  }

  /** The restart marker whose code is at `end` (due next, else rejected): kept, the next interval follows. */
  private restart(code: number, end: number, kept: KeptRanges): void {
    if (code !== 0xd0 + (this.nextRestart & 7)) {
      throw new ScrubRejected(
        "malformed",
        `restart marker RST${code - 0xd0} out of sequence (expected RST${this.nextRestart & 7})`,
        this.startOffset,
      );
    }
    kept.add(end - 1, end + 1);
    this.pos = end + 1;
    kept.dataStartsAt(this.pos);
    this.nextRestart += 1;
    this.restartsToGo = this.restartInterval;
    this.eobRun = 0;
    this.hit = false;
    this.phantom = 0;
    this.seekFF();
    this.phase = "mcu";
  }

  private seekFF(): void {
    const at = this.win.indexOf(0xff, this.pos);
    this.nextFF = at < 0 ? this.win.length : at;
  }

  /**
   * Position up to which an MCU may start without reading bytes not seen yet: anywhere when the
   * input ended or a marker lies ahead in the window (the reader stops there), else up to
   * MCU_MARGIN_BYTES before the window's trailing 0xFF run.
   */
  private safeLimit(ended: boolean): number {
    if (ended || this.hit) return Number.POSITIVE_INFINITY;
    const w = this.win;
    let at = w.indexOf(0xff, this.pos);
    while (at >= 0) {
      let end = at + 1;
      while (end < w.length && w[end] === 0xff) end += 1;
      if (end === w.length) break;
      if (w[end] !== 0x00) return Number.POSITIVE_INFINITY;
      at = w.indexOf(0xff, end + 1);
    }
    return this.tailLimit - MCU_MARGIN_BYTES;
  }

  /**
   * Fetches the byte at `p`, which is a 0xFF or the window's end (the fast path handles the rest):
   * a stuffed 0xFF00 gives 0xFF; a marker or the end gives a zero byte and sets `hit`, as libjpeg
   * does. Leaves the new position in `pos` and the next 0xFF in `nextFF`.
   */
  private slowByte(p: number): number {
    const w = this.win;
    if (!this.hit && p < w.length) {
      let q = p + 1;
      while (q < w.length && w[q] === 0xff) q += 1;
      if (q < w.length && w[q] === 0x00) {
        if (q - p - 1 > MAX_REDUNDANT_FF)
          throw new ScrubRejected(
            "malformed",
            `run of ${q - p} 0xFF bytes inside entropy-coded data`,
            this.startOffset,
          );
        this.pos = q + 1;
        this.seekFF();
        return 0xff;
      }
    }
    this.hit = true;
    this.phantom += 1;
    this.pos = p;
    this.nextFF = -1;
    return 0;
  }

  /** Gives back whole bytes fetched but not used, so the window position is just after the last used byte. */
  private unfetch(): void {
    let unused = this.bits >> 3;
    if (unused === 0) return;
    this.bits &= 7;
    this.acc = (this.acc >>> (8 * unused)) & ((1 << this.bits) - 1);
    // The zero bytes fed at a marker were fetched last; then real bytes, one or a stuffed 0xFF00
    // (with any redundant 0xFF before it) each. A 0xFF in the data is always followed by 0x00.
    const phantom = Math.min(unused, this.phantom);
    unused -= phantom;
    const w = this.win;
    let p = this.pos;
    for (; unused > 0; unused--) {
      if (p >= 2 && w[p - 1] === 0x00 && w[p - 2] === 0xff) {
        p -= 2;
        while (p > 0 && w[p - 1] === 0xff) p -= 1;
      } else {
        p -= 1;
      }
    }
    this.pos = p;
    this.hit = false;
    this.phantom = 0;
    this.seekFF();
  }

  /**
   * Decodes MCUs until the restart interval or the scan is complete (true) or the next MCU might
   * need bytes beyond the window (false). Every `while (bits <= 24)` block below is the same
   * byte-wise fill, inlined: bytes before the next 0xFF directly, the rest through slowByte. One
   * function on purpose: split into per-mode methods with the reader's state in fields (as short
   * functions need), the JPEG corpus scrubbed 4-10% slower.
   */
  // biome-ignore lint/complexity/noExcessiveLinesPerFunction: the hot loop; splitting costs 4-10% (see above)
  private runMcus(ended: boolean): boolean {
    const w = this.win;
    const mode = this.mode;
    const blockDc = this.blockDc;
    const blockAc = this.blockAc;
    const blockMulti = this.blockMulti;
    const blocks = blockDc.length;
    const flags = this.flags;
    const ss = this.scan.ss;
    const se = this.scan.se;
    const total = this.mcuTotal;
    const interval = this.restartInterval;
    const limit = this.safeLimit(ended);
    let pos = this.pos;
    let acc = this.acc;
    let bits = this.bits;
    let nextFF = this.nextFF;
    let mcus = this.mcusDone;
    let togo = this.restartsToGo;
    let eobRun = this.eobRun;
    let complete = true;
    while (mcus < total) {
      if (interval > 0 && togo === 0) break;
      if (pos > limit && !this.hit) {
        complete = false;
        break;
      }
      for (let b = 0; b < blocks; b++) {
        if (mode === SEQUENTIAL) {
          const dc = blockDc[b] as HuffmanTable;
          if (bits < 16) {
            while (bits <= 24) {
              if (pos < nextFF) acc = (acc << 8) | (w[pos++] as number);
              else {
                acc = (acc << 8) | this.slowByte(pos);
                pos = this.pos;
                nextFF = this.nextFF;
              }
              bits += 8;
            }
          }
          let e = dc.fast[(acc >>> (bits - LOOKUP_BITS)) & 511] as number;
          if (e === 0) e = decodeLong(dc, acc, bits);
          if (e < 0) throw new ScrubRejected("malformed", INVALID_CODE, this.startOffset);
          bits -= e & 31;
          const s = (e >>> 8) & 255;
          if (s > 15) throw new ScrubRejected("malformed", `DC difference category ${s} above 15`, this.startOffset);
          if (bits < s) {
            while (bits <= 24) {
              if (pos < nextFF) acc = (acc << 8) | (w[pos++] as number);
              else {
                acc = (acc << 8) | this.slowByte(pos);
                pos = this.pos;
                nextFF = this.nextFF;
              }
              bits += 8;
            }
          }
          bits -= s;
          const ac = blockAc[b] as HuffmanTable;
          const fast = ac.fast;
          const multi = blockMulti[b] as Int32Array;
          for (let k = 1; k < 64; ) {
            if (bits < 16) {
              while (bits <= 24) {
                if (pos < nextFF) acc = (acc << 8) | (w[pos++] as number);
                else {
                  acc = (acc << 8) | this.slowByte(pos);
                  pos = this.pos;
                  nextFF = this.nextFF;
                }
                bits += 8;
              }
            }
            // Several symbols at once while the block stays within its 63 AC coefficients.
            const m = multi[(acc >>> (bits - MULTI_BITS)) & MULTI_MASK] as number;
            if (m !== 0 && k + ((m >>> 4) & 127) < 64) {
              bits -= m & 15;
              if ((m & MULTI_EOB) !== 0) break;
              k += (m >>> 4) & 127;
              continue;
            }
            let rs: number;
            let need: number;
            e = fast[(acc >>> (bits - LOOKUP_BITS)) & 511] as number;
            if (e !== 0) {
              rs = (e >>> 8) & 255;
              need = e >>> 16;
            } else {
              e = decodeLong(ac, acc, bits);
              if (e < 0) throw new ScrubRejected("malformed", INVALID_CODE, this.startOffset);
              rs = (e >>> 8) & 255;
              need = (e & 31) + (rs & 15);
            }
            if (bits < need) {
              while (bits <= 24) {
                if (pos < nextFF) acc = (acc << 8) | (w[pos++] as number);
                else {
                  acc = (acc << 8) | this.slowByte(pos);
                  pos = this.pos;
                  nextFF = this.nextFF;
                }
                bits += 8;
              }
            }
            bits -= need;
            if ((rs & 15) !== 0) k += (rs >> 4) + 1;
            else if (rs === 0xf0) k += 16;
            else break;
          }
        } else if (mode === AC_FIRST) {
          if (eobRun > 0) {
            eobRun -= 1;
            continue;
          }
          const ac = blockAc[b] as HuffmanTable;
          const fast = ac.fast;
          const base = mcus * 2;
          for (let k = ss; k <= se; ) {
            if (bits < 16) {
              while (bits <= 24) {
                if (pos < nextFF) acc = (acc << 8) | (w[pos++] as number);
                else {
                  acc = (acc << 8) | this.slowByte(pos);
                  pos = this.pos;
                  nextFF = this.nextFF;
                }
                bits += 8;
              }
            }
            let e = fast[(acc >>> (bits - LOOKUP_BITS)) & 511] as number;
            if (e === 0) e = decodeLong(ac, acc, bits);
            if (e < 0) throw new ScrubRejected("malformed", INVALID_CODE, this.startOffset);
            bits -= e & 31;
            const rs = (e >>> 8) & 255;
            const size = rs & 15;
            const run = rs >> 4;
            // Magnitude bits (size ≠ 0) or the EOB run's extra bits (EOBn: run < 15).
            const extra = size !== 0 ? size : run === 15 ? 0 : run;
            if (bits < extra) {
              while (bits <= 24) {
                if (pos < nextFF) acc = (acc << 8) | (w[pos++] as number);
                else {
                  acc = (acc << 8) | this.slowByte(pos);
                  pos = this.pos;
                  nextFF = this.nextFF;
                }
                bits += 8;
              }
            }
            if (size !== 0) {
              bits -= size;
              k += run;
              const i = k > 63 ? 63 : k;
              flags[base + (i >> 5)] = (flags[base + (i >> 5)] as number) | (1 << (i & 31));
              k += 1;
            } else if (run === 15) {
              k += 16;
            } else {
              bits -= run;
              eobRun = (1 << run) + ((acc >>> bits) & ((1 << run) - 1)) - 1;
              break;
            }
          }
        } else if (mode === AC_REFINE) {
          const ac = blockAc[b] as HuffmanTable;
          const fast = ac.fast;
          const base = mcus * 2;
          let k = ss;
          if (eobRun === 0) {
            for (; k <= se; k++) {
              if (bits < 16) {
                while (bits <= 24) {
                  if (pos < nextFF) acc = (acc << 8) | (w[pos++] as number);
                  else {
                    acc = (acc << 8) | this.slowByte(pos);
                    pos = this.pos;
                    nextFF = this.nextFF;
                  }
                  bits += 8;
                }
              }
              let e = fast[(acc >>> (bits - LOOKUP_BITS)) & 511] as number;
              if (e === 0) e = decodeLong(ac, acc, bits);
              if (e < 0) throw new ScrubRejected("malformed", INVALID_CODE, this.startOffset);
              bits -= e & 31;
              const rs = (e >>> 8) & 255;
              const size = rs & 15;
              const run = rs >> 4;
              // One sign bit for a new coefficient, or the EOB run's extra bits.
              const extra = size !== 0 ? 1 : run === 15 ? 0 : run;
              if (bits < extra) {
                while (bits <= 24) {
                  if (pos < nextFF) acc = (acc << 8) | (w[pos++] as number);
                  else {
                    acc = (acc << 8) | this.slowByte(pos);
                    pos = this.pos;
                    nextFF = this.nextFF;
                  }
                  bits += 8;
                }
              }
              if (size !== 0) {
                bits -= 1;
              } else if (run !== 15) {
                bits -= run;
                eobRun = (1 << run) + ((acc >>> bits) & ((1 << run) - 1));
                break;
              }
              // Correction bits of the coefficients already non-zero, up to the run's end.
              const span = refineSpan(flags[base] as number, flags[base + 1] as number, k, se, run);
              k = span & 255;
              let count = span >>> 8;
              while (count > 0) {
                if (bits < 1) {
                  while (bits <= 24) {
                    if (pos < nextFF) acc = (acc << 8) | (w[pos++] as number);
                    else {
                      acc = (acc << 8) | this.slowByte(pos);
                      pos = this.pos;
                      nextFF = this.nextFF;
                    }
                    bits += 8;
                  }
                }
                const take = count < bits ? count : bits;
                bits -= take;
                count -= take;
              }
              if (size !== 0) {
                const i = k > 63 ? 63 : k;
                flags[base + (i >> 5)] = (flags[base + (i >> 5)] as number) | (1 << (i & 31));
              }
            }
          }
          if (eobRun > 0) {
            // In an EOB run: one correction bit per non-zero coefficient from k to Se, by count.
            let count = 0;
            if (k <= se) {
              count =
                popcount((flags[base] as number) & bitRange(k, se < 31 ? se : 31)) +
                popcount((flags[base + 1] as number) & bitRange(k > 32 ? k - 32 : 0, se - 32));
            }
            while (count > 0) {
              if (bits < 1) {
                while (bits <= 24) {
                  if (pos < nextFF) acc = (acc << 8) | (w[pos++] as number);
                  else {
                    acc = (acc << 8) | this.slowByte(pos);
                    pos = this.pos;
                    nextFF = this.nextFF;
                  }
                  bits += 8;
                }
              }
              const take = count < bits ? count : bits;
              bits -= take;
              count -= take;
            }
            eobRun -= 1;
          }
        } else if (mode === DC_REFINE) {
          if (bits < 1) {
            while (bits <= 24) {
              if (pos < nextFF) acc = (acc << 8) | (w[pos++] as number);
              else {
                acc = (acc << 8) | this.slowByte(pos);
                pos = this.pos;
                nextFF = this.nextFF;
              }
              bits += 8;
            }
          }
          bits -= 1;
        } else {
          // DcFirst (progressive) or Lossless: one DC / difference symbol and its extra bits.
          const dc = blockDc[b] as HuffmanTable;
          if (bits < 16) {
            while (bits <= 24) {
              if (pos < nextFF) acc = (acc << 8) | (w[pos++] as number);
              else {
                acc = (acc << 8) | this.slowByte(pos);
                pos = this.pos;
                nextFF = this.nextFF;
              }
              bits += 8;
            }
          }
          let e = dc.fast[(acc >>> (bits - LOOKUP_BITS)) & 511] as number;
          if (e === 0) e = decodeLong(dc, acc, bits);
          if (e < 0) throw new ScrubRejected("malformed", INVALID_CODE, this.startOffset);
          bits -= e & 31;
          let s = (e >>> 8) & 255;
          if (mode === LOSSLESS) {
            if (s > 16)
              throw new ScrubRejected("malformed", `lossless difference category ${s} above 16`, this.startOffset);
            if (s === 16) s = 0;
          } else if (s > 15) {
            throw new ScrubRejected("malformed", `DC difference category ${s} above 15`, this.startOffset);
          }
          if (bits < s) {
            while (bits <= 24) {
              if (pos < nextFF) acc = (acc << 8) | (w[pos++] as number);
              else {
                acc = (acc << 8) | this.slowByte(pos);
                pos = this.pos;
                nextFF = this.nextFF;
              }
              bits += 8;
            }
          }
          bits -= s;
        }
      }
      mcus += 1;
      togo -= 1;
    }
    this.pos = pos;
    this.acc = acc;
    this.bits = bits;
    this.nextFF = nextFF;
    this.mcusDone = mcus;
    this.restartsToGo = togo;
    this.eobRun = eobRun;
    return complete;
  }
}
