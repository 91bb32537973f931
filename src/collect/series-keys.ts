import { type Labels, seriesKey } from "../contracts/sample.ts";
import { labelsOf } from "./series.ts";

/** One series, interned: its key and the labels object that every sample of it shares. */
export interface SeriesId {
  readonly metric: string;
  readonly labels: Labels;
  /** `seriesKey(metric, labels)`, built once when the series first appears. */
  readonly key: string;
  /** Its label values in the table's order (none for a series from outside the table): what a reader compares. */
  readonly values: readonly (string | undefined)[];
  /** The last pass that saw it (`SeriesKeys.beginPass`). */
  seen: number;
  /**
   * What `SeriesBudget` decided: kept (true), left out (false), not yet (undefined). Kept here, on the
   * series, so that the decision costs no lookup per sample.
   */
  place?: boolean;
}

/** A level of the lookup tree: label values (or, for series outside the table, names and values) down to the series. */
type Node = Map<string, Node | SeriesId>;

/**
 * Interns series so that a key string is built once per series, not once per sample per tick: a
 * lookup walks one Map per label value (`device` → `"eth0"`), which costs no allocation. Series of the
 * Series table have fixed label names (`names`); series from textfiles and plugins may not, so their
 * path holds each name and value. Series not seen for a while are forgotten (`forget`), so the table
 * stays as large as the host's live series.
 */
export class SeriesKeys {
  private readonly roots = new Map<string, Node>();
  private current = 0;
  private count = 0;

  /** Starts a tick: what `intern` meets from now on counts as seen in this pass. */
  beginPass(): number {
    return ++this.current;
  }

  get pass(): number {
    return this.current;
  }

  /** Series interned now. */
  get size(): number {
    return this.count;
  }

  /**
   * The series of a Series table metric with label names `names` and values `a`, `b`, `c` (as `emit`
   * gives them), made on first sight: one Map per label value is walked, and a labels object is made
   * only for a new series. `find` looks it up by its labels object.
   */
  internValues(metric: string, names: readonly string[], a?: string, b?: string, c?: string): SeriesId {
    let node = this.roots.get(metric);
    if (!node) this.roots.set(metric, (node = new Map()));
    const count = names.length;
    if (count > 1) node = step(node, a ?? "");
    if (count > 2) node = step(node, b ?? "");
    const leaf = count === 0 ? "" : ((count === 1 ? a : count === 2 ? b : c) ?? "");
    let id = node.get(leaf) as SeriesId | undefined;
    if (!id) {
      const labels = labelsOf(names, a, b, c);
      id = { metric, labels, key: seriesKey(metric, labels), values: [a, b, c], seen: this.current };
      node.set(leaf, id);
      this.count++;
    }
    id.seen = this.current;
    return id;
  }

  /**
   * The series of a metric from outside the Series table (a textfile or a plugin) with `labels`, made on
   * first sight: its label names are free, so its path holds each name and value.
   */
  intern(metric: string, labels: Labels): SeriesId {
    let node = this.roots.get(metric);
    if (!node) this.roots.set(metric, (node = new Map()));
    const path = pathOf(labels, undefined);
    for (let i = 0; i < path.length - 1; i++) node = step(node, path[i]!);
    const leaf = path[path.length - 1]!;
    let id = node.get(leaf) as SeriesId | undefined;
    if (!id) {
      id = { metric, labels, key: seriesKey(metric, labels), values: NO_VALUES, seen: this.current };
      node.set(leaf, id);
      this.count++;
    }
    id.seen = this.current;
    return id;
  }

  /** The series already interned for `metric` and `labels`, without making it or marking it seen. */
  find(metric: string, labels: Labels, names?: readonly string[]): SeriesId | undefined {
    let node: Node | SeriesId | undefined = this.roots.get(metric);
    for (const part of pathOf(labels, names)) {
      if (!(node instanceof Map)) return undefined;
      node = node.get(part);
    }
    return node instanceof Map ? undefined : node;
  }

  /** Forgets the series no pass has seen since `pass` and returns them. */
  forget(before: number): SeriesId[] {
    const gone: SeriesId[] = [];
    const sweep = (node: Node): void => {
      for (const [part, child] of node) {
        if (child instanceof Map) {
          sweep(child);
          if (child.size === 0) node.delete(part);
        } else if (child.seen < before) {
          node.delete(part);
          gone.push(child);
        }
      }
    };
    for (const [metric, root] of this.roots) {
      sweep(root);
      if (root.size === 0) this.roots.delete(metric);
    }
    this.count -= gone.length;
    return gone;
  }
}

const NO_LABELS = [""];
const NO_VALUES: readonly string[] = [];

function step(node: Node, part: string): Node {
  let next = node.get(part) as Node | undefined;
  if (!next) node.set(part, (next = new Map()));
  return next;
}

/** The lookup path of a label set: the values in the table's order, or every name and value of an outside series. */
function pathOf(labels: Labels, names: readonly string[] | undefined): readonly string[] {
  if (names) {
    if (names.length === 0) return NO_LABELS;
    if (names.length === 1) return [labels[names[0]!] ?? ""];
    return names.map((n) => labels[n] ?? "");
  }
  // Names and values, then an end mark: `{a="x"}` and `{a="x",b="y"}` must not meet at one node.
  const path: string[] = [];
  for (const name in labels) path.push(name, labels[name]!);
  path.push("\u0000");
  return path;
}
