import type { ProcessInfo, ProcessState } from "../../src/contracts/snapshot.ts";
import { formatBytes, formatClock, formatDecimalBytes } from "../format.ts";
import { type Colour, type Line, type Span, type Style, fit, line, span } from "../line.ts";
import type { ProcessSort } from "../process-reader.ts";
import { sliceColumns, textWidth } from "../text-width.ts";
import type { ProcessesView } from "../tui-model.ts";
import { PanelTitle } from "./PanelTitle.ts";

export interface ProcessPanelProps {
  /** The last list read; absent until the first answer. */
  view?: ProcessesView | undefined;
  /** The order and filter chosen (the list read may still be of the previous ones for a moment). */
  sort: ProcessSort;
  filter: string;
  /** The filter being typed after `/`, shown with the keys that apply or clear it; undefined when not typing. */
  editing?: string | undefined;
  width: number;
  /** Lines, title included. */
  height: number;
  focused?: boolean;
  /** Rows scrolled past (0: the largest is at the top). */
  offset?: number;
}

/** The sort orders in words, for the title. */
export const SORT_WORDS: Record<ProcessSort, string> = { cpu: "CPU", memory: "memory", io: "I/O" };

/** One letter per state, as top and ps write them; the help lists them. */
export const STATE_LETTERS: Record<ProcessState, string> = {
  running: "R",
  sleeping: "S",
  disk_sleep: "D",
  zombie: "Z",
  stopped: "T",
  tracing_stop: "t",
  dead: "X",
  idle: "I",
  parked: "P",
  other: "?",
};

const STATE_COLOURS: Partial<Record<ProcessState, Colour>> = { running: "green", disk_sleep: "yellow", zombie: "red", stopped: "yellow", tracing_stop: "yellow" };

/** A cell: its text and style. */
type Cell = { text: string; style?: Style };

interface Column {
  header: string;
  width: number;
  right: boolean;
  /** The order this column is sorted by: its header is marked ▼ (and drawn cyan) while the list is in that order. */
  sort?: ProcessSort;
  cell(p: ProcessInfo): Cell;
}

/** I/O the agent may not read (another user's process without CAP_SYS_PTRACE) is a dash, never a false zero. */
const rate = (value: number | null): Cell => (value === null ? { text: "–", style: { dim: true } } : { text: formatDecimalBytes(value) });

/** The user cut to its column, a `+` marking a name cut short (as top does). */
function userCell(user: string, width: number): Cell {
  return { text: textWidth(user) <= width ? user : `${sliceColumns(user, width - 1)}+` };
}

const COLUMNS = {
  pid: { header: "PID", width: 7, right: true, cell: (p) => ({ text: String(p.pid) }) },
  user: { header: "USER", width: 8, right: false, cell: (p) => userCell(p.user, 8) },
  cpu: { header: "CPU%", width: 6, right: true, sort: "cpu", cell: (p) => ({ text: p.cpu_percent.toFixed(1) }) },
  memory: { header: "RES", width: 8, right: true, sort: "memory", cell: (p) => ({ text: formatBytes(p.memory_bytes) }) },
  read: { header: "READ/s", width: 7, right: true, sort: "io", cell: (p) => rate(p.read_bytes_per_second) },
  write: { header: "WRITE/s", width: 8, right: true, sort: "io", cell: (p) => rate(p.write_bytes_per_second) },
  threads: { header: "THR", width: 4, right: true, cell: (p) => ({ text: String(p.threads) }) },
  state: { header: "S", width: 1, right: false, cell: (p) => ({ text: STATE_LETTERS[p.state] ?? "?", style: { color: STATE_COLOURS[p.state], bold: p.state === "zombie" } }) },
} satisfies Record<string, Column>;

type ColumnName = keyof typeof COLUMNS;
const ORDER: readonly ColumnName[] = ["pid", "user", "cpu", "memory", "read", "write", "threads", "state"];
/** What a narrow panel gives up first, so the command keeps room: threads, state, user, then both I/O rates (unless sorted by them). */
const DROP_FIRST: ReadonlyArray<readonly ColumnName[]> = [["threads"], ["state"], ["user"], ["read", "write"], ["memory"]];
/** Columns of the command kept at the least before other columns give way. */
const MIN_COMMAND = 12;

/** The columns that fit `width`, the command taking what they leave. */
function columnsFor(width: number, sort: ProcessSort): Column[] {
  const kept = new Set(ORDER);
  const used = () => [...kept].reduce((sum, name) => sum + COLUMNS[name].width + 1, 0);
  for (const names of DROP_FIRST) {
    if (width - used() >= MIN_COMMAND) break;
    if (names.some((name) => (COLUMNS[name] as Column).sort === sort)) continue;
    for (const name of names) kept.delete(name);
  }
  return ORDER.filter((name) => kept.has(name)).map((name) => COLUMNS[name]);
}

const fill = (text: string, width: number, right: boolean) => {
  const room = Math.max(0, width - textWidth(text));
  return right ? " ".repeat(room) + text : text + " ".repeat(room);
};

function headerLine(columns: readonly Column[], sort: ProcessSort): Line {
  const spans: Span[] = [];
  for (const c of columns) {
    const sorted = c.sort === sort;
    spans.push(span(fill(sorted ? `▼${c.header}` : c.header, c.width, c.right), sorted ? { bold: true, color: "cyan" } : { bold: true }), span(" "));
  }
  spans.push(span("COMMAND", { bold: true }));
  return spans;
}

/** A kernel thread (`[kworker/0:1]`) is drawn dim: it is rarely the one to look at. */
const isKernelThread = (p: ProcessInfo) => p.command.startsWith("[") && p.command.endsWith("]");

function processRow(p: ProcessInfo, columns: readonly Column[], sort: ProcessSort): Line {
  const spans: Span[] = [];
  for (const c of columns) {
    const cell = c.cell(p);
    const style = c.sort === sort ? { ...cell.style, bold: true } : cell.style;
    spans.push(span(fill(cell.text, c.width, c.right), style), span(" "));
  }
  spans.push(span(p.command || `[${p.name}]`, isKernelThread(p) ? { dim: true } : undefined));
  return spans;
}

/** Whether the panel has a line under its title: the filter being typed, or why the list could not be read. */
export function processPanelHasNotice(view: ProcessesView | undefined, editing: string | undefined): boolean {
  return editing !== undefined || view?.problem !== undefined;
}

/** Lines above the rows: the title, a notice when there is one, the column headings. */
export function processPanelChrome(notice: boolean): number {
  return 2 + (notice ? 1 : 0);
}

/** Lines the panel would like, its title included: the headings, a notice, every matching process (or the line that says there is none). */
export function processPanelLength(view: ProcessesView | undefined, notice: boolean): number {
  return processPanelChrome(notice) + Math.max(1, view?.matched ?? 0);
}

/** The title's note: the order, the filter, which rows of how many, and when the agent read the list. */
function noteOf(view: ProcessesView | undefined, sort: ProcessSort, filter: string, start: number, shown: number): string {
  const parts = [`by ${SORT_WORDS[sort]}`];
  if (filter !== "") parts.push(`/${filter}`);
  if (view) {
    const count = view.matched;
    const range = shown > 0 && shown < count ? `${start + 1}–${start + shown} of ${count}` : `${count}`;
    parts.push(filter !== "" ? `${range} matching, ${view.total} in all` : range);
    // Processes are read less often than the tick: the time says how old the rows are beside the gauges.
    if (view.readAt !== undefined) parts.push(`read ${formatClock(view.readAt)}`);
  }
  return parts.join(" · ");
}

/**
 * Every process of the agent's last collection, largest first by the chosen order (`c` CPU, `m`
 * resident memory, `i` storage I/O): pid, user, CPU (percent of one CPU), resident memory, bytes read
 * and written per second, threads, state and the command line cut to the width. The sorted column is
 * marked ▼ (cyan), a narrow panel drops threads, state, user and I/O before the command gets too short,
 * and the line under the title shows the filter being typed, or why the agent gave no list.
 */
export function ProcessPanel({ view, sort, filter, editing, width, height, focused = false, offset = 0 }: ProcessPanelProps): Line[] {
  const notice = processPanelHasNotice(view, editing);
  const rows = Math.max(0, height - processPanelChrome(notice));
  const items = view?.items ?? [];
  const count = Math.max(view?.matched ?? 0, items.length);
  const start = Math.max(0, Math.min(offset, count - rows));
  const shown = items.slice(start, start + rows);
  const lines: Line[] = [PanelTitle({ title: "Processes", width, focused, note: noteOf(view, sort, filter, start, shown.length) })];
  if (editing !== undefined) {
    lines.push(line(span("Filter: ", { bold: true }), span(editing, { bold: true, color: "cyan" }), span("▏", { color: "cyan" }), span("  Enter applies, Esc clears (name, command, user or pid)", { dim: true })));
  } else if (view?.problem !== undefined) {
    lines.push([span(`${items.length > 0 ? "Not refreshed" : "No process list"}: ${view.problem}`, { color: "yellow" })]);
  }
  const columns = columnsFor(width, sort);
  lines.push(headerLine(columns, sort));
  if (shown.length === 0 && rows > 0) {
    if (!view) lines.push([span("Reading the process list…", { dim: true })]);
    else if (view.problem === undefined && filter !== "") lines.push([span(`No process matches "${filter}" (/ changes the filter, Esc clears it).`, { dim: true })]);
    else if (view.problem === undefined) lines.push([span("No process listed.", { dim: true })]);
  }
  for (const p of shown) lines.push(fit(processRow(p, columns, sort), width));
  return lines.slice(0, height);
}
