import { describe, expect, test } from "bun:test";
import { parseStatCpu, percentOfCore, processTree, treeCpuSeconds } from "../../bench/support/process-stats.ts";

// Recorded on the development machine (USER_HZ 100): a bash that has reaped one python child
// (cutime 28, cstime 21) and waits on a second one, a copy of python named "busy) x" (utime 3, stime 1).
const BASH = "7137 (bash) S 1 7134 31541 0 -1 4194304 239 9328 0 0 0 0 28 21 20 0 1 0 5835539 4464640 779 18446744073709551615 94411962249216 94411963038621 140728258883232 0 0 0 65536 6 65536 1 0 0 17 0 0 0 0 0 0 94411963271920 94411963320164 94412609462272 140728258886052 140728258886179 140728258886179 140728258887658 0";
const BUSY = "7206 (busy) x) S 7137 7134 31541 0 -1 4194304 829 0 0 0 3 1 0 0 20 0 1 0 5835593 14286848 2042 18446744073709551615 4321280 7148169 140733810953136 0 0 0 0 16781318 0 1 0 0 17 0 0 0 0 0 0 9723336 11027064 598175744 140733810956742 140733810956817 140733810956817 140733810958305 0";
// bench:peer's pair at 1 s, read 60 s apart: the agent (utime 54 → 90, stime 19 → 42) and node_exporter
// (25 → 71, 22 → 51), both children of the bench (4554).
const AGENT_BEFORE = "4708 (aiops-agent) S 4554 4550 31541 0 -1 4194560 9326 0 0 0 54 19 0 0 20 0 5 0 5824060 6710808576 18596 18446744073709551615 27528448 109354128 140733689398288 0 0 0 0 16781312 1610630395 0 0 0 17 0 0 0 0 0 0 109358224 115003392 441159680 140733689403714 140733689403759 140733689403759 140733689405391 0";
const AGENT_AFTER = "4708 (aiops-agent) S 4554 4550 31541 0 -1 4194560 11896 0 0 0 90 42 0 0 20 0 4 0 5824060 6710808576 19826 18446744073709551615 27528448 109354128 140733689398288 0 0 0 0 16781312 1610630395 0 0 0 17 0 0 0 0 0 0 109358224 115003392 441159680 140733689403714 140733689403759 140733689403759 140733689405391 0";
const EXPORTER_BEFORE = "4707 (prometheus-node) S 4554 4550 31541 0 -1 4194560 2117 0 1 0 25 22 0 0 20 0 5 0 5824059 1048121344 5251 18446744073709551615 4202496 10874237 140726449528832 0 0 0 0 0 2143420159 0 0 0 17 0 0 0 0 0 0 17538544 17899544 467578880 140726449535420 140726449535491 140726449535491 140726449536982 0";
const EXPORTER_AFTER = "4707 (prometheus-node) S 4554 4550 31541 0 -1 4194560 2426 0 1 0 71 51 0 0 20 0 5 0 5824059 1048121344 5236 18446744073709551615 4202496 10874237 140726449528832 0 0 0 0 0 2143420159 0 0 0 17 0 0 0 0 0 0 17538544 17899544 467578880 140726449535420 140726449535491 140726449535491 140726449536982 0";

describe("CPU of a process tree from /proc/<pid>/stat", () => {
  test("fields are counted after the last ') ', so a command name holding ') ' does not shift them", () => {
    expect(parseStatCpu(BUSY)).toEqual({ pid: 7206, ppid: 7137, own: 0.04, reapedChildren: 0 });
    expect(parseStatCpu(BASH)).toEqual({ pid: 7137, ppid: 1, own: 0, reapedChildren: 0.49 });
  });

  test("a tree holds the root, its live children and what it reaped, and nothing else", () => {
    const stats = [AGENT_AFTER, BASH, EXPORTER_AFTER, BUSY].map(parseStatCpu);
    const tree = processTree(stats, 7137);
    expect(tree.map((s) => s.pid)).toEqual([7137, 7206]);
    expect(treeCpuSeconds(tree)).toBeCloseTo(0.53, 10);
    expect(processTree(stats, 4554)).toEqual([]);
  });

  test("the agent against node_exporter over the same 60 s: each as a share of one core, and their ratio", () => {
    const share = (before: string, after: string) => percentOfCore(parseStatCpu(before).own, parseStatCpu(after).own, 60);
    const agent = share(AGENT_BEFORE, AGENT_AFTER);
    const exporter = share(EXPORTER_BEFORE, EXPORTER_AFTER);
    expect(agent).toBeCloseTo(0.983, 3); // 59 ticks of 10 ms in 60 s
    expect(exporter).toBeCloseTo(1.25, 3); // 75 ticks
    expect(agent / exporter).toBeCloseTo(0.787, 3);
    expect(() => percentOfCore(1, 2, 0)).toThrow("the window must last more than 0 s, got 0");
  });
});
