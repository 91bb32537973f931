import { gzipSync } from "node:zlib";
import { encodeOtlpMetrics, type OtlpResource } from "./otlp-encoder.ts";
import type { PushProtocol } from "./push-protocol.ts";
import { concatBytes } from "./concat-bytes.ts";

/**
 * OTLP/HTTP metrics in binary protobuf: an `ExportMetricsServiceRequest`, gzip-compressed (every OTLP
 * receiver must accept gzip), POSTed as `application/x-protobuf`.
 */
export function createOtlpProtocol(resource: OtlpResource, startMs: number, keep: (name: string) => boolean, userAgent: string): PushProtocol {
  return {
    target: "otlp",
    encode: (families, timeMs) => encodeOtlpMetrics(families, timeMs, startMs, resource, keep),
    request: (messages) => ({
      body: new Uint8Array(gzipSync(concatBytes(messages))),
      headers: { "content-type": "application/x-protobuf", "content-encoding": "gzip", "user-agent": userAgent },
    }),
  };
}

/**
 * The metrics endpoint of an OTLP URL: a URL with a path is used as given (the collector's
 * `/v1/metrics`, or a gateway's own); a bare base URL gets `/v1/metrics`, as
 * `OTEL_EXPORTER_OTLP_ENDPOINT` does.
 */
export function otlpMetricsUrl(url: string): string {
  const u = new URL(url);
  if (u.pathname === "" || u.pathname === "/") u.pathname = "/v1/metrics";
  return u.toString();
}
