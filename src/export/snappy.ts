import { compress, uncompress } from "snappyjs";

/** Snappy block format (what remote_write's `Content-Encoding: snappy` means; not the framed format). */
export function snappyCompress(data: Uint8Array): Uint8Array {
  return new Uint8Array(compress(data));
}

/** Reverses `snappyCompress`; throws on damaged input. */
export function snappyUncompress(data: Uint8Array): Uint8Array {
  return new Uint8Array(uncompress(data));
}
