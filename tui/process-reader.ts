import type { ProcessInfo } from "../src/contracts/snapshot.ts";

/** What the processes panel sorts by, with its keys: `c` CPU, `m` resident memory, `i` storage I/O (read plus written). */
export type ProcessSort = "cpu" | "memory" | "io";

/** The process list the panel asks the agent for: its order, its filter (empty: none), and how many rows at most. */
export interface ProcessQuery {
  sort: ProcessSort;
  /** Name, command, user or pid, as `/api/v1/processes?filter=` takes it; empty for every process. */
  filter: string;
  limit: number;
}

/** One answer of `/api/v1/processes` to a query: the rows, and how many the agent saw and how many matched. */
export interface ProcessPage {
  query: ProcessQuery;
  /** Processes the agent saw in its last collection. */
  total: number;
  /** Processes that matched the filter (all of them without one); `items` holds at most `query.limit` of them. */
  matched: number;
  /** Largest first by `query.sort`. */
  items: readonly ProcessInfo[];
  /** When the agent read the list (ISO time): the processes are read every collect.processes.interval, not every tick. */
  readAt?: string;
}

/** What the reader tells the UI: a page, or why there is none for a query (an older agent, the collector off, the network). */
export type ProcessReading = { type: "processes"; page: ProcessPage } | { type: "processes-unavailable"; query: ProcessQuery; reason: string };

/** A GET of the API that rejects with an error carrying the HTTP status when the agent answered one (404, 503). */
export type JsonGetter = (path: string, signal: AbortSignal) => Promise<Record<string, unknown>>;

/** Reads the process list while the panel is in view; asked again on each tick of the agent. */
export interface ProcessReader {
  /** The query of the panel in view, or undefined when it is hidden: a new query is read at once, none stops reading. */
  watch(query: ProcessQuery | undefined): void;
  /** The agent collected again (a snapshot arrived): read the list again, unless a read is still under way. */
  refresh(): void;
  /** Stops reading, and drops what is under way; safe twice. */
  stop(): void;
}

const sameQuery = (a: ProcessQuery | undefined, b: ProcessQuery | undefined) => a?.sort === b?.sort && a?.filter === b?.filter && a?.limit === b?.limit;

/** The path of a query: `/api/v1/processes?sort=cpu&limit=100&filter=nginx`. */
export function processesPath(query: ProcessQuery): string {
  const params = new URLSearchParams({ sort: query.sort, limit: String(query.limit) });
  if (query.filter !== "") params.set("filter", query.filter);
  return `/api/v1/processes?${params}`;
}

/** Why an agent gives no list, in words for the panel's one-line note. */
function reasonOf(cause: unknown): string {
  const error = cause as Error & { status?: number };
  if (error?.status === 404) return "this agent has no process list (no /api/v1/processes: an older version)";
  return error?.message ?? String(cause);
}

/**
 * The process list is not on the event stream (a snapshot carries only the busiest few): while the
 * processes panel is in view, the reader asks `/api/v1/processes` with the panel's sort, filter and
 * limit, at once when they change and again after each collection (each snapshot), one read at a time;
 * an answer to a query the panel no longer shows is dropped. Hidden, it reads nothing.
 */
export function createProcessReader(get: JsonGetter, emit: (reading: ProcessReading) => void): ProcessReader {
  let query: ProcessQuery | undefined;
  let controller: AbortController | undefined;

  function read(): void {
    const asked = query;
    if (!asked) return;
    const mine = new AbortController();
    controller = mine;
    get(processesPath(asked), mine.signal).then(
      (body) => {
        if (mine.signal.aborted || !sameQuery(asked, query)) return;
        controller = undefined;
        const items = Array.isArray(body.items) ? (body.items as ProcessInfo[]) : [];
        const total = typeof body.total === "number" ? body.total : items.length;
        const matched = typeof body.matched === "number" ? body.matched : items.length;
        const readAt = typeof body.read_at === "string" ? { readAt: body.read_at } : {};
        emit({ type: "processes", page: { query: asked, total, matched, items, ...readAt } });
      },
      (cause: unknown) => {
        if (mine.signal.aborted || !sameQuery(asked, query)) return;
        controller = undefined;
        emit({ type: "processes-unavailable", query: asked, reason: reasonOf(cause) });
      },
    );
  }

  return {
    watch(next) {
      if (sameQuery(next, query)) return;
      controller?.abort();
      controller = undefined;
      query = next;
      read();
    },
    refresh() {
      if (controller) return;
      read();
    },
    stop() {
      controller?.abort();
      controller = undefined;
      query = undefined;
    },
  };
}
