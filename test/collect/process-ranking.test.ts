import { expect, test } from "bun:test";
import { firstInOrder, rankProcesses } from "../../src/collect/process-ranking.ts";
import type { ProcessInfo } from "../../src/contracts/snapshot.ts";

function process_(pid: number, cpu: number, memory: number, write: number | null): ProcessInfo {
  return {
    pid,
    name: `p${pid}`,
    command: `p${pid}`,
    user: "root",
    state: "sleeping",
    cpu_percent: cpu,
    memory_bytes: memory,
    memory_growth_bytes_per_second: 0,
    read_bytes_per_second: write === null ? null : 0,
    write_bytes_per_second: write,
    threads: 1,
    start_time: "2026-12-05T00:00:00.000Z",
  };
}

test("the first n in order are those a full sort would keep, in the same order, ties included", () => {
  // Few distinct values, so most comparisons tie and fall through to the pid.
  let seed = 7;
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % n;
  };
  for (let round = 0; round < 50; round++) {
    const items = Array.from({ length: 1 + random(300) }, (_, i) => process_(1000 - i * 3, random(4) * 12.5, random(5) * 4096, random(3) === 0 ? null : random(3) * 100));
    for (const limit of [0, 1, 3, 10, items.length - 1, items.length, items.length + 5]) {
      for (const order of ["cpu", "memory", "io", "write"] as const) {
        const full = rankProcesses(items, order);
        expect(rankProcesses(items, order, limit).map((p) => p.pid)).toEqual(full.slice(0, Math.max(0, limit)).map((p) => p.pid));
      }
    }
  }
  const numbers = [5, 3, 9, 1, 9, 2];
  expect(firstInOrder(numbers, 3, (a, b) => b - a)).toEqual([9, 9, 5]);
  expect(numbers).toEqual([5, 3, 9, 1, 9, 2]);
});
