import { type Labels, seriesKey } from "../contracts/sample.ts";

interface Node {
  key?: string;
  next?: Map<string, Node>;
}

/**
 * The key of a series (`seriesKey`), built once per series rather than once per sample: a lookup walks
 * the metric and each label name and value through nested maps, without building a string. Cleared
 * with each written block, so series that are gone do not stay in it.
 */
export class SeriesKeyCache {
  private readonly root = new Map<string, Node>();

  keyOf(metric: string, labels: Labels): string {
    let node = this.root.get(metric);
    if (!node) this.root.set(metric, (node = {}));
    for (const name in labels) {
      node = step(step(node, name), labels[name]!);
    }
    return (node.key ??= seriesKey(metric, labels));
  }

  clear(): void {
    this.root.clear();
  }
}

function step(node: Node, part: string): Node {
  const next = (node.next ??= new Map());
  let child = next.get(part);
  if (!child) next.set(part, (child = {}));
  return child;
}
