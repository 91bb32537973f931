import type { Labels } from "../contracts/sample.ts";
import type { MetricFamily } from "./metric-families.ts";
import { ProtobufWriter } from "./protobuf-writer.ts";

/** One encoded push: the message and how many samples it carries. */
export interface EncodedPush {
  body: Uint8Array;
  samples: number;
}

/**
 * A Prometheus remote_write 1.0 `WriteRequest` (prompb: `WriteRequest.timeseries = 1`;
 * `TimeSeries.labels = 1`, `.samples = 2`; `Label.name = 1`, `.value = 2`; `Sample.value = 1`,
 * `.timestamp = 2`) of every sample `keep` lets through, each a series of one sample at `timestampMs`.
 * Labels are the sample's own, `__name__`, then each external label the series does not already
 * have (as Prometheus adds them), sorted by name as the protocol requires; empty values are left out.
 */
export function encodeWriteRequest(
  families: readonly MetricFamily[],
  timestampMs: number,
  externalLabels: Labels,
  keep: (name: string) => boolean,
): EncodedPush {
  const w = new ProtobufWriter(16 * 1024);
  let samples = 0;
  for (const family of families) {
    for (const s of family.samples) {
      if (!keep(s.name)) continue;
      const labels: Array<[string, string]> = [["__name__", s.name]];
      for (const name in s.labels) if (s.labels[name] !== "") labels.push([name, s.labels[name]!]);
      for (const name in externalLabels) if (!(name in s.labels) && externalLabels[name] !== "") labels.push([name, externalLabels[name]!]);
      labels.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      w.message(1, (ts) => {
        for (const [name, value] of labels) ts.message(1, (l) => l.string(1, name).string(2, value));
        ts.message(2, (sample) => sample.double(1, s.value).uint(2, timestampMs));
      });
      samples++;
    }
  }
  return { body: w.finish().slice(), samples };
}
