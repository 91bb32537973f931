/** What each key does, as the help screen lists it. */
export const KEYS: ReadonlyArray<readonly [string, string]> = [
  ["q, Ctrl-C", "quit (in-process: stops the agent as SIGTERM does)"],
  ["p", "pause the screen; data keeps coming and shows on resume"],
  ["tab, →, shift-tab, ←", "next or previous panel (a small terminal shows one at a time)"],
  ["1 2 3", "host, anomalies, alerts and deliveries"],
  ["↑ ↓, k j, PgUp PgDn, Home", "scroll the focused list"],
  ["?, Esc", "close this help"],
];

/** The paragraphs under the keys: what the colours and marks mean. */
export const HELP_SECTIONS: ReadonlyArray<readonly [string, string]> = [
  [
    "Colours and marks",
    "Percentages are green below the warning level, yellow above it (marked !) and red at or above the critical level (marked !!): thresholds.* of the agent's configuration. Filesystems are listed fullest first; a critical one is always in view. While the connection is down, the values go dim as they age and the header says how old they are.",
  ],
];
