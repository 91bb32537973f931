import { expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config/load.ts";

/**
 * One test per file of `dir`: each file is one misconfiguration, loaded as `agent.yaml`; its
 * `# expect:` lines are the exact messages the loader must print, one per problem, in order.
 */
export function testInvalidConfigurations(dir: string): void {
  for (const file of readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort()) {
    test(`invalid: ${file}`, () => {
      const text = readFileSync(join(dir, file), "utf8");
      const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map((m) => m[1]);
      expect(expected.length).toBeGreaterThan(0);
      let problems: string[] | undefined;
      try {
        loadConfig({ env: {}, file: "agent.yaml", readFile: (p) => (p === "agent.yaml" ? text : readFileSync(p, "utf8")) });
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        problems = e.problems;
      }
      expect(problems).toEqual(expected as string[]);
    });
  }
}
