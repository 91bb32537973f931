import { expect, test } from "bun:test";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { ConfigError, loadConfig } from "../../src/config/load.ts";

/**
 * Each file in config-invalid/ is one misconfiguration of `export`; its `# expect:` lines are the exact
 * messages the loader must print, one per problem, in order. The file is loaded as `agent.yaml`.
 */
const DIR = join(import.meta.dir, "config-invalid");

for (const file of readdirSync(DIR).filter((f) => f.endsWith(".yaml")).sort()) {
  test(`invalid: ${file}`, () => {
    const text = readFileSync(join(DIR, file), "utf8");
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

test("an empty AIOPS_EXPORT_REMOTE_WRITE_URL leaves remote_write off; the URL is a secret (also from _FILE)", () => {
  expect(loadConfig({ env: { AIOPS_EXPORT_REMOTE_WRITE_URL: "" } }).config.export.remote_write.url).toBeUndefined();
  const loaded = loadConfig({
    env: { AIOPS_EXPORT_REMOTE_WRITE_URL_FILE: "/run/secrets/rw" },
    readFile: () => "https://u:p@mimir.example.com/api/v1/push\n",
  });
  expect(loaded.config.export.remote_write.url).toBe("https://u:p@mimir.example.com/api/v1/push");
  expect(loaded.secrets).toContain("https://u:p@mimir.example.com/api/v1/push");
});
