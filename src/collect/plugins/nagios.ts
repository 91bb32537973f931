import type { NagiosPerfdata } from "../../contracts/snapshot.ts";

/** What a Nagios plugin said: its status (from the exit code), first line of text, and performance data. */
export interface NagiosResult {
  status: 0 | 1 | 2 | 3;
  text: string;
  perfdata: NagiosPerfdata[];
}

/** Units of Nagios performance data, to the base unit and its name. */
const UNITS: Record<string, [number, string]> = {
  "": [1, ""],
  s: [1, "seconds"],
  ms: [1e-3, "seconds"],
  us: [1e-6, "seconds"],
  "%": [1, "percent"],
  B: [1, "bytes"],
  KB: [1024, "bytes"],
  MB: [1024 ** 2, "bytes"],
  GB: [1024 ** 3, "bytes"],
  TB: [1024 ** 4, "bytes"],
  c: [1, "counter"],
};

/**
 * Parses Nagios plugin output (the plugin API of Nagios and Icinga): the exit code is the status
 * (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), the first line is `TEXT | perfdata`, and later lines may add
 * performance data after a `|`. Each datum is `'label'=value[unit];warn;crit;min;max`; a `U` value
 * (undetermined) is skipped. Throws on an exit code outside 0–3 or a datum that cannot be read.
 */
export function parseNagiosOutput(stdout: string, exitCode: number): NagiosResult {
  if (!Number.isInteger(exitCode) || exitCode < 0 || exitCode > 3) throw new Error(`exited with code ${exitCode} (a Nagios plugin exits 0 to 3)`);
  const lines = stdout.replace(/\r/g, "").split("\n");
  const [first = "", ...rest] = lines;
  const bar = first.indexOf("|");
  const text = (bar < 0 ? first : first.slice(0, bar)).trim();
  const perfTexts = bar < 0 ? [] : [first.slice(bar + 1)];
  let inPerf = false;
  for (const line of rest) {
    if (!inPerf) {
      const at = line.indexOf("|");
      if (at < 0) continue;
      inPerf = true;
      perfTexts.push(line.slice(at + 1));
    } else perfTexts.push(line);
  }
  const perfdata: NagiosPerfdata[] = [];
  for (const chunk of perfTexts) perfdata.push(...parsePerfdata(chunk));
  return { status: exitCode as NagiosResult["status"], text, perfdata };
}

/** `'a b'=1.5s;2;3;0 c=4%` → data in base units. */
export function parsePerfdata(text: string): NagiosPerfdata[] {
  const out: NagiosPerfdata[] = [];
  const pattern = /\s*('(?:[^']|'')+'|[^\s=']+)=(\S*)/g;
  let match: RegExpExecArray | null;
  let end = 0;
  while ((match = pattern.exec(text)) !== null) {
    if (text.slice(end, match.index).trim() !== "") throw new Error(`performance data: cannot read ${JSON.stringify(text.slice(end, match.index).trim())}`);
    end = pattern.lastIndex;
    const label = match[1]!.startsWith("'") ? match[1]!.slice(1, -1).replaceAll("''", "'") : match[1]!;
    const [raw = ""] = match[2]!.split(";");
    if (raw === "U") continue;
    const m = raw.match(/^([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)([a-zA-Z%]*)$/);
    if (!m) throw new Error(`performance data ${label}: invalid value ${JSON.stringify(raw)}`);
    const unit = UNITS[m[2]!];
    if (!unit) throw new Error(`performance data ${label}: unknown unit ${JSON.stringify(m[2])} (expected s, ms, us, %, B, KB, MB, GB, TB or c)`);
    out.push({ label, value: Number(m[1]) * unit[0], unit: unit[1] });
  }
  if (text.slice(end).trim() !== "") throw new Error(`performance data: cannot read ${JSON.stringify(text.slice(end).trim())}`);
  return out;
}
