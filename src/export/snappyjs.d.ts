/** The snappyjs package (pure JavaScript Snappy, block format) ships no types. */
declare module "snappyjs" {
  export function compress(input: Uint8Array): Uint8Array;
  export function uncompress(input: Uint8Array, maxLength?: number): Uint8Array;
}
