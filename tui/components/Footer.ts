import { type Line, line, span } from "../line.ts";

export interface FooterProps {
  paused: boolean;
  width: number;
  /** How many panels the number keys jump to. */
  panels: number;
  /** The focused panel's own keys, `[keys, what they do]`, after the general ones. */
  panelKeys?: ReadonlyArray<readonly [string, string]>;
}

const key = (k: string, does: string): Line => [span(k, { bold: true, color: "cyan" }), span(` ${does}  `)];

/** The keys, always in view: q quit, p pause, tab or arrows to move between panels, ? help, then the focused panel's keys. */
export function Footer({ paused, width, panels, panelKeys = [] }: FooterProps): Line {
  return line(
    key("q", "quit"),
    key("p", paused ? "resume" : "pause"),
    key("tab/←→", "panel"),
    key("↑↓", "scroll"),
    key("?", "help"),
    ...panelKeys.map(([k, does]) => key(k, does)),
    width >= 90 + panelKeys.length * 12 ? span(`${Array.from({ length: panels }, (_, i) => i + 1).join(" ")} jump to a panel`, { dim: true }) : null,
  );
}
