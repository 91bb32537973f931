/**
 * Numbers for people: sizes in binary units (GiB, as `free -h` and `df -h` show them), rates in
 * decimal units per second (MB/s, as network tools show them), percentages with one decimal.
 */

const BINARY = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;
const DECIMAL_RATE = ["B/s", "kB/s", "MB/s", "GB/s", "TB/s"] as const;
const DECIMAL = ["B", "kB", "MB", "GB", "TB"] as const;

/** Up to three significant digits, never exponent notation: 1.23, 12.3, 123. */
function threeDigits(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function scaled(value: number, base: number, units: readonly string[]): string {
  if (!Number.isFinite(value)) return "–";
  const sign = value < 0 ? "-" : "";
  let v = Math.abs(value);
  let unit = 0;
  while (v >= base && unit < units.length - 1) {
    v /= base;
    unit++;
  }
  // Whole bytes have no decimals: "512 B", not "512.00 B".
  const digits = unit === 0 ? Math.round(v).toString() : threeDigits(v);
  return `${sign}${digits} ${units[unit]}`;
}

/** Bytes in binary units: `8.00 GiB`, `512 B`. */
export function formatBytes(bytes: number): string {
  return scaled(bytes, 1024, BINARY);
}

/** Bytes per second in decimal units: `1.25 MB/s`, `0 B/s`. */
export function formatRate(bytesPerSecond: number): string {
  return scaled(bytesPerSecond, 1000, DECIMAL_RATE);
}

/** Bytes in decimal units, for a column headed "/s": `1.25 MB`, `0 B`. */
export function formatDecimalBytes(bytes: number): string {
  return scaled(bytes, 1000, DECIMAL);
}

/** A percentage with one decimal: `45.2%`. */
export function formatPercent(percent: number): string {
  return Number.isFinite(percent) ? `${percent.toFixed(1)}%` : "–";
}

/** A count or ratio such as a load average: two decimals below 10, one below 100, none above. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return "–";
  return `${value < 0 ? "-" : ""}${threeDigits(Math.abs(value))}`;
}

/** A duration in its two largest units: `3d 4h`, `4h 12m`, `5m 3s`, `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "–";
  const s = Math.floor(seconds);
  const parts: Array<[number, string]> = [
    [Math.floor(s / 86400), "d"],
    [Math.floor((s % 86400) / 3600), "h"],
    [Math.floor((s % 3600) / 60), "m"],
    [s % 60, "s"],
  ];
  const first = parts.findIndex(([n]) => n > 0);
  if (first < 0) return "0s";
  return parts
    .slice(first, first + 2)
    .filter(([n], i) => i === 0 || n > 0)
    .map(([n, u]) => `${n}${u}`)
    .join(" ");
}

/** How long ago `then` was, from `now` (both ms): `12s ago`, `3m ago`, `2h 5m ago`. */
export function formatAgo(then: number, now: number): string {
  if (!Number.isFinite(then)) return "";
  const seconds = Math.max(0, (now - then) / 1000);
  return seconds < 1 ? "now" : `${formatDuration(seconds)} ago`;
}

/** Local wall-clock time of an ISO time or epoch ms: `08:00:05`. */
export function formatClock(time: string | number): string {
  const date = new Date(time);
  if (Number.isNaN(date.getTime())) return "--:--:--";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}`;
}

/** Cuts `text` to `width` columns, ending in `…` when it was longer. */
export function truncate(text: string, width: number): string {
  if (width <= 0) return "";
  if (text.length <= width) return text;
  return width === 1 ? "…" : `${text.slice(0, width - 1)}…`;
}

/** Breaks `text` into lines of at most `width` columns at spaces (a word longer than a line is cut). */
export function wrapWords(text: string, width: number): string[] {
  const room = Math.max(1, width);
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const piece = word.length > room ? truncate(word, room) : word;
    if (line === "") line = piece;
    else if (line.length + 1 + piece.length <= room) line += ` ${piece}`;
    else {
      lines.push(line);
      line = piece;
    }
  }
  if (line !== "" || lines.length === 0) lines.push(line);
  return lines;
}
