import { Box, Text } from "ink";

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

/** What the keys do and what the colours mean. */
export function Help({ target, width, height }: HelpProps) {
  return (
    <Box flexDirection="column" width={width} height={height} overflow="hidden">
      <Text bold color="cyan">
        Keys
      </Text>
      {KEYS.map(([key, does]) => (
        <Text key={key} wrap="truncate-end">
          {"  "}
          <Text bold>{key.padEnd(28)}</Text>
          {does}
        </Text>
      ))}
      <Text bold color="cyan">
        Colours
      </Text>
      <Text wrap="truncate-end">
        {"  "}
        <Text color="green">green</Text> below the warning level, <Text color="yellow">yellow</Text> above it,{" "}
        <Text color="red">red</Text> at or above the critical level (thresholds.* of the configuration)
      </Text>
      <Text bold color="cyan">
        Data
      </Text>
      <Text wrap="truncate-end">
        {"  "}
        {target === "in-process" ? "the agent running in this process" : `the agent at ${target}, over /api/v1 and its event stream`}
      </Text>
    </Box>
  );
}
