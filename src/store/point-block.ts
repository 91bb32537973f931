
/** The points of one series in one block, oldest first: timestamps (ms) and values, index for index. */
export interface BlockPoints {
  ts: ArrayLike<number>;
  values: ArrayLike<number>;
}

/** Points as a block gives them back. */
export interface DecodedPoints {
  ts: number[];
  values: number[];
}

/** First byte of a block: the layout below; another agent's layout would be refused, not misread. */
const FORMAT = 1;

const scratch = new DataView(new ArrayBuffer(8));

/**
 * Raw deflate, by libdeflate: a few times faster than node:zlib's `deflateRawSync` on the small
 * inputs of a block (which sets up zlib's state, a quarter of a megabyte, per call) and about 10 %
 * smaller. Any raw deflate reader reads it, and `inflate` reads blocks of either.
 */
export function deflate(bytes: Uint8Array): Uint8Array {
  return Bun.deflateSync(bytes as Uint8Array<ArrayBuffer>, { library: "libdeflate" });
}

/** Reads raw deflate. */
export function inflate(bytes: Uint8Array): Uint8Array {
  return Bun.inflateSync(bytes as Uint8Array<ArrayBuffer>);
}

/**
 * Encodes a series' points compactly, losslessly (every double bit for bit): timestamps as the change
 * of their spacing (0 at a steady interval, one byte), values as the XOR of their bits with the
 * previous value's, as Gorilla does, with only the bytes that differ written after a byte saying where
 * they sit (a value that did not change is that byte alone). Deflate then squeezes what repeats. A
 * host's series mostly hold steady or move in their low bits: about 1 to 3 bytes a point.
 */
export function encodeBlock(points: BlockPoints): Uint8Array {
  const { ts, values } = points;
  const out = new ByteWriter(16 + ts.length * 4);
  out.varint(ts.length);
  writeTimestamps(out, ts);
  writeXorValues(out, values, ts.length);
  const packed = deflate(out.bytes());
  const block = new Uint8Array(packed.length + 1);
  block[0] = FORMAT;
  block.set(packed, 1);
  return block;
}

/** The points of a block of `encodeBlock`. Throws on a block it cannot read. */
export function decodeBlock(block: Uint8Array): DecodedPoints {
  if (block[0] !== FORMAT) throw new Error(`store: unknown point block format ${block[0]}`);
  const input = new ByteReader(inflate(block.subarray(1)));
  const count = input.varint();
  const ts = new Array<number>(count);
  const values = new Array<number>(count);
  readTimestamps(input, ts);
  readXorValues(input, values);
  return { ts, values };
}

/** Timestamps as the change of their spacing: 0 at a steady interval, one byte. */
export function writeTimestamps(out: ByteWriter, ts: ArrayLike<number>): void {
  let prevTs = 0;
  let prevDelta = 0;
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i]!;
    if (i === 0) out.zigzag(t);
    else {
      const delta = t - prevTs;
      out.zigzag(delta - prevDelta);
      prevDelta = delta;
    }
    prevTs = t;
  }
}

/** Fills `ts` (its whole length) from what `writeTimestamps` wrote. */
export function readTimestamps(input: ByteReader, ts: number[]): void {
  let prevTs = 0;
  let prevDelta = 0;
  for (let i = 0; i < ts.length; i++) {
    if (i === 0) prevTs = input.zigzag();
    else {
      prevDelta += input.zigzag();
      prevTs += prevDelta;
    }
    ts[i] = prevTs;
  }
}

/**
 * Values as the XOR of their bits with the previous value's, as Gorilla does: only the bytes that
 * differ are written, after a byte saying where they sit (a value that did not change is that byte
 * alone).
 */
export function writeXorValues(out: ByteWriter, values: ArrayLike<number>, count = values.length): void {
  let prevHi = 0;
  let prevLo = 0;
  for (let i = 0; i < count; i++) {
    scratch.setFloat64(0, values[i]!);
    const hi = scratch.getUint32(0);
    const lo = scratch.getUint32(4);
    scratch.setUint32(0, (hi ^ prevHi) >>> 0);
    scratch.setUint32(4, (lo ^ prevLo) >>> 0);
    prevHi = hi;
    prevLo = lo;
    let lead = 0;
    while (lead < 8 && scratch.getUint8(lead) === 0) lead++;
    let trail = 0;
    while (trail < 8 - lead && scratch.getUint8(7 - trail) === 0) trail++;
    // lead + trail <= 8: one byte (lead * 9 + trail) says which bytes follow.
    out.byte(lead * 9 + trail);
    for (let b = lead; b < 8 - trail; b++) out.byte(scratch.getUint8(b));
  }
}

/** Fills `values` (its whole length) from what `writeXorValues` wrote. */
export function readXorValues(input: ByteReader, values: number[]): void {
  let prevHi = 0;
  let prevLo = 0;
  for (let i = 0; i < values.length; i++) {
    const control = input.byte();
    const lead = Math.floor(control / 9);
    const trail = control % 9;
    if (lead + trail > 8) throw new Error("store: corrupt point block");
    scratch.setFloat64(0, 0);
    for (let b = lead; b < 8 - trail; b++) scratch.setUint8(b, input.byte());
    prevHi = (scratch.getUint32(0) ^ prevHi) >>> 0;
    prevLo = (scratch.getUint32(4) ^ prevLo) >>> 0;
    scratch.setUint32(0, prevHi);
    scratch.setUint32(4, prevLo);
    values[i] = scratch.getFloat64(0);
  }
}

/** Bytes appended to a buffer that grows. */
export class ByteWriter {
  private buf: Uint8Array;
  private length = 0;

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity);
  }

  byte(b: number): void {
    if (this.length === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.length++] = b;
  }

  /** A non-negative integer up to 2^53, seven bits a byte. */
  varint(n: number): void {
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }

  /** A signed integer: 0, -1, 1, -2... map to 0, 1, 2, 3... so small ones of either sign are short. */
  zigzag(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  get size(): number {
    return this.length;
  }
}

/** Reads what a `ByteWriter` wrote. */
export class ByteReader {
  private offset = 0;

  constructor(private readonly buf: Uint8Array) {}

  byte(): number {
    if (this.offset >= this.buf.length) throw new Error("store: point block ends early");
    return this.buf[this.offset++]!;
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = this.byte();
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  }

  zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  /** The next `length` bytes (a view, not a copy). */
  take(length: number): Uint8Array {
    if (this.offset + length > this.buf.length) throw new Error("store: point block ends early");
    const bytes = this.buf.subarray(this.offset, this.offset + length);
    this.offset += length;
    return bytes;
  }

  skip(length: number): void {
    this.take(length);
  }

  get done(): boolean {
    return this.offset >= this.buf.length;
  }
}
