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
/** Redundant 0xFF bytes accepted before a stuffed zero (libjpeg reads 0xFF…0xFF00 as one 0xFF; encoders write none). */
const MAX_REDUNDANT_FF = 8;
/**
 * Input bytes one MCU can use at most: 10 blocks × (32 + 63 × 31) bits ≈ 2 480 data bytes, each
 * at most 2 + MAX_REDUNDANT_FF input bytes, plus the bit buffer's look-ahead.
 */
export const MCU_MARGIN_BYTES = 32 * 1024;

export interface HuffmanTable {
  /** (length << 8) | symbol for codes of ≤ LOOKUP_BITS bits, indexed by the next LOOKUP_BITS bits; 0 = longer or invalid. */
  readonly lookup: Uint16Array;
  /** Largest code of each length 1..16 (-1 when none). */
  readonly maxCode: Int32Array;
  /** Index into `values` minus the first code of each length. */
  readonly delta: Int32Array;
  readonly values: Uint8Array;
}

/** Builds the decoding table of one DHT table; rejects a table whose code lengths overflow the code space. */
export function huffmanTable(counts: Uint8Array, values: Uint8Array, at: number): HuffmanTable {
  const lookup = new Uint16Array(1 << LOOKUP_BITS);
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
        const entry = (length << 8) | (values[k] as number);
        for (let fill = 0; fill < 1 << shift; fill++) lookup[(code << shift) | fill] = entry;
      }
    }
    if (n > 0) maxCode[length] = code - 1;
    // The all-ones code of each length is reserved (T.81 C.2; libjpeg rejects such a table).
    if (code >= 1 << length) throw new ScrubRejected("malformed", "DHT table overflows its code space", at);
    code <<= 1;
  }
  return { lookup, maxCode, delta, values };
}

export interface FrameComponent {
  readonly id: number;
  readonly h: number;
  readonly v: number;
  /** Blocks (DCT) or samples (lossless) across and down in a non-interleaved scan of this component. */
  readonly unitsAcross: number;
  readonly unitsDown: number;
  /** Progressive only: non-zero flags of the 64 coefficients of every block (two 32-bit words per block). */
  nonZero: Uint32Array | null;
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

/**
 * Walks one scan over successive windows of the input. Each `walk` call gets the bytes kept back
 * last time (from `position`) followed by new input.
 */
export class ScanWalker {
  private readonly restartInterval: number;
  private readonly mcuTotal: number;
  private readonly mcusAcross: number;
  private readonly single: boolean;
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
  private hitMarker = false;
  /** Window positions after each of the last 8 fetched bytes, for giving back unused whole bytes. */
  private readonly ring = new Int32Array(8);
  private fetched = 0;
  private ringBase = 0;
  /** Start of the next marker in the window (-1: not searched since pos passed the last one; > length: none). */
  private markerAt = -1;
  /** Start of a 0xFF run at the end of the window (its meaning depends on the next input). */
  private tailLimit = 0;

  /** Bytes removed so far: data after the end of an interval or the scan, and RST markers after the last MCU. */
  extraneousBytes = 0;
  fillBytes = 0;

  constructor(
    private readonly frame: Frame,
    private readonly scan: Scan,
    restartInterval: number,
    private readonly startOffset: number,
  ) {
    this.restartInterval = restartInterval;
    this.restartsToGo = restartInterval;
    this.single = scan.components.length === 1;
    if (this.single) {
      const c = (scan.components[0] as ScanComponent).component;
      this.mcusAcross = c.unitsAcross;
      this.mcuTotal = c.unitsAcross * c.unitsDown;
    } else {
      const unit = frame.kind === "lossless" ? 1 : 8;
      this.mcusAcross = Math.ceil(frame.width / (unit * frame.hMax));
      this.mcuTotal = this.mcusAcross * Math.ceil(frame.height / (unit * frame.vMax));
    }
    if (frame.kind === "progressive" && scan.ss > 0) {
      const c = (scan.components[0] as ScanComponent).component;
      if (c.nonZero === null) c.nonZero = new Uint32Array(c.unitsAcross * c.unitsDown * 2);
    }
  }

  /** Bytes a progressive frame's coefficient flags take (for the memory figures). */
  static flagBytes(frame: Frame): number {
    let sum = 0;
    for (const c of frame.components) sum += c.nonZero === null ? 0 : c.nonZero.byteLength;
    return sum;
  }

  walk(window: Buffer, ended: boolean): WalkStep {
    this.win = window;
    this.pos = 0;
    this.ringBase = 0;
    this.fetched = 0;
    this.markerAt = -1;
    let tail = window.length;
    while (tail > 0 && window[tail - 1] === 0xff) tail -= 1;
    this.tailLimit = tail;
    const out: Buffer[] = [];
    let emitFrom = 0;
    for (;;) {
      if (this.phase === "mcu") {
        while (this.mcusDone < this.mcuTotal) {
          if (this.restartInterval > 0 && this.restartsToGo === 0) break;
          if (!this.safe(ended)) {
            this.unfetch();
            if (this.pos > emitFrom) out.push(window.subarray(emitFrom, this.pos));
            return { out, done: false, marker: -1, position: this.pos };
          }
          this.decodeMcu();
          this.mcusDone += 1;
          this.restartsToGo -= 1;
        }
        // Interval or scan complete: the rest of the current byte is padding; whole bytes fetched ahead are not data.
        this.unfetch();
        this.acc = 0;
        this.bits = 0;
        if (this.pos > emitFrom) out.push(window.subarray(emitFrom, this.pos));
        emitFrom = this.pos;
        this.phase = this.mcusDone < this.mcuTotal ? "restart" : "end";
      }
      // Seek the next marker; everything before it is extraneous.
      const ff = window.indexOf(0xff, this.pos);
      if (ff < 0) {
        this.extraneousBytes += window.length - this.pos;
        return { out, done: false, marker: -1, position: window.length };
      }
      let end = ff + 1;
      while (end < window.length && window[end] === 0xff) end += 1;
      if (end === window.length) {
        this.extraneousBytes += ff - this.pos;
        return { out, done: false, marker: -1, position: ff };
      }
      const code = window[end] as number;
      if (code === 0x00) {
        this.extraneousBytes += end + 1 - this.pos;
        this.pos = end + 1;
        continue;
      }
      this.extraneousBytes += ff - this.pos;
      this.fillBytes += end - ff - 1;
      const isRst = code >= 0xd0 && code <= 0xd7;
      if (this.phase === "restart" && isRst) {
        if (code !== 0xd0 + (this.nextRestart & 7)) {
          throw new ScrubRejected("malformed", `restart marker RST${code - 0xd0} out of sequence (expected RST${this.nextRestart & 7})`, this.startOffset);
        }
        out.push(window.subarray(end - 1, end + 1));
        this.pos = end + 1;
        emitFrom = this.pos;
        this.nextRestart += 1;
        this.restartsToGo = this.restartInterval;
        this.eobRun = 0;
        this.hitMarker = false;
        this.phase = "mcu";
        this.ringBase = this.pos;
        this.fetched = 0;
        continue;
      }
      if (this.phase === "end" && isRst) {
        // A restart marker after the last MCU starts no interval: decoders skip it.
        this.extraneousBytes += 2;
        this.pos = end + 1;
        continue;
      }
      // Any other marker ends the scan (early, at a restart boundary, when the data was cut short).
      return { out, done: true, marker: code, position: end + 1 };
    }
  }

  /** Whether one more MCU can be decoded from the window without running past bytes not seen yet. */
  private safe(ended: boolean): boolean {
    if (this.hitMarker || ended) return true;
    if (this.markerAt < this.pos) this.markerAt = this.findMarker();
    if (this.markerAt < this.win.length) return true;
    return this.tailLimit - this.pos >= MCU_MARGIN_BYTES;
  }

  /** Start of the first marker (0xFF run not ending in 0x00) at or after pos whose code is in the window; > length if none. */
  private findMarker(): number {
    const w = this.win;
    let at = w.indexOf(0xff, this.pos);
    while (at >= 0) {
      let end = at + 1;
      while (end < w.length && w[end] === 0xff) end += 1;
      if (end === w.length) break;
      if (w[end] !== 0x00) return at;
      at = w.indexOf(0xff, end + 1);
    }
    return w.length + 1;
  }

  /** Gives back whole bytes fetched but not used, so the window position is just after the last used byte. */
  private unfetch(): void {
    const unused = this.bits >> 3;
    if (unused > 0) {
      const keep = this.fetched - unused;
      this.pos = keep <= 0 ? this.ringBase : (this.ring[keep & 7] as number);
      this.bits &= 7;
      this.acc = (this.acc >>> (8 * unused)) & ((1 << this.bits) - 1);
      this.hitMarker = false;
    }
    this.ringBase = this.pos;
    this.fetched = 0;
  }

  /** Tops the bit buffer up to at least 25 bits; past a marker it reads zero bits (as libjpeg does). */
  private fill(): void {
    const w = this.win;
    while (this.bits <= 24) {
      let byte = 0;
      if (!this.hitMarker) {
        const p = this.pos;
        if (p >= w.length) {
          this.hitMarker = true;
        } else {
          byte = w[p] as number;
          if (byte === 0xff) {
            let q = p + 1;
            while (q < w.length && w[q] === 0xff) q += 1;
            if (q < w.length && w[q] === 0x00) {
              if (q - p - 1 > MAX_REDUNDANT_FF) {
                throw new ScrubRejected("malformed", `run of ${q - p} 0xFF bytes inside entropy-coded data`, this.startOffset);
              }
              this.pos = q + 1;
            } else {
              this.hitMarker = true;
              byte = 0;
            }
          } else {
            this.pos = p + 1;
          }
        }
      }
      this.fetched += 1;
      this.ring[this.fetched & 7] = this.pos;
      this.acc = ((this.acc << 8) | byte) >>> 0;
      this.bits += 8;
    }
  }

  private getBits(n: number): number {
    if (n === 0) return 0;
    if (this.bits < n) this.fill();
    this.bits -= n;
    return (this.acc >>> this.bits) & ((1 << n) - 1);
  }

  private skipBits(n: number): void {
    if (this.bits < n) this.fill();
    this.bits -= n;
  }

  private decode(table: HuffmanTable): number {
    if (this.bits < 16) this.fill();
    const peek = (this.acc >>> (this.bits - LOOKUP_BITS)) & ((1 << LOOKUP_BITS) - 1);
    const entry = table.lookup[peek] as number;
    if (entry !== 0) {
      this.bits -= entry >> 8;
      return entry & 0xff;
    }
    for (let length = LOOKUP_BITS + 1; length <= 16; length++) {
      const code = (this.acc >>> (this.bits - length)) & ((1 << length) - 1);
      if (code <= (table.maxCode[length] as number)) {
        this.bits -= length;
        return table.values[code + (table.delta[length] as number)] as number;
      }
    }
    throw new ScrubRejected("malformed", "invalid Huffman code in entropy-coded data", this.startOffset);
  }

  private decodeMcu(): void {
    const scan = this.scan;
    if (this.single) {
      this.decodeUnit(scan.components[0] as ScanComponent, this.mcusDone);
      return;
    }
    for (const sc of scan.components) {
      const n = sc.component.h * sc.component.v;
      for (let i = 0; i < n; i++) this.decodeUnit(sc, -1);
    }
  }

  /** One block (or lossless sample); `index` is the block number in a non-interleaved scan. */
  private decodeUnit(sc: ScanComponent, index: number): void {
    const kind = this.frame.kind;
    const scan = this.scan;
    if (kind === "lossless") {
      const s = this.decode(sc.dc as HuffmanTable);
      if (s > 16) throw new ScrubRejected("malformed", `lossless difference category ${s} above 16`, this.startOffset);
      if (s < 16) this.skipBits(s);
      return;
    }
    if (kind === "sequential") {
      const s = this.decode(sc.dc as HuffmanTable);
      if (s > 15) throw new ScrubRejected("malformed", `DC difference category ${s} above 15`, this.startOffset);
      this.skipBits(s);
      const ac = sc.ac as HuffmanTable;
      for (let k = 1; k < 64; k++) {
        const rs = this.decode(ac);
        const size = rs & 15;
        const run = rs >> 4;
        if (size !== 0) {
          k += run;
          this.skipBits(size);
        } else if (run === 15) {
          k += 15;
        } else {
          break;
        }
      }
      return;
    }
    // Progressive (T.81 G.1.2).
    if (scan.ss === 0) {
      if (scan.ah === 0) {
        const s = this.decode(sc.dc as HuffmanTable);
        if (s > 15) throw new ScrubRejected("malformed", `DC difference category ${s} above 15`, this.startOffset);
        this.skipBits(s);
      } else {
        this.skipBits(1);
      }
      return;
    }
    const flags = sc.component.nonZero as Uint32Array;
    const base = index * 2;
    const ac = sc.ac as HuffmanTable;
    if (scan.ah === 0) {
      if (this.eobRun > 0) {
        this.eobRun -= 1;
        return;
      }
      for (let k = scan.ss; k <= scan.se; k++) {
        const rs = this.decode(ac);
        const size = rs & 15;
        const run = rs >> 4;
        if (size !== 0) {
          k += run;
          this.skipBits(size);
          setFlag(flags, base, k);
        } else if (run === 15) {
          k += 15;
        } else {
          this.eobRun = (1 << run) + this.getBits(run) - 1;
          break;
        }
      }
      return;
    }
    // Refinement of AC coefficients: correction bits for coefficients already non-zero.
    let k = scan.ss;
    if (this.eobRun === 0) {
      for (; k <= scan.se; k++) {
        const rs = this.decode(ac);
        const size = rs & 15;
        let run = rs >> 4;
        if (size !== 0) {
          this.skipBits(1);
        } else if (run !== 15) {
          this.eobRun = (1 << run) + this.getBits(run);
          break;
        }
        do {
          if (hasFlag(flags, base, k)) {
            this.skipBits(1);
          } else {
            run -= 1;
            if (run < 0) break;
          }
          k += 1;
        } while (k <= scan.se);
        if (size !== 0) setFlag(flags, base, k);
      }
    }
    if (this.eobRun > 0) {
      for (; k <= scan.se; k++) if (hasFlag(flags, base, k)) this.skipBits(1);
      this.eobRun -= 1;
    }
  }
}

function setFlag(flags: Uint32Array, base: number, k: number): void {
  const i = k > 63 ? 63 : k;
  flags[base + (i >> 5)] = ((flags[base + (i >> 5)] as number) | (1 << (i & 31))) >>> 0;
}

function hasFlag(flags: Uint32Array, base: number, k: number): boolean {
  return (((flags[base + (k >> 5)] as number) >>> (k & 31)) & 1) === 1;
}
