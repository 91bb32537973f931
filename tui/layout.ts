/** Lines of the header and the footer. */
export const HEADER_LINES = 2;
export const FOOTER_LINES = 1;
/** Smallest useful list panel: its title and three rows. */
export const LIST_MIN_LINES = 4;
/** From this width the two lists stand side by side. */
export const SIDE_BY_SIDE_COLUMNS = 120;
/** Charts are drawn only in at least this many spare lines (a title and five lines of chart). */
export const GRAPHS_MIN_LINES = 6;
/** Charts take at most this share of what the host panel leaves. */
const GRAPHS_SHARE = 0.6;

/** Where the panels go on a terminal of a given size. */
export interface Layout {
  /** `all`: every panel in view, tab moves the focus; `paged`: only the focused panel, tab turns the page. */
  mode: "all" | "paged";
  /** Lines between the header and the footer. */
  body: number;
  host: number;
  /** Lines of history charts under the host panel (0: none). */
  graphs: number;
  anomalies: number;
  alerts: number;
  sideBySide: boolean;
}

/** What the panels would like: the host panel's lines (all, and those it cannot do without), and the lists' lines. */
export interface Wants {
  need: number;
  min: number;
  /** Lines of each list with its title: the anomalies, and the alerts with the deliveries. */
  lists?: { anomalies: number; alerts: number };
}

/**
 * Lays out the panels: all of them when the host panel (its gauges, every critical filesystem and one
 * more line) and two lists fit, the lists side by side on a wide terminal; otherwise one panel at a time,
 * so an 80×24 terminal over SSH stays readable. Lines to spare (a tall terminal) go to history charts,
 * up to 60 % of what the host panel leaves, and to the lists; never to blank space.
 */
export function layoutFor(size: { columns: number; rows: number }, host: Wants): Layout {
  const body = Math.max(1, size.rows - HEADER_LINES - FOOTER_LINES);
  const sideBySide = size.columns >= SIDE_BY_SIDE_COLUMNS;
  const listsMin = sideBySide ? LIST_MIN_LINES : 2 * LIST_MIN_LINES;
  if (body - listsMin < host.min) return { mode: "paged", body, host: body, graphs: 0, anomalies: body, alerts: body, sideBySide: false };
  const hostLines = Math.min(host.need, body - listsMin);
  const rest = body - hostLines;
  // The lists keep what their content needs (at least their minimum); charts take the rest, when worth it.
  const wanted = host.lists ?? { anomalies: LIST_MIN_LINES, alerts: LIST_MIN_LINES };
  const listsWant = Math.max(
    listsMin,
    sideBySide ? Math.max(wanted.anomalies, wanted.alerts) : Math.max(LIST_MIN_LINES, wanted.anomalies) + Math.max(LIST_MIN_LINES, wanted.alerts),
  );
  let graphs = Math.min(rest - Math.min(rest, listsWant), Math.floor(rest * GRAPHS_SHARE));
  if (graphs < GRAPHS_MIN_LINES) graphs = 0;
  const lists = rest - graphs;
  if (sideBySide) return { mode: "all", body, host: hostLines, graphs, anomalies: lists, alerts: lists, sideBySide };
  const anomalies = Math.ceil(lists / 2);
  return { mode: "all", body, host: hostLines, graphs, anomalies, alerts: lists - anomalies, sideBySide };
}
