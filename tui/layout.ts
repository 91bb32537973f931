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
  /** Lines of each list in view, in the order asked, its title included; two side by side share a height. */
  lists: number[];
  /** Lists go two by two, side by side (a wide terminal). */
  sideBySide: boolean;
}

/** What the panels would like: the host panel's lines (all, and those it cannot do without), and the lists' lines. */
export interface Wants {
  need: number;
  min: number;
  /** Lines each list in view would like, its title included (by default two lists of the smallest useful size). */
  lists?: readonly number[];
}

/** The lists (their indexes) in rows: two by two side by side, else one per row; a last odd one alone, as wide as the screen. */
export function listRows(count: number, sideBySide: boolean): number[][] {
  const rows: number[][] = [];
  for (let i = 0; i < count; i += sideBySide ? 2 : 1) rows.push(sideBySide && i + 1 < count ? [i, i + 1] : [i]);
  return rows;
}

/**
 * Lays out the panels: all of them when the host panel (its gauges, every critical filesystem and one
 * more line) and the lists fit, the lists two by two side by side on a wide terminal; otherwise one
 * panel at a time, so an 80×24 terminal over SSH stays readable. Lines to spare (a tall terminal) go to
 * history charts, up to 60 % of what the host panel leaves, and to the lists; never to blank space.
 */
export function layoutFor(size: { columns: number; rows: number }, host: Wants): Layout {
  const body = Math.max(1, size.rows - HEADER_LINES - FOOTER_LINES);
  const wanted = host.lists ?? [LIST_MIN_LINES, LIST_MIN_LINES];
  const sideBySide = size.columns >= SIDE_BY_SIDE_COLUMNS;
  const rows = listRows(wanted.length, sideBySide);
  const listsMin = rows.length * LIST_MIN_LINES;
  if (body - listsMin < host.min) return { mode: "paged", body, host: body, graphs: 0, lists: wanted.map(() => body), sideBySide: false };
  const hostLines = Math.min(host.need, body - listsMin);
  const rest = body - hostLines;
  // The lists keep what their content needs (at least their minimum); charts take the rest, when worth it.
  const listsWant = rows.reduce((sum, row) => sum + Math.max(LIST_MIN_LINES, ...row.map((i) => wanted[i]!)), 0);
  let graphs = Math.min(rest - Math.min(rest, listsWant), Math.floor(rest * GRAPHS_SHARE));
  if (graphs < GRAPHS_MIN_LINES) graphs = 0;
  // What is left is shared between the rows of lists, the first ones taking the odd lines.
  const left = rest - graphs;
  const lists: number[] = [];
  rows.forEach((row, r) => {
    const share = Math.floor(left / rows.length) + (r < left % rows.length ? 1 : 0);
    for (const _ of row) lists.push(share);
  });
  return { mode: "all", body, host: hostLines, graphs, lists, sideBySide };
}
