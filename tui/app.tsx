import { useInput, useWindowSize } from "ink";
import { useLayoutEffect, useMemo, useState } from "react";
import type { Clock } from "../src/clock.ts";
import { AlertPanel, alertPanelLength } from "./components/AlertPanel.ts";
import { AnomalyPanel } from "./components/AnomalyPanel.ts";
import { Footer } from "./components/Footer.ts";
import { Graphs } from "./components/Graphs.ts";
import { Header } from "./components/Header.ts";
import { Help } from "./components/Help.ts";
import { HostPanel, hostContent, hostPanelHeight, hostPanelMinHeight } from "./components/HostPanel.ts";
import { HELP_SECTIONS, KEYS } from "./help-text.ts";
import { layoutFor } from "./layout.ts";
import { type Line, beside, block, fit } from "./line.ts";
import type { Screen } from "./screen.ts";
import type { DataSource } from "./source.ts";
import type { ThresholdLevels } from "./thresholds.ts";
import type { TuiState } from "./tui-model.ts";
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

/** The panels, in the order of their tabs and number keys. */
const PANELS = ["Host", "Anomalies", "Alerts"] as const;
const HOST = 0;
const ANOMALIES = 1;
const ALERTS = 2;
const NO_LEVELS: ThresholdLevels = {};

/**
 * The whole screen: header, the host, anomaly and alert panels, footer; keys to move, pause and quit.
 * React keeps the state and Ink reads the keys; the screen is drawn by the UI's own renderer, which
 * writes only the rows that changed: each panel's lines are computed again only when its data changes.
 */
export function App({ source, screen, onQuit, clock, size }: AppProps) {
  const live = useSource(source);
  const terminal = useWindowSize();
  const { columns, rows } = size ?? terminal;
  const [frozen, setFrozen] = useState<TuiState | undefined>();
  const [focus, setFocus] = useState(HOST);
  const [help, setHelp] = useState(false);
  const [offsets, setOffsets] = useState<number[]>(() => PANELS.map(() => 0));
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
  // Lines each list would like (title included), and the lines it can scroll through.
  const alertLength = alertPanelLength(state.alerts.length, state.deliveries.length);
  const listLength = [0, state.findings.length, alertLength];
  const layout = layoutFor(
    { columns: width, rows: height },
    { need: hostPanelHeight(hostProps, content), min: hostPanelMinHeight(hostProps, content), lists: [1 + Math.max(1, state.findings.length), 1 + alertLength] },
  );
  const [anomalyHeight, alertHeight] = layout.lists as [number, number];
  const listWidth = layout.sideBySide ? Math.floor((width - 1) / 2) : width;

  const scroll = (by: number | "top") =>
    setOffsets((o) => o.map((v, i) => (i !== focus ? v : by === "top" ? 0 : Math.max(0, Math.min(listLength[i]! - 1, v + by)))));

  useInput((input, key) => {
    if (input === "q" || (key.ctrl && input === "c")) return onQuit();
    if (help) {
      if (input === "?" || key.escape) setHelp(false);
      return;
    }
    if (input === "?") setHelp(true);
    else if (input === "p") setFrozen((f) => (f ? undefined : live));
    else if (key.tab || key.rightArrow) setFocus((f) => (f + (key.shift ? PANELS.length - 1 : 1)) % PANELS.length);
    else if (key.leftArrow) setFocus((f) => (f + PANELS.length - 1) % PANELS.length);
    else if (/^[1-9]$/.test(input) && Number(input) <= PANELS.length) setFocus(Number(input) - 1);
    else if (key.downArrow || input === "j") scroll(1);
    else if (key.upArrow || input === "k") scroll(-1);
    else if (key.pageDown) scroll(Math.max(1, layout.body - 2));
    else if (key.pageUp) scroll(-Math.max(1, layout.body - 2));
    else if (key.home) scroll("top");
  });

  const paged = layout.mode === "paged";
  const hostLines = useMemo(
    () => HostPanel({ ...hostProps, content, height: paged ? layout.body : layout.host }),
    [hostProps, content, paged, layout.body, layout.host],
  );
  const graphLines = useMemo(
    () => (layout.graphs > 0 && !paged ? Graphs({ history: state.history, thresholds, width, height: layout.graphs, stale }) : []),
    [state.history, thresholds, width, layout.graphs, paged, stale],
  );
  const anomalyLines = useMemo(
    () => AnomalyPanel({ findings: state.findings, width: paged ? width : listWidth, height: paged ? layout.body : anomalyHeight, focused: focus === ANOMALIES, offset: offsets[ANOMALIES]! }),
    [state.findings, paged, width, listWidth, layout.body, anomalyHeight, focus, offsets],
  );
  const alertLines = useMemo(
    () =>
      AlertPanel({
        alerts: state.alerts,
        deliveries: state.deliveries,
        width: paged ? width : listWidth,
        height: paged ? layout.body : alertHeight,
        focused: focus === ALERTS,
        offset: offsets[ALERTS]!,
      }),
    [state.alerts, state.deliveries, paged, width, listWidth, layout.body, alertHeight, focus, offsets],
  );

  let body: Line[];
  if (help) body = Help({ target: source.label, keys: KEYS, sections: HELP_SECTIONS, width, height: layout.body });
  else if (paged) body = [hostLines, anomalyLines, alertLines][focus]!;
  else {
    const lists = layout.sideBySide
      ? beside([[block(anomalyLines, listWidth, anomalyHeight), listWidth], [block(alertLines, listWidth, alertHeight), listWidth]], 1)
      : [...block(anomalyLines, width, anomalyHeight), ...block(alertLines, width, alertHeight)];
    body = [...block(hostLines, width, layout.host), ...block(graphLines, width, layout.graphs), ...lists];
  }

  const header = Header({
    ...(state.info ? { info: state.info } : {}),
    ...(state.snapshot ? { snapshot: state.snapshot } : {}),
    connection: live.connection,
    target: source.label,
    tabs: [{ name: PANELS[HOST] }, { name: PANELS[ANOMALIES], count: state.findings.length }, { name: PANELS[ALERTS], count: state.alerts.filter((a) => a.state === "firing").length }],
    focus,
    paused: frozen !== undefined,
    width,
    now,
    ...(stale ? { staleSeconds: age } : {}),
  });
  const screenRows = [...block(header, width, 2), ...block(body, width, layout.body), fit(Footer({ paused: frozen !== undefined, width, panels: PANELS.length }), width)].slice(0, height);

  // Drawn after each commit; the screen writes only the rows that differ from what the terminal shows.
  useLayoutEffect(() => screen.draw(screenRows, { columns: Math.max(1, columns), rows: height }));
  return null;
}
