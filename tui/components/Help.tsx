import { Box, Text } from "ink";
import type { ReactElement } from "react";
import { wrapWords } from "../format.ts";

export interface HelpProps {
  /** `in-process` or the attached agent's URL. */
  target: string;
  width: number;
  height: number;
}

const KEYS: Array<[string, string]> = [
  ["q, Ctrl-C", "quit (in-process: stops the agent as SIGTERM does)"],
  ["p", "pause the screen; data keeps coming and shows on resume"],
  ["tab, →, shift-tab, ←", "next or previous panel (a small terminal shows one at a time)"],
  ["1 2 3", "host, anomalies, alerts and deliveries"],
  ["↑ ↓, k j, PgUp PgDn, Home", "scroll the focused list"],
  ["?, Esc", "close this help"],
];

const MEANING =
  "Percentages are green below the warning level, yellow above it (marked !) and red at or above the critical level (marked !!): thresholds.* of the agent's configuration. Filesystems are listed fullest first; a critical one is always in view. While the connection is down, the values go dim as they age and the header says how old they are.";

/** Width of the key column when the descriptions stand beside the keys. */
const KEY_WIDTH = 26;

/** What the keys do and what the colours mean, wrapped to the terminal (80 columns at most). */
export function Help({ target, width, height }: HelpProps) {
  const columns = Math.min(80, width);
  const lines: ReactElement[] = [];
  const heading = (text: string) =>
    lines.push(
      <Text key={`h-${text}`} bold color="cyan">
        {text}
      </Text>,
    );
  const para = (key: string, text: string, indent = 2) =>
    wrapWords(text, columns - indent).forEach((line, i) => lines.push(<Text key={`${key}-${i}`}>{" ".repeat(indent) + line}</Text>));

  heading("Keys");
  const beside = columns >= KEY_WIDTH + 2 + 30;
  for (const [key, does] of KEYS) {
    if (beside) {
      wrapWords(does, columns - KEY_WIDTH - 2).forEach((line, i) =>
        lines.push(
          <Text key={`k-${key}-${i}`}>
            {"  "}
            <Text bold>{(i === 0 ? key : "").padEnd(KEY_WIDTH)}</Text>
            {line}
          </Text>,
        ),
      );
    } else {
      lines.push(
        <Text key={`k-${key}`} bold>
          {`  ${key}`}
        </Text>,
      );
      para(`kd-${key}`, does, 4);
    }
  }
  heading("Colours and marks");
  para("meaning", MEANING);
  heading("Data");
  para("data", target === "in-process" ? "The agent running in this process." : `The agent at ${target}, over /api/v1 and its event stream.`);
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      {lines.slice(0, Math.max(0, height))}
    </Box>
  );
}
