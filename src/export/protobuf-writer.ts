/** Protobuf wire types (the low three bits of a field's tag). */
const VARINT = 0;
const I64 = 1;
const LEN = 2;

const utf8 = new TextEncoder();

/**
 * Writes the protobuf wire format, field by field: just what the remote_write and OTLP messages need
 * (varints, doubles, fixed64, strings, nested messages, packed repeated numbers). Nested messages are
 * written into a child writer and copied in with their length: these messages are a few kilobytes.
 * Tests decode its output with protobufjs and the official message definitions.
 */
export class ProtobufWriter {
  private buf: Uint8Array;
  private view: DataView;
  private pos = 0;

  constructor(capacity = 256) {
    this.buf = new Uint8Array(capacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** The bytes written so far. */
  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  get length(): number {
    return this.pos;
  }

  private reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** An unsigned integer up to 2^53 as a varint. */
  private varint(n: number): void {
    this.reserve(10);
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.pos++] = n;
  }

  private tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  /** `uint32`, `uint64`, `int64` (non-negative), `bool` and enum fields. Proto3 omits a zero. */
  uint(field: number, n: number): this {
    if (n === 0) return this;
    if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`protobuf field ${field}: ${n} is not a non-negative safe integer`);
    this.tag(field, VARINT);
    this.varint(n);
    return this;
  }

  /** A `double`, always written (a gauge at 0 is a value, not an absence). */
  double(field: number, v: number): this {
    this.tag(field, I64);
    this.reserve(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
    return this;
  }

  /** A `fixed64` (OTLP's nanosecond times, beyond 2^53). Proto3 omits a zero. */
  fixed64(field: number, n: bigint): this {
    if (n === 0n) return this;
    this.tag(field, I64);
    this.reserve(8);
    this.view.setBigUint64(this.pos, n, true);
    this.pos += 8;
    return this;
  }

  /** A `string`; proto3 omits an empty one. */
  string(field: number, s: string): this {
    if (s === "") return this;
    this.reserve(s.length * 3 + 10);
    this.tag(field, LEN);
    // Worst case is 3 bytes per UTF-16 unit; write after a maximal length prefix, then fix it up.
    const start = this.pos;
    this.pos += lengthOfVarint(s.length * 3);
    const { written } = utf8.encodeInto(s, this.buf.subarray(this.pos));
    this.pos += written;
    this.fixLength(start, written, lengthOfVarint(s.length * 3));
    return this;
  }

  /** An embedded message; written even when empty (its presence can matter, as for a oneof). */
  message(field: number, write: (w: ProtobufWriter) => void): this {
    const child = new ProtobufWriter(64);
    write(child);
    return this.bytes(field, child.finish());
  }

  /** A `bytes` field, or an embedded message already encoded. */
  bytes(field: number, data: Uint8Array): this {
    this.tag(field, LEN);
    this.varint(data.length);
    this.reserve(data.length);
    this.buf.set(data, this.pos);
    this.pos += data.length;
    return this;
  }

  /** A packed `repeated double`; nothing when empty. */
  packedDoubles(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    this.tag(field, LEN);
    this.varint(values.length * 8);
    this.reserve(values.length * 8);
    for (const v of values) {
      this.view.setFloat64(this.pos, v, true);
      this.pos += 8;
    }
    return this;
  }

  /** A packed `repeated fixed64`; nothing when empty. */
  packedFixed64(field: number, values: readonly number[]): this {
    if (values.length === 0) return this;
    this.tag(field, LEN);
    this.varint(values.length * 8);
    this.reserve(values.length * 8);
    for (const v of values) {
      this.view.setBigUint64(this.pos, BigInt(v), true);
      this.pos += 8;
    }
    return this;
  }

  /** Rewrites a reserved length prefix of `width` bytes at `start` to hold `length`, moving the data if shorter. */
  private fixLength(start: number, length: number, width: number): void {
    const actual = lengthOfVarint(length);
    if (actual < width) {
      this.buf.copyWithin(start + actual, start + width, this.pos);
      this.pos -= width - actual;
    }
    let n = length;
    let at = start;
    while (n >= 0x80) {
      this.buf[at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[at] = n;
  }
}

/** Bytes a varint of `n` takes. */
function lengthOfVarint(n: number): number {
  let bytes = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    bytes++;
  }
  return bytes;
}
