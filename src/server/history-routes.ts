import { z } from "zod";
import type { Clock } from "../clock.ts";
import type { Store } from "../store/store.ts";
import { listAnomalies } from "../store/anomalies.ts";
import { type ApiRoute, defineRoute } from "./route.ts";
import { json } from "./http.ts";
import { asBadRequest, cursorParam, durationParam, limitParam, severityParam, textParam, timeParam } from "./query-params.ts";

const HOUR = 3_600_000;
/** Query parameters of /api/v1/series that are not labels. */
const SERIES_PARAMS = new Set(["metric", "from", "to", "step"]);

/** History routes: a series over time (the last hour by the clock unless asked), the series the store knows, and the recorded anomalies. */
export function createHistoryRoutes(store: Store, clock: Clock): ApiRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/api/v1/series",
      summary:
        "History of one metric: every series of it, or those whose labels match the other query parameters (e.g. mountpoint=/). The store picks raw points, 1-minute or 1-hour roll-ups by range and step.",
      query: z
        .object({
          metric: textParam.meta({ description: "a metric of the Series table, e.g. aiops_cpu_usage_percent" }),
          from: timeParam.optional(),
          to: timeParam.optional(),
          step: durationParam.optional(),
        })
        .catchall(textParam.meta({ description: "a label that must have this value" })),
      responses: { 200: "the matching series with their points (ts in ms since the epoch)", 400: "a bad parameter or range" },
      handler({ query }) {
        const to = query.to ?? clock.wallMs();
        const from = query.from ?? to - HOUR;
        const labels = Object.fromEntries(Object.entries(query).filter(([k]) => !SERIES_PARAMS.has(k)) as Array<[string, string]>);
        const result = asBadRequest(() =>
          store.querySeries({ metric: query.metric, labels, from, to, ...(query.step !== undefined ? { step: query.step } : {}) }),
        );
        return json({ metric: query.metric, from, to, resolution: result.resolution, step: result.step, series: result.series });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/api/v1/metrics",
      summary: "The series the store knows: metric names and label sets, to ask /api/v1/series about.",
      query: z.strictObject({ metric: textParam.optional() }),
      responses: { 200: "known series" },
      handler({ query }) {
        return json({ series: store.listSeries(query.metric !== undefined ? { metric: query.metric } : {}) });
      },
    }),
    defineRoute({
      method: "GET",
      path: "/api/v1/anomalies",
      summary: "Recorded anomalies (each finding once, when it started), newest first.",
      query: z.strictObject({
        from: timeParam.optional(),
        to: timeParam.optional(),
        type: textParam.optional(),
        severity: severityParam.optional(),
        metric: textParam.optional(),
        detector: textParam.optional(),
        limit: limitParam.optional(),
        cursor: cursorParam.optional(),
      }),
      responses: { 200: "a page of anomalies and the cursor of the next", 400: "a bad filter or cursor" },
      handler({ query }) {
        const page = asBadRequest(() => store.read((db) => listAnomalies(db, query)));
        return json({ items: page.items, next_cursor: page.nextCursor });
      },
    }),
  ];
}
