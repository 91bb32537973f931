import { Text } from "ink";
import { memo } from "react";

export interface FooterProps {
  paused: boolean;
  width: number;
}

const Key = ({ k, does }: { k: string; does: string }) => (
  <Text>
    <Text bold color="cyan">
      {k}
    </Text>{" "}
    {does}
    {"  "}
  </Text>
);

/** The keys, always in view: q quit, p pause, tab or arrows to move between panels, ? help. */
export const Footer = memo(function Footer({ paused, width }: FooterProps) {
  return (
    <Text wrap="truncate-end">
      <Key k="q" does="quit" />
      <Key k="p" does={paused ? "resume" : "pause"} />
      <Key k="tab/←→" does="panel" />
      <Key k="↑↓" does="scroll" />
      <Key k="?" does="help" />
      {width >= 90 ? <Text dimColor>1 2 3 jump to a panel</Text> : null}
    </Text>
  );
});
