import type { Labels } from "../contracts/sample.ts";
import type { PushProtocol } from "./push-protocol.ts";
import { encodeWriteRequest } from "./remote-write-encoder.ts";
import { concatBytes } from "./concat-bytes.ts";
import { snappyCompress } from "./snappy.ts";

/**
 * Prometheus remote_write, protocol 1.0: a snappy-compressed (block format) protobuf `WriteRequest`
 * with the headers the specification requires.
 */
export function createRemoteWriteProtocol(externalLabels: Labels, keep: (name: string) => boolean, userAgent: string): PushProtocol {
  return {
    target: "remote_write",
    encode: (families, timeMs) => encodeWriteRequest(families, timeMs, externalLabels, keep),
    request: (messages) => ({
      body: snappyCompress(concatBytes(messages)),
      headers: {
        "content-type": "application/x-protobuf",
        "content-encoding": "snappy",
        "x-prometheus-remote-write-version": "0.1.0",
        "user-agent": userAgent,
      },
    }),
  };
}
