import { z } from "zod";
import type { Clock } from "../clock.ts";
import { filterProcesses, rankProcesses } from "../collect/process-ranking.ts";
import type { ProcessTable } from "../collect/process-table.ts";
import { HttpError, json } from "./http.ts";
import { type ApiRoute, defineRoute } from "./route.ts";
import { textParam } from "./query-params.ts";

const MAX_LIMIT = 100_000;
const SORTS = ["cpu", "memory", "io", "read", "write", "memory_growth"] as const;

/** What the process routes read: the full list of the last reading, and whether one was made. */
export interface ProcessRoutesDeps {
  table: ProcessTable;
  /** For the age of the reading. */
  clock: Clock;
  /** False when the processes collector is off (`collect.processes.enabled`) or the platform has none. */
  enabled: () => boolean;
}

/**
 * `GET /api/v1/processes`: every process of the last reading, sorted, filtered and cut, with when it
 * was read. A request never reads /proc itself: the list is read every `collect.processes.interval`
 * (its CPU figures are averages over that interval), and a client polling faster would only make the
 * agent pay for readings of less meaning. `read_at` and `age_seconds` say how old the list is.
 */
export function createProcessRoutes(deps: ProcessRoutesDeps): ApiRoute[] {
  return [
    defineRoute({
      method: "GET",
      path: "/api/v1/processes",
      summary:
        "Every process of the last reading (pid, name, command, user, state, CPU, memory and its growth, storage I/O, threads, start time), largest first by `sort`, with when it was read (`read_at`, `age_seconds`: the processes are read every collect.processes.interval).",
      query: z.strictObject({
        sort: z.enum(SORTS, { error: `expected one of ${SORTS.join(", ")}` }).optional().meta({ description: "cpu (default), memory, io (read + write), read, write, memory_growth" }),
        limit: z
          .string()
          .regex(/^\d+$/, { error: `expected a whole number from 1 to ${MAX_LIMIT}` })
          .transform(Number)
          .pipe(z.number().min(1, { error: `expected a whole number from 1 to ${MAX_LIMIT}` }).max(MAX_LIMIT, { error: `expected a whole number from 1 to ${MAX_LIMIT}` }))
          .optional()
          .meta({ description: "at most this many (default: all)" }),
        filter: textParam.optional().meta({ description: "only processes whose name, command or user holds this text (any case), or whose pid it is" }),
      }),
      responses: { 200: "the processes, the total seen, how many matched the filter, and when they were read", 400: "a bad parameter", 503: "no process list (collector off or first collection not done)" },
      handler({ query }) {
        if (!deps.enabled()) throw new HttpError(503, "not_available", "the processes collector is off (collect.processes.enabled) or this platform has no /proc");
        const all = deps.table.items;
        const readAt = deps.table.readAt;
        if (all.length === 0 || readAt === undefined) throw new HttpError(503, "not_ready", "the first collection has not finished yet; try again in a moment");
        const matched = query.filter !== undefined ? filterProcesses(all, query.filter) : all;
        const items = rankProcesses(matched, query.sort ?? "cpu", query.limit);
        const age = Math.max(0, (deps.clock.wallMs() - readAt) / 1000);
        return json({
          read_at: new Date(readAt).toISOString(),
          age_seconds: Math.round(age * 1000) / 1000,
          total: all.length,
          matched: matched.length,
          sort: query.sort ?? "cpu",
          items,
        });
      },
    }),
  ];
}
