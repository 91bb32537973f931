import { Box, useInput, useWindowSize } from "ink";
import { useMemo, useState } from "react";
import type { Clock } from "../src/clock.ts";
import { AlertPanel } from "./components/AlertPanel.tsx";
import { AnomalyPanel } from "./components/AnomalyPanel.tsx";
import { Footer } from "./components/Footer.tsx";
import { Header } from "./components/Header.tsx";
import { Help } from "./components/Help.tsx";
import { Graphs } from "./components/Graphs.tsx";
import { HostPanel, hostContent, hostPanelHeight, hostPanelMinHeight } from "./components/HostPanel.tsx";
import { layoutFor } from "./layout.ts";
import type { DataSource } from "./source.ts";
import type { ThresholdLevels } from "./thresholds.ts";
import type { TuiState } from "./tui-model.ts";
import { useNow } from "./use-now.ts";
import { useSource } from "./use-source.ts";

export interface AppProps {
  source: DataSource;
  /** Called on q or Ctrl-C; the caller unmounts the UI and, in-process, stops the agent. */
  onQuit: () => void;
  /** Moves the countdowns and "ago" between snapshots. */
  clock: Clock;
  /** Terminal size; the real terminal's (following resizes) when absent. Tests pin it. */
  size?: { columns: number; rows: number };
}

const PANELS = ["Host", "Anomalies", "Alerts"] as const;
const NO_LEVELS: ThresholdLevels = {};

/** The whole screen: header, the host, anomaly and alert panels, footer; keys to move, pause and quit. */
export function App({ source, onQuit, clock, size }: AppProps) {
  const live = useSource(source);
  const terminal = useWindowSize();
  const { columns, rows } = size ?? terminal;
  const [frozen, setFrozen] = useState<TuiState | undefined>();
  const [focus, setFocus] = useState(0);
  const [help, setHelp] = useState(false);
  const [offsets, setOffsets] = useState([0, 0, 0]);
  const state = frozen ?? live;
  const width = Math.max(20, columns);
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
  const listLength = [0, state.findings.length, state.alerts.length + state.deliveries.length + 2];
  const layout = layoutFor(
    { columns: width, rows },
    {
      need: hostPanelHeight(hostProps, content),
      min: hostPanelMinHeight(hostProps, content),
      lists: { anomalies: 1 + Math.max(1, state.findings.length), alerts: 1 + listLength[2]! + (state.alerts.length === 0 ? 1 : 0) + (state.deliveries.length === 0 ? 1 : 0) },
    },
  );

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
    else if (input === "1" || input === "2" || input === "3") setFocus(Number(input) - 1);
    else if (key.downArrow || input === "j") scroll(1);
    else if (key.upArrow || input === "k") scroll(-1);
    else if (key.pageDown) scroll(Math.max(1, layout.body - 2));
    else if (key.pageUp) scroll(-Math.max(1, layout.body - 2));
    else if (key.home) scroll("top");
  });

  const listWidth = layout.sideBySide ? Math.floor((width - 1) / 2) : width;
  const host = <HostPanel {...hostProps} content={content} height={layout.host} />;
  const graphs = layout.graphs > 0 ? <Graphs history={state.history} thresholds={thresholds} width={width} height={layout.graphs} stale={stale} /> : null;
  const anomalies = (
    <AnomalyPanel findings={state.findings} width={listWidth} height={layout.anomalies} focused={focus === 1} offset={offsets[1]!} />
  );
  const alerts = (
    <AlertPanel alerts={state.alerts} deliveries={state.deliveries} width={listWidth} height={layout.alerts} focused={focus === 2} offset={offsets[2]!} />
  );
  let body;
  if (help) body = <Help target={source.label} width={width} height={layout.body} />;
  else if (layout.mode === "paged") body = [host, anomalies, alerts][focus];
  else {
    body = (
      <>
        {host}
        {graphs}
        <Box flexDirection={layout.sideBySide ? "row" : "column"} gap={layout.sideBySide ? 1 : 0}>
          {anomalies}
          {alerts}
        </Box>
      </>
    );
  }

  return (
    <Box flexDirection="column" width={width} height={Math.max(1, rows)} overflow="hidden">
      <Header
        {...(state.info ? { info: state.info } : {})}
        {...(state.snapshot ? { snapshot: state.snapshot } : {})}
        connection={live.connection}
        target={source.label}
        tabs={[{ name: PANELS[0] }, { name: PANELS[1], count: state.findings.length }, { name: PANELS[2], count: state.alerts.filter((a) => a.state === "firing").length }]}
        focus={focus}
        paused={frozen !== undefined}
        width={width}
        now={now}
        {...(stale ? { staleSeconds: age } : {})}
      />
      <Box flexDirection="column" height={layout.body} overflow="hidden">
        {body}
      </Box>
      <Footer paused={frozen !== undefined} width={width} />
    </Box>
  );
}
