import { expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { renderReadme } from "../scripts/readme.ts";

test("the README's settings and metrics tables match the schema and the Series table", () => {
  const readme = readFileSync(join(import.meta.dir, "../README.md"), "utf8");
  // Stale? Run `bun scripts/readme.ts`.
  expect(renderReadme(readme)).toBe(readme);
});

test("the README shows the two set-up commands first", () => {
  const readme = readFileSync(join(import.meta.dir, "../README.md"), "utf8");
  const firstBlock = readme.slice(readme.indexOf("```"), readme.indexOf("```", readme.indexOf("```") + 3));
  expect(firstBlock).toContain("npm install && npm start");
  expect(firstBlock).toContain("npm install && npm test");
});
