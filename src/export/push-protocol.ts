import type { MetricFamily } from "./metric-families.ts";
import type { EncodedPush } from "./remote-write-encoder.ts";

/** Names of the export targets, as the `target` label of the export metrics shows them. */
export type ExportTarget = "remote_write" | "otlp";

/**
 * What differs between remote_write and OTLP: how one push is encoded, and how queued pushes become
 * one request. Both messages are protobuf whose top-level field is repeated, so the concatenation of
 * queued messages is itself one valid message carrying all of them, in order.
 */
export interface PushProtocol {
  readonly target: ExportTarget;
  encode(families: readonly MetricFamily[], timeMs: number): EncodedPush;
  /** The body and content headers of a request carrying these messages (each uncompressed), in order. */
  request(messages: readonly Uint8Array[]): { body: Uint8Array; headers: Record<string, string> };
}
