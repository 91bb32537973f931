import { useInput, useWindowSize } from "ink";
import { useEffect, useLayoutEffect, useMemo, useState } from "react";
import type { Clock } from "../src/clock.ts";
import type { RemediationRun } from "../src/contracts/remediation.ts";
import { AlertPanel, alertPanelLength } from "./components/AlertPanel.ts";
import { AnomalyPanel, anomalyPanelLength } from "./components/AnomalyPanel.ts";
import { Footer } from "./components/Footer.ts";
import { Graphs } from "./components/Graphs.ts";
import { Header, type Tab } from "./components/Header.ts";
import { Help, helpLength } from "./components/Help.ts";
import { HostPanel, hostContent, hostPanelHeight, hostPanelMinHeight } from "./components/HostPanel.ts";
import { ProcessPanel, processPanelChrome, processPanelHasNotice, processPanelLength } from "./components/ProcessPanel.ts";
import { type RemediationNotice, RemediationPanel, alertNameOf, outcomeWords, remediationPanelLength } from "./components/RemediationPanel.ts";
import { HELP_SECTIONS, KEYS } from "./help-text.ts";
import { layoutFor, listRows } from "./layout.ts";
import { type Line, beside, block, fit } from "./line.ts";
import type { ProcessSort } from "./process-reader.ts";
import type { Screen } from "./screen.ts";
import type { DataSource, RemediationDecision } from "./source.ts";
import type { ThresholdLevels } from "./thresholds.ts";
import { MAX_PROCESSES, type TuiState } from "./tui-model.ts";
import { useNow } from "./use-now.ts";
import { useSource } from "./use-source.ts";

export interface AppProps {
  source: DataSource;
  /** Where the UI draws (the terminal, through the UI's own renderer). */
  screen: Screen;
  /** Called on q or Ctrl-C; the caller unmounts the UI and, in-process, stops the agent. */
  onQuit: () => void;
  /** Moves the countdowns and "ago" between snapshots. */
  clock: Clock;
  /** Terminal size; the real terminal's (following resizes) when absent. Tests pin it. */
  size?: { columns: number; rows: number };
}

/**
 * The panels, in the order of their tabs and number keys. The host panel heads the screen; the others
 * are lists, two by two side by side on a wide terminal. A new panel: its name here, its lines (a
 * component in components/), what it wants of the layout, and whether it is in view when not focused.
 */
const PANELS = ["Host", "Anomalies", "Alerts", "Remediation", "Processes"] as const;
const HOST = 0;
const ANOMALIES = 1;
const ALERTS = 2;
const REMEDIATION = 3;
const PROCESSES = 4;
/** The process list is asked for in pages of this many rows: enough to scroll through, never the whole of a busy host. */
const PROCESS_PAGE = 100;
/** The panel's sort keys. */
const SORT_KEYS: Readonly<Record<string, ProcessSort>> = { c: "cpu", m: "memory", i: "io" };
/** The longest filter one can type (the API takes more; nobody types more). */
const MAX_FILTER_LENGTH = 200;
/** What the footer adds while the processes panel has the focus. */
const PROCESS_KEYS: ReadonlyArray<readonly [string, string]> = [
  ["c/m/i", "sort"],
  ["/", "filter"],
];
const NO_LEVELS: ThresholdLevels = {};

/** A decision waiting for `y`: which run, approve or deny. */
interface Prompt {
  run: RemediationRun;
  decision: RemediationDecision;
}

const DECISION_WORDS: Record<RemediationDecision, { verb: string; done: string; doing: string }> = {
  approve: { verb: "Approve", done: "approved", doing: "Approving" },
  deny: { verb: "Deny", done: "denied", doing: "Denying" },
};

/** The run `a` and `d` act on: the one selected, else the newest awaiting approval, else the newest. */
function selectedIndex(runs: readonly RemediationRun[], selected: number | undefined): number {
  const chosen = selected === undefined ? -1 : runs.findIndex((r) => r.id === selected);
  if (chosen >= 0) return chosen;
  return Math.max(0, runs.findIndex((r) => r.outcome === "awaiting_approval"));
}

/**
 * The whole screen: header, the host, anomaly, alert and remediation panels, footer; keys to move,
 * pause, quit, and approve or deny a remediation run. React keeps the state and Ink reads the keys; the
 * screen is drawn by the UI's own renderer, which writes only the rows that changed: each panel's lines
 * are computed again only when its data changes.
 */
export function App({ source, screen, onQuit, clock, size }: AppProps) {
  const live = useSource(source);
  const terminal = useWindowSize();
  const { columns, rows } = size ?? terminal;
  const [frozen, setFrozen] = useState<TuiState | undefined>();
  const [focus, setFocus] = useState(HOST);
  const [help, setHelp] = useState(false);
  const [helpOffset, setHelpOffset] = useState(0);
  const [offsets, setOffsets] = useState<number[]>(() => PANELS.map(() => 0));
  const [selected, setSelected] = useState<number | undefined>();
  const [prompt, setPrompt] = useState<Prompt | undefined>();
  const [notice, setNotice] = useState<RemediationNotice | undefined>();
  const [sort, setSort] = useState<ProcessSort>("cpu");
  const [filter, setFilter] = useState("");
  /** The filter being typed after `/` (every key goes to it until Enter or Esc); undefined when not typing. */
  const [editing, setEditing] = useState<string | undefined>();
  const state = frozen ?? live;
  const width = Math.max(20, columns);
  const height = Math.max(1, rows);
  // The clock ticks only while the connection is down (the retry countdown, the age of the values): live,
  // the screen is redrawn when data comes, once a tick, and not in between.
  const connected = live.connection.state === "live" || live.connection.state === "in-process";
  const now = useNow(clock, 1000, !connected);
  const interval = state.info?.interval ?? 10;
  const age = state.snapshot ? Math.max(0, (now - Date.parse(state.snapshot.timestamp)) / 1000) : 0;
  // Values older than two intervals while disconnected are drawn dim: the operator sees they are old.
  const stale = !connected && state.snapshot !== undefined && age > 2 * interval;

  const thresholds = state.info?.thresholds ?? NO_LEVELS;
  const hostProps = useMemo(
    () => ({ thresholds, history: state.history, width, stale, ...(state.snapshot ? { snapshot: state.snapshot } : {}) }),
    [thresholds, state.history, width, stale, state.snapshot],
  );
  const content = useMemo(() => hostContent(hostProps), [hostProps]);
  const runs = state.remediations;
  const chosen = selectedIndex(runs, selected);
  const chosenRun = runs[chosen];
  // The line under the remediation panel's title: the question while one is asked, else what came of the
  // last decision, else (with the focus on a run awaiting approval) which keys decide.
  const remediationNotice: RemediationNotice | undefined =
    (prompt && { text: `${DECISION_WORDS[prompt.decision].verb} run ${prompt.run.id}, ${prompt.run.action} for ${alertNameOf(prompt.run)}? y confirms, any other key cancels`, tone: "ask" }) ??
    notice ??
    (focus === REMEDIATION && chosenRun?.outcome === "awaiting_approval" ? { text: "a approves, d denies the selected run (↑↓ select)", tone: "info" } : undefined);

  // Lines each list would like (title included), and the lines it can scroll through.
  const alertLength = alertPanelLength(state.alerts.length, state.deliveries.length);
  const processNotice = processPanelHasNotice(state.processes, editing);
  const listLength = [0, state.findings.length, alertLength, runs.length, Math.min(MAX_PROCESSES, state.processes?.matched ?? 0)];
  const wants = [
    0,
    anomalyPanelLength(state.findings),
    1 + alertLength,
    remediationPanelLength(runs.length, remediationNotice !== undefined),
    // As tall as the screen: the layout stays put while a filter narrows the list.
    Math.max(processPanelLength(state.processes, processNotice), height),
  ];
  // The processes panel, with the focus, stands alone under the host panel as wide as the screen (as in
  // htop); otherwise the lists, the remediation panel when it has runs to show, or the focus.
  const lists = focus === PROCESSES ? [PROCESSES] : [ANOMALIES, ALERTS, ...(runs.length > 0 || focus === REMEDIATION ? [REMEDIATION] : [])];
  const layout = layoutFor(
    { columns: width, rows: height },
    { need: hostPanelHeight(hostProps, content), min: hostPanelMinHeight(hostProps, content), lists: lists.map((p) => wants[p]!) },
  );
  const paged = layout.mode === "paged";
  // Each list's rectangle: two by two side by side on a wide terminal, a list alone in its row as wide as the screen.
  const rowsOfLists = listRows(lists.length, layout.sideBySide);
  const sizes = PANELS.map(() => ({ width, height: layout.body }));
  if (!paged) {
    for (const row of rowsOfLists) {
      for (const i of row) sizes[lists[i]!] = { width: row.length > 1 ? Math.floor((width - 1) / 2) : width, height: layout.lists[i]! };
    }
  }
  const shown = (panel: number) => (paged ? focus === panel : lists.includes(panel));

  // The process list is read only while its panel is in view: enough pages to reach the rows on screen.
  const processSize = sizes[PROCESSES]!;
  const processRows = Math.max(1, processSize.height - processPanelChrome(processNotice));
  const processLimit = Math.min(MAX_PROCESSES, (Math.floor((offsets[PROCESSES]! + processRows) / PROCESS_PAGE) + 1) * PROCESS_PAGE);
  const processesInView = shown(PROCESSES) && !help;
  useEffect(() => source.watchProcesses(processesInView ? { sort, filter, limit: processLimit } : undefined), [source, processesInView, sort, filter, processLimit]);
  const scrollProcessesToTop = () => setOffsets((o) => o.map((v, i) => (i === PROCESSES ? 0 : v)));

  const scroll = (by: number | "top") => {
    if (focus === REMEDIATION) {
      const next = by === "top" ? 0 : Math.max(0, Math.min(runs.length - 1, chosen + by));
      setSelected(runs[next]?.id);
      setNotice(undefined);
      return;
    }
    setOffsets((o) => o.map((v, i) => (i !== focus ? v : by === "top" ? 0 : Math.max(0, Math.min(listLength[i]! - 1, v + by)))));
  };

  /** Sends the decision through the API; what the agent answered (or why it refused) shows in the panel. */
  const decide = ({ run, decision }: Prompt) => {
    const words = DECISION_WORDS[decision];
    setNotice({ text: `${words.doing} run ${run.id}…`, tone: "info" });
    source.decide(run.id, decision).then(
      (after) => setNotice({ text: `Run ${run.id} ${words.done}: now ${outcomeWords(after.outcome)}${after.reason ? ` (${after.reason})` : ""}`, tone: "ok" }),
      (cause: unknown) => setNotice({ text: `Run ${run.id} not ${words.done}: ${(cause as Error).message}`, tone: "error" }),
    );
  };

  /** `a` or `d` on the selected run: asks to confirm when it awaits approval, says why not otherwise. */
  const ask = (decision: RemediationDecision) => {
    if (!chosenRun) return setNotice({ text: "No remediation run to decide on.", tone: "info" });
    if (chosenRun.outcome !== "awaiting_approval") {
      return setNotice({ text: `Run ${chosenRun.id} is ${outcomeWords(chosenRun.outcome)}: only a run awaiting approval can be ${DECISION_WORDS[decision].done}.`, tone: "error" });
    }
    setNotice(undefined);
    setPrompt({ run: chosenRun, decision });
  };

  const applyFilter = (text: string) => {
    setFilter(text.trim());
    setEditing(undefined);
    scrollProcessesToTop();
  };

  /** Adds a chunk of typed text to the filter being typed; an Enter in it (keys typed fast arrive together) applies the filter. */
  const typeInto = (text: string, input: string) => {
    const enter = input.search(/[\r\n]/);
    const typed = (enter >= 0 ? input.slice(0, enter) : input).replace(/[\u0000-\u001f\u007f]/g, "");
    const next = `${text}${typed}`.slice(0, MAX_FILTER_LENGTH);
    if (enter >= 0) applyFilter(next);
    else setEditing(next);
  };

  /** Typing a filter: every key goes to it; Enter applies it, Esc clears it; only Ctrl-C still quits. */
  const edit = (text: string, input: string, key: Parameters<Parameters<typeof useInput>[0]>[1]) => {
    if (key.return) applyFilter(text);
    else if (key.escape) applyFilter("");
    else if (key.backspace || key.delete) setEditing(text.slice(0, -1));
    else if (key.ctrl && input === "u") setEditing("");
    else if (!key.ctrl && !key.meta && input !== "") typeInto(text, input);
  };

  useInput((input, key) => {
    if (key.ctrl && input === "c") return onQuit();
    if (editing !== undefined) return edit(editing, input, key);
    if (input === "q") return onQuit();
    if (prompt) {
      setPrompt(undefined);
      if (input === "y") decide(prompt);
      else setNotice({ text: `Not ${DECISION_WORDS[prompt.decision].done}: cancelled.`, tone: "info" });
      return;
    }
    if (help) {
      const page = Math.max(1, layout.body - 2);
      const most = Math.max(0, helpLength({ target: source.label, keys: KEYS, sections: HELP_SECTIONS, width }) - layout.body);
      const by = key.downArrow || input === "j" ? 1 : key.upArrow || input === "k" ? -1 : key.pageDown ? page : key.pageUp ? -page : key.home ? -Infinity : 0;
      if (by !== 0) setHelpOffset((o) => Math.max(0, Math.min(most, o + by)));
      else if (input === "?" || key.escape) setHelp(false);
      return;
    }
    if (input === "?") {
      setHelp(true);
      setHelpOffset(0);
    }
    else if (input === "p") setFrozen((f) => (f ? undefined : live));
    else if (key.tab || key.rightArrow) setFocus((f) => (f + (key.shift ? PANELS.length - 1 : 1)) % PANELS.length);
    else if (key.leftArrow) setFocus((f) => (f + PANELS.length - 1) % PANELS.length);
    else if (/^[1-9]$/.test(input) && Number(input) <= PANELS.length) setFocus(Number(input) - 1);
    else if (key.downArrow || input === "j") scroll(1);
    else if (key.upArrow || input === "k") scroll(-1);
    else if (key.pageDown) scroll(Math.max(1, sizes[focus]!.height - 2));
    else if (key.pageUp) scroll(-Math.max(1, sizes[focus]!.height - 2));
    else if (key.home) scroll("top");
    else if (focus === REMEDIATION && (input === "a" || input === "d")) ask(input === "a" ? "approve" : "deny");
    else if (focus === PROCESSES && SORT_KEYS[input]) {
      setSort(SORT_KEYS[input]!);
      scrollProcessesToTop();
    } else if (focus === PROCESSES && input.startsWith("/")) typeInto(filter, input.slice(1));
    else if (focus === PROCESSES && key.escape && filter !== "") applyFilter("");
  });

  const hostLines = useMemo(
    () => HostPanel({ ...hostProps, content, height: paged ? layout.body : layout.host }),
    [hostProps, content, paged, layout.body, layout.host],
  );
  const graphLines = useMemo(
    () => (layout.graphs > 0 && !paged ? Graphs({ history: state.history, thresholds, width, height: layout.graphs, stale }) : []),
    [state.history, thresholds, width, layout.graphs, paged, stale],
  );
  const anomalySize = sizes[ANOMALIES]!;
  const anomalyLines = useMemo(
    () => (shown(ANOMALIES) ? AnomalyPanel({ findings: state.findings, width: anomalySize.width, height: anomalySize.height, focused: focus === ANOMALIES, offset: offsets[ANOMALIES]! }) : []),
    [state.findings, anomalySize.width, anomalySize.height, focus, offsets, paged],
  );
  const alertSize = sizes[ALERTS]!;
  const alertLines = useMemo(
    () => (shown(ALERTS) ? AlertPanel({ alerts: state.alerts, deliveries: state.deliveries, width: alertSize.width, height: alertSize.height, focused: focus === ALERTS, offset: offsets[ALERTS]! }) : []),
    [state.alerts, state.deliveries, alertSize.width, alertSize.height, focus, offsets, paged],
  );
  const remediationSize = sizes[REMEDIATION]!;
  const remediationLines = useMemo(
    () => (shown(REMEDIATION) ? RemediationPanel({ runs, width: remediationSize.width, height: remediationSize.height, focused: focus === REMEDIATION, selected: chosen, notice: remediationNotice }) : []),
    [runs, remediationSize.width, remediationSize.height, focus, chosen, remediationNotice?.tone, remediationNotice?.text, paged, lists.length],
  );
  const processLines = useMemo(
    () =>
      shown(PROCESSES)
        ? ProcessPanel({ view: state.processes, sort, filter, editing, width: processSize.width, height: processSize.height, focused: focus === PROCESSES, offset: offsets[PROCESSES]! })
        : [],
    [state.processes, sort, filter, editing, processSize.width, processSize.height, focus, offsets, paged],
  );
  const panelLines: Line[][] = [hostLines, anomalyLines, alertLines, remediationLines, processLines];

  let body: Line[];
  if (help) body = Help({ target: source.label, keys: KEYS, sections: HELP_SECTIONS, width, height: layout.body, offset: helpOffset });
  else if (paged) body = panelLines[focus]!;
  else {
    body = [...block(hostLines, width, layout.host), ...block(graphLines, width, layout.graphs)];
    for (const row of rowsOfLists) {
      const blocks = row.map((i) => {
        const s = sizes[lists[i]!]!;
        return [block(panelLines[lists[i]!]!, s.width, s.height), s.width] as const;
      });
      body.push(...(blocks.length > 1 ? beside(blocks, 1) : blocks[0]![0]));
    }
  }

  const waiting = runs.filter((run) => run.outcome === "awaiting_approval").length;
  const tabs: Tab[] = [
    { name: PANELS[HOST] },
    { name: PANELS[ANOMALIES], short: "Anom", count: state.findings.length },
    { name: PANELS[ALERTS], count: state.alerts.filter((al) => al.state === "firing").length },
    { name: PANELS[REMEDIATION], short: "Remed", count: waiting, urgent: true },
    { name: PANELS[PROCESSES], short: "Procs" },
  ];
  const header = Header({
    ...(state.info ? { info: state.info } : {}),
    ...(state.snapshot ? { snapshot: state.snapshot } : {}),
    connection: live.connection,
    target: source.label,
    tabs,
    focus,
    paused: frozen !== undefined,
    width,
    now,
    ...(stale ? { staleSeconds: age } : {}),
  });
  const footer = fit(Footer({ paused: frozen !== undefined, width, panels: PANELS.length, ...(focus === PROCESSES && !help ? { panelKeys: PROCESS_KEYS } : {}) }), width);
  const screenRows = [...block(header, width, 2), ...block(body, width, layout.body), footer].slice(0, height);

  // Drawn after each commit; the screen writes only the rows that differ from what the terminal shows.
  useLayoutEffect(() => screen.draw(screenRows, { columns: Math.max(1, columns), rows: height }));
  return null;
}
