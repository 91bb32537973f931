import { expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config/load.ts";

/**
 * Each file in config-invalid/ is one misconfiguration of the agent's own settings (server, files);
 * its `# expect:` lines are the exact messages the loader must print, one per problem, in order. The
 * file is loaded as `agent.yaml`; other files it names are read from this directory.
 */
const DIR = join(import.meta.dir, "config-invalid");

for (const file of readdirSync(DIR).filter((f) => f.endsWith(".yaml")).sort()) {
  test(`invalid: ${file}`, () => {
    const text = readFileSync(join(DIR, file), "utf8");
    const expected = [...text.matchAll(/^# expect: (.*)$/gm)].map((m) => m[1]);
    expect(expected.length).toBeGreaterThan(0);
    let problems: string[] | undefined;
    try {
      loadConfig({ env: {}, file: "agent.yaml", readFile: (p) => (p === "agent.yaml" ? text : readFileSync(join(DIR, p), "utf8")) });
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems = e.problems;
    }
    expect(problems).toEqual(expected as string[]);
  });
}
