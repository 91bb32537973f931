import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { FanSensor, SensorsSection, TemperatureSensor } from "../../contracts/snapshot.ts";
import type { Collector } from "../collector.ts";
import type { HostPaths } from "./host-paths.ts";
import { isGone, readProcFile } from "./proc-file.ts";

/** Sensors are looked for again this often (a hot-plugged device); their values are read every time. */
const DISCOVER_EVERY_MS = 60_000;

/** One sensor found: where its value is, and the limits the chip set (read once: they do not move). */
interface Found {
  kind: "temp" | "fan";
  chip: string;
  sensor: string;
  input: string;
  high: number | null;
  critical: number | null;
  min: number | null;
}

/** Millidegrees Celsius of hwmon's `temp*_*` files, in degrees. */
export function parseMillidegrees(text: string): number {
  const n = Number(text.trim());
  if (!Number.isFinite(n)) throw new Error(`parse hwmon temperature: ${JSON.stringify(text.trim())}`);
  return n / 1000;
}

/**
 * Temperatures and fans from /sys/class/hwmon under the host root: each chip's `name`, and per sensor its
 * label (`temp1_label`), current value (`temp1_input`, `fan1_input`) and the chip's own limits
 * (`temp1_max`, `temp1_crit`, `fan1_min`). A host without hwmon (most virtual machines) reports `null`.
 */
export function createHwmonCollector(paths: HostPaths, options: { read?: (path: string) => string } = {}): Collector {
  const read = options.read ?? readProcFile;
  const root = paths.sys("class", "hwmon");
  let found: Found[] = [];
  let discoveredAt = Number.NEGATIVE_INFINITY;

  const optional = (path: string): string | undefined => {
    try {
      return read(path).trim();
    } catch (cause) {
      // A sensor without a label or a limit, or one whose driver refuses the read (EIO, ENODATA).
      if (isGone(cause) || ["EIO", "ENODATA", "EAGAIN", "EINVAL", "ENXIO"].includes((cause as { code?: string }).code ?? "")) return undefined;
      throw cause;
    }
  };
  const degrees = (path: string): number | null => {
    const text = optional(path);
    if (text === undefined) return null;
    const n = Number(text);
    return Number.isFinite(n) && n !== 0 ? n / 1000 : null;
  };

  function discover(): Found[] {
    const out: Found[] = [];
    for (const hwmon of readdirSync(root).sort(byNumber)) {
      // Older drivers keep their files under device/.
      let dir = join(root, hwmon);
      if (!existsSync(join(dir, "name")) && existsSync(join(dir, "device", "name"))) dir = join(dir, "device");
      const chip = optional(join(dir, "name")) ?? hwmon;
      const files = readdirSync(dir);
      for (const file of files.sort(byNumber)) {
        const match = file.match(/^(temp|fan)(\d+)_input$/);
        if (!match) continue;
        const base = `${match[1]}${match[2]}`;
        const sensor = optional(join(dir, `${base}_label`)) || base;
        if (match[1] === "temp") {
          out.push({ kind: "temp", chip, sensor, input: join(dir, file), high: degrees(join(dir, `${base}_max`)), critical: degrees(join(dir, `${base}_crit`)), min: null });
        } else {
          const min = Number(optional(join(dir, `${base}_min`)));
          out.push({ kind: "fan", chip, sensor, input: join(dir, file), high: null, critical: null, min: Number.isFinite(min) && min > 0 ? min : null });
        }
      }
    }
    return out;
  }

  return {
    name: "sensors",
    collect(now) {
      if (now - discoveredAt >= DISCOVER_EVERY_MS) {
        discoveredAt = now;
        found = existsSync(root) ? discover() : [];
      }
      if (found.length === 0) return { sensors: null };
      const section: SensorsSection = { temperatures: [], fans: [] };
      for (const f of found) {
        const text = optional(f.input);
        if (text === undefined) continue;
        if (f.kind === "temp") {
          const t: TemperatureSensor = { chip: f.chip, sensor: f.sensor, celsius: parseMillidegrees(text), high: f.high, critical: f.critical };
          section.temperatures.push(t);
        } else {
          const fan: FanSensor = { chip: f.chip, sensor: f.sensor, rpm: Number(text), min: f.min };
          section.fans.push(fan);
        }
      }
      return { sensors: section };
    },
  };
}

/** `hwmon2` before `hwmon10`, `temp2_input` before `temp10_input`. */
function byNumber(a: string, b: string): number {
  return a.localeCompare(b, "en", { numeric: true });
}
