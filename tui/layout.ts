/** Lines of the header and the footer. */
export const HEADER_LINES = 2;
export const FOOTER_LINES = 1;
/** Smallest useful list panel: its title and three rows. */
export const LIST_MIN_LINES = 4;
/** From this width the two lists stand side by side. */
export const SIDE_BY_SIDE_COLUMNS = 120;

/** Where the panels go on a terminal of a given size. */
export interface Layout {
  /** `all`: every panel in view, tab moves the focus; `paged`: only the focused panel, tab turns the page. */
  mode: "all" | "paged";
  /** Lines between the header and the footer. */
  body: number;
  host: number;
  anomalies: number;
  alerts: number;
  sideBySide: boolean;
}

/**
 * Lays out the panels: all of them when the host panel (at least its gauges and one filesystem) and
 * two lists fit, the lists side by side on a wide terminal; otherwise one panel at a time, so an 80×24
 * terminal over SSH stays readable.
 */
export function layoutFor(size: { columns: number; rows: number }, host: { need: number; min: number }): Layout {
  const body = Math.max(1, size.rows - HEADER_LINES - FOOTER_LINES);
  const sideBySide = size.columns >= SIDE_BY_SIDE_COLUMNS;
  const lists = sideBySide ? LIST_MIN_LINES : 2 * LIST_MIN_LINES;
  if (body - lists < host.min) return { mode: "paged", body, host: body, anomalies: body, alerts: body, sideBySide: false };
  const hostLines = Math.min(host.need, body - lists);
  const rest = body - hostLines;
  if (sideBySide) return { mode: "all", body, host: hostLines, anomalies: rest, alerts: rest, sideBySide };
  const anomalies = Math.ceil(rest / 2);
  return { mode: "all", body, host: hostLines, anomalies, alerts: rest - anomalies, sideBySide };
}
